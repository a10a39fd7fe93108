//! SQLAlchemy types as PostgreSQL DDL (`PGTypeCompiler`), and literal values of them.

use crate::python::{Object, Value, float_repr};

use super::approx;
use super::names::sa_name;
use super::pyvalues;
use super::quote::{qualified, quote, string_literal};

/// A column type.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlType {
    pub base: Base,
    pub affinity: Affinity,
    /// `COLLATE` of string types.
    pub collation: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Base {
    /// Fully rendered, e.g. `NUMERIC(10, 2)`.
    Fixed(String),
    /// A named PostgreSQL enum (rendered with the effective schema).
    Enum(EnumType),
    Array(Box<SqlType>, usize),
}

/// What literal rendering and SERIAL detection need to know about a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Affinity {
    Integer,
    BigInteger,
    SmallInteger,
    /// Numeric with its scale (a non-zero scale cannot autoincrement).
    Numeric,
    Float,
    String,
    Boolean,
    Json,
    Array,
    Other,
    /// `sa.column("x")` without a type: no literal renderer.
    Null,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumType {
    pub name: Option<String>,
    pub values: Vec<String>,
    pub schema: Option<String>,
    pub inherit_schema: bool,
    /// `postgresql.ENUM(create_type=False)` is never created by `create_table`.
    pub create_type: bool,
    /// `native_enum=False`: a VARCHAR (with a CHECK when `create_constraint=True`).
    pub native: bool,
    pub create_constraint: bool,
    pub length: Option<i64>,
}

impl EnumType {
    pub fn effective_schema<'a>(&'a self, table_schema: Option<&'a str>) -> Option<&'a str> {
        self.schema.as_deref().or(if self.inherit_schema {
            table_schema
        } else {
            None
        })
    }

    /// `schema.name` as `format_type` writes it.
    pub fn qualified_name(&self, table_schema: Option<&str>) -> Result<String, String> {
        let name = self
            .name
            .as_deref()
            .ok_or("PostgreSQL ENUM type requires a name")?;
        Ok(qualified(self.effective_schema(table_schema), name))
    }

    /// `CREATE TYPE name AS ENUM (...)`.
    pub fn create_sql(&self, table_schema: Option<&str>) -> Result<String, String> {
        let values: Vec<String> = self.values.iter().map(|v| string_literal(v)).collect();
        Ok(format!(
            "CREATE TYPE {} AS ENUM ({})",
            self.qualified_name(table_schema)?,
            values.join(", ")
        ))
    }

    fn varchar_length(&self) -> i64 {
        self.length.unwrap_or_else(|| {
            self.values
                .iter()
                .map(|v| v.chars().count() as i64)
                .max()
                .unwrap_or(0)
        })
    }
}

fn int_param(object: &Object, position: usize, name: &str) -> Result<Option<i64>, String> {
    match object.param(position, name) {
        None | Some(Value::None) => Ok(None),
        Some(Value::Int(i)) => Ok(Some(*i)),
        // A length or precision only known when run (a third-party constant): the type
        // without it, approximately.
        Some(value) if approx::unknown_name(value).is_some() => {
            approx::text(value);
            Ok(None)
        }
        Some(other) => Err(format!(
            "`{name}` of {} is a {}",
            object.class(),
            other.type_name()
        )),
    }
}

fn bool_param(object: &Object, name: &str, default: bool) -> Result<bool, String> {
    match object.kwarg(name) {
        None => Ok(default),
        Some(value) => value
            .truthy()
            .ok_or_else(|| format!("`{name}` is a runtime value")),
    }
}

fn str_param(object: &Object, position: usize, name: &str) -> Result<Option<String>, String> {
    match object.param(position, name) {
        None | Some(Value::None) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!(
            "`{name}` of {} is a {}",
            object.class(),
            other.type_name()
        )),
    }
}

fn with_length(name: &str, length: Option<i64>) -> String {
    match length {
        Some(n) => format!("{name}({n})"),
        None => name.to_string(),
    }
}

impl SqlType {
    /// The name of a type only known by running code: a third-party constant or runtime
    /// value ([`approx::unknown_name`]), or a call of a class outside the libraries the
    /// renderer knows.
    pub fn unknown_name(value: &Value) -> Option<String> {
        approx::unknown_name(value).or_else(|| {
            let object = value.as_object()?;
            (!crate::python::is_library_path(&object.path)).then(|| object.path.clone())
        })
    }

