use super::Severity;
use super::{Advice, Category, Check, Rule, StatementView, Violation};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "locking-table-explicitly",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Locking,
    summary: "LOCK TABLE on an existing table holds the mode it asks for until the transaction ends",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::LockTable])
        .map(|action| {
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            let advice = Advice::sql(
                "drop the LOCK TABLE: each statement takes the lock it needs, for as long as it \
                 needs it. If you really need it, set a lock timeout first, ask for the weakest \
                 mode that works and keep the transaction short:\n  \
                 SET LOCAL lock_timeout = '2s';",
            )
            .with_alembic(||
                "drop the op.execute(\"LOCK TABLE ...\"): each operation takes the lock it needs. \
                 If you really need it, set a lock timeout first:\n  \
                 op.execute(\"SET LOCAL lock_timeout = '2s'\")",
            );
            Violation::with(
                format!(
                    "LOCK TABLE asks for {} and holds it until the transaction ends: every query on {table} that conflicts with it waits that long",
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
            "locking-table-explicitly",
            &[
                "CREATE TABLE t (id int); LOCK TABLE t IN ACCESS EXCLUSIVE MODE",
                "SELECT * FROM users WHERE id = 1 FOR UPDATE",
            ],
            &[
                "LOCK TABLE users",
                "LOCK TABLE users IN SHARE MODE",
                "BEGIN; LOCK users, orders IN ROW EXCLUSIVE MODE; COMMIT",
            ],
        );
    }

    #[test]
    fn the_message_names_the_mode() {
        let messages = crate::rules::cases::messages(
            "locking-table-explicitly",
            "LOCK TABLE users IN SHARE MODE",
        );
        assert!(
            messages[0].contains("ShareLock on users (blocks writes)"),
            "{messages:?}"
        );
    }
}
