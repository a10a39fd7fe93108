//! Library objects met while interpreting: calls of SQLAlchemy/Alembic callables and
//! methods of the objects they return (the bind, the migration context, `sa.text`, ...).

use std::ops::Range;
use std::rc::Rc;

use crate::alembic::revision::DeclaredColumns;
use crate::python::{EvalError, EvalResult, Value};

use super::super::names::{is_foreign, op_name, sa_name};
use super::super::objects::object;
use super::super::{batch, dml, enum_ops, ops, pyvalues, sql};
use super::Interp;

impl Interp<'_> {
    pub(super) fn call_path(
        &mut self,
        path: &str,
        args: Vec<Value>,
        kwargs: Vec<(String, Value)>,
        span: Range<usize>,
    ) -> EvalResult {
        if let Some(name) = op_name(path) {
            let columns = declared_columns(&args, &kwargs);
            let effect = || ops::call(name, args, kwargs, span.clone());
            return self.perform_declaring(effect, span.clone(), columns);
        }
        match path {
            "alembic.context.get_context" => {
                return Ok(object("alembic.context", vec![], vec![], span));
            }
            "alembic.context.get_bind" => return Ok(object("alembic.bind", vec![], vec![], span)),
            // The migration's impl; offline, its `.bind` is the same mock connection.
            "alembic.context.get_impl" => return Ok(object("alembic.impl", vec![], vec![], span)),
            "alembic.context.execute" => {
                return self.perform(
                    || ops::call("execute", args, kwargs, span.clone()),
                    span.clone(),
                );
            }
            _ => {}
        }
        if pyvalues::is_constructor(path) || super::effectless::is_logger_factory(path) {
            return Ok(object(path, args, kwargs, span));
        }
        // The standard library's text helper migrations wrap their SQL in.
        if let ("textwrap.dedent", [Value::Str(text)], []) = (path, &args[..], &kwargs[..]) {
            return Ok(Value::Str(crate::python::dedent(text)));
        }
        if is_foreign(path) {
            // A helper given op, the bind or the migration context may emit SQL itself;
            // any other third-party call (`uuid4()`, a settings getter) only gives a value
            // known when the migration runs (a call whose result is dropped is refused
            // where it stands, see `run_stmt`).
            let hands_over_alembic = (args.iter())
                .chain(kwargs.iter().map(|(_, v)| v))
                .any(holds_alembic);
            if hands_over_alembic {
                return Err(foreign_call(path, span));
            }
            return Ok(Value::Runtime(format!("`{path}()`")));
        }
        if sa_name(path) == Some("not_") && args.len() == 1 && kwargs.is_empty() {
            return Ok(negated(
                args.into_iter().next().unwrap_or(Value::None),
                span,
            ));
        }
        if sa_name(path).is_some() {
            return Ok(object(path, args, kwargs, span));
        }
        Err(EvalError::new(span, format!("call of `{path}`")))
    }

    pub(super) fn call_method(
        &mut self,
        receiver: Value,
        method: &str,
        args: Vec<Value>,
        kwargs: Vec<(String, Value)>,
        span: Range<usize>,
    ) -> EvalResult {
        if let Value::Runtime(origin) = &receiver {
            return Err(EvalError::new(span, format!("{origin}: `.{method}()`")));
        }
        let Value::Object(object_ref) = &receiver else {
            return Err(EvalError::new(
                span,
                format!("method `{method}` of a {}", receiver.type_name()),
            ));
        };
        match (object_ref.path.as_str(), method) {
            ("alembic.bind", "execute") => {
                let mut args = args.into_iter();
                let statement = args.next().unwrap_or(Value::None);
                let statements = match args.next() {
                    None => vec![statement],
                    Some(parameters) => sql::with_parameters(statement, &parameters)
                        .map_err(|message| EvalError::new(span.clone(), message))?,
                };
                for statement in statements {
                    let execute = || ops::call("execute", vec![statement], vec![], span.clone());
                    self.perform(execute, span.clone())?;
                }
                return Ok(Value::Runtime(
                    "op.get_bind() followed by Python logic on the result of `execute()`".into(),
                ));
            }
            ("alembic.bind", other) => {
                return Err(EvalError::new(
                    span,
                    format!("op.get_bind() followed by Python logic (`.{other}()`)"),
                ));
            }
            ("alembic.context", "autocommit_block") => {
                return Ok(object("alembic.autocommit_block", vec![], vec![], span));
            }
            ("alembic.context", "execute") => {
                return self.perform(
                    || ops::call("execute", args, kwargs, span.clone()),
                    span.clone(),
                );
            }
            ("alembic.context", other) => {
                return Err(EvalError::new(
                    span,
                    format!("migration context method `{other}`"),
                ));
            }
            ("alembic.batch_op", "f") => {
                return args
                    .into_iter()
                    .next()
                    .map(ops::generated_name)
                    .ok_or_else(|| EvalError::new(span, "f() needs a name"));
            }
            ("alembic.batch_op", name) => {
                let columns = declared_columns(&args, &kwargs);
                let effect = || batch::batch_call(object_ref, name, args, kwargs, span.clone());
                return self.perform_declaring(effect, span.clone(), columns);
            }
            _ => {}
        }
        if method == "with_variant" {
            return with_variant(receiver.clone(), args, span);
        }
        let dml = dml::method(
            object_ref,
            method,
            args.clone(),
            kwargs.clone(),
            span.clone(),
        );
        if let Some(result) = dml {
            return result.map_err(|m| EvalError::new(span, m));
        }
        match (sa_name(&object_ref.path), method) {
            (Some("Enum" | "ENUM"), "create" | "drop") => {
                let effect = || enum_ops::enum_ddl(object_ref, method, &args, span.clone());
                self.perform(effect, span.clone())
            }
            (Some("text"), "bindparams") => {
                let mut bound = (**object_ref).clone();
                for (name, value) in kwargs {
                    bound.kwargs.push((format!(":{name}"), value));
                }
                if !args.is_empty() {
                    return Err(EvalError::new(span, "bindparams() with bindparam objects"));
                }
                Ok(Value::Object(Rc::new(bound)))
            }
            (Some("column" | "__table_column__"), method) if column_operator(method).is_some() => {
                let op = column_operator(method).unwrap_or_default();
                let right = match (op, args.as_slice()) {
                    ("BETWEEN", [low, high]) => Value::Tuple(vec![low.clone(), high.clone()]),
                    ("BETWEEN", _) => {
                        return Err(EvalError::new(span, "between() needs two bounds"));
                    }
                    (_, [right]) => right.clone(),
                    _ => {
                        let message = format!("`.{method}()` with {} arguments", args.len());
                        return Err(EvalError::new(span, message));
                    }
                };
                let op = Value::Str(op.to_string());
                Ok(object(
                    "sqlalchemy.__binary__",
                    vec![receiver.clone(), op, right],
                    vec![],
                    span,
                ))
            }
            (Some("column"), "desc" | "asc" | "nulls_first" | "nulls_last") => Ok(object(
                &format!("sqlalchemy.{method}"),
                vec![receiver.clone()],
                vec![],
                span,
            )),
            (_, "execution_options") => Ok(receiver.clone()),
            _ => Err(EvalError::new(
                span,
                format!("method `{method}` of `{}`", object_ref.path),
            )),
        }
    }
}

