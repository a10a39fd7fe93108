//! SQLAlchemy schema objects (`Column`, constraints, `Index`) read from recorded calls, and
//! compiled to DDL the way `PGDDLCompiler` does.

use crate::python::{Object, Value};

use super::names::sa_name;
use super::sql::{StrAs, expression, qualified, quote, string_literal};
use super::types::{Affinity, SqlType};

/// A `sa.Column(...)`.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub sql_type: SqlType,
    pub primary_key: bool,
    /// `nullable=` as given; `None` lets SQLAlchemy decide.
    pub explicit_nullable: Option<bool>,
    pub server_default: Option<String>,
    /// A Python-side `default=` (only matters for SERIAL detection).
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

/// Deferrability clauses shared by constraints.
#[derive(Debug, Clone, Default)]
pub struct Deferral {
    pub deferrable: Option<bool>,
    pub initially: Option<String>,
}

impl Deferral {
    fn from(object: &Object) -> Result<Self, String> {
        let deferrable = match object.kwarg("deferrable") {
            None | Some(Value::None) => None,
            Some(v) => Some(v.truthy().ok_or("`deferrable` is a runtime value")?),
        };
        Ok(Deferral {
            deferrable,
            initially: opt_str(object, "initially")?,
        })
    }

    fn sql(&self) -> String {
        let mut text = String::new();
        match self.deferrable {
            Some(true) => text.push_str(" DEFERRABLE"),
            Some(false) => text.push_str(" NOT DEFERRABLE"),
            None => {}
        }
        if let Some(initially) = &self.initially {
            text.push_str(&format!(" INITIALLY {initially}"));
        }
        text
    }
}

