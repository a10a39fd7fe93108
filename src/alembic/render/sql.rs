//! SQL text the way SQLAlchemy's PostgreSQL dialect writes it: literals (`literal_binds`),
//! and the SQL expression constructs migrations use (`sa.text`, `sa.func.*`, `sa.column`,
//! `sa.true()`, ...); identifier quoting is in [`super::quote`].

use crate::python::{Object, Value, float_repr};

use super::approx;
use super::names::sa_name;
use super::quote::{qualified, quote, string_literal};
use super::types::SqlType;

/// A Python value rendered as a SQL literal, as `literal_binds` does for untyped values.
pub fn literal(value: &Value) -> Result<String, String> {
    if let Some(placeholder) = approx::literal(value) {
        return Ok(placeholder);
    }
    Ok(match value {
        Value::None => "NULL".into(),
        Value::Bool(true) => "true".into(),
        Value::Bool(false) => "false".into(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_repr(*f),
        Value::Str(s) => string_literal(s),
        Value::List(items) | Value::Tuple(items) => {
            let parts: Result<Vec<String>, String> = items.iter().map(literal).collect();
            format!("ARRAY[{}]", parts?.join(", "))
        }
        Value::Object(_) => expression(value, StrAs::Literal)?,
        other => return Err(format!("no SQL literal for a {}", other.type_name())),
    })
}

/// `t.c.x` of a `sa.table(...)`: `args` = [table, name] (see `dml.rs`).
pub const TABLE_COLUMN: &str = "sqlalchemy.__table_column__";

/// How a bare Python string is understood where a SQL expression is expected.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StrAs {
    /// A bound value: `'text'` (function arguments, `server_default`).
    Literal,
    /// A column name (index elements, `sa.Index("ix", "col")`).
    Column,
    /// Raw SQL text (`CheckConstraint("a > 0")`, `postgresql_where="..."`).
    Text,
}

/// Render a SQL expression value.
pub fn expression(value: &Value, strings: StrAs) -> Result<String, String> {
    match value {
        Value::Str(s) => Ok(match strings {
            StrAs::Literal => string_literal(s),
            StrAs::Column => quote(s),
            StrAs::Text => s.clone(),
        }),
        Value::Object(object) => object_expression(object),
        Value::None | Value::Bool(_) | Value::Int(_) | Value::Float(_) => literal(value),
        // A value only known when run, where a bound value goes: a placeholder.
        other if strings == StrAs::Literal && approx::unknown_name(other).is_some() => {
            literal(other)
        }
        other => Err(format!(
            "a {} where a SQL expression is expected",
            other.type_name()
        )),
    }
}

