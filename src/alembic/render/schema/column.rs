//! `sa.Column(...)`: type, defaults, identity, computed expression and inline constraints,
//! and its specification in `CREATE TABLE` / `ADD COLUMN`.

use crate::alembic::render::approx;
use crate::python::{Object, Value};

use crate::alembic::render::names::sa_name;
use crate::alembic::render::quote::{qualified, quote};
use crate::alembic::render::sql::{StrAs, expression};
use crate::alembic::render::types::{Affinity, SqlType};

use super::args::{opt_bool, opt_str};
use super::constraint::{Constraint, foreign_key, table_constraint};

/// A `sa.Column(...)`.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub sql_type: SqlType,
    pub primary_key: bool,
    /// `nullable=` as given; `None` lets SQLAlchemy decide.
    pub explicit_nullable: Option<bool>,
    /// A value only known when run is a placeholder: a new table's defaults decide none of
    /// its locks (`add_column` refuses it through [`default_expression`]).
    pub server_default: Option<String>,
    /// A Python-side `default=` or a `sa.Sequence` (only matters for SERIAL detection: the
    /// column then renders its type, the sequence is created elsewhere).
    pub has_python_default: bool,
    pub identity: Option<Identity>,
    pub computed: Option<String>,
    pub foreign_keys: Vec<Constraint>,
    /// Column-level CHECK constraints, rendered inline after the column.
    pub checks: Vec<Constraint>,
    pub unique: bool,
    pub index: bool,
    pub comment: Option<String>,
    pub autoincrement: Autoincrement,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Autoincrement {
    Auto,
    True,
    False,
    IgnoreFk,
}

#[derive(Debug, Clone)]
pub struct Identity {
    pub always: bool,
    pub options: String,
}

impl Identity {
    fn sql(&self) -> String {
        let mut text = format!(
            "GENERATED {} AS IDENTITY",
            if self.always { "ALWAYS" } else { "BY DEFAULT" }
        );
        if !self.options.is_empty() {
            text.push_str(&format!(" ({})", self.options));
        }
        text
    }
}

impl Column {
    pub fn from_value(value: &Value) -> Result<Column, String> {
        let Some(object) = value
            .as_object()
            .filter(|o| sa_name(&o.path) == Some("Column"))
        else {
            return Err(format!(
                "a {} where sa.Column(...) is expected",
                value.type_name()
            ));
        };
        Column::from_object(object)
    }