    /// A type only known by running code (a project's own type whose module is not at hand,
    /// or a third-party type locksmith does not know), written as a quoted placeholder
    /// naming it (`"<myapp.types.GUID()>"`) and noted, so the statement is approximate.
    pub fn placeholder(name: &str) -> SqlType {
        approx::note(name.to_string());
        SqlType {
            base: Base::Fixed(quote(&format!("<{name}>"))),
            affinity: Affinity::Other,
            collation: None,
        }
    }

    /// The type given as `sa.Integer`, `sa.String(50)`, `postgresql.ARRAY(sa.Text())`, ...
    pub fn from_value(value: &Value) -> Result<SqlType, String> {
        let object = match value {
            Value::Object(object) => (**object).clone(),
            Value::Path(path) => Object {
                path: path.clone(),
                args: vec![],
                kwargs: vec![],
                span: 0..0,
            },
            other => {
                return Err(format!(
                    "a {} where a column type is expected",
                    other.type_name()
                ));
            }
        };
        Self::from_object(&object)
    }

    fn from_object(object: &Object) -> Result<SqlType, String> {
        let name =
            sa_name(&object.path).ok_or_else(|| format!("unknown type `{}`", object.path))?;
        let fixed = |ddl: String, affinity: Affinity| {
            Ok(SqlType {
                base: Base::Fixed(ddl),
                affinity,
                collation: None,
            })
        };
        let timezone = || match object.param(0, "timezone") {
            None => Ok(false),
            Some(v) => v
                .truthy()
                .ok_or_else(|| "`timezone` is a runtime value".to_string()),
        };
        match name {
            "Integer" | "INTEGER" | "INT" => fixed("INTEGER".into(), Affinity::Integer),
            "BigInteger" | "BIGINT" => fixed("BIGINT".into(), Affinity::BigInteger),
            "SmallInteger" | "SMALLINT" => fixed("SMALLINT".into(), Affinity::SmallInteger),
            "String" | "VARCHAR" | "Unicode" | "NVARCHAR" | "CHAR" | "NCHAR" | "Text" | "TEXT"
            | "UnicodeText" | "CITEXT" => {
                let ddl_name = match name {
                    "String" | "VARCHAR" | "Unicode" | "NVARCHAR" => "VARCHAR",
                    "CHAR" | "NCHAR" => "CHAR",
                    "CITEXT" => "CITEXT",
                    _ => "TEXT",
                };
                let length = int_param(object, 0, "length")?;
                let collation = str_param(object, 1, "collation")?;
                Ok(SqlType {
                    base: Base::Fixed(with_length(ddl_name, length)),
                    affinity: Affinity::String,
                    collation,
                })
            }
            "Numeric" | "NUMERIC" | "DECIMAL" => {
                let precision = int_param(object, 0, "precision")?;
                let scale = int_param(object, 1, "scale")?;
                let ddl_name = if name == "DECIMAL" {
                    "DECIMAL"
                } else {
                    "NUMERIC"
                };
                let ddl = match (precision, scale) {
                    (Some(p), Some(s)) => format!("{ddl_name}({p}, {s})"),
                    (Some(p), None) => format!("{ddl_name}({p})"),
                    _ => ddl_name.to_string(),
                };
                fixed(ddl, Affinity::Numeric)
            }
            "Float" | "FLOAT" => fixed(
                with_length(
                    "FLOAT",
                    int_param(object, 0, "precision")?.filter(|p| *p != 0),
                ),
                Affinity::Float,
            ),
            "REAL" => fixed("REAL".into(), Affinity::Float),
            "Double" | "DOUBLE" | "DOUBLE_PRECISION" => {
                fixed("DOUBLE PRECISION".into(), Affinity::Float)
            }
            "Boolean" | "BOOLEAN" => fixed("BOOLEAN".into(), Affinity::Boolean),
            "Date" | "DATE" => fixed("DATE".into(), Affinity::Other),
            "DateTime" | "DATETIME" | "TIMESTAMP" | "Time" | "TIME" => {
                let ddl_name = if name.eq_ignore_ascii_case("time") {
                    "TIME"
                } else {
                    "TIMESTAMP"
                };
                // The generic DateTime/Time take no precision; the PostgreSQL ones do.
                let precision = if matches!(name, "TIMESTAMP" | "TIME") {
                    int_param(object, 1, "precision")?
                } else {
                    None
                };
                let precision = precision.map(|p| format!("({p})")).unwrap_or_default();
                let zone = if timezone()? { "WITH" } else { "WITHOUT" };
                fixed(
                    format!("{ddl_name}{precision} {zone} TIME ZONE"),
                    Affinity::Other,
                )
            }
            "Interval" | "INTERVAL" => {
                let mut ddl = "INTERVAL".to_string();
                if name == "INTERVAL" {
                    if let Some(fields) = str_param(object, 1, "fields")? {
                        ddl.push(' ');
                        ddl.push_str(&fields);
                    }
                    if let Some(precision) = int_param(object, 0, "precision")? {
                        ddl.push_str(&format!(" ({precision})"));
                    }
                }
                fixed(ddl, Affinity::Other)
            }
            "JSON" => fixed("JSON".into(), Affinity::Json),
            "JSONB" => fixed("JSONB".into(), Affinity::Json),
            "Uuid" | "UUID" => fixed("UUID".into(), Affinity::String),
            "LargeBinary" | "BYTEA" | "LargeBinary_" => fixed("BYTEA".into(), Affinity::Other),
            "INET" | "CIDR" | "MACADDR" | "MACADDR8" | "TSVECTOR" | "TSQUERY" | "HSTORE"
            | "MONEY" | "OID" | "REGCONFIG" | "REGCLASS" | "INT4RANGE" | "INT8RANGE"
            | "NUMRANGE" | "DATERANGE" | "TSRANGE" | "TSTZRANGE" | "INT4MULTIRANGE"
            | "INT8MULTIRANGE" | "NUMMULTIRANGE" | "DATEMULTIRANGE" | "TSMULTIRANGE"
            | "TSTZMULTIRANGE" | "JSONPATH" => fixed(name.to_string(), Affinity::Other),
            "BIT" => {
                let length = int_param(object, 0, "length")?;
                let ddl = if bool_param(object, "varying", false)? {
                    with_length("BIT VARYING", length)
                } else {
                    format!("BIT({})", length.unwrap_or(1))
                };
                fixed(ddl, Affinity::Other)
            }
            "ARRAY" => {
                let item = object
                    .param(0, "item_type")
                    .ok_or("ARRAY needs an item type")?;
                let item = SqlType::from_value(item)?;
                let dimensions = int_param(object, 2, "dimensions")?.unwrap_or(1).max(1) as usize;
                Ok(SqlType {
                    base: Base::Array(Box::new(item), dimensions),
                    affinity: Affinity::Array,
                    collation: None,
                })
            }
            "Enum" | "ENUM" => Ok(SqlType {
                base: Base::Enum(enum_type(object)?),
                affinity: Affinity::String,
                collation: None,
            }),
            "NullType" => fixed("NULL".into(), Affinity::Null),
            // SQLAlchemy-Utils' types whose arguments are their own (python/value.rs).
            "ArrowType" if object.args.is_empty() => {
                let zone = if timezone()? { "WITH" } else { "WITHOUT" };
                fixed(format!("TIMESTAMP {zone} TIME ZONE"), Affinity::Other)
            }
            "StringEncryptedType" => fixed(
                with_length("VARCHAR", int_param(object, usize::MAX, "length")?),
                Affinity::String,
            ),
            "EncryptedType" => fixed("BYTEA".into(), Affinity::Other),
            // Native (the default) on PostgreSQL: UUID; otherwise BINARY(16) or CHAR(32).
            "UUIDType"
                if object
                    .param(1, "native")
                    .is_none_or(|n| n.truthy() == Some(true)) =>
            {
                fixed("UUID".into(), Affinity::String)
            }
            _ => Err(format!("unknown type `{name}`")),
        }
    }

