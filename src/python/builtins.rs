//! Python's builtin functions and the methods of str and dict, on static values.

use super::budget::check_str_len;
use super::format::str_format;
use super::value::Value;

/// The items a `for` loop visits, when statically known.
pub fn iterate(value: &Value) -> Result<Vec<Value>, String> {
    match value {
        Value::List(items) | Value::Tuple(items) => Ok(items.clone()),
        Value::Dict(pairs) => Ok(pairs.iter().map(|(k, _)| k.clone()).collect()),
        Value::Str(s) => Ok(s.chars().map(|c| Value::Str(c.to_string())).collect()),
        Value::Runtime(origin) => Err(format!("loop over runtime data ({origin})")),
        other => Err(format!("loop over a {}", other.type_name())),
    }
}

/// Python builtins that make sense on static data.
pub(super) fn builtin_function(name: &str, args: &[Value]) -> Result<Value, String> {
    let arg = args.first();
    Ok(match (name, arg) {
        // The text of a value only known when run is only known when run.
        ("str", Some(Value::Runtime(origin))) => Value::Runtime(origin.clone()),
        ("str", Some(v)) if v.foreign_path().is_some() => {
            Value::Runtime(format!("`{}`", v.foreign_path().unwrap_or_default()))
        }
        ("str", Some(v)) => Value::Str(v.py_str().ok_or("str() of a library object")?),
        ("str", None) => Value::Str(String::new()),
        ("repr", Some(v)) => Value::Str(v.py_repr().ok_or("repr() of a library object")?),
        ("int", Some(Value::Int(i))) => Value::Int(*i),
        ("int", Some(Value::Bool(b))) => Value::Int(*b as i64),
        ("int", Some(Value::Float(f))) => Value::Int(f.trunc() as i64),
        ("int", Some(Value::Str(s))) => Value::Int(
            s.trim()
                .parse()
                .map_err(|_| "int() of a non-numeric string")?,
        ),
        ("float", Some(Value::Int(i))) => Value::Float(*i as f64),
        ("float", Some(Value::Float(f))) => Value::Float(*f),
        ("bool", Some(v)) => Value::Bool(v.truthy().ok_or("bool() of a runtime value")?),
        ("len", Some(Value::Str(s))) => Value::Int(s.chars().count() as i64),
        ("len", Some(Value::List(v) | Value::Tuple(v))) => Value::Int(v.len() as i64),
        ("len", Some(Value::Dict(v))) => Value::Int(v.len() as i64),
        ("list", Some(v)) => Value::List(iterate(v)?),
        ("tuple", Some(v)) => Value::Tuple(iterate(v)?),
        ("sorted", Some(v)) => {
            let mut items = iterate(v)?;
            if items.iter().all(|i| matches!(i, Value::Str(_))) {
                items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            } else if items.iter().all(|i| matches!(i, Value::Int(_))) {
                items.sort_by_key(|i| if let Value::Int(i) = i { *i } else { 0 });
            } else {
                return Err("sorted() of mixed values".into());
            }
            Value::List(items)
        }
        ("reversed", Some(v)) => Value::List(iterate(v)?.into_iter().rev().collect()),
        ("enumerate", Some(v)) => Value::List(
            iterate(v)?
                .into_iter()
                .enumerate()
                .map(|(i, item)| Value::Tuple(vec![Value::Int(i as i64), item]))
                .collect(),
        ),
        ("range", _) => {
            let ints: Option<Vec<i64>> = args
                .iter()
                .map(|a| {
                    if let Value::Int(i) = a {
                        Some(*i)
                    } else {
                        None
                    }
                })
                .collect();
            let (start, stop) = match ints.as_deref() {
                Some([stop]) => (0, *stop),
                Some([start, stop]) => (*start, *stop),
                _ => return Err("range() with unsupported arguments".into()),
            };
            if stop.checked_sub(start).is_none_or(|n| n > 100_000) {
                return Err("range() too large to unroll".into());
            }
            Value::List((start..stop).map(Value::Int).collect())
        }
        ("print", _) => Value::None,
        _ => return Err(format!("call of builtin `{name}`")),
    })
}

