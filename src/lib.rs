//! locksmith: a migration-safety linter and SQL previewer for PostgreSQL.
//!
//! Pipeline, one module per stage: [`discover`] → [`source`] (read) → [`parse`] (split and
//! parse with libpg_query) → [`facts`] (the lock model) with [`context`] threaded through
//! the file → [`rules`] → [`suppress`] → [`report`]. [`preview`] orders migrations for
//! `locksmith sql`.

pub mod alembic;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod facts;
pub mod lint;
pub mod parse;
pub mod plan;
pub mod python;
pub mod report;
pub mod rules;
pub mod run;
pub mod source;
pub mod state;
pub mod suppress;
pub mod trace;
