//! String formatting: `"..." % args`, `"...".format(...)` and f-string format specs.

use super::budget::check_str_len;
use super::value::Value;

/// `template % args`, for `%s`, `%r`, `%d`, `%i`, `%f` (with precision), `%%` and `%(name)s`.
pub fn percent_format(template: &str, args: &Value) -> Result<String, String> {
    let positional: Vec<Value> = match args {
        Value::Tuple(items) => items.clone(),
        other => vec![other.clone()],
    };
    let mut next = 0;
    let mut out = String::with_capacity(template.len());
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut key = None;
        if chars.peek() == Some(&'(') {
            chars.next();
            let mut name = String::new();
            for c in chars.by_ref() {
                if c == ')' {
                    break;
                }
                name.push(c);
            }
            key = Some(name);
        }
        // Flags, width and precision: only a precision for %f is honoured.
        let mut spec = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == ' ' || c == '#' {
                spec.push(c);
                chars.next();
            } else {
                break;
            }
        }
        let Some(conversion) = chars.next() else {
            return Err("incomplete % format".into());
        };
        if conversion == '%' {
            out.push('%');
            continue;
        }
        let value = match &key {
            Some(name) => match args {
                Value::Dict(pairs) => pairs
                    .iter()
                    .find(|(k, _)| k.as_str() == Some(name))
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| format!("% format key `{name}` not in the dict"))?,
                _ => return Err("% format with a key needs a dict".into()),
            },
            None => {
                let value = positional
                    .get(next)
                    .cloned()
                    .ok_or("not enough arguments for % format")?;
                next += 1;
                value
            }
        };
        out.push_str(&convert(&value, conversion, &spec)?);
        // A template repeating one argument multiplies its length.
        check_str_len(Some(out.len()))?;
    }
    if key_free(template) && next < positional.len() && !matches!(args, Value::Dict(_)) {
        return Err("not all arguments converted during % format".into());
    }
    Ok(out)
}

fn key_free(template: &str) -> bool {
    !template.contains("%(")
}

fn convert(value: &Value, conversion: char, spec: &str) -> Result<String, String> {
    let text = match conversion {
        's' => value.py_str(),
        'r' => value.py_repr(),
        'd' | 'i' => match value {
            Value::Int(i) => Some(i.to_string()),
            Value::Bool(b) => Some((*b as i64).to_string()),
            Value::Float(f) => Some((f.trunc() as i64).to_string()),
            _ => None,
        },
        'f' => {
            let precision: usize = spec
                .split('.')
                .nth(1)
                .and_then(|p| p.parse().ok())
                .unwrap_or(6usize)
                .min(100);
            match value {
                Value::Int(i) => Some(format!("{:.*}", precision, *i as f64)),
                Value::Float(f) => Some(format!("{f:.precision$}")),
                _ => None,
            }
        }
        _ => return Err(format!("unsupported % conversion `%{conversion}`")),
    };
    text.ok_or_else(|| format!("cannot format a {} with %{conversion}", value.type_name()))
}

/// `template.format(*args, **kwargs)` for `{}`, `{0}`, `{name}`, `{{`, `}}`, `!r`/`!s` and
/// format specs [`apply_spec`] understands.
pub fn str_format(
    template: &str,
    args: &[Value],
    kwargs: &[(String, Value)],
) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut chars = template.chars().peekable();
    let mut auto = 0;
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                let mut closed = false;
                for c in chars.by_ref() {
                    if c == '}' {
                        closed = true;
                        break;
                    }
                    field.push(c);
                }
                if !closed {
                    return Err("unmatched `{` in format string".into());
                }
                let (field, spec) = field.split_once(':').unwrap_or((field.as_str(), ""));
                let (name, conversion) = match field.split_once('!') {
                    Some((name, conversion)) => (name, Some(conversion)),
                    None => (field, None),
                };
                let value = if name.is_empty() {
                    auto += 1;
                    args.get(auto - 1)
                } else if let Ok(index) = name.parse::<usize>() {
                    args.get(index)
                } else {
                    kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v)
                }
                .ok_or_else(|| format!("format field `{{{name}}}` has no argument"))?;
                let value = match conversion {
                    Some("r") => Value::Str(value.py_repr().ok_or("unrepresentable value")?),
                    Some("s") | None => value.clone(),
                    Some(other) => return Err(format!("unsupported conversion `!{other}`")),
                };
                out.push_str(&apply_spec(&value, spec)?);
                check_str_len(Some(out.len()))?;
            }
            '}' => return Err("single `}` in format string".into()),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// `format(value, spec)` for the empty spec, `.Nf` and `d`.
pub fn apply_spec(value: &Value, spec: &str) -> Result<String, String> {
    if spec.is_empty() {
        return value
            .py_str()
            .ok_or_else(|| format!("cannot format a {}", value.type_name()));
    }
    if let Some(precision) = spec.strip_prefix('.').and_then(|s| s.strip_suffix('f'))
        && let Ok(precision) = precision.parse::<usize>()
        && precision <= 100
    {
        return match value {
            Value::Int(i) => Ok(format!("{:.*}", precision, *i as f64)),
            Value::Float(f) => Ok(format!("{f:.precision$}")),
            _ => Err(format!("format spec `{spec}` needs a number")),
        };
    }
    if spec == "d"
        && let Value::Int(i) = value
    {
        return Ok(i.to_string());
    }
    Err(format!("unsupported format spec `{spec}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_formats_tuples_and_dicts() {
        let args = Value::Tuple(vec![Value::Str("t".into()), Value::Int(3)]);
        assert_eq!(percent_format("x %s y %d %%", &args).unwrap(), "x t y 3 %");
        let dict = Value::Dict(vec![(Value::Str("a".into()), Value::Str("b".into()))]);
        assert_eq!(percent_format("%(a)s!", &dict).unwrap(), "b!");
        assert!(percent_format("%s %s", &Value::Str("x".into())).is_err());
    }

    #[test]
    fn format_fields() {
        let args = [Value::Str("a".into()), Value::Int(2)];
        let kwargs = [("n".to_string(), Value::Str("t".into()))];
        assert_eq!(
            str_format("{} {1} {n} {{x}} {0!r}", &args, &kwargs).unwrap(),
            "a 2 t {x} 'a'"
        );
        assert!(str_format("{missing}", &[], &[]).is_err());
    }
}
