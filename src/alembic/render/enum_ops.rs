//! `sa.Enum(...).create(bind)` / `.drop(bind)` outside `create_table`.

use std::ops::Range;

use crate::python::{EvalError, EvalResult, Object, Value};

use super::ops::Effect;
use super::types::SqlType;

/// `sa.Enum(...).create(bind)` / `.drop(bind)`: CREATE TYPE / DROP TYPE, emitted
/// unconditionally in offline mode whatever `checkfirst` says.
pub fn enum_ddl(
    enum_object: &Object,
    method: &str,
    args: &[Value],
    span: Range<usize>,
) -> EvalResult<Effect> {
    let is_bind = matches!(args.first(), Some(Value::Object(o)) if o.path == "alembic.bind");
    if !is_bind {
        return Err(EvalError::new(
            span,
            format!("Enum.{method}() without op.get_bind()"),
        ));
    }
    let sql_type = SqlType::from_value(&Value::Object(std::rc::Rc::new(enum_object.clone())))
        .map_err(|m| EvalError::new(span.clone(), m))?;
    let enum_type = sql_type
        .enum_type()
        .ok_or_else(|| EvalError::new(span.clone(), "not an enum"))?;
    let sql = if method == "create" {
        enum_type.create_sql(None)
    } else {
        enum_type
            .qualified_name(None)
            .map(|name| format!("DROP TYPE {name}"))
    }
    .map_err(|m| EvalError::new(span, m))?;
    Ok(Effect::statements(vec![sql]))
}