    /// The DDL, e.g. `VARCHAR(50) COLLATE "C"`, `billing.state[]`.
    pub fn ddl(&self, table_schema: Option<&str>) -> String {
        let mut out = match &self.base {
            Base::Fixed(ddl) => ddl.clone(),
            Base::Enum(e) if e.native => e
                .qualified_name(table_schema)
                .unwrap_or_else(|_| "ENUM".into()),
            Base::Enum(e) => format!("VARCHAR({})", e.varchar_length()),
            Base::Array(item, dimensions) => {
                // `[]` goes before the item's COLLATE clause.
                let mut item = (**item).clone();
                let collation = item.collation.take();
                let mut ddl = item.ddl(table_schema) + &"[]".repeat(*dimensions);
                if let Some(collation) = collation {
                    ddl.push_str(&format!(" COLLATE {}", quote(&collation)));
                }
                ddl
            }
        };
        if let Some(collation) = &self.collation {
            out.push_str(&format!(" COLLATE {}", quote(collation)));
        }
        out
    }

    /// Named enums reachable from this type (itself or an ARRAY's item).
    pub fn enum_type(&self) -> Option<&EnumType> {
        match &self.base {
            Base::Enum(e) => Some(e),
            Base::Array(item, _) => item.enum_type(),
            Base::Fixed(_) => None,
        }
    }

