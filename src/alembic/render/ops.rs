//! `op.*` operations and the SQL Alembic's PostgreSQL implementation emits for them.

use std::ops::Range;

use crate::alembic::revision::ExistingColumn;
use crate::python::{EvalError, EvalResult, Object, Value};

use super::approx;
use super::names::{explicit_name, sa_name, truncated_label};
use super::objects::object;
use super::quote::{qualified, quote, string_literal};
use super::schema::{
    Column, Constraint, ConstraintKind, Deferral, Index, Table, column_name, exclude, foreign_key,
    string_list,
};
use super::sql::{StrAs, expression};
use super::types::SqlType;

/// Arguments bound to an operation's parameter names.
struct Params {
    op: &'static str,
    named: Vec<(String, Value)>,
    /// Positional arguments beyond the named ones (`*columns`, `*elements`).
    rest: Vec<Value>,
}

impl Params {
    fn bind(
        op: &'static str,
        names: &[&str],
        args: Vec<Value>,
        kwargs: Vec<(String, Value)>,
    ) -> Self {
        let mut named = Vec::with_capacity(names.len() + kwargs.len());
        let mut args = args.into_iter();
        for name in names {
            match args.next() {
                Some(value) => named.push((name.to_string(), value)),
                None => break,
            }
        }
        named.extend(kwargs);
        Params {
            op,
            named,
            rest: args.collect(),
        }
    }