#[derive(Debug, Clone)]
pub enum ConstraintKind {
    PrimaryKey {
        columns: Vec<String>,
        include: Vec<String>,
    },
    Unique {
        columns: Vec<String>,
        include: Vec<String>,
        nulls_not_distinct: Option<bool>,
    },
    Check {
        sql: String,
        not_valid: bool,
    },
    ForeignKey {
        columns: Vec<String>,
        ref_schema: Option<String>,
        ref_table: String,
        ref_columns: Vec<String>,
        ondelete: Option<String>,
        onupdate: Option<String>,
        match_: Option<String>,
        not_valid: bool,
    },
    /// `(element, operator)` pairs, already rendered.
    Exclude {
        elements: Vec<(String, String)>,
        using: String,
        where_: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub struct Constraint {
    pub name: Option<String>,
    pub kind: ConstraintKind,
    pub deferral: Deferral,
}

impl Constraint {
    /// The constraint clause as in `CREATE TABLE` and `ALTER TABLE ... ADD`.
    pub fn sql(&self) -> String {
        let mut text = match &self.name {
            Some(name) => format!("CONSTRAINT {} ", quote(name)),
            None => String::new(),
        };
        let list = |columns: &[String]| {
            columns
                .iter()
                .map(|c| quote(c))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let include = |columns: &[String]| {
            if columns.is_empty() {
                String::new()
            } else {
                format!(" INCLUDE ({})", list(columns))
            }
        };
        match &self.kind {
            ConstraintKind::PrimaryKey {
                columns,
                include: inc,
            } => {
                text.push_str(&format!(
                    "PRIMARY KEY ({}){}{}",
                    list(columns),
                    include(inc),
                    self.deferral.sql()
                ));
            }
            ConstraintKind::Unique {
                columns,
                include: inc,
                nulls_not_distinct,
            } => {
                let distinct = match nulls_not_distinct {
                    Some(true) => "NULLS NOT DISTINCT ",
                    Some(false) => "NULLS DISTINCT ",
                    None => "",
                };
                text.push_str(&format!(
                    "UNIQUE {distinct}({}){}{}",
                    list(columns),
                    include(inc),
                    self.deferral.sql()
                ));
            }
            ConstraintKind::Check { sql, not_valid } => {
                text.push_str(&format!("CHECK ({sql}){}", self.deferral.sql()));
                if *not_valid {
                    text.push_str(" NOT VALID");
                }
            }
            ConstraintKind::ForeignKey {
                columns,
                ref_schema,
                ref_table,
                ref_columns,
                ondelete,
                onupdate,
                match_,
                not_valid,
            } => {
                text.push_str(&format!(
                    "FOREIGN KEY({}) REFERENCES {} ({})",
                    list(columns),
                    qualified(ref_schema.as_deref(), ref_table),
                    list(ref_columns)
                ));
                if let Some(m) = match_ {
                    text.push_str(&format!(" MATCH {m}"));
                }
                if let Some(action) = ondelete {
                    text.push_str(&format!(" ON DELETE {action}"));
                }
                if let Some(action) = onupdate {
                    text.push_str(&format!(" ON UPDATE {action}"));
                }
                text.push_str(&self.deferral.sql());
                if *not_valid {
                    text.push_str(" NOT VALID");
                }
            }
            ConstraintKind::Exclude {
                elements,
                using,
                where_,
            } => {
                let elements: Vec<String> = elements
                    .iter()
                    .map(|(e, op)| format!("{e} WITH {op}"))
                    .collect();
                text.push_str(&format!(
                    "EXCLUDE USING {} ({})",
                    using.to_lowercase(),
                    elements.join(", ")
                ));
                if let Some(w) = where_ {
                    text.push_str(&format!(" WHERE ({w})"));
                }
                text.push_str(&self.deferral.sql());
            }
        }
        text
    }
}

/// A `sa.Index(...)` or `op.create_index(...)`.
#[derive(Debug, Clone, Default)]
pub struct Index {
    pub name: Option<String>,
    /// Rendered elements, with their operator class.
    pub elements: Vec<String>,
    pub unique: bool,
    pub concurrently: bool,
    pub if_not_exists: bool,
    pub using: Option<String>,
    pub include: Vec<String>,
    pub nulls_not_distinct: Option<bool>,
    pub with: Vec<(String, Value)>,
    pub tablespace: Option<String>,
    pub where_: Option<String>,
}

impl Index {
    /// Reads the index options shared by `sa.Index` and `op.create_index`; `elements` are the
    /// column names or expressions.
    pub fn from_parts(
        name: Option<String>,
        elements: &[Value],
        options: &[(String, Value)],
    ) -> Result<Index, String> {
        let get = |key: &str| options.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        let flag = |key: &str| -> Result<bool, String> {
            match get(key) {
                None => Ok(false),
                Some(v) => v
                    .truthy()
                    .ok_or_else(|| format!("`{key}` is a runtime value")),
            }
        };
        let ops: Vec<(String, String)> = match get("postgresql_ops") {
            Some(Value::Dict(pairs)) => pairs
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
                .collect(),
            _ => Vec::new(),
        };
        let mut rendered = Vec::with_capacity(elements.len());
        for element in elements {
            let mut sql = expression(element, StrAs::Column)?;
            let key = match element {
                Value::Str(s) => Some(s.as_str()),
                Value::Object(o) if sa_name(&o.path) == Some("column") => {
                    o.args.first().and_then(Value::as_str)
                }
                _ => None,
            };
            if let Some((_, op)) = key.and_then(|k| ops.iter().find(|(c, _)| c == k)) {
                sql.push(' ');
                sql.push_str(op);
            }
            rendered.push(sql);
        }
        let where_ = match get("postgresql_where") {
            None | Some(Value::None) => None,
            Some(v) => Some(expression(v, StrAs::Text)?),
        };
        let with = match get("postgresql_with") {
            Some(Value::Dict(pairs)) => pairs
                .iter()
                .map(|(k, v)| {
                    Ok((
                        k.as_str()
                            .ok_or("postgresql_with key is not a string")?
                            .to_string(),
                        v.clone(),
                    ))
                })
                .collect::<Result<Vec<_>, String>>()?,
            _ => Vec::new(),
        };
        Ok(Index {
            name,
            elements: rendered,
            unique: flag("unique")?,
            concurrently: flag("postgresql_concurrently")?,
            if_not_exists: flag("if_not_exists")?,
            using: get("postgresql_using")
                .and_then(Value::as_str)
                .map(str::to_lowercase),
            include: string_list(get("postgresql_include"))?,
            nulls_not_distinct: match get("postgresql_nulls_not_distinct") {
                None | Some(Value::None) => None,
                Some(v) => v.truthy(),
            },
            with,
            tablespace: get("postgresql_tablespace")
                .and_then(Value::as_str)
                .map(str::to_string),
            where_,
        })
    }

    /// `CREATE INDEX` on `schema.table`.
    pub fn create_sql(&self, schema: Option<&str>, table: &str) -> Result<String, String> {
        let name = self.name.as_deref().ok_or("index without a name")?;
        let mut text = String::from("CREATE ");
        if self.unique {
            text.push_str("UNIQUE ");
        }
        text.push_str("INDEX ");
        if self.concurrently {
            text.push_str("CONCURRENTLY ");
        }
        if self.if_not_exists {
            text.push_str("IF NOT EXISTS ");
        }
        text.push_str(&format!("{} ON {} ", quote(name), qualified(schema, table)));
        if let Some(using) = &self.using {
            text.push_str(&format!("USING {using} "));
        }
        text.push_str(&format!("({})", self.elements.join(", ")));
        if !self.include.is_empty() {
            let include: Vec<String> = self.include.iter().map(|c| quote(c)).collect();
            text.push_str(&format!(" INCLUDE ({})", include.join(", ")));
        }
        match self.nulls_not_distinct {
            Some(true) => text.push_str(" NULLS NOT DISTINCT"),
            Some(false) => text.push_str(" NULLS DISTINCT"),
            None => {}
        }
        if !self.with.is_empty() {
            let mut options = Vec::new();
            for (param, value) in &self.with {
                options.push(match value {
                    Value::None => param.clone(),
                    Value::Bool(b) => format!("{param} = {b}"),
                    other => format!(
                        "{param} = {}",
                        other.py_str().ok_or("postgresql_with value")?
                    ),
                });
            }
            text.push_str(&format!(" WITH ({})", options.join(", ")));
        }
        if let Some(tablespace) = &self.tablespace {
            text.push_str(&format!(" TABLESPACE {}", quote(tablespace)));
        }
        if let Some(where_) = &self.where_ {
            text.push_str(&format!(" WHERE {where_}"));
        }
        Ok(text)
    }
}

pub fn string_list(value: Option<&Value>) -> Result<Vec<String>, String> {
    match value {
        None | Some(Value::None) => Ok(Vec::new()),
        Some(Value::Str(s)) => Ok(vec![s.clone()]),
        Some(Value::List(items) | Value::Tuple(items)) => items
            .iter()
            .map(|i| {
                column_name(i)
                    .ok_or_else(|| format!("a {} where a column name is expected", i.type_name()))
            })
            .collect(),
        Some(other) => Err(format!(
            "a {} where a list of column names is expected",
            other.type_name()
        )),
    }
}

/// A column named by a string, `sa.column("x")` or `sa.Column("x", ...)`.
pub fn column_name(value: &Value) -> Option<String> {
    match value {
        Value::Str(s) => Some(s.clone()),
        Value::Object(o) if matches!(sa_name(&o.path), Some("column" | "Column")) => {
            o.args.first()?.as_str().map(str::to_string)
        }
        _ => None,
    }
}

fn opt_str(object: &Object, name: &str) -> Result<Option<String>, String> {
    match object.kwarg(name) {
        None | Some(Value::None) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("`{name}` is a {}", other.type_name())),
    }
}

fn opt_bool(object: &Object, name: &str) -> Result<Option<bool>, String> {
    match object.kwarg(name) {
        None | Some(Value::None) => Ok(None),
        Some(v) => v
            .truthy()
            .map(Some)
            .ok_or_else(|| format!("`{name}` is a runtime value")),
    }
}

/// `"table.column"` or `"schema.table.column"`.
fn split_target(target: &str) -> Result<(Option<String>, String, String), String> {
    let parts: Vec<&str> = target.split('.').collect();
    match parts.as_slice() {
        [table, column] => Ok((None, table.to_string(), column.to_string())),
        [schema @ .., table, column] if !schema.is_empty() => Ok((
            Some(schema.join(".")),
            table.to_string(),
            column.to_string(),
        )),
        _ => Err(format!(
            "foreign key target `{target}` is not `table.column`"
        )),
    }
}

/// `sa.ForeignKeyConstraint(...)` or `sa.ForeignKey(...)` on `columns`.
pub fn foreign_key(
    object: &Object,
    columns: Vec<String>,
    targets: &[String],
) -> Result<Constraint, String> {
    let mut ref_schema = None;
    let mut ref_table = String::new();
    let mut ref_columns = Vec::new();
    for target in targets {
        let (schema, table, column) = split_target(target)?;
        ref_schema = schema;
        ref_table = table;
        ref_columns.push(column);
    }
    if ref_table.is_empty() {
        return Err("foreign key without a target".into());
    }
    Ok(Constraint {
        name: opt_str(object, "name")?,
        kind: ConstraintKind::ForeignKey {
            columns,
            ref_schema,
            ref_table,
            ref_columns,
            ondelete: opt_str(object, "ondelete")?,
            onupdate: opt_str(object, "onupdate")?,
            match_: opt_str(object, "match")?,
            not_valid: opt_bool(object, "postgresql_not_valid")?.unwrap_or(false),
        },
        deferral: Deferral::from(object)?,
    })
}

/// A table-level constraint object passed to `create_table`.
pub fn table_constraint(object: &Object) -> Result<Constraint, String> {
    let name = opt_str(object, "name")?;
    let deferral = Deferral::from(object)?;
    let kind = match sa_name(&object.path) {
        Some("PrimaryKeyConstraint") => ConstraintKind::PrimaryKey {
            columns: string_list(Some(&Value::List(object.args.clone())))?,
            include: string_list(object.kwarg("postgresql_include"))?,
        },
        Some("UniqueConstraint") => ConstraintKind::Unique {
            columns: string_list(Some(&Value::List(object.args.clone())))?,
            include: string_list(object.kwarg("postgresql_include"))?,
            nulls_not_distinct: opt_bool(object, "postgresql_nulls_not_distinct")?,
        },
        Some("CheckConstraint") => ConstraintKind::Check {
            sql: expression(
                object
                    .param(0, "sqltext")
                    .ok_or("CheckConstraint without a condition")?,
                StrAs::Text,
            )?,
            not_valid: opt_bool(object, "postgresql_not_valid")?.unwrap_or(false),
        },
        Some("ForeignKeyConstraint") => {
            let columns = string_list(object.param(0, "columns"))?;
            let targets = string_list(object.param(1, "refcolumns"))?;
            return foreign_key(object, columns, &targets);
        }
        Some("ExcludeConstraint") => exclude(object)?,
        _ => return Err(format!("`{}` as a table constraint", object.path)),
    };
    Ok(Constraint {
        name,
        kind,
        deferral,
    })
}

/// `postgresql.ExcludeConstraint((element, operator), ..., using=, where=)`.
pub fn exclude(object: &Object) -> Result<ConstraintKind, String> {
    let mut elements = Vec::new();
    for pair in &object.args {
        match pair.as_sequence() {
            Some([element, Value::Str(operator)]) => {
                elements.push((expression(element, StrAs::Column)?, operator.clone()))
            }
            _ => return Err("exclude element is not an `(expression, operator)` pair".into()),
        }
    }
    let using = match object.kwarg("using") {
        None => "gist".to_string(),
        Some(Value::Str(s)) => s.clone(),
        Some(other) => return Err(format!("`using` is a {}", other.type_name())),
    };
    let where_ = match object.kwarg("where") {
        None | Some(Value::None) => None,
        Some(v) => Some(expression(v, StrAs::Text)?),
    };
    Ok(ConstraintKind::Exclude {
        elements,
        using,
        where_,
    })
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

    fn from_object(object: &Object) -> Result<Column, String> {
        let mut args = object.args.iter();
        let name = match object.kwarg("name").or_else(|| args.next()) {
            Some(Value::Str(name)) => name.clone(),
            _ => return Err("Column without a name".into()),
        };
        let mut schema_items: Vec<&Value> = Vec::new();
        let mut type_value = object.kwarg("type_");
        for arg in args {
            if type_value.is_none() && is_type(arg) {
                type_value = Some(arg);
            } else {
                schema_items.push(arg);
            }
        }
        let sql_type = match type_value {
            Some(t) => SqlType::from_value(t)?,
            None if !schema_items.is_empty() => {
                return Err(
                    "Column without a type (types copied from a foreign key are not resolved)"
                        .into(),
                );
            }
            None => SqlType::from_value(&Value::Path("sqlalchemy.NullType".into()))?,
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
                Some(v) => Some(expression(v, StrAs::Literal)?),
            },
            has_python_default: object.kwarg("default").is_some_and(|v| !v.is_none()),
            identity: None,
            computed: None,
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            unique: opt_bool(object, "unique")?.unwrap_or(false),
            index: opt_bool(object, "index")?.unwrap_or(false),
            comment: opt_str(object, "comment")?,
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
    fn can_autoincrement(&self, explicit: bool) -> bool {
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

/// A table being created (`op.create_table`) or the throwaway table `op.add_column` builds.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub schema: Option<String>,
    pub columns: Vec<Column>,
    /// Constraints in SQLAlchemy's creation order, the primary key excluded.
    pub constraints: Vec<Constraint>,
    pub primary_key: Option<Constraint>,
    pub indexes: Vec<Index>,
    pub comment: Option<String>,
    pub post_create: String,
    /// `prefixes=[...]` and `IF NOT EXISTS`, between CREATE and the table name.
    pub create_prefix: String,
    pub if_not_exists: bool,
}

impl Table {
    /// Builds the table from `create_table`'s positional items (columns, constraints, indexes).
    pub fn new(
        name: &str,
        schema: Option<String>,
        items: &[Value],
        options: &[(String, Value)],
    ) -> Result<Table, String> {
        let mut columns = Vec::new();
        let mut explicit = Vec::new();
        let mut explicit_pk = None;
        let mut index_objects = Vec::new();
        for item in items {
            let Some(object) = item.as_object() else {
                return Err(format!("a {} among create_table items", item.type_name()));
            };
            match sa_name(&object.path) {
                Some("Column") => columns.push(Column::from_object(object)?),
                Some("Index") => index_objects.push(object),
                Some("PrimaryKeyConstraint") => explicit_pk = Some(table_constraint(object)?),
                _ => explicit.push(table_constraint(object)?),
            }
        }
        // An explicit PrimaryKeyConstraint marks its columns as primary key (and NOT NULL).
        if let Some(Constraint {
            kind: ConstraintKind::PrimaryKey { columns: pk, .. },
            ..
        }) = &explicit_pk
        {
            for column in columns.iter_mut() {
                column.primary_key = pk.contains(&column.name);
            }
        }
        let mut table = Table {
            name: name.to_string(),
            schema,
            columns,
            constraints: explicit,
            primary_key: None,
            indexes: Vec::new(),
            comment: None,
            post_create: String::new(),
            create_prefix: String::new(),
            if_not_exists: false,
        };
        table.primary_key = match explicit_pk {
            Some(pk) => Some(pk),
            None => table.implicit_primary_key(),
        };
        for object in index_objects {
            let name = object
                .args
                .first()
                .and_then(Value::as_str)
                .map(str::to_string);
            let elements = object.args.get(1..).unwrap_or_default();
            table
                .indexes
                .push(Index::from_parts(name, elements, &object.kwargs)?);
        }
        table.add_column_derived()?;
        for (key, value) in options {
            match (key.as_str(), value) {
                ("comment", Value::Str(c)) => table.comment = Some(c.clone()),
                ("comment", Value::None) => {}
                ("postgresql_partition_by", Value::Str(p)) => {
                    table.post_create.push_str(&format!("\n PARTITION BY {p}"))
                }
                ("postgresql_inherits", v) => {
                    let names = string_list(Some(v))?;
                    let names: Vec<String> = names.iter().map(|n| quote(n)).collect();
                    table
                        .post_create
                        .push_str(&format!("\n INHERITS ({})", names.join(", ")));
                }
                ("postgresql_tablespace", Value::Str(t)) => table
                    .post_create
                    .push_str(&format!("\n TABLESPACE {}", quote(t))),
                ("prefixes", v) => {
                    for prefix in string_list(Some(v))? {
                        table.create_prefix.push_str(&prefix);
                        table.create_prefix.push(' ');
                    }
                }
                ("if_not_exists", v) if v.truthy() == Some(true) => table.if_not_exists = true,
                ("schema" | "info" | "keep_existing" | "extend_existing" | "if_not_exists", _) => {}
                (other, _) => return Err(format!("create_table option `{other}`")),
            }
        }
        Ok(table)
    }

    fn implicit_primary_key(&self) -> Option<Constraint> {
        let mut columns: Vec<String> = self
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.clone())
            .collect();
        if columns.is_empty() {
            return None;
        }
        // `columns_autoinc_first`.
        if let Some(auto) = self.autoincrement_column_name(&columns)
            && let Some(position) = columns.iter().position(|c| *c == auto)
        {
            let auto = columns.remove(position);
            columns.insert(0, auto);
        }
        Some(Constraint {
            name: None,
            kind: ConstraintKind::PrimaryKey {
                columns,
                include: Vec::new(),
            },
            deferral: Deferral::default(),
        })
    }

    fn pk_columns(&self) -> Vec<String> {
        match &self.primary_key {
            Some(Constraint {
                kind: ConstraintKind::PrimaryKey { columns, .. },
                ..
            }) => columns.clone(),
            _ => Vec::new(),
        }
    }

    fn autoincrement_column_name(&self, pk: &[String]) -> Option<String> {
        let pk_columns: Vec<&Column> = pk
            .iter()
            .filter_map(|n| self.columns.iter().find(|c| &c.name == n))
            .collect();
        if let [only] = pk_columns.as_slice() {
            // A table-level ForeignKeyConstraint on the column counts like a column ForeignKey.
            let in_table_fk = self.constraints.iter().any(|c| {
                matches!(&c.kind, ConstraintKind::ForeignKey { columns, .. } if columns.contains(&only.name))
            });
            let fk_blocks = in_table_fk && only.autoincrement == Autoincrement::Auto;
            return match only.autoincrement {
                Autoincrement::True => Some(only.name.clone()),
                Autoincrement::Auto | Autoincrement::IgnoreFk
                    if only.can_autoincrement(false) && !fk_blocks =>
                {
                    Some(only.name.clone())
                }
                _ => None,
            };
        }
        pk_columns
            .iter()
            .find(|c| c.autoincrement == Autoincrement::True)
            .map(|c| c.name.clone())
    }

    /// The column SQLAlchemy renders as SERIAL, if any.
    pub fn autoincrement_column(&self) -> Option<String> {
        self.autoincrement_column_name(&self.pk_columns())
    }

    /// Constraints and indexes that `Column(unique=, index=)`, `ForeignKey` and non-native enums
    /// attach when the column joins the table, in column order.
    fn add_column_derived(&mut self) -> Result<(), String> {
        for column in &self.columns {
            if column.index {
                let label = match &self.schema {
                    Some(schema) => format!("{schema}_{}_{}", self.name, column.name),
                    None => format!("{}_{}", self.name, column.name),
                };
                self.indexes.push(Index {
                    name: Some(format!("ix_{label}")),
                    elements: vec![quote(&column.name)],
                    unique: column.unique,
                    ..Index::default()
                });
            } else if column.unique {
                self.constraints.push(Constraint {
                    name: None,
                    kind: ConstraintKind::Unique {
                        columns: vec![column.name.clone()],
                        include: Vec::new(),
                        nulls_not_distinct: None,
                    },
                    deferral: Deferral::default(),
                });
            }
            if let Some(e) = column.sql_type.enum_type()
                && !e.native
                && e.create_constraint
            {
                let values: Vec<String> = e.values.iter().map(|v| string_literal(v)).collect();
                self.constraints.push(Constraint {
                    name: e.name.clone(),
                    kind: ConstraintKind::Check {
                        sql: format!("{} IN ({})", quote(&column.name), values.join(", ")),
                        not_valid: false,
                    },
                    deferral: Deferral::default(),
                });
            }
            self.constraints.extend(column.foreign_keys.iter().cloned());
        }
        Ok(())
    }

    /// `CREATE TABLE` as `visit_create_table` lays it out.
    pub fn create_sql(&self) -> String {
        let schema = self.schema.as_deref();
        let auto = self.autoincrement_column();
        let mut lines: Vec<String> = self
            .columns
            .iter()
            .map(|c| c.create_sql(schema, auto.as_deref() == Some(c.name.as_str())))
            .collect();
        if let Some(pk) = &self.primary_key {
            lines.push(pk.sql());
        }
        lines.extend(self.constraints.iter().map(Constraint::sql));
        let if_not_exists = if self.if_not_exists {
            "IF NOT EXISTS "
        } else {
            ""
        };
        format!(
            "CREATE {}TABLE {if_not_exists}{} (\n\t{}\n){}",
            self.create_prefix,
            qualified(schema, &self.name),
            lines.join(", \n\t"),
            self.post_create
        )
    }

    /// `CREATE TYPE` for the native enums `create_table` creates first (once per name).
    pub fn enum_creates(&self) -> Result<Vec<String>, String> {
        let mut seen: Vec<String> = Vec::new();
        let mut out = Vec::new();
        for column in &self.columns {
            if let Some(e) = column.sql_type.enum_type()
                && e.native
                && e.create_type
            {
                let name = e.qualified_name(self.schema.as_deref())?;
                if !seen.contains(&name) {
                    out.push(e.create_sql(self.schema.as_deref())?);
                    seen.push(name);
                }
            }
        }
        Ok(out)
    }

    pub fn table_comment_sql(&self) -> Option<String> {
        self.comment.as_ref().map(|c| {
            format!(
                "COMMENT ON TABLE {} IS {}",
                qualified(self.schema.as_deref(), &self.name),
                string_literal(c)
            )
        })
    }

    pub fn column_comment_sql(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter_map(|c| {
                let comment = c.comment.as_ref()?;
                Some(format!(
                    "COMMENT ON COLUMN {}.{} IS {}",
                    qualified(self.schema.as_deref(), &self.name),
                    quote(&c.name),
                    string_literal(comment)
                ))
            })
            .collect()
    }

    pub fn index_sql(&self) -> Result<Vec<String>, String> {
        self.indexes
            .iter()
            .map(|i| i.create_sql(self.schema.as_deref(), &self.name))
            .collect()
    }
}