    /// A column of `create_table` or `add_column`. A type only known by running code (a
    /// project's own type whose module is not at hand) becomes a placeholder
    /// ([`SqlType::placeholder`]), the statement approximate: neither statement's locks
    /// depend on it. A new table's column types decide none of its locks; an added
    /// column's rewrite is decided by its default, identity or generation expression
    /// (PostgreSQL's `ATExecAddColumn`), save for a domain with constraints, and
    /// SQLAlchemy's `DOMAIN` is a library type, never a placeholder (its column stays
    /// unrendered). Leaving the statement out would hide its lock, and a table left out
    /// makes every later statement on it look like one on an existing table.
    pub(super) fn from_object(object: &Object) -> Result<Column, String> {
        let mut args = object.args.iter();
        let name = match object.kwarg("name").or_else(|| args.next()) {
            Some(Value::Str(name)) => name.clone(),
            _ => return Err("Column without a name".into()),
        };
        let mut schema_items: Vec<&Value> = Vec::new();
        let mut type_value = object.kwarg("type_");
        let mut unknown_type = None;
        for arg in args {
            if let Some(unknown) = approx::unknown_name(arg) {
                if type_value.is_some() || unknown_type.is_some() {
                    return Err(format!(
                        "column `{name}`: type `{unknown}` is not known statically"
                    ));
                }
                unknown_type = Some(unknown);
                continue;
            }
            if type_value.is_none() && is_type(arg) {
                type_value = Some(arg);
            } else {
                schema_items.push(arg);
            }
        }
        let sql_type = match (type_value, unknown_type) {
            (Some(_), Some(unknown)) => {
                return Err(format!(
                    "column `{name}`: `{unknown}` is not known statically"
                ));
            }
            (None, Some(unknown)) => SqlType::placeholder(&unknown),
            (Some(t), None) => match SqlType::from_value(t) {
                Ok(sql_type) => sql_type,
                Err(error) => match SqlType::unknown_name(t) {
                    Some(unknown) => SqlType::placeholder(&unknown),
                    None => return Err(error),
                },
            },
            (None, None) if !schema_items.is_empty() => {
                return Err(
                    "Column without a type (types copied from a foreign key are not resolved)"
                        .into(),
                );
            }
            (None, None) => SqlType::from_value(&Value::Path("sqlalchemy.NullType".into()))?,
        };
        if sql_type.affinity == Affinity::Null {
            return Err(format!("column `{name}` has no type"));
        }
        let mut column = Column {
            name: name.clone(),
            primary_key: opt_bool(object, "primary_key")?.unwrap_or(false),
            explicit_nullable: opt_bool(object, "nullable")?,
            server_default: match object.kwarg("server_default") {
                None | Some(Value::None) => None,
                Some(v) => match approx::literal(v) {
                    Some(placeholder) => Some(placeholder),
                    None => Some(expression(v, StrAs::Literal)?),
                },
            },
            has_python_default: object.kwarg("default").is_some_and(|v| !v.is_none()),
            identity: None,
            computed: None,
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            unique: opt_bool(object, "unique")?.unwrap_or(false),
            index: opt_bool(object, "index")?.unwrap_or(false),
            comment: match object.kwarg("comment") {
                Some(value) if approx::unknown_name(value).is_some() => approx::text(value),
                _ => opt_str(object, "comment")?,
            },
            autoincrement: match object.kwarg("autoincrement") {
                None => Autoincrement::Auto,
                Some(Value::Str(s)) if s == "auto" => Autoincrement::Auto,
                Some(Value::Str(s)) if s == "ignore_fk" => Autoincrement::IgnoreFk,
                Some(v) if v.truthy() == Some(true) => Autoincrement::True,
                Some(_) => Autoincrement::False,
            },
            sql_type: sql_type.clone(),
        };
        for item in schema_items {
            let Some(item) = item.as_object() else {
                return Err(format!("a {} among Column arguments", item.type_name()));
            };
            match sa_name(&item.path) {
                Some("ForeignKey") => {
                    let target = item
                        .param(0, "column")
                        .and_then(Value::as_str)
                        .ok_or("ForeignKey without a target")?;
                    column.foreign_keys.push(foreign_key(
                        item,
                        vec![name.clone()],
                        &[target.to_string()],
                    )?);
                }
                Some("Identity") => column.identity = Some(identity(item)?),
                // `optional=True`: a sequence only for databases without SERIAL.
                Some("Sequence") => {
                    if opt_bool(item, "optional")? != Some(true) {
                        column.has_python_default = true;
                    }
                }
                Some("Computed") => {
                    let mut sql = format!(
                        "GENERATED ALWAYS AS ({})",
                        expression(
                            item.param(0, "sqltext")
                                .ok_or("Computed without an expression")?,
                            StrAs::Text
                        )?
                    );
                    match item.param(1, "persisted") {
                        Some(Value::Bool(true)) => sql.push_str(" STORED"),
                        Some(Value::Bool(false)) => sql.push_str(" VIRTUAL"),
                        _ => {}
                    }
                    column.computed = Some(sql);
                }
                Some("CheckConstraint") => column.checks.push(table_constraint(item)?),
                _ => return Err(format!("`{}` among Column arguments", item.path)),
            }
        }
        Ok(column)
    }

    pub fn nullable(&self) -> bool {
        self.explicit_nullable
            .unwrap_or(!(self.primary_key || self.identity.is_some()))
    }

    /// `Column.autoincrement` as `PrimaryKeyConstraint._autoincrement_column` validates it.
    pub(super) fn can_autoincrement(&self, explicit: bool) -> bool {
        if !self.sql_type.is_integer() {
            return false;
        }
        if self.has_python_default && !explicit {
            return false;
        }
        if self.server_default.is_some() && !explicit {
            return false;
        }
        !(!self.foreign_keys.is_empty()
            && !matches!(
                self.autoincrement,
                Autoincrement::True | Autoincrement::IgnoreFk
            ))
    }

    /// `get_column_specification`: name, type or SERIAL, DEFAULT, GENERATED, NOT NULL.
    pub fn specification(&self, table_schema: Option<&str>, is_autoincrement: bool) -> String {
        let mut spec = quote(&self.name);
        if self.primary_key
            && is_autoincrement
            && self.identity.is_none()
            && !self.has_python_default
        {
            spec.push_str(match self.sql_type.affinity {
                Affinity::BigInteger => " BIGSERIAL",
                Affinity::SmallInteger => " SMALLSERIAL",
                _ => " SERIAL",
            });
        } else {
            spec.push(' ');
            spec.push_str(&self.sql_type.ddl(table_schema));
            if let Some(default) = &self.server_default {
                spec.push_str(" DEFAULT ");
                spec.push_str(default);
            }
        }
        if let Some(computed) = &self.computed {
            spec.push(' ');
            spec.push_str(computed);
        }
        if let Some(identity) = &self.identity {
            spec.push(' ');
            spec.push_str(&identity.sql());
        }
        let nullable = self.nullable();
        if !nullable && self.identity.is_none() {
            spec.push_str(" NOT NULL");
        } else if nullable && self.identity.is_some() {
            spec.push_str(" NULL");
        }
        spec
    }

