//! Values of Python's standard library that migrations put in `bulk_insert` rows
//! (`datetime.datetime`, `datetime.date`, `datetime.time`, `decimal.Decimal`, `uuid.UUID`):
//! recorded as calls and rendered as SQLAlchemy's literal processors render them, from the
//! value's `str()`.

use rustpython_parser::ast;

use crate::python::{Env, Object, Value};

const CONSTRUCTORS: &[&str] = &[
    "datetime.datetime",
    "datetime.date",
    "datetime.time",
    "decimal.Decimal",
    "uuid.UUID",
];

pub fn is_constructor(path: &str) -> bool {
    CONSTRUCTORS.contains(&path)
}

/// Whether `value` is one of these values, and which (`"decimal.Decimal"`, ...).
pub fn kind(value: &Value) -> Option<&str> {
    let object = value.as_object()?;
    is_constructor(&object.path).then_some(object.path.as_str())
}

/// Python's `str()` of the value.
pub fn python_str(object: &Object) -> Result<String, String> {
    match object.path.as_str() {
        "datetime.date" => {
            let [y, m, d] = fields(object, &["year", "month", "day"], 3)?[..] else {
                unreachable!()
            };
            Ok(format!("{y:04}-{m:02}-{d:02}"))
        }
        "datetime.datetime" => {
            let names = [
                "year",
                "month",
                "day",
                "hour",
                "minute",
                "second",
                "microsecond",
            ];
            let [y, mo, d, h, mi, s, us] = fields(object, &names, 3)?[..] else {
                unreachable!()
            };
            Ok(format!("{y:04}-{mo:02}-{d:02} {}", clock(h, mi, s, us)))
        }
        "datetime.time" => {
            let names = ["hour", "minute", "second", "microsecond"];
            let [h, mi, s, us] = fields(object, &names, 0)?[..] else {
                unreachable!()
            };
            Ok(clock(h, mi, s, us))
        }
        "decimal.Decimal" => match object.args.first() {
            Some(Value::Int(i)) => Ok(i.to_string()),
            // Plain decimal notation is kept as written; exponents and the like would need
            // Decimal's normalisation rules.
            Some(Value::Str(s)) if is_plain_decimal(s) => Ok(s.clone()),
            _ => Err("decimal.Decimal() of anything but an int or a plain decimal string".into()),
        },
        "uuid.UUID" => {
            let Some(Value::Str(text)) = object.args.first() else {
                return Err("uuid.UUID() without a string".into());
            };
            let hex: String = text
                .trim_start_matches("urn:uuid:")
                .chars()
                .filter(|c| !matches!(c, '{' | '}' | '-'))
                .collect::<String>()
                .to_lowercase();
            if hex.len() != 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!("uuid.UUID({text:?}) is not a valid UUID"));
            }
            let part = |range: std::ops::Range<usize>| &hex[range];
            Ok([
                part(0..8),
                part(8..12),
                part(12..16),
                part(16..20),
                part(20..32),
            ]
            .join("-"))
        }
        other => Err(format!("`{other}` value")),
    }
}

fn clock(h: i64, m: i64, s: i64, us: i64) -> String {
    let mut text = format!("{h:02}:{m:02}:{s:02}");
    if us != 0 {
        text.push_str(&format!(".{us:06}"));
    }
    text
}

fn is_plain_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && (whole.chars().chain(fraction.chars())).all(|c| c.is_ascii_digit())
}

/// Integer fields by position or keyword; the first `required` must be given, the rest
/// default to 0. A time zone is refused: its rendering depends on the tzinfo object.
fn fields(object: &Object, names: &[&str], required: usize) -> Result<Vec<i64>, String> {
    if object.kwarg("tzinfo").is_some() || object.args.len() > names.len() {
        return Err(format!("`{}(...)` with a time zone", object.path));
    }
    let mut values = Vec::with_capacity(names.len());
    for (position, name) in names.iter().enumerate() {
        values.push(match object.param(position, name) {
            Some(Value::Int(i)) => *i,
            None if position >= required => 0,
            _ => {
                return Err(format!(
                    "`{}(...)`: `{name}` is not a literal int",
                    object.path
                ));
            }
        });
    }
    Ok(values)
}

/// Path of the value standing for an `enum.Enum` subclass defined in the file.
pub const ENUM_CLASS: &str = "enum.<class>";

