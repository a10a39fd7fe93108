//! locksmith: a migration-safety linter and SQL previewer for PostgreSQL.
//!
//! The pipeline, one module per stage, data flowing one way (a stage imports only from
//! the stages before it):
//!
//! ```text
//! discover   paths → inputs (.sql files, Alembic projects)              discover.rs
//!            files changed on a branch (git, --changed-since)          changed.rs
//!            a tool's sections (up/down) and transaction conventions   convention.rs
//! read       bytes → text; the one place offsets become line:col        source.rs
//! front-end  Alembic .py → SQL with a map back to the Python line       python/, alembic/
//! parse      SQL → statements with byte spans, each parsed once         parse/
//! facts      statement → lock per relation, rewrite, scan, tx rules     facts/ (lock_model.rs)
//! schema     earlier migrations replayed into a catalog                 schema/
//! state      what the file's earlier statements established             state.rs
//! rules      facts + state → violations with advice                     rules/ (+ config.rs)
//! findings   violations placed in their source                          diagnostic.rs
//! suppress   locksmith:ignore comments                                  suppress.rs
//! engine     the rules over a SQL file or an Alembic project            lint/
//! baseline   findings recorded in a file, hidden from later runs        baseline.rs
//! ```
//!
//! Around the engine: [`run`] lints many inputs in parallel, [`plan`] orders migrations
//! for `locksmith sql`, [`trace`] runs them on a scratch database; [`report`] renders any
//! of their results (human with miette, JSON, GitHub, SARIF, Markdown, SQL). Command-line
//! code lives in the binary (`src/cli/`), not here.

// The global allocator of the binary and the benchmarks.
pub mod allocator;

// Threads with the stack deep inputs need; used by the stages that recurse.
pub mod stack;

// Frees what a big file leaves behind off the threads that have work to do.
pub mod dropper;

// The stages, in pipeline order: each imports only from the ones above it.
pub mod discover;

// The order migration tools run .sql files in (Flyway, golang-migrate, dbmate).
pub mod order;

// The rare words a file must mention for the stages below to read it closely (templates,
// suppression comments, section markers), found in one pass.
pub mod mentions;

// What migration tools read in a file beyond its SQL: sections, the runner's transaction.
pub mod convention;

pub mod changed;

pub mod source;

pub mod python;

pub mod alembic;

pub mod parse;

pub mod facts;

// After facts (it reuses their column types), before state (which carries it through a file).
pub mod schema;

pub mod state;

pub mod rules;

pub mod config;

pub mod diagnostic;

pub mod suppress;

pub mod lint;

pub mod baseline;

// Around the engine: many inputs in parallel, the deploy plan, tracing on a database.
pub mod run;

pub mod plan;

pub mod trace;

// Output, for any of the above.
pub mod report;

#[cfg(test)]
mod test_rng;
