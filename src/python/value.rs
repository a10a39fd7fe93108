//! Values of the static Python subset.

use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::rc::Rc;

/// A statically known Python value, or a stand-in for a library object.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    /// A name reached through an import, canonicalised: `sa.Integer` → `sqlalchemy.Integer`,
    /// `op.create_table` → `alembic.op.create_table`.
    Path(String),
    /// The result of calling a library [`Value::Path`]: a recorded call, interpreted later by
    /// whoever consumes it (a SQLAlchemy type, column, constraint, SQL expression, ...).
    Object(Rc<Object>),
    /// A function defined in the file being rendered, by name.
    Function(String),
    /// `value.name`, not yet called (`"\n".join`, `sa.Enum(...).create`).
    Method(Box<Value>, String),
    /// A value only known when the migration runs; the text says where it came from.
    Runtime(String),
}

/// Column types of third-party libraries whose PostgreSQL DDL is known, by package and class
/// (wherever in the package they are imported from), and the SQLAlchemy type they render as
/// there. Checked against the packages' own rendering in Alembic's offline mode (sqlmodel
/// 0.0.50, fastapi-users-db-sqlalchemy 4.0.4, SQLAlchemy-Utils 0.43.0, sqlalchemy-citext
/// 1.8.0). Types whose arguments differ from their SQLAlchemy type's get a name of their own
/// under `sqlalchemy.types.` that `render/types.rs` reads.
const THIRD_PARTY_TYPES: &[(&str, &str, &str)] = &[
    // A String subclass: the same arguments.
    ("sqlmodel", "AutoString", "sqlalchemy.String"),
    ("fastapi_users_db_sqlalchemy", "GUID", "sqlalchemy.Uuid"),
    ("citext", "CIText", "sqlalchemy.dialects.postgresql.CITEXT"),
    (
        "sqlalchemy_utils",
        "TSVectorType",
        "sqlalchemy.dialects.postgresql.TSVECTOR",
    ),
    ("sqlalchemy_utils", "JSONType", "sqlalchemy.JSON"),
    // `timezone=` as DateTime's; its positional parameters are not DateTime's (unknown).
    (
        "sqlalchemy_utils",
        "ArrowType",
        "sqlalchemy.types.ArrowType",
    ),
    (
        "sqlalchemy_utils",
        "StringEncryptedType",
        "sqlalchemy.types.StringEncryptedType",
    ),
    (
        "sqlalchemy_utils",
        "EncryptedType",
        "sqlalchemy.types.EncryptedType",
    ),
    ("sqlalchemy_utils", "UUIDType", "sqlalchemy.types.UUIDType"),
];

/// The path a name imported or reached by attributes stands for: a third-party column type
/// of [`THIRD_PARTY_TYPES`] as its SQLAlchemy type; sqlmodel's re-export of SQLAlchemy's
/// `types` module as that module; any other path as it is.
pub fn canonical_path(path: String) -> String {
    if let Some(rest) = path.strip_prefix("sqlmodel.sql.sqltypes.types.") {
        return format!("sqlalchemy.types.{rest}");
    }
    // Most paths are SQLAlchemy's or Alembic's: their package is none of the list's, and
    // is looked at before the class (every attribute a revision reads comes here).
    let package = top_level(&path);
    if package.len() == path.len() {
        return path;
    }
    if !THIRD_PARTY_TYPES.iter().any(|(p, _, _)| *p == package) {
        return path;
    }
    let class = path.rsplit_once('.').map_or("", |(_, class)| class);
    THIRD_PARTY_TYPES
        .iter()
        .find(|(p, c, _)| *p == package && *c == class)
        .map_or(path, |(_, _, sqlalchemy)| sqlalchemy.to_string())
}

/// The first name of a dotted path (`sqlalchemy` of `sqlalchemy.types.Text`), the whole
/// path when it has one name. Found by a byte loop: `split_once('.')`'s searcher cost over
/// a hundred instructions a call, and every attribute a revision reads asks.
pub fn top_level(path: &str) -> &str {
    let dot = path.bytes().position(|b| b == b'.');
    dot.map_or(path, |at| &path[..at])
}

/// A path under the libraries whose names the renderer knows: SQLAlchemy, Alembic, builtins.
pub fn is_library_path(path: &str) -> bool {
    ["sqlalchemy", "alembic", "builtins"].iter().any(|root| {
        path.strip_prefix(root)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    })
}

/// A recorded call of a library callable.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub path: String,
    pub args: Vec<Value>,
    pub kwargs: Vec<(String, Value)>,
    /// Span of the call expression.
    pub span: Range<usize>,
}