/// The SQL operator of a column method (`t.c.email.ilike("%@x")`), as the PostgreSQL
/// dialect writes it.
fn column_operator(method: &str) -> Option<&'static str> {
    Some(match method {
        "like" => "LIKE",
        "ilike" => "ILIKE",
        "notlike" | "not_like" => "NOT LIKE",
        "notilike" | "not_ilike" => "NOT ILIKE",
        "in_" => "IN",
        "notin_" | "not_in" => "NOT IN",
        "is_" => "IS",
        "isnot" | "is_not" => "IS NOT",
        "between" => "BETWEEN",
        _ => return None,
    })
}

/// `~clause` / `sa.not_(clause)`: as SQLAlchemy negates a comparison, by its opposite
/// operator (`NOT (a > 5)` is `a <= 5`, `~c.notilike(x)` is `c ILIKE x`); anything else
/// is `NOT (...)`.
pub(super) fn negated(clause: Value, span: Range<usize>) -> Value {
    const OPPOSITES: &[(&str, &str)] = &[
        ("=", "!="),
        ("<", ">="),
        (">", "<="),
        ("LIKE", "NOT LIKE"),
        ("ILIKE", "NOT ILIKE"),
        ("IN", "NOT IN"),
        ("IS", "IS NOT"),
        ("BETWEEN", "NOT BETWEEN"),
    ];
    if let Value::Object(binary) = &clause
        && binary.path == "sqlalchemy.__binary__"
        && let [left, Value::Str(op), right] = binary.args.as_slice()
        && let Some(opposite) = OPPOSITES
            .iter()
            .find_map(|(a, b)| (a == op).then_some(*b).or((b == op).then_some(*a)))
    {
        let args = vec![left.clone(), Value::Str(opposite.into()), right.clone()];
        return object("sqlalchemy.__binary__", args, vec![], span);
    }
    let args = vec![Value::None, Value::Str("NOT".into()), clause];
    object("sqlalchemy.__binary__", args, vec![], span)
}

