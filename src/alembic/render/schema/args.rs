//! Reading the arguments of recorded SQLAlchemy calls: column-name lists and optional
//! keyword arguments.

use crate::python::{Object, Value};

use crate::alembic::render::names::sa_name;

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

pub(super) fn opt_str(object: &Object, name: &str) -> Result<Option<String>, String> {
    match object.kwarg(name) {
        None | Some(Value::None) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("`{name}` is a {}", other.type_name())),
    }
}

pub fn opt_bool(object: &Object, name: &str) -> Result<Option<bool>, String> {
    match object.kwarg(name) {
        None | Some(Value::None) => Ok(None),
        Some(v) => v
            .truthy()
            .map(Some)
            .ok_or_else(|| format!("`{name}` is a runtime value")),
    }
}
