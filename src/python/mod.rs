//! The static evaluator of the Python subset Alembic migrations are written in.
//!
//! Parsing is ruff's parser, its tree converted to rustpython-parser's ([`parse`]: a real
//! Python grammar with byte ranges); this module evaluates expressions over [`Value`]s and
//! leaves names, library objects and calls to an [`Env`] supplied by the caller (the
//! Alembic renderer).

mod budget;
mod builtins;
mod eval;
mod format;
pub mod parse;
mod value;

pub use budget::Budget;
pub use builtins::{dedent, iterate};
pub use eval::{Env, EvalError, EvalResult, bind_target, eval, get_attribute, span_of};
pub use format::{percent_format, str_format};
pub use value::{Object, Value, canonical_path, float_repr, is_library_path, top_level};
