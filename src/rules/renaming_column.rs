use super::Severity;
use super::{Category, Check, Rule, StatementView, Violation, or_placeholder};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "renaming-column",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Compatibility,
    summary: "RENAME COLUMN breaks application code still using the old name during the deploy",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::RenameColumn])
        .map(|action| {
            let column = or_placeholder(&action.column, "column");
            Violation::new(
                format!(
                    "renaming column {column} breaks running application code that still uses the old name; it takes {}",
                    action.lock_phrase()
                ),
                "expand and contract: add the new column, write to both, backfill, move readers, \
                 then drop the old column in a later release (or expose the new name through a view)",
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
            "renaming-column",
            &["CREATE TABLE users (name text); ALTER TABLE users RENAME COLUMN name TO full_name"],
            &[
                "ALTER TABLE users RENAME COLUMN name TO full_name",
                "ALTER TABLE app.users RENAME name TO full_name",
            ],
        );
    }
}