    /// Specification followed by inline column-level CHECK constraints (`visit_create_column`).
    pub fn create_sql(&self, table_schema: Option<&str>, is_autoincrement: bool) -> String {
        let mut text = self.specification(table_schema, is_autoincrement);
        for check in &self.checks {
            text.push(' ');
            text.push_str(&check.sql());
        }
        text
    }
}

fn is_type(value: &Value) -> bool {
    let path = match value {
        Value::Path(p) => p,
        Value::Object(o) => &o.path,
        _ => return false,
    };
    match sa_name(path) {
        Some(name) => {
            !matches!(
                name,
                "ForeignKey"
                    | "Identity"
                    | "Computed"
                    | "CheckConstraint"
                    | "Sequence"
                    | "UniqueConstraint"
            ) && !name.starts_with("func.")
        }
        None => false,
    }
}

fn identity(object: &Object) -> Result<Identity, String> {
    let int = |name: &str| -> Result<Option<i64>, String> {
        match object.kwarg(name) {
            None | Some(Value::None) => Ok(None),
            Some(Value::Int(i)) => Ok(Some(*i)),
            Some(other) => Err(format!("Identity `{name}` is a {}", other.type_name())),
        }
    };
    let mut options = Vec::new();
    if let Some(i) = int("increment")? {
        options.push(format!("INCREMENT BY {i}"));
    }
    if let Some(i) = int("start")? {
        options.push(format!("START WITH {i}"));
    }
    if let Some(i) = int("minvalue")? {
        options.push(format!("MINVALUE {i}"));
    }
    if let Some(i) = int("maxvalue")? {
        options.push(format!("MAXVALUE {i}"));
    }
    if opt_bool(object, "nominvalue")?.is_some() {
        options.push("NO MINVALUE".into());
    }
    if opt_bool(object, "nomaxvalue")?.is_some() {
        options.push("NO MAXVALUE".into());
    }
    if let Some(i) = int("cache")? {
        options.push(format!("CACHE {i}"));
    }
    if let Some(cycle) = opt_bool(object, "cycle")? {
        options.push(if cycle {
            "CYCLE".into()
        } else {
            "NO CYCLE".into()
        });
    }
    Ok(Identity {
        always: opt_bool(object, "always")?.unwrap_or(false),
        options: options.join(" "),
    })
}

/// `sa.schema.CreateSequence(sa.Sequence(...))` / `DropSequence(...)` given to `op.execute`.
/// A sequence takes the identity options an `Identity` takes, rendered alike.
pub fn sequence_ddl(statement: &Object) -> Result<String, String> {
    let create = sa_name(&statement.path) == Some("CreateSequence");
    let sequence = match statement.param(0, "element") {
        Some(Value::Object(o)) if sa_name(&o.path) == Some("Sequence") => o,
        _ => {
            return Err(format!(
                "`{}` of something else than sa.Sequence",
                statement.path
            ));
        }
    };
    let name = sequence.args.first().and_then(Value::as_str);
    let (Some(name), 1) = (name, sequence.args.len()) else {
        return Err("sa.Sequence with positional options (only its name is read so)".into());
    };
    let schema = opt_str(sequence, "schema")?;
    let guard = match (
        create,
        statement.kwarg(if create { "if_not_exists" } else { "if_exists" }),
    ) {
        (_, None) => "",
        (true, Some(v)) if v.truthy() == Some(true) => "IF NOT EXISTS ",
        (false, Some(v)) if v.truthy() == Some(true) => "IF EXISTS ",
        _ => "",
    };
    let target = qualified(schema.as_deref(), name);
    if !create {
        return Ok(format!("DROP SEQUENCE {guard}{target}"));
    }
    let options = identity(sequence)?.options;
    Ok(format!("CREATE SEQUENCE {guard}{target} {options}")
        .trim_end()
        .to_string())
}

/// A `server_default` as SQL. One only known when run is not a placeholder: whether it is
/// volatile decides whether adding the column rewrites the table.
pub fn default_expression(value: &Value) -> Result<String, String> {
    if let Some(unknown) = approx::unknown_name(value) {
        return Err(format!(
            "server_default `{unknown}` is not known statically"
        ));
    }
    expression(value, StrAs::Literal)
}