fn object_expression(object: &Object) -> Result<String, String> {
    let Some(name) = sa_name(&object.path) else {
        return Err(format!(
            "`{}` where a SQL expression is expected",
            object.path
        ));
    };
    if let Some(function) = name.strip_prefix("func.") {
        return function_call(function, &object.args);
    }
    let first = object.args.first();
    match name {
        "text" => text_clause(object),
        "literal_column" => match first {
            Some(Value::Str(s)) => Ok(s.clone()),
            _ => Err("literal_column() needs a string".into()),
        },
        "__binary__" => {
            let [left, Value::Str(op), right] = object.args.as_slice() else {
                return Err("malformed SQL comparison".into());
            };
            if op == "NOT" {
                return Ok(format!("NOT ({})", expression(right, StrAs::Literal)?));
            }
            let left = expression(left, StrAs::Literal)?;
            Ok(match (op.as_str(), right) {
                ("=" | "IS", Value::None) => format!("{left} IS NULL"),
                ("!=" | "IS NOT", Value::None) => format!("{left} IS NOT NULL"),
                // Parenthesised operands keep the grouping Python's operators gave.
                ("AND" | "OR", right) => {
                    format!("({left}) {op} ({})", expression(right, StrAs::Literal)?)
                }
                ("IN" | "NOT IN", Value::List(items) | Value::Tuple(items)) => {
                    if items.is_empty() {
                        return Err("in_() of an empty list".into());
                    }
                    let items: Result<Vec<String>, String> = items
                        .iter()
                        .map(|i| expression(i, StrAs::Literal))
                        .collect();
                    format!("{left} {op} ({})", items?.join(", "))
                }
                // A subquery or an approximate placeholder: parenthesised, as SQL needs.
                ("IN" | "NOT IN", right) => {
                    format!("{left} {op} ({})", expression(right, StrAs::Literal)?)
                }
                ("BETWEEN" | "NOT BETWEEN", Value::Tuple(bounds)) if bounds.len() == 2 => format!(
                    "{left} {op} {} AND {}",
                    expression(&bounds[0], StrAs::Literal)?,
                    expression(&bounds[1], StrAs::Literal)?
                ),
                (op, right) => format!("{left} {op} {}", expression(right, StrAs::Literal)?),
            })
        }
        // As SQLAlchemy qualifies it in a WHERE clause: `[schema.]t.x`.
        "__table_column__" => {
            let [Value::Object(table), Value::Str(column)] = object.args.as_slice() else {
                return Err("malformed table column".into());
            };
            let table_name = table.args.first().and_then(Value::as_str);
            let schema = table.kwarg("schema").and_then(Value::as_str);
            let table_name = table_name.ok_or("table without a name")?;
            Ok(format!(
                "{}.{}",
                qualified(schema, table_name),
                quote(column)
            ))
        }
        "and_" | "or_" => {
            let op = if name == "and_" { " AND " } else { " OR " };
            let clauses: Result<Vec<String>, String> = (object.args.iter())
                .map(|c| Ok(format!("({})", expression(c, StrAs::Text)?)))
                .collect();
            match clauses?.as_slice() {
                [] => Err(format!("{name}() without clauses")),
                clauses => Ok(clauses.join(op)),
            }
        }
        // `op.inline_literal(value)`: the value, rendered inline.
        "__inline_literal__" => literal(first.unwrap_or(&Value::None)),
        // `sa.true()`, or its class called (`sa.sql.False_()`, jupyterhub's 4621fec11365).
        "true" | "True_" => Ok("true".into()),
        "false" | "False_" => Ok("false".into()),
        "null" => Ok("NULL".into()),
        "literal" => literal(first.unwrap_or(&Value::None)),
        // `sa.Column("x")` in an expression renders as its name too (ckan's 108_f7b64c701a10:
        // `sa.func.lower(sa.Column("email"))` in an index).
        "column" | "Column" => match object.kwarg("name").or(first) {
            Some(Value::Str(s)) => Ok(quote(s)),
            _ => Err(format!("{name}() needs a name")),
        },
        "desc" | "asc" => {
            let inner = expression(first.unwrap_or(&Value::None), StrAs::Column)?;
            Ok(format!("{inner} {}", name.to_uppercase()))
        }
        "nulls_first" | "nulls_last" | "nullsfirst" | "nullslast" => {
            let inner = expression(first.unwrap_or(&Value::None), StrAs::Column)?;
            let last = name.ends_with("last");
            Ok(format!(
                "{inner} NULLS {}",
                if last { "LAST" } else { "FIRST" }
            ))
        }
        "cast" => {
            let inner = expression(first.unwrap_or(&Value::None), StrAs::Literal)?;
            let type_ = object.param(1, "type_").ok_or("cast() needs a type")?;
            let type_ = SqlType::from_value(type_)?;
            Ok(format!("CAST({inner} AS {})", type_.ddl(None)))
        }
        // Methods recorded on column objects: sa.column("x").desc().
        _ => Err(format!("SQL expression `{name}`")),
    }
}

/// SQLAlchemy's ANSI functions render without parentheses when called without arguments.
const ANSI_FUNCTIONS: &[&str] = &[
    "current_date",
    "current_time",
    "current_timestamp",
    "current_user",
    "localtime",
    "localtimestamp",
    "session_user",
    "user",
];

fn function_call(name: &str, args: &[Value]) -> Result<String, String> {
    let lower = name.to_lowercase();
    if args.is_empty() && ANSI_FUNCTIONS.contains(&lower.as_str()) {
        return Ok(lower.to_uppercase());
    }
    if args.is_empty() && lower == "count" {
        return Ok(format!("{name}(*)"));
    }
    let parts: Result<Vec<String>, String> =
        args.iter().map(|a| expression(a, StrAs::Literal)).collect();
    let path: Vec<&str> = name.split('.').collect();
    Ok(format!("{}({})", path.join("."), parts?.join(", ")))
}