/// Agrees with `==`: equal values hash alike (`0.0` and `-0.0` too), so a dict display can
/// find a repeated key without comparing it to every other.
impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Value::None => {}
            Value::Bool(b) => b.hash(state),
            Value::Int(i) => i.hash(state),
            Value::Float(f) => (if *f == 0.0 { 0 } else { f.to_bits() }).hash(state),
            Value::Str(s) | Value::Path(s) | Value::Function(s) | Value::Runtime(s) => {
                s.hash(state)
            }
            Value::List(items) | Value::Tuple(items) => items.hash(state),
            Value::Dict(pairs) => pairs.hash(state),
            Value::Object(object) => {
                object.path.hash(state);
                object.args.hash(state);
                object.kwargs.hash(state);
                object.span.hash(state);
            }
            Value::Method(receiver, name) => {
                receiver.hash(state);
                name.hash(state);
            }
        }
    }
}

impl Object {
    /// Last segment of the path: `sqlalchemy.dialects.postgresql.JSONB` → `JSONB`.
    pub fn class(&self) -> &str {
        self.path.rsplit('.').next().unwrap_or(&self.path)
    }

    pub fn kwarg(&self, name: &str) -> Option<&Value> {
        self.kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// A parameter given by keyword or at a position.
    pub fn param(&self, position: usize, name: &str) -> Option<&Value> {
        self.kwarg(name).or_else(|| self.args.get(position))
    }
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "None",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Tuple(_) => "tuple",
            Value::Dict(_) => "dict",
            Value::Path(_) => "library name",
            Value::Object(_) => "library object",
            Value::Function(_) => "function",
            Value::Method(..) => "method",
            Value::Runtime(_) => "runtime value",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Elements of a list or tuple.
    pub fn as_sequence(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) | Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// Python truthiness, when statically known.
    pub fn truthy(&self) -> Option<bool> {
        Some(match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(v) | Value::Tuple(v) => !v.is_empty(),
            Value::Dict(v) => !v.is_empty(),
            Value::Runtime(_) => return None,
            // A constant of a third-party module: its value is not known statically.
            Value::Path(path) if !is_library_path(path) => return None,
            _ => true,
        })
    }

    /// A name imported from a module that is neither SQLAlchemy, Alembic nor a builtin
    /// (a third-party constant such as `neutron_lib.constants.NAME_SIZE`): its value is
    /// not known statically.
    pub fn foreign_path(&self) -> Option<&str> {
        match self {
            Value::Path(path) if !is_library_path(path) => Some(path),
            _ => None,
        }
    }

    /// `str(value)`.
    pub fn py_str(&self) -> Option<String> {
        match self {
            Value::Str(s) => Some(s.clone()),
            _ => self.py_repr(),
        }
    }

    /// `repr(value)`.
    pub fn py_repr(&self) -> Option<String> {
        Some(match self {
            Value::None => "None".into(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => float_repr(*f),
            Value::Str(s) => str_repr(s),
            Value::List(items) => format!("[{}]", repr_items(items)?),
            Value::Tuple(items) if items.len() == 1 => format!("({},)", repr_items(items)?),
            Value::Tuple(items) => format!("({})", repr_items(items)?),
            Value::Dict(pairs) => {
                let mut parts = Vec::new();
                for (k, v) in pairs {
                    parts.push(format!("{}: {}", k.py_repr()?, v.py_repr()?));
                }
                format!("{{{}}}", parts.join(", "))
            }
            _ => return None,
        })
    }
}

fn repr_items(items: &[Value]) -> Option<String> {
    let parts: Option<Vec<String>> = items.iter().map(Value::py_repr).collect();
    Some(parts?.join(", "))
}

fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr(float)`: shortest round-trip digits, exponent form outside 1e-4..1e16.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits, e.g. "1.5e20", "-3e-5".
    let sci = format!("{f:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if (-4..16).contains(&exponent) {
        let point = exponent + 1; // digits before the decimal point
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            format!(
                "{}.{}",
                &digits[..point as usize],
                &digits[point as usize..]
            )
        };
        format!("{sign}{body}")
    } else {
        let mantissa = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        let esign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{esign}{:02}", exponent.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_repr_matches_python() {
        for (f, expected) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e20, "1e+20"),
            (1.5e-7, "1.5e-07"),
            (499.5, "499.5"),
            (-3.25, "-3.25"),
            (1e16, "1e+16"),
            (123456789012345.0, "123456789012345.0"),
            (0.0001, "0.0001"),
        ] {
            assert_eq!(float_repr(f), expected, "{f}");
        }
    }

    #[test]
    fn repr_of_containers() {
        let v = Value::Tuple(vec![Value::Str("it's".into()), Value::Int(1)]);
        assert_eq!(v.py_repr().unwrap(), "(\"it's\", 1)");
        assert_eq!(Value::List(vec![]).py_repr().unwrap(), "[]");
    }
}
