//! Alembic projects: where the revision files are ([`project`]) and how the revisions
//! relate ([`graph`]). Rendering a revision's Python to SQL is elsewhere; these modules
//! never execute Python.

pub mod external;
pub mod graph;
pub mod lint;
pub mod project;