/// The statements `connection.execute(statement, parameters)` runs: the parameters are
/// bound into the statement, as the driver does when the migration runs (offline,
/// Alembic prints the placeholders instead, which PostgreSQL cannot run). A `text()`
/// takes a dict as its `:name` values; a plain string is formatted as psycopg does (`%s`
/// from a tuple or list, `%(name)s` from a dict, `%%` a `%`). A list of dicts runs the
/// statement once per dict.
pub fn with_parameters(statement: Value, parameters: &Value) -> Result<Vec<Value>, String> {
    match (&statement, parameters) {
        // Not an empty list: the statement would vanish from the rendering.
        (_, Value::List(sets))
            if !sets.is_empty() && sets.iter().all(|set| matches!(set, Value::Dict(_))) =>
        {
            let one = |set| with_parameters(statement.clone(), set);
            Ok(sets
                .iter()
                .map(one)
                .collect::<Result<Vec<_>, _>>()?
                .concat())
        }
        (Value::Object(text), Value::Dict(pairs)) if sa_name(&text.path) == Some("text") => {
            let mut bound = (**text).clone();
            let mut given = Vec::with_capacity(pairs.len());
            for (name, value) in pairs {
                let name = name
                    .as_str()
                    .ok_or("a parameter name that is not a string")?;
                given.push((format!(":{name}"), value.clone()));
            }
            // The values given at execution are the ones bound.
            bound.kwargs.splice(0..0, given);
            Ok(vec![Value::Object(std::rc::Rc::new(bound))])
        }
        (Value::Str(sql), parameters) => Ok(vec![Value::Str(psycopg_format(sql, parameters)?)]),
        (_, other) => Err(format!(
            "execute() with parameters of a {}",
            other.type_name()
        )),
    }
}

/// `sql` formatted as psycopg formats a query: Python's `%` formatting (`%s`, `%(name)s`,
/// `%%`) over the parameters adapted to SQL literals, a tuple to a parenthesised list (for
/// `IN`).
fn psycopg_format(sql: &str, parameters: &Value) -> Result<String, String> {
    let adapt = |value: &Value| -> Result<Value, String> {
        Ok(Value::Str(match value {
            Value::Tuple(items) => {
                let items: Result<Vec<String>, String> = items.iter().map(literal).collect();
                format!("({})", items?.join(", "))
            }
            other => literal(other)?,
        }))
    };
    let adapted = match parameters {
        Value::Tuple(values) | Value::List(values) => {
            Value::Tuple(values.iter().map(adapt).collect::<Result<_, _>>()?)
        }
        Value::Dict(pairs) => Value::Dict(
            (pairs.iter())
                .map(|(name, value)| Ok((name.clone(), adapt(value)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => {
            return Err(format!(
                "execute() with parameters of a {}",
                other.type_name()
            ));
        }
    };
    crate::python::percent_format(sql, &adapted)
}

/// `sa.text(...)`: `\:` unescapes to `:`; `:name` bind parameters take the values given by
/// `.bindparams(...)` (recorded as `:name` keyword arguments), else render as `NULL` as
/// `literal_binds` does for a parameter without a value.
pub fn text_clause(object: &Object) -> Result<String, String> {
    let Some(Value::Str(text)) = object.args.first() else {
        return Err("text() needs a string".into());
    };
    let binds: Vec<(&str, &Value)> = object
        .kwargs
        .iter()
        .filter_map(|(k, v)| k.strip_prefix(':').map(|k| (k, v)))
        .collect();
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && chars.get(i + 1) == Some(&':') {
            out.push(':');
            i += 2;
            continue;
        }
        // A bind is `:word` not preceded by `:`, a word character or `\`, not followed by `:`.
        let preceded = i > 0
            && (chars[i - 1] == ':'
                || chars[i - 1].is_alphanumeric()
                || chars[i - 1] == '_'
                || chars[i - 1] == '\\');
        if c == ':' && !preceded {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            if j > i + 1 && chars.get(j) != Some(&':') {
                let name: String = chars[i + 1..j].iter().collect();
                let bound = binds.iter().find(|(k, _)| *k == name);
                if let Some((_, Value::Object(o))) = bound
                    && sa_name(&o.path) == Some("__inline_literal__")
                {
                    // SQLAlchemy cannot render it there: Alembic fails with a CompileError.
                    return Err(
                        "op.inline_literal() in text().bindparams() (Alembic fails too)".into(),
                    );
                }
                match bound {
                    Some((_, value)) => out.push_str(&literal(value)?),
                    None => out.push_str("NULL"),
                }
                i = j;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_binds() {
        let object = Object {
            path: "sqlalchemy.text".into(),
            args: vec![Value::Str("select :a, :b, a::int, '\\:x'".into())],
            kwargs: vec![(":a".into(), Value::Int(5))],
            span: 0..0,
        };
        assert_eq!(
            text_clause(&object).unwrap(),
            "select 5, NULL, a::int, ':x'"
        );
    }
}
