//! Operations of `with op.batch_alter_table(...) as batch_op:`: on PostgreSQL each is the
//! plain operation on the batch's table, in call order.

use std::ops::Range;

use crate::python::{EvalError, EvalResult, Object, Value};

use super::ops::{Effect, call};

/// `batch_op.<name>(...)` inside `with op.batch_alter_table(...)`: on PostgreSQL these are
/// the plain operations on the batch's table.
pub fn batch_call(
    batch: &Object,
    name: &str,
    mut args: Vec<Value>,
    mut kwargs: Vec<(String, Value)>,
    span: Range<usize>,
) -> EvalResult<Effect> {
    let table = batch.kwarg("table_name").cloned().unwrap_or(Value::None);
    let schema = batch.kwarg("schema").cloned().unwrap_or(Value::None);
    // Where the table name goes among the plain operation's positional parameters.
    let position = match name {
        "add_column"
        | "drop_column"
        | "alter_column"
        | "create_table_comment"
        | "drop_table_comment" => 0,
        "create_index"
        | "create_unique_constraint"
        | "create_foreign_key"
        | "create_check_constraint"
        | "create_primary_key"
        | "drop_constraint"
        | "create_exclude_constraint" => 1,
        "drop_index" => {
            kwargs.push(("table_name".into(), table.clone()));
            usize::MAX
        }
        "execute" => usize::MAX,
        other => return Err(EvalError::new(span, format!("batch operation `{other}`"))),
    };
    if position != usize::MAX {
        if args.len() >= position {
            args.insert(position, table);
        } else {
            // The name before it was given by keyword (`constraint_name=...`).
            let key = if name == "create_foreign_key" {
                "source_table"
            } else {
                "table_name"
            };
            kwargs.push((key.into(), table));
        }
    }
    let schema_key = if name == "create_foreign_key" {
        "source_schema"
    } else {
        "schema"
    };
    if !schema.is_none() && !kwargs.iter().any(|(k, _)| k == schema_key) && name != "execute" {
        kwargs.push((schema_key.into(), schema));
    }
    call(name, args, kwargs, span)
}
