//! Alembic projects: where the revision files are ([`project`]), what each renders to
//! ([`render`], producing [`revision`] data), and how the revisions relate ([`graph`]).
//! Nothing here executes Python, except [`external`], which runs the user's own `alembic`
//! when asked to by name.

pub mod external;
pub mod graph;
pub mod lint;
pub mod project;
pub mod render;
pub mod revision;