    pub fn is_integer(&self) -> bool {
        matches!(
            self.affinity,
            Affinity::Integer | Affinity::BigInteger | Affinity::SmallInteger
        )
    }

    /// A Python value as this type's literal (`bulk_insert` under `literal_binds`).
    pub fn literal(&self, value: &Value) -> Result<String, String> {
        if value.is_none() {
            return Ok("NULL".into());
        }
        if let Some(placeholder) = approx::literal(value) {
            return Ok(placeholder);
        }
        let unsupported = || {
            format!(
                "no literal renderer for a {} as {}",
                value.type_name(),
                self.ddl(None)
            )
        };
        match self.affinity {
            Affinity::Integer | Affinity::BigInteger | Affinity::SmallInteger => match value {
                Value::Int(i) => Ok(i.to_string()),
                Value::Bool(b) => Ok((*b as i64).to_string()),
                Value::Float(f) => Ok((f.trunc() as i64).to_string()),
                _ => Err(unsupported()),
            },
            Affinity::Numeric | Affinity::Float => match value {
                Value::Int(i) => Ok(i.to_string()),
                Value::Float(f) => Ok(float_repr(*f)),
                Value::Object(o) if pyvalues::kind(value) == Some("decimal.Decimal") => {
                    pyvalues::python_str(o)
                }
                _ => Err(unsupported()),
            },
            Affinity::String => match value {
                Value::Str(s) => Ok(string_literal(s)),
                // `Uuid` has String affinity.
                Value::Object(o) if pyvalues::kind(value) == Some("uuid.UUID") => {
                    Ok(string_literal(&pyvalues::python_str(o)?))
                }
                _ => Err(unsupported()),
            },
            // SQLAlchemy's Boolean takes 0 and 1 too (pgadmin's 398697dc9550), nothing else.
            Affinity::Boolean => match value {
                Value::Bool(b) => Ok(b.to_string()),
                Value::Int(0) => Ok("false".into()),
                Value::Int(1) => Ok("true".into()),
                _ => Err(unsupported()),
            },
            Affinity::Array => match (value, &self.base) {
                (Value::List(items) | Value::Tuple(items), Base::Array(item, _)) => {
                    let parts: Result<Vec<String>, String> =
                        items.iter().map(|v| item.literal(v)).collect();
                    Ok(format!("ARRAY[{}]", parts?.join(", ")))
                }
                _ => Err(unsupported()),
            },
            Affinity::Other => match value {
                Value::Str(s) => Ok(string_literal(s)),
                // Dates, times and UUIDs: their str() quoted.
                Value::Object(o) if pyvalues::kind(value).is_some() => {
                    Ok(string_literal(&pyvalues::python_str(o)?))
                }
                _ => Err(unsupported()),
            },
            Affinity::Json | Affinity::Null => Err(unsupported()),
        }
    }
}

fn enum_type(object: &Object) -> Result<EnumType, String> {
    let mut values = Vec::with_capacity(object.args.len());
    let mut class_name = None;
    for arg in &object.args {
        match arg {
            Value::Str(s) => values.push(s.clone()),
            Value::Object(class) if class.path == pyvalues::ENUM_CLASS => {
                let callable = object.kwarg("values_callable").is_some();
                let (name, labels) = pyvalues::enum_labels(class, callable)?;
                class_name = Some(name);
                values.extend(labels);
            }
            other => {
                return Err(format!(
                    "Enum value is a {} (Python enum classes are not evaluated)",
                    other.type_name()
                ));
            }
        }
    }
    let kw_str = |name: &str| str_param(object, usize::MAX, name);
    Ok(EnumType {
        name: kw_str("name")?.or(class_name),
        values,
        schema: kw_str("schema")?,
        inherit_schema: bool_param(object, "inherit_schema", false)?,
        create_type: bool_param(object, "create_type", true)?,
        native: bool_param(object, "native_enum", true)?,
        create_constraint: bool_param(object, "create_constraint", false)?,
        length: int_param(object, usize::MAX, "length")?,
    })
}
