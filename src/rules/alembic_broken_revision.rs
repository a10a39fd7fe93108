//! Reported by the Alembic front-end from the revision graph (`crate::alembic::graph`).

use super::{Category, Rule};
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    id: "alembic-broken-revision",
    severity: Severity::Error,
    category: Category::Alembic,
    summary: "a down_revision or depends_on that names no revision, a duplicate revision id, or a cycle",
    check: None,
};
