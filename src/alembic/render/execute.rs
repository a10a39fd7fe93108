//! What `op.execute()` runs: SQL text, `sa.text()`, the DML constructs and the DDL
//! elements (`CreateSequence`, `CreateSchema`, ...) SQLAlchemy compiles for it.

use crate::python::{Object, Value};

use super::names::sa_name;
use super::quote::quote;
use super::schema::{opt_bool, sequence_ddl};
use super::sql::text_clause;

/// SQL given to `op.execute` / `conn.execute`: a string or `sa.text(...)`, both compiled as
/// text (bind parameters, `\:` escapes).
pub fn execute_text(value: &Value) -> Result<String, String> {
    let text = match value {
        Value::Str(s) => Object {
            path: "sqlalchemy.text".into(),
            args: vec![Value::Str(s.clone())],
            kwargs: vec![],
            span: 0..0,
        },
        Value::Object(o) if sa_name(&o.path) == Some("text") => (**o).clone(),
        Value::Object(o) if super::dml::is_statement(o) => return super::dml::render(o),
        Value::Object(o) if matches!(sa_name(&o.path), Some("CreateSequence" | "DropSequence")) => {
            return sequence_ddl(o);
        }
        Value::Object(o) if matches!(sa_name(&o.path), Some("CreateSchema" | "DropSchema")) => {
            return schema_ddl(o);
        }
        Value::Object(o) => {
            return Err(format!(
                "execute() of `{}` (only SQL strings and sa.text() are rendered)",
                o.path
            ));
        }
        other => return Err(format!("execute() of a {}", other.type_name())),
    };
    text_clause(&text)
}

/// `CreateSchema(name, if_not_exists=)`, `DropSchema(name, cascade=, if_exists=)`, as
/// SQLAlchemy's DDL compiler writes them.
fn schema_ddl(statement: &Object) -> Result<String, String> {
    let create = sa_name(&statement.path) == Some("CreateSchema");
    let name = (statement.param(0, "name").and_then(Value::as_str))
        .ok_or_else(|| format!("`{}` without a schema name", statement.path))?;
    let flag = |key: &str| opt_bool(statement, key).map(|flag| flag.unwrap_or(false));
    let (verb, guard_key, guard) = match create {
        true => ("CREATE", "if_not_exists", "IF NOT EXISTS "),
        false => ("DROP", "if_exists", "IF EXISTS "),
    };
    let mut sql = format!("{verb} SCHEMA ");
    if flag(guard_key)? {
        sql.push_str(guard);
    }
    sql.push_str(&quote(name));
    if !create && flag("cascade")? {
        sql.push_str(" CASCADE");
    }
    Ok(sql)
}
