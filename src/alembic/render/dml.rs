//! `op.execute()` of SQLAlchemy DML built on a lightweight table:
//! `t = sa.table("t", sa.column("x", sa.String))`, then `t.update().where(t.c.x ==
//! op.inline_literal("a")).values({"y": ...})`, `t.insert().values(...)`, `t.delete().where(...)`,
//! compiled as Alembic's offline mode does (`literal_binds`): one statement, values inline.

use std::ops::Range;
use std::rc::Rc;

use crate::python::{Object, Value};

use super::names::sa_name;
use super::objects::object;
use super::quote::{qualified, quote};
use super::schema::column_name;
use super::sql::{StrAs, TABLE_COLUMN, expression, literal};
use super::types::SqlType;

/// The recorded statement: `args` = [kind, table]; kwargs `where` (each condition, ANDed)
/// and `values` (a dict of column name → value).
const DML: &str = "sqlalchemy.__dml__";
/// `t.c`: the columns of a table.
const COLUMNS: &str = "sqlalchemy.__columns__";

fn is_table(object: &Object) -> bool {
    matches!(sa_name(&object.path), Some("table" | "Table"))
}

/// `table.c` and `table.c.name`; `None` when `object.attr` is none of these.
pub fn attribute(receiver: &Rc<Object>, attr: &str, span: Range<usize>) -> Option<Value> {
    let value = Value::Object(receiver.clone());
    if is_table(receiver) && attr == "c" {
        return Some(object(COLUMNS, vec![value], vec![], span));
    }
    if receiver.path == COLUMNS {
        let owner = receiver.args.first()?.clone();
        return Some(object(
            TABLE_COLUMN,
            vec![owner, Value::Str(attr.to_string())],
            vec![],
            span,
        ));
    }
    None
}

/// `table.update()/insert()/delete()` and `.where(...)`/`.values(...)` on the result;
/// `None` when `receiver.method` is none of these.
pub fn method(
    receiver: &Object,
    method: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
    span: Range<usize>,
) -> Option<Result<Value, String>> {
    if is_table(receiver) && matches!(method, "update" | "insert" | "delete") {
        if !args.is_empty() || !kwargs.is_empty() {
            return Some(Err(format!("table.{method}() with arguments")));
        }
        let table = Value::Object(Rc::new(receiver.clone()));
        return Some(Ok(object(
            DML,
            vec![Value::Str(method.into()), table],
            vec![],
            span,
        )));
    }
    let mut statement = as_dml(receiver)?;
    match method {
        "where" => statement
            .kwargs
            .extend(args.into_iter().map(|c| ("where".to_string(), c))),
        "values" => {
            let mut pairs = match args.as_slice() {
                [] => Vec::new(),
                [Value::Dict(pairs)] => pairs.clone(),
                _ => return Some(Err("values() of anything but a dict or keywords".into())),
            };
            pairs.extend(kwargs.into_iter().map(|(k, v)| (Value::Str(k), v)));
            statement.kwargs.push(("values".into(), Value::Dict(pairs)));
        }
        other => return Some(Err(format!("`.{other}()` on an update/insert/delete"))),
    }
    Some(Ok(Value::Object(Rc::new(statement))))
}

pub fn is_statement(object: &Object) -> bool {
    as_dml(object).is_some()
}

/// A recorded statement, or one written the functional way: `sa.update(t)`,
/// `sa.insert(t)`, `sa.delete(t)` on a lightweight table.
fn as_dml(object: &Object) -> Option<Object> {
    if object.path == DML {
        return Some(object.clone());
    }
    let kind = sa_name(&object.path).filter(|k| matches!(*k, "update" | "insert" | "delete"))?;
    let [Value::Object(table)] = object.args.as_slice() else {
        return None;
    };
    (is_table(table) && object.kwargs.is_empty()).then(|| Object {
        path: DML.into(),
        args: vec![Value::Str(kind.into()), Value::Object(table.clone())],
        kwargs: Vec::new(),
        span: object.span.clone(),
    })
}

