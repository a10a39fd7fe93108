//! Values standing for SQLAlchemy and Alembic objects: a constructor call recorded with its
//! arguments, read later by the schema, type and SQL renderers.

use std::ops::Range;
use std::rc::Rc;

use crate::python::{Object, Value};

/// The value standing for a call of the library object at `path` with these arguments.
pub fn object(
    path: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
    span: Range<usize>,
) -> Value {
    Value::Object(Rc::new(Object {
        path: path.to_string(),
        args,
        kwargs,
        span,
    }))
}
