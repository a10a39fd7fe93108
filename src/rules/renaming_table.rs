use super::Severity;
use super::{Category, Check, Rule, StatementView, Violation};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "renaming-table",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Compatibility,
    summary: "RENAME TO on a table breaks application code still using the old name during the deploy",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::RenameTable])
        .map(|action| {
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            Violation::new(
                format!(
                    "renaming {table} breaks running application code that still uses the old name; it takes {}",
                    action.lock_phrase()
                ),
                "rename in two releases: rename the table and create a view with the old name \
                 (CREATE VIEW old_name AS SELECT * FROM new_name) so old code keeps working, \
                 then drop the view once no code uses it",
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
            "renaming-table",
            &[
                "CREATE TABLE users (id int); ALTER TABLE users RENAME TO accounts",
                "ALTER INDEX users_email RENAME TO users_email_idx",
            ],
            &["ALTER TABLE users RENAME TO accounts"],
        );
    }
}