/// The SQL of a recorded DML statement.
pub fn render(statement: &Object) -> Result<String, String> {
    let statement = &as_dml(statement).ok_or("not an update/insert/delete")?;
    let [Value::Str(kind), Value::Object(table)] = statement.args.as_slice() else {
        return Err("malformed DML statement".into());
    };
    let name = table
        .args
        .first()
        .and_then(Value::as_str)
        .ok_or("table without a name")?;
    let schema = match table.kwarg("schema") {
        Some(Value::Str(s)) => Some(s.as_str()),
        _ => None,
    };
    let columns = table_columns(table)?;
    let mut values: Vec<(String, Value)> = Vec::new();
    for (_, given) in statement.kwargs.iter().filter(|(k, _)| k == "values") {
        let Value::Dict(pairs) = given else { continue };
        for (key, value) in pairs {
            let key = column_key(key)?;
            values.retain(|(k, _)| *k != key);
            values.push((key, value.clone()));
        }
    }
    // SQLAlchemy lists the columns in table order.
    let mut set = Vec::new();
    for (column, sql_type) in &columns {
        if let Some((_, value)) = values.iter().find(|(k, _)| k == column) {
            set.push((quote(column), value_sql(value, sql_type.as_ref())?));
        }
    }
    if let Some((key, _)) = values
        .iter()
        .find(|(k, _)| !columns.iter().any(|(c, _)| c == k))
    {
        return Err(format!("values() key `{key}` is not a column of `{name}`"));
    }
    // SQLAlchemy adds the other tables a statement's conditions or values name to an
    // UPDATE's FROM / a DELETE's USING, in an order this renderer does not reproduce.
    let mut others = Vec::new();
    for (_, value) in &statement.kwargs {
        other_tables(value, name, schema, &mut others);
    }
    if let Some(other) = others.first() {
        return Err(format!(
            "{kind}() whose conditions or values name another table (`{other}`)"
        ));
    }
    let conditions: Result<Vec<String>, String> = (statement.kwargs.iter())
        .filter(|(k, _)| k == "where")
        .map(|(_, c)| expression(c, StrAs::Text))
        .collect();
    let conditions = conditions?;
    let target = qualified(schema, name);
    let mut sql = match kind.as_str() {
        "update" => {
            let assignments: Vec<String> = set.iter().map(|(c, v)| format!("{c}={v}")).collect();
            if assignments.is_empty() {
                return Err("update() without values()".into());
            }
            format!("UPDATE {target} SET {}", assignments.join(", "))
        }
        "insert" => {
            let (names, values): (Vec<String>, Vec<String>) = set.into_iter().unzip();
            if names.is_empty() {
                return Err("insert() without values()".into());
            }
            return Ok(format!(
                "INSERT INTO {target} ({}) VALUES ({})",
                names.join(", "),
                values.join(", ")
            ));
        }
        _ => format!("DELETE FROM {target}"),
    };
    if !conditions.is_empty() {
        sql.push_str(&format!(" WHERE {}", conditions.join(" AND ")));
    }
    Ok(sql)
}

/// Tables other than `name` (in `schema`) whose columns `value` refers to.
fn other_tables(value: &Value, name: &str, schema: Option<&str>, out: &mut Vec<String>) {
    match value {
        Value::Object(object) if object.path == TABLE_COLUMN => {
            if let Some(Value::Object(table)) = object.args.first() {
                let table_name = table.args.first().and_then(Value::as_str).unwrap_or("?");
                let table_schema = table.kwarg("schema").and_then(Value::as_str);
                if (table_name, table_schema) != (name, schema) {
                    out.push(table_name.to_string());
                }
            }
        }
        Value::Object(object) => {
            for item in object
                .args
                .iter()
                .chain(object.kwargs.iter().map(|(_, v)| v))
            {
                other_tables(item, name, schema, out);
            }
        }
        Value::List(items) | Value::Tuple(items) => {
            for item in items {
                other_tables(item, name, schema, out);
            }
        }
        Value::Dict(pairs) => {
            for (key, item) in pairs {
                other_tables(key, name, schema, out);
                other_tables(item, name, schema, out);
            }
        }
        _ => {}
    }
}

fn column_key(key: &Value) -> Result<String, String> {
    match key {
        Value::Object(o) if o.path == TABLE_COLUMN => o.args.get(1).and_then(Value::as_str),
        other => other.as_str(),
    }
    .map(str::to_string)
    .ok_or_else(|| "values() key is not a column name".into())
}

fn table_columns(table: &Object) -> Result<Vec<(String, Option<SqlType>)>, String> {
    let mut columns = Vec::new();
    for item in table.args.iter().skip(1) {
        let name = column_name(item).ok_or("a table item that is not a column")?;
        let sql_type = match item.as_object().and_then(|o| o.param(1, "type_")) {
            Some(type_value) => Some(SqlType::from_value(type_value)?),
            None => None,
        };
        columns.push((name, sql_type));
    }
    Ok(columns)
}

/// A value in `values()`: `op.inline_literal(...)` as its literal, a plain Python value as the
/// column type's literal (`literal_binds`), an SQL expression as itself.
fn value_sql(value: &Value, sql_type: Option<&SqlType>) -> Result<String, String> {
    match (value, sql_type) {
        (Value::Object(_), _) => expression(value, StrAs::Literal),
        (_, Some(sql_type)) => sql_type.literal(value),
        (_, None) => literal(value),
    }
}
