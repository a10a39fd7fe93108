//! Reported by the Alembic front-end from the revision graph (`crate::alembic::graph`).

use super::{Category, Rule};
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    id: "alembic-multiple-heads",
    severity: Severity::Error,
    category: Category::Alembic,
    summary: "the Alembic revisions have more than one head: `alembic upgrade head` refuses to run",
    check: None,
};
