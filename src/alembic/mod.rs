//! The Alembic front-end, all in one folder: where a project's revision files are
//! ([`project`]), what each renders to ([`render`], producing [`revision`] data), how the
//! revisions relate ([`graph`]), the one entry point that loads them ([`load`]), and the
//! offline SQL Alembic would print ([`offline`]). Nothing here executes Python, except
//! [`external`], which runs the user's own `alembic` when asked to by name. Linting the
//! rendered SQL is the engine's job (`lint`), not this folder's.

pub mod external;
pub mod graph;
pub mod load;
pub mod offline;
pub mod project;
pub mod render;
pub mod revision;

pub use load::{LoadedProject, LoadedRevision, load_named, load_project};

/// Alembic runs each migration inside a transaction on PostgreSQL (transactional DDL), so
/// the SQL it renders is linted as running inside one. Every command reads it from here.
pub const RUNS_IN_TRANSACTION: bool = true;
