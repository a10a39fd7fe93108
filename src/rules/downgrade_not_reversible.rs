//! A migration whose downgrade does not restore the schema its upgrade started from.
//! The engine decides (`lint::history`): it replays the schema before the upgrade, then
//! the upgrade and the downgrade, and compares. Off by default; `locksmith
//! check-downgrade` turns it on.

use super::{Advice, Category, Check, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "downgrade-not-reversible",
    severity: Severity::Error,
    default_enabled: false,
    category: Category::Alembic,
    summary: "a downgrade that does not restore the schema the upgrade started from (check-downgrade)",
    check: Check::Engine,
};

/// The finding's message and help for the differences found.
pub fn message(differences: &[String]) -> (String, Advice) {
    let shown: Vec<&str> = differences.iter().take(10).map(String::as_str).collect();
    let more = differences.len().saturating_sub(shown.len());
    let more = if more > 0 {
        format!("; and {more} more")
    } else {
        String::new()
    };
    (
        format!(
            "the downgrade does not restore the schema the upgrade started from: {}{more}",
            shown.join("; ")
        ),
        Advice::sql(
            "make the downgrade undo exactly what the upgrade does (recreate what it dropped, \
             with the same names, types, nullability and defaults), or make it fail on purpose \
             if the revision is irreversible",
        ),
    )
}