/// A module-level `class Name(enum.Enum):` (or `str, Enum`, `IntEnum`, ...) as a value
/// holding its name and members in order (`sa.Enum(Name)` reads them); `None` for any other
/// class. A member's value may be unknown (`auto()`): only `values_callable` needs it.
pub fn enum_class<E: Env>(env: &mut E, def: &ast::StmtClassDef) -> Option<Value> {
    let is_enum = def.bases.iter().any(|base| {
        matches!(
            crate::python::eval(env, base),
            Ok(Value::Path(p)) if matches!(p.as_str(), "enum.Enum" | "enum.StrEnum" | "enum.IntEnum")
        )
    });
    if !is_enum {
        return None;
    }
    let mut members = Vec::new();
    for stmt in &def.body {
        let ast::Stmt::Assign(assign) = stmt else {
            continue;
        };
        let [ast::Expr::Name(target)] = assign.targets.as_slice() else {
            continue;
        };
        if target.id.starts_with('_') {
            continue;
        }
        let value = crate::python::eval(env, &assign.value)
            .unwrap_or_else(|e| Value::Runtime(format!("enum member value: {}", e.message)));
        members.push(Value::Tuple(vec![Value::Str(target.id.to_string()), value]));
    }
    let span = crate::python::span_of(def);
    Some(super::objects::object(
        ENUM_CLASS,
        vec![Value::Str(def.name.to_string()), Value::List(members)],
        vec![],
        span,
    ))
}

/// Path of the value standing for a member of an enum class defined in the file.
pub const ENUM_MEMBER: &str = "enum.<member>";

/// `Class.member` of an enum class ([`enum_class`]), and `.value` / `.name` of a member
/// (`f"m != {Mode.inheriting.value}"`); `None` for any other attribute.
pub fn enum_attribute(object: &Object, attr: &str) -> Option<Value> {
    match (object.path.as_str(), object.args.as_slice()) {
        (ENUM_CLASS, [Value::Str(class), Value::List(members)]) => {
            let value = members.iter().find_map(|member| match member {
                Value::Tuple(pair) => match pair.as_slice() {
                    [Value::Str(name), value] if name == attr => Some(value.clone()),
                    _ => None,
                },
                _ => None,
            })?;
            let args = vec![Value::Str(class.clone()), Value::Str(attr.into()), value];
            Some(super::objects::object(
                ENUM_MEMBER,
                args,
                vec![],
                object.span.clone(),
            ))
        }
        (ENUM_MEMBER, [_, name, value]) => match attr {
            "value" => Some(value.clone()),
            "name" => Some(name.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// `sa.Enum(EnumClass)`: SQLAlchemy's type name (the class name in lower case) and labels
/// (member names; their values with `values_callable`, a function this renderer does not
/// evaluate).
pub fn enum_labels(class: &Object, values_callable: bool) -> Result<(String, Vec<String>), String> {
    let (Some(Value::Str(name)), Some(Value::List(members))) =
        (class.args.first(), class.args.get(1))
    else {
        return Err("malformed enum class".into());
    };
    if values_callable {
        return Err(format!(
            "sa.Enum({name}, values_callable=...): the callable is not evaluated"
        ));
    }
    let labels = members
        .iter()
        .filter_map(|m| m.as_sequence()?.first()?.as_str().map(str::to_string))
        .collect();
    Ok((name.to_lowercase(), labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(path: &str, args: Vec<Value>) -> Object {
        Object {
            path: path.into(),
            args,
            kwargs: vec![],
            span: 0..0,
        }
    }

    /// Values Python's `str()` gives.
    #[test]
    fn str_of_standard_values() {
        let ints = |v: &[i64]| v.iter().map(|i| Value::Int(*i)).collect::<Vec<_>>();
        let cases = [
            (call("datetime.date", ints(&[2020, 2, 3])), "2020-02-03"),
            (
                call("datetime.datetime", ints(&[2020, 1, 1])),
                "2020-01-01 00:00:00",
            ),
            (
                call("datetime.datetime", ints(&[2020, 1, 1, 10, 30, 5, 123])),
                "2020-01-01 10:30:05.000123",
            ),
            (call("datetime.time", ints(&[10, 5])), "10:05:00"),
            (
                call("decimal.Decimal", vec![Value::Str("10.50".into())]),
                "10.50",
            ),
            (
                call(
                    "uuid.UUID",
                    vec![Value::Str("{12345678123456781234567812345678}".into())],
                ),
                "12345678-1234-5678-1234-567812345678",
            ),
        ];
        for (object, expected) in cases {
            assert_eq!(python_str(&object).unwrap(), expected);
        }
        assert!(python_str(&call("decimal.Decimal", vec![Value::Str("1e3".into())])).is_err());
    }
}
