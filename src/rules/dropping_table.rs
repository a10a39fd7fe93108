use super::Severity;
use super::{Category, Check, Rule, StatementView, Violation};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "dropping-table",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Compatibility,
    summary: "DROP TABLE breaks application code still using the table during the deploy",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::DropTable])
        .map(|action| {
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            Violation::new(
                format!(
                    "dropping {table} breaks running application code that still uses it, and its data is gone; it takes {}",
                    action.lock_phrase()
                ),
                "first deploy code that no longer uses the table, then drop it in a later migration \
                 (keep a backup or rename it aside first if the data may be needed)",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::assert_cases;

    #[test]
    fn cases() {
        assert_cases(
            "dropping-table",
            &[
                "CREATE TABLE tmp (id int); DROP TABLE tmp",
                "DROP VIEW user_emails",
            ],
            &[
                "DROP TABLE users",
                "DROP TABLE IF EXISTS app.users, app.sessions CASCADE",
            ],
        );
    }
}