    fn get(&self, name: &str) -> Option<&Value> {
        self.named.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    fn string(&self, name: &str) -> Result<String, String> {
        match self.get(name) {
            Some(Value::Str(s)) => Ok(s.clone()),
            Some(other) => Err(self.not_a_string(name, other)),
            None => Err(format!("op.{}: missing `{name}`", self.op)),
        }
    }

    fn opt_string(&self, name: &str) -> Result<Option<String>, String> {
        match self.get(name) {
            None | Some(Value::None) => Ok(None),
            Some(Value::Str(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.not_a_string(name, other)),
        }
    }

    /// What `name` is instead of a string; for a runtime value, where it came from
    /// (`uuid.uuid4()`, a name set under an `if` over runtime data).
    fn not_a_string(&self, name: &str, value: &Value) -> String {
        let what = match value {
            Value::Runtime(origin) => format!("runtime value: {origin}"),
            other => other.type_name().to_string(),
        };
        format!("op.{}: `{name}` is a {what}", self.op)
    }

    fn flag(&self, name: &str) -> Result<bool, String> {
        match self.get(name) {
            None => Ok(false),
            Some(v) => v
                .truthy()
                .ok_or_else(|| format!("op.{}: `{name}` is a runtime value", self.op)),
        }
    }

    fn schema(&self) -> Result<Option<String>, String> {
        self.opt_string("schema")
    }

    /// Options passed through to SQLAlchemy objects (everything but the named parameters).
    fn options(&self, except: &[&str]) -> Vec<(String, Value)> {
        self.named
            .iter()
            .filter(|(k, _)| !except.contains(&k.as_str()))
            .cloned()
            .collect()
    }
}

/// What an operation call does: the SQL statements it emits, in order, and the value the
/// call returns. The interpreter records the statements.
pub struct Effect {
    pub statements: Vec<String>,
    pub value: Value,
    /// What the call says about the column it changes (`alter_column(existing_type=)`).
    pub existing: Option<ExistingColumn>,
    /// `CREATE TYPE` statements that go before `statements` unless the migration already
    /// created a type of that name: (qualified name, statement). SQLAlchemy's PostgreSQL
    /// named types note each type they create in the DDL runner's memo, which for Alembic is
    /// the migration context's impl, so a second `create_table` with the same enum skips it.
    pub types: Vec<(String, String)>,
}

impl Effect {
    /// A call that emits nothing and returns `value`.
    fn value(value: Value) -> Self {
        Effect {
            statements: Vec::new(),
            value,
            existing: None,
            types: Vec::new(),
        }
    }

    /// A call that emits `statements` and returns `None`.
    pub(super) fn statements(statements: Vec<String>) -> Self {
        Effect {
            statements,
            value: Value::None,
            existing: None,
            types: Vec::new(),
        }
    }
}

/// Dispatch `op.<name>(...)`.
pub fn call(
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
    span: Range<usize>,
) -> EvalResult<Effect> {
    let error = |message: String| EvalError::new(span.clone(), message);
    match name {
        "f" => {
            return args
                .into_iter()
                .next()
                .map(|name| Effect::value(generated_name(name)))
                .ok_or_else(|| error("op.f() needs a name".into()));
        }
        "inline_literal" => {
            let value = args.into_iter().next().unwrap_or(Value::None);
            let literal = object("sqlalchemy.__inline_literal__", vec![value], vec![], span);
            return Ok(Effect::value(literal));
        }
        "get_bind" => {
            return Ok(Effect::value(object("alembic.bind", vec![], vec![], span)));
        }
        "get_context" => {
            return Ok(Effect::value(object(
                "alembic.context",
                vec![],
                vec![],
                span,
            )));
        }
        "batch_alter_table" => {
            let params = Params::bind("batch_alter_table", &["table_name", "schema"], args, kwargs);
            let table = params.string("table_name").map_err(error)?;
            let schema = params.get("schema").cloned().unwrap_or(Value::None);
            return Ok(Effect::value(object(
                "alembic.batch_op",
                vec![],
                vec![
                    ("table_name".into(), Value::Str(table)),
                    ("schema".into(), schema),
                ],
                span,
            )));
        }
        "create_table" => {
            let params = Params::bind("create_table", &["table_name"], args, kwargs);
            let table_name = params.string("table_name").map_err(error)?;
            let schema = params.schema().map_err(error)?;
            let table = Table::new(
                &table_name,
                schema.clone(),
                &params.rest,
                &params.options(&["table_name"]),
            )
            .map_err(error)?;
            let types = table.enum_creates().map_err(error)?;
            let mut statements = vec![table.create_sql()];
            statements.extend(table.index_sql().map_err(error)?);
            statements.extend(table.table_comment_sql());
            statements.extend(table.column_comment_sql());
            // The Table is returned so that `op.bulk_insert(table, rows)` can use it.
            let mut items = vec![Value::Str(table_name)];
            items.extend(params.rest.clone());
            let kwargs = vec![(
                "schema".to_string(),
                schema.map(Value::Str).unwrap_or(Value::None),
            )];
            return Ok(Effect {
                statements,
                value: object("sqlalchemy.Table", items, kwargs, span),
                existing: None,
                types,
            });
        }
        "alter_column" => {
            let p = Params::bind("alter_column", &["table_name", "column_name"], args, kwargs);
            let existing = existing_column(&p).map_err(error)?;
            let statements = alter_column(p).map_err(error)?;
            return Ok(Effect {
                statements,
                value: Value::None,
                existing,
                types: Vec::new(),
            });
        }
        _ => {}
    }
    let statements = render(name, args, kwargs).map_err(error)?;
    Ok(Effect::statements(statements))
}

/// The column before `op.alter_column` changes it, when `existing_type=` or
/// `existing_nullable=False` says. A type that cannot be rendered (a project's own type
/// whose module is not at hand) leaves the column's type unknown: on PostgreSQL
/// `existing_type` is not part of the SQL, and failing the call would hide its `SET NOT
/// NULL` or `TYPE` change from every rule. So does an `existing_nullable` only known at
/// run time.
fn existing_column(p: &Params) -> Result<Option<ExistingColumn>, String> {
    let type_sql = (p.get("existing_type").filter(|v| !v.is_none()))
        .and_then(|existing| SqlType::from_value(existing).ok())
        .map(|existing| existing.ddl(None));
    // `None` (the default) says nothing.
    let not_null = matches!(p.get("existing_nullable"), Some(Value::Bool(false)));
    if type_sql.is_none() && !not_null {
        return Ok(None);
    }
    Ok(Some(ExistingColumn {
        schema: p.schema()?,
        table: p.string("table_name")?,
        column: p.string("column_name")?,
        type_sql,
        not_null,
    }))
}

/// The statements of every operation that only emits SQL.
fn render(
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Vec<String>, String> {
    match name {
        "add_column" => add_column(Params::bind(
            "add_column",
            &["table_name", "column"],
            args,
            kwargs,
        )),
        "drop_column" => {
            let p = Params::bind("drop_column", &["table_name", "column_name"], args, kwargs);
            let if_exists = if p.flag("if_exists")? {
                "IF EXISTS "
            } else {
                ""
            };
            Ok(vec![format!(
                "ALTER TABLE {} DROP COLUMN {if_exists}{}",
                qualified(p.schema()?.as_deref(), &p.string("table_name")?),
                quote(&p.string("column_name")?)
            )])
        }
        "drop_table" => {
            let p = Params::bind("drop_table", &["table_name"], args, kwargs);
            let if_exists = if p.flag("if_exists")? {
                "IF EXISTS "
            } else {
                ""
            };
            Ok(vec![format!(
                "DROP TABLE {if_exists}{}",
                qualified(p.schema()?.as_deref(), &p.string("table_name")?)
            )])
        }
        "rename_table" => {
            let p = Params::bind(
                "rename_table",
                &["old_table_name", "new_table_name"],
                args,
                kwargs,
            );
            Ok(vec![format!(
                "ALTER TABLE {} RENAME TO {}",
                qualified(p.schema()?.as_deref(), &p.string("old_table_name")?),
                quote(&p.string("new_table_name")?)
            )])
        }
        "create_index" => {
            let p = Params::bind(
                "create_index",
                &["index_name", "table_name", "columns"],
                args,
                kwargs,
            );
            let elements = match p.get("columns") {
                Some(Value::List(items) | Value::Tuple(items)) => items.clone(),
                Some(single) => vec![single.clone()],
                None => return Err("op.create_index: missing `columns`".into()),
            };
            let index = Index::from_parts(
                p.opt_string("index_name")?,
                &elements,
                &p.options(&["index_name", "table_name", "columns"]),
            )?;
            Ok(vec![index.create_sql(
                p.schema()?.as_deref(),
                &p.string("table_name")?,
            )?])
        }
        "drop_index" => {
            let p = Params::bind("drop_index", &["index_name", "table_name"], args, kwargs);
            let mut sql = String::from("DROP INDEX ");
            if p.flag("postgresql_concurrently")? {
                sql.push_str("CONCURRENTLY ");
            }
            if p.flag("if_exists")? {
                sql.push_str("IF EXISTS ");
            }
            let name = explicit_name(&p.string("index_name")?)?;
            sql.push_str(&qualified(p.schema()?.as_deref(), &name));
            Ok(vec![sql])
        }
        "create_unique_constraint" => {
            let p = Params::bind(
                "create_unique_constraint",
                &["constraint_name", "table_name", "columns"],
                args,
                kwargs,
            );
            let kind = ConstraintKind::Unique {
                columns: string_list(p.get("columns"))?,
                include: string_list(p.get("postgresql_include"))?,
                nulls_not_distinct: p
                    .get("postgresql_nulls_not_distinct")
                    .and_then(Value::truthy),
            };
            add_constraint(&p, "table_name", kind)
        }
        "create_primary_key" => {
            let p = Params::bind(
                "create_primary_key",
                &["constraint_name", "table_name", "columns"],
                args,
                kwargs,
            );
            let kind = ConstraintKind::PrimaryKey {
                columns: string_list(p.get("columns"))?,
                include: Vec::new(),
            };
            add_constraint(&p, "table_name", kind)
        }
        "create_check_constraint" => {
            let p = Params::bind(
                "create_check_constraint",
                &["constraint_name", "table_name", "condition"],
                args,
                kwargs,
            );
            let condition = p
                .get("condition")
                .ok_or("op.create_check_constraint: missing `condition`")?;
            let kind = ConstraintKind::Check {
                sql: expression(condition, StrAs::Text)?,
                not_valid: p.flag("postgresql_not_valid")?,
            };
            add_constraint(&p, "table_name", kind)
        }
        "create_exclude_constraint" => {
            let p = Params::bind(
                "create_exclude_constraint",
                &["constraint_name", "table_name"],
                args,
                kwargs,
            );
            let options = p.options(&["constraint_name", "table_name", "schema"]);
            let recorded = Object {
                path: "sqlalchemy.dialects.postgresql.ExcludeConstraint".into(),
                args: p.rest.clone(),
                kwargs: options,
                span: 0..0,
            };
            add_constraint(&p, "table_name", exclude(&recorded)?)
        }
        "create_foreign_key" => {
            let p = Params::bind(
                "create_foreign_key",
                &[
                    "constraint_name",
                    "source_table",
                    "referent_table",
                    "local_cols",
                    "remote_cols",
                ],
                args,
                kwargs,
            );
            let referent = p.string("referent_table")?;
            let targets: Vec<String> = string_list(p.get("remote_cols"))?
                .into_iter()
                .map(|column| match p.opt_string("referent_schema") {
                    Ok(Some(schema)) => format!("{schema}.{referent}.{column}"),
                    _ => format!("{referent}.{column}"),
                })
                .collect();
            let recorded = Object {
                path: "sqlalchemy.ForeignKeyConstraint".into(),
                args: vec![],
                kwargs: p
                    .options(&["name"])
                    .into_iter()
                    .chain([(
                        "name".to_string(),
                        p.get("constraint_name").cloned().unwrap_or(Value::None),
                    )])
                    .collect(),
                span: 0..0,
            };
            let constraint = foreign_key(&recorded, string_list(p.get("local_cols"))?, &targets)?;
            let table = qualified(
                p.opt_string("source_schema")?.as_deref(),
                &p.string("source_table")?,
            );
            Ok(vec![format!(
                "ALTER TABLE {table} ADD {}",
                constraint.sql()
            )])
        }
        "drop_constraint" => {
            let p = Params::bind(
                "drop_constraint",
                &["constraint_name", "table_name", "type_"],
                args,
                kwargs,
            );
            let if_exists = if p.flag("if_exists")? {
                "IF EXISTS "
            } else {
                ""
            };
            Ok(vec![format!(
                "ALTER TABLE {} DROP CONSTRAINT {if_exists}{}",
                qualified(p.schema()?.as_deref(), &p.string("table_name")?),
                quote(&explicit_name(&p.string("constraint_name")?)?)
            )])
        }
        "create_table_comment" => {
            let p = Params::bind(
                "create_table_comment",
                &["table_name", "comment"],
                args,
                kwargs,
            );
            let comment = match p.get("comment") {
                Some(Value::Str(c)) => string_literal(c),
                Some(Value::None) => "NULL".into(),
                Some(other) if approx::unknown_name(other).is_some() => {
                    approx::literal(other).unwrap_or_default()
                }
                _ => return Err("op.create_table_comment: `comment` is not a string".into()),
            };
            Ok(vec![format!(
                "COMMENT ON TABLE {} IS {comment}",
                qualified(p.schema()?.as_deref(), &p.string("table_name")?)
            )])
        }
        "drop_table_comment" => {
            let p = Params::bind("drop_table_comment", &["table_name"], args, kwargs);
            Ok(vec![format!(
                "COMMENT ON TABLE {} IS NULL",
                qualified(p.schema()?.as_deref(), &p.string("table_name")?)
            )])
        }
        "execute" => {
            let p = Params::bind("execute", &["sqltext"], args, kwargs);
            Ok(vec![super::execute::execute_text(
                p.get("sqltext").ok_or("op.execute: missing SQL")?,
            )?])
        }
        "bulk_insert" => bulk_insert(Params::bind(
            "bulk_insert",
            &["table", "rows"],
            args,
            kwargs,
        )),
        other => Err(format!("unknown operation `op.{other}`")),
    }
}

fn add_constraint(
    p: &Params,
    table_key: &str,
    kind: ConstraintKind,
) -> Result<Vec<String>, String> {
    let recorded = Object {
        path: String::new(),
        args: vec![],
        kwargs: p.named.clone(),
        span: 0..0,
    };
    let constraint = Constraint {
        name: p
            .opt_string("constraint_name")?
            .map(|n| explicit_name(&n))
            .transpose()?,
        kind,
        deferral: deferral(&recorded)?,
    };
    let table = qualified(p.schema()?.as_deref(), &p.string(table_key)?);
    Ok(vec![format!(
        "ALTER TABLE {table} ADD {}",
        constraint.sql()
    )])
}

fn deferral(object: &Object) -> Result<Deferral, String> {
    let deferrable = match object.kwarg("deferrable") {
        None | Some(Value::None) => None,
        Some(v) => Some(v.truthy().ok_or("`deferrable` is a runtime value")?),
    };
    let initially = match object.kwarg("initially") {
        None | Some(Value::None) => None,
        Some(Value::Str(s)) => Some(s.clone()),
        Some(other) => return Err(format!("`initially` is a {}", other.type_name())),
    };
    Ok(Deferral {
        deferrable,
        initially,
    })
}

/// `op.add_column`: the column, then its constraints and indexes, then its comment.
fn add_column(p: Params) -> Result<Vec<String>, String> {
    let table_name = p.string("table_name")?;
    let schema = p.schema()?;
    let column_value = p.get("column").ok_or("op.add_column: missing column")?;
    Column::from_value(column_value)?;
    // An added column's default decides by its volatility whether the table is rewritten:
    // never a placeholder.
    let default = (column_value.as_object()).and_then(|column| column.kwarg("server_default"));
    if let Some(default) = default.filter(|v| !v.is_none()) {
        super::schema::default_expression(default)?;
    }
    let table = Table::new(
        &table_name,
        schema.clone(),
        std::slice::from_ref(column_value),
        &[],
    )?;
    let column = &table.columns[0];
    let target = qualified(schema.as_deref(), &table_name);
    let if_not_exists = if p.flag("if_not_exists")? {
        "IF NOT EXISTS "
    } else {
        ""
    };
    let is_auto = table.autoincrement_column().as_deref() == Some(column.name.as_str());
    let mut statements = vec![format!(
        "ALTER TABLE {target} ADD COLUMN {if_not_exists}{}",
        column.create_sql(schema.as_deref(), is_auto)
    )];
    for constraint in &table.constraints {
        statements.push(format!("ALTER TABLE {target} ADD {}", constraint.sql()));
    }
    statements.extend(table.index_sql()?);
    statements.extend(table.column_comment_sql());
    Ok(statements)
}

/// `op.alter_column`, in the order Alembic's PostgreSQL implementation emits: TYPE, NULL,
/// DEFAULT, COMMENT, RENAME.
fn alter_column(p: Params) -> Result<Vec<String>, String> {
    let table = qualified(p.schema()?.as_deref(), &p.string("table_name")?);
    let column = quote(&p.string("column_name")?);
    let mut statements = Vec::new();
    let using = p.opt_string("postgresql_using")?;
    match p.get("type_") {
        None | Some(Value::None) => {
            if using.is_some() {
                return Err("postgresql_using must be used with the type_ parameter".into());
            }
        }
        Some(type_) => {
            // A new type decides whether the table is rewritten: never a placeholder.
            let sql_type = SqlType::from_value(type_).map_err(|error| {
                SqlType::unknown_name(type_).map_or(error, |name| {
                    format!("type `{name}` is not known statically")
                })
            })?;
            let ddl = sql_type.ddl(None);
            let using = using.map(|u| format!(" USING {u}")).unwrap_or_default();
            statements.push(format!(
                "ALTER TABLE {table} ALTER COLUMN {column} TYPE {ddl}{using}"
            ));
        }
    }
    match p.get("nullable") {
        None | Some(Value::None) => {}
        Some(v) => {
            let action = if v.truthy().ok_or("`nullable` is a runtime value")? {
                "DROP NOT NULL"
            } else {
                "SET NOT NULL"
            };
            statements.push(format!(
                "ALTER TABLE {table} ALTER COLUMN {column} {action}"
            ));
        }
    }
    match p.get("server_default") {
        None | Some(Value::Bool(false)) => {}
        Some(Value::None) => statements.push(format!(
            "ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT"
        )),
        Some(default) => {
            if let Some(o) = default.as_object()
                && matches!(sa_name(&o.path), Some("Identity" | "Computed"))
            {
                return Err(format!("alter_column(server_default={}(...))", o.class()));
            }
            let default = super::schema::default_expression(default)?;
            statements.push(format!(
                "ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {default}"
            ));
        }
    }
    match p.get("comment") {
        None | Some(Value::Bool(false)) => {}
        Some(Value::None) => statements.push(format!("COMMENT ON COLUMN {table}.{column} IS NULL")),
        Some(Value::Str(comment)) => statements.push(format!(
            "COMMENT ON COLUMN {table}.{column} IS {}",
            string_literal(comment)
        )),
        Some(other) => match approx::literal(other) {
            Some(placeholder) => statements.push(format!(
                "COMMENT ON COLUMN {table}.{column} IS {placeholder}"
            )),
            None => return Err(format!("`comment` is a {}", other.type_name())),
        },
    }
    if let Some(new_name) = p.opt_string("new_column_name")? {
        statements.push(format!(
            "ALTER TABLE {table} RENAME {column} TO {}",
            quote(&new_name)
        ));
    }
    Ok(statements)
}

/// `op.bulk_insert(table, rows)`: one INSERT per row with literal values; columns in table
/// order, limited to the row's keys.
fn bulk_insert(p: Params) -> Result<Vec<String>, String> {
    let table = match p.get("table") {
        Some(Value::Object(o)) if matches!(sa_name(&o.path), Some("Table" | "table")) => o.clone(),
        Some(other) => {
            return Err(format!(
                "op.bulk_insert of a {} (needs sa.table(...) or the result of op.create_table)",
                other.type_name()
            ));
        }
        None => return Err("op.bulk_insert: missing table".into()),
    };
    let name = table
        .args
        .first()
        .and_then(Value::as_str)
        .ok_or("bulk_insert table without a name")?;
    let schema = match table.kwarg("schema") {
        Some(Value::Str(s)) => Some(s.clone()),
        _ => None,
    };
    let mut columns: Vec<(String, SqlType)> = Vec::new();
    for item in table.args.iter().skip(1) {
        let Some(object) = item.as_object() else {
            continue;
        };
        match sa_name(&object.path) {
            Some("Column" | "column") => {
                let column_name = column_name(item).ok_or("column without a name")?;
                let type_value = object
                    .param(1, "type_")
                    .cloned()
                    .unwrap_or(Value::Path("sqlalchemy.NullType".into()));
                columns.push((column_name, SqlType::from_value(&type_value)?));
            }
            _ => continue,
        }
    }
    let rows = match p.get("rows") {
        Some(Value::List(rows) | Value::Tuple(rows)) => rows.clone(),
        Some(other) => return Err(format!("op.bulk_insert rows are a {}", other.type_name())),
        None => return Err("op.bulk_insert: missing rows".into()),
    };
    let target = qualified(schema.as_deref(), name);
    let mut statements = Vec::with_capacity(rows.len());
    for row in rows {
        let Value::Dict(pairs) = row else {
            return Err(format!("op.bulk_insert row is a {}", row.type_name()));
        };
        for (key, _) in &pairs {
            let key = key.as_str().ok_or("bulk_insert row key is not a string")?;
            if !columns.iter().any(|(c, _)| c == key) {
                return Err(format!(
                    "bulk_insert row key `{key}` is not a column of `{name}`"
                ));
            }
        }
        let mut names = Vec::new();
        let mut values = Vec::new();
        for (column, sql_type) in &columns {
            if let Some((_, value)) = pairs.iter().find(|(k, _)| k.as_str() == Some(column)) {
                names.push(quote(column));
                values.push(sql_type.literal(value)?);
            }
        }
        if names.is_empty() {
            return Err("bulk_insert of an empty row".into());
        }
        statements.push(format!(
            "INSERT INTO {target} ({}) VALUES ({})",
            names.join(", "),
            values.join(", ")
        ));
    }
    Ok(statements)
}

/// `op.f(name)` marks a name as final and generated: SQLAlchemy shortens it when too long.
pub fn generated_name(name: Value) -> Value {
    match name {
        Value::Str(name) => Value::Str(truncated_label(&name)),
        other => other,
    }
}