pub(super) fn builtin_method(
    receiver: &Value,
    name: &str,
    args: &[Value],
    kwargs: &[(String, Value)],
) -> Result<Value, String> {
    let arg_str = |i: usize| args.get(i).and_then(Value::as_str);
    match receiver {
        Value::Str(s) => Ok(match name {
            "join" => {
                let items = iterate(args.first().ok_or("join() needs an argument")?)?;
                let mut parts = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::Str(part) => parts.push(part),
                        other => return Err(format!("join() of a {}", other.type_name())),
                    }
                }
                let len = parts.iter().map(String::len).sum::<usize>();
                check_str_len(
                    s.len()
                        .checked_mul(parts.len())
                        .and_then(|l| l.checked_add(len)),
                )?;
                Value::Str(parts.join(s))
            }
            "format" => Value::Str(str_format(s, args, kwargs)?),
            "upper" => Value::Str(s.to_uppercase()),
            "lower" => Value::Str(s.to_lowercase()),
            "strip" if args.is_empty() => Value::Str(s.trim().to_string()),
            "lstrip" if args.is_empty() => Value::Str(s.trim_start().to_string()),
            "rstrip" if args.is_empty() => Value::Str(s.trim_end().to_string()),
            "replace" => match (arg_str(0), arg_str(1)) {
                (Some(from), Some(to)) => {
                    // An empty `from` matches between every character.
                    let matches = if from.is_empty() {
                        s.chars().count() + 1
                    } else {
                        s.matches(from).count()
                    };
                    check_str_len(
                        to.len()
                            .checked_mul(matches)
                            .and_then(|l| l.checked_add(s.len())),
                    )?;
                    Value::Str(s.replace(from, to))
                }
                _ => return Err("replace() needs two strings".into()),
            },
            "startswith" => {
                Value::Bool(s.starts_with(arg_str(0).ok_or("startswith() needs a string")?))
            }
            "endswith" => Value::Bool(s.ends_with(arg_str(0).ok_or("endswith() needs a string")?)),
            "split" => {
                let parts: Vec<Value> = match arg_str(0) {
                    Some(sep) => s.split(sep).map(|p| Value::Str(p.to_string())).collect(),
                    None => s
                        .split_whitespace()
                        .map(|p| Value::Str(p.to_string()))
                        .collect(),
                };
                Value::List(parts)
            }
            _ => return Err(format!("str method `{name}`")),
        }),
        Value::Dict(pairs) => Ok(match name {
            "items" => Value::List(
                pairs
                    .iter()
                    .map(|(k, v)| Value::Tuple(vec![k.clone(), v.clone()]))
                    .collect(),
            ),
            "keys" => Value::List(pairs.iter().map(|(k, _)| k.clone()).collect()),
            "values" => Value::List(pairs.iter().map(|(_, v)| v.clone()).collect()),
            "get" => {
                let key = args.first().ok_or("get() needs a key")?;
                pairs
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| args.get(1).cloned().unwrap_or(Value::None))
            }
            _ => return Err(format!("dict method `{name}`")),
        }),
        _ => Err(format!("{} method `{name}`", receiver.type_name())),
    }
}

/// `textwrap.dedent(text)`: the whitespace every non-blank line starts with removed, and
/// lines of only whitespace emptied, as Python does (tabs and spaces are not equal).
pub fn dedent(text: &str) -> String {
    let indent = |line: &str| -> usize { line.len() - line.trim_start_matches([' ', '\t']).len() };
    let mut margin: Option<&str> = None;
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let own = &line[..indent(line)];
        margin = Some(match margin {
            None => own,
            Some(margin) => {
                let common = (margin.bytes().zip(own.bytes())).take_while(|(a, b)| a == b);
                &margin[..common.count()]
            }
        });
    }
    let margin = margin.unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if body.trim().is_empty() {
            out.push_str(&line[body.len()..]);
        } else {
            out.push_str(line.strip_prefix(margin).unwrap_or(line));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn dedent_removes_the_common_margin_as_python_does() {
        // Each expected text is what Python 3.11's textwrap.dedent returned.
        for (text, expected) in [
            (
                "\n    CREATE TABLE t (\n        id int\n    );\n",
                "\nCREATE TABLE t (\n    id int\n);\n",
            ),
            ("  a\n \n  b", "a\n\nb"),
            ("\ta\n  b", "\ta\n  b"),
            ("  a\n    b\n", "a\n  b\n"),
            ("", ""),
        ] {
            assert_eq!(super::dedent(text), expected, "{text:?}");
        }
    }
}
