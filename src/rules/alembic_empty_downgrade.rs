//! Reported by the Alembic front-end when `downgrade()` is empty but `upgrade()` renders
//! statements.

use super::{Category, Rule};
use crate::diagnostic::Severity;

pub static RULE: Rule = Rule {
    id: "alembic-empty-downgrade",
    severity: Severity::Info,
    category: Category::Alembic,
    summary: "downgrade() is `pass` while upgrade() changes the schema",
    check: None,
};
