//! Reported by the Alembic front-end (`crate::alembic::lint`) for each part of a revision it
//! cannot render without running Python.

use super::{Category, Rule};
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    id: "unrenderable-operation",
    severity: Severity::Info,
    category: Category::Alembic,
    summary: "part of an Alembic revision that cannot be rendered to SQL without running Python, so it was not linted",
    check: None,
};
