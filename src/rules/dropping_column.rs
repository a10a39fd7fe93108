use super::Severity;
use super::{Category, Check, Rule, StatementView, Violation, or_placeholder};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "dropping-column",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Compatibility,
    summary: "DROP COLUMN breaks application code still reading or writing the column during the deploy",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::DropColumn])
        .map(|action| {
            let column = or_placeholder(&action.column, "column");
            Violation::new(
                format!(
                    "dropping column {column} breaks running application code that still reads or writes it; it takes {}",
                    action.lock_phrase()
                ),
                "first deploy code that no longer uses the column (for ORMs, also remove it from the \
                 model so it is not selected), then drop it in a later migration",
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
            "dropping-column",
            &["CREATE TABLE users (id int, legacy text); ALTER TABLE users DROP COLUMN legacy"],
            &[
                "ALTER TABLE users DROP COLUMN legacy",
                "ALTER TABLE users DROP COLUMN IF EXISTS legacy CASCADE",
            ],
        );
    }
}
