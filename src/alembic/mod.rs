//! Alembic projects: how the revisions relate ([`graph`]). Rendering a revision's Python
//! to SQL is elsewhere; these modules never execute Python.

pub mod graph;
