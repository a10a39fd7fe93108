//! Parts of an Alembic revision the static renderer cannot turn into SQL without running
//! Python (the renderer records them; this rule reports them).

use super::{Advice, Category, Check, RevisionView, Rule, Severity, Violation};

pub static RULE: Rule = Rule {
    id: "unrenderable-operation",
    severity: Severity::Info,
    default_enabled: true,
    category: Category::Alembic,
    summary: "part of an Alembic revision that cannot be rendered to SQL without running Python, so it was not linted",
    check: Check::Revision(check),
};

fn check(view: &RevisionView) -> Vec<Violation> {
    let revision = view.revision;
    let linted = [
        revision.upgrade.as_ref(),
        revision.downgrade.as_ref().filter(|_| view.downgrade),
    ];
    linted
        .into_iter()
        .flatten()
        .flat_map(|function| &function.unrenderable)
        .map(|item| {
            Violation::with(
                format!("not rendered: {}", item.message),
                Advice::sql(
                    "locksmith renders revisions without running Python, so this part was not linted; \
                     write the SQL as a literal in op.execute(...), or lint with `--render alembic` \
                     (runs your real Alembic)",
                ),
            )
            .at_span(item.span.clone())
        })
        .collect()
}
