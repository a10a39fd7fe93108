//! Statements of an Alembic revision rendered with placeholders for values only known when
//! the migration runs (the renderer marks them; this rule reports them).

use super::{Advice, Category, Check, RevisionView, Rule, Severity, Violation};

pub static RULE: Rule = Rule {
    id: "approximate-rendering",
    severity: Severity::Info,
    default_enabled: true,
    category: Category::Alembic,
    summary: "an Alembic operation rendered with placeholders for values only known when the migration runs",
    check: Check::Revision(check),
};

/// One finding per operation (its statements share the op call's span and unknowns).
fn check(view: &RevisionView) -> Vec<Violation> {
    let revision = view.revision;
    let linted = [
        revision.upgrade.as_ref(),
        revision.downgrade.as_ref().filter(|_| view.downgrade),
    ];
    let mut seen = Vec::new();
    let mut violations = Vec::new();
    for statement in linted.into_iter().flatten().flat_map(|f| &f.statements) {
        if statement.approximate.is_empty() || seen.contains(&statement.origin) {
            continue;
        }
        seen.push(statement.origin.clone());
        let names: Vec<String> = statement
            .approximate
            .iter()
            .map(|name| format!("`{name}`"))
            .collect();
        violations.push(
            Violation::with(
                format!(
                    "rendered approximately: {} not known without running the migration, so a placeholder stands for it",
                    names.join(", ")
                ),
                Advice::sql(
                    "the statement's operation, table and columns are exact and were linted; only the value is a \
                     placeholder (`locksmith sql` marks the statement). Write the value as a literal or a module \
                     constant to render it exactly, or lint with `--render alembic` (runs your real Alembic)",
                ),
            )
            .at_span(statement.origin.clone()),
        );
    }
    violations
}
