//! `downgrade()` is empty but `upgrade()` renders statements: the revision cannot be
//! rolled back.

use super::{Advice, Category, Check, RevisionView, Rule, Severity, Violation};

pub static RULE: Rule = Rule {
    id: "alembic-empty-downgrade",
    severity: Severity::Info,
    default_enabled: true,
    category: Category::Alembic,
    summary: "downgrade() is `pass` while upgrade() changes the schema",
    check: Check::Revision(check),
};

fn check(view: &RevisionView) -> Vec<Violation> {
    let (Some(upgrade), Some(downgrade)) = (&view.revision.upgrade, &view.revision.downgrade)
    else {
        return Vec::new();
    };
    if !downgrade.is_empty || upgrade.statements.is_empty() {
        return Vec::new();
    }
    vec![
        Violation::with(
            "downgrade() is empty but upgrade() changes the schema: this revision cannot be rolled back",
            Advice::sql(
                "write the reverse operations in downgrade(), or raise an exception that says why it is irreversible",
            ),
        )
        .at_span(downgrade.def_span.clone()),
    ]
}
