//! SQLAlchemy schema objects (`Column`, constraints, `Index`) read from recorded calls, and
//! compiled to DDL the way `PGDDLCompiler` does.

mod args;
mod column;
mod constraint;
mod index;
mod table;

pub use args::{column_name, opt_bool, string_list};
pub use column::{Column, default_expression, sequence_ddl};
pub use constraint::{Constraint, ConstraintKind, Deferral, exclude, foreign_key};
pub use index::Index;
pub use table::Table;