/// Calling a third-party helper means running its code.
pub(super) fn foreign_call(path: &str, span: Range<usize>) -> EvalError {
    let name = path.rsplit('.').next().unwrap_or(path);
    EvalError::new(
        span,
        format!("call of imported helper `{name}` (from `{path}`)"),
    )
}

/// Whether `value` is (or holds) Alembic's op, the bind, the migration context or a
/// batch operation.
fn holds_alembic(value: &Value) -> bool {
    match value {
        Value::Path(path) => path == "alembic" || path.starts_with("alembic."),
        Value::Object(object) => object.path.starts_with("alembic."),
        Value::Method(receiver, _) => holds_alembic(receiver),
        Value::List(items) | Value::Tuple(items) => items.iter().any(holds_alembic),
        Value::Dict(pairs) => pairs
            .iter()
            .any(|(k, v)| holds_alembic(k) || holds_alembic(v)),
        _ => false,
    }
}

/// `type.with_variant(variant, *dialect_names)`: for PostgreSQL the variant is the type;
/// variants for other dialects leave the type as it is.
fn with_variant(receiver: Value, args: Vec<Value>, span: Range<usize>) -> EvalResult {
    let mut args = args.into_iter();
    let variant = args
        .next()
        .ok_or_else(|| EvalError::new(span.clone(), "with_variant() without a type"))?;
    let mut postgresql = false;
    for dialect in args {
        match dialect.as_str() {
            Some(name) => postgresql |= name == DIALECT_NAME,
            None => {
                let kind = dialect.type_name();
                let message = format!("with_variant() for a dialect given as a {kind}");
                return Err(EvalError::new(span, message));
            }
        }
    }
    Ok(if postgresql { variant } else { receiver })
}

/// The PostgreSQL dialect locksmith renders for: what `dialect.name` checks compare with.
const DIALECT_NAME: &str = "postgresql";

/// `value.attr` for library objects. The migration context, the bind and its engine are
/// PostgreSQL's (that is what is rendered), so dialect checks are decided; the server
/// version is only known when the migration runs.
pub(super) fn attribute(value: Value, attr: &str, span: Range<usize>) -> EvalResult {
    let path = match &value {
        Value::Object(object) => object.path.as_str(),
        Value::Runtime(origin) => return Ok(Value::Runtime(format!("{origin}, `.{attr}`"))),
        other => {
            return Err(EvalError::new(
                span,
                format!("attribute `{attr}` of a {}", other.type_name()),
            ));
        }
    };
    if let Value::Object(object) = &value
        && let Some(member) = (dml::attribute(object, attr, span.clone()))
            .or_else(|| pyvalues::enum_attribute(object, attr))
    {
        return Ok(member);
    }
    Ok(match (path, attr) {
        ("alembic.bind" | "alembic.context", "dialect") => {
            object("alembic.dialect", vec![], vec![], span)
        }
        // Offline, `op.get_bind()` is a mock connection; `.engine` stands for the same, and
        // so does the impl's `.bind` (pgadmin's `context.get_impl().bind.dialect.name`).
        ("alembic.bind", "engine") => value.clone(),
        ("alembic.impl", "bind") => object("alembic.bind", vec![], vec![], span),
        ("alembic.bind" | "alembic.dialect", "name") => Value::Str(DIALECT_NAME.into()),
        ("alembic.dialect", "driver") => Value::Runtime("the database driver".into()),
        ("alembic.dialect", other) => Value::Runtime(format!(
            "the database dialect's `.{other}` (e.g. the server version)"
        )),
        _ => Value::Method(Box::new(value.clone()), attr.to_string()),
    })
}

/// The `sa.Column(...)` objects among an op call's own arguments: each column's name with
/// the span of its call.
fn declared_columns(args: &[Value], kwargs: &[(String, Value)]) -> DeclaredColumns {
    (args.iter().chain(kwargs.iter().map(|(_, value)| value)))
        .filter_map(Value::as_object)
        .filter(|object| sa_name(&object.path) == Some("Column"))
        .filter_map(|object| {
            let name = (object.args.first()).or_else(|| {
                object
                    .kwargs
                    .iter()
                    .find(|(k, _)| k == "name")
                    .map(|(_, v)| v)
            })?;
            Some((name.as_str()?.to_string(), object.span.clone()))
        })
        .collect()
}
