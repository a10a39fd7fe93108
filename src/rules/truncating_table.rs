use super::Severity;
use super::advice::python_string;
use super::{Advice, Category, Check, Rule, StatementView, Violation};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "truncating-table",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Compatibility,
    summary: "TRUNCATE on an existing table deletes every row under AccessExclusiveLock (with CASCADE, the rows of every referencing table too)",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::Truncate])
        .map(|action| {
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            let cascade = action.detail() == Some(crate::facts::CASCADE);
            let cascade_text = if cascade {
                "; with CASCADE every table with a foreign key to it is emptied and locked too"
            } else {
                ""
            };
            let advice = Advice::sql(format!(
                "if the rows must go, delete them in batches (each batch a short transaction) and \
                 name the dependent tables explicitly instead of CASCADE:\n  \
                 DELETE FROM {table} WHERE ctid IN (SELECT ctid FROM {table} LIMIT 10000);  -- repeat until 0 rows\n\
                 if the table is really unused, say so: -- locksmith:ignore truncating-table: <reason>"
            ))
            .with_alembic(|| format!(
                "if the rows must go, delete them in batches (each batch a short transaction):\n  \
                 op.execute({})  # repeat until 0 rows",
                python_string(&format!(
                    "DELETE FROM {table} WHERE ctid IN (SELECT ctid FROM {table} LIMIT 10000)"
                ))
            ));
            Violation::with(
                format!(
                    "TRUNCATE deletes every row of {table} and takes {}{cascade_text}",
                    action.lock_phrase()
                ),
                advice,
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
            "truncating-table",
            &[
                "CREATE TABLE staging (id int); TRUNCATE staging",
                "DELETE FROM users WHERE id = 1",
            ],
            &[
                "TRUNCATE users",
                "TRUNCATE TABLE users, orders RESTART IDENTITY",
                "TRUNCATE users CASCADE",
            ],
        );
    }

    #[test]
    fn the_message_names_cascade() {
        let message =
            &crate::rules::cases::messages("truncating-table", "TRUNCATE users CASCADE")[0];
        assert!(message.contains("CASCADE"), "{message}");
    }
}
