use super::Severity;
use super::advice::autocommit_block;
use super::{Advice, Category, Check, Rule, StatementView, Violation};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "concurrently-in-transaction",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Transaction,
    summary: "CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY (or another statement not allowed in a transaction block) inside one",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    if !input.state.in_transaction {
        return Vec::new();
    }
    input
        .facts
        .actions
        .iter()
        .filter(|action| !action.in_transaction)
        // ALTER TYPE ... ADD VALUE before 12 is adding-enum-value-in-transaction.
        .filter(|action| action.form != Form::AlterEnumAddValue)
        .take(1)
        .map(|_| {
            // The statement's own text, not the model's syntax template.
            let one_line = input.sql.split_whitespace().collect::<Vec<_>>().join(" ");
            // Up to the column list: the verb and the names.
            let head = match one_line.find(" (") {
                Some(at) if at > 20 => &one_line[..at],
                _ => one_line.as_str(),
            };
            let statement = if head.len() <= 100 {
                head.to_string()
            } else {
                super::excerpt(head)
            };
            if input.state.in_do_block {
                return Violation::new(
                    format!(
                        "{statement} cannot run inside a DO block (it runs in one transaction); it fails at \
                         run time and aborts the migration"
                    ),
                    format!("move it out of the DO block, outside any transaction:\n  {one_line};"),
                );
            }
            // The migration tool's own switch, when its convention is what opened the
            // transaction (goose, dbmate).
            let runner = input.state.runner;
            let own_migration = match runner.and_then(|r| r.opt_out) {
                Some(opt_out) => format!("give it a migration of its own ({opt_out})"),
                None => "give it a migration of its own that is not wrapped in a transaction".into(),
            };
            let message = format!(
                "{statement} cannot run inside a transaction block; it fails at run time and aborts the migration"
            );
            if runner.is_some_and(|r| r.refused) {
                // No COMMIT helps: the tool refuses the file before running it.
                return Violation::with(message, Advice::sql(own_migration));
            }
            Violation::with(
                message,
                Advice::sql(format!(
                    "run it outside the transaction: end the transaction before it, and start a new one \
                     after it if more statements need one:\n  \
                     COMMIT;\n  {one_line};\n  BEGIN;\n\
                     or {own_migration}"
                ))
                .with_alembic_call(in_autocommit_block),
            )
        })
        .collect()
}

/// The Alembic way out: the same call inside an autocommit block.
fn in_autocommit_block(call: &str) -> String {
    format!(
        "Alembic runs the migration inside a transaction; run this operation outside it:\n{}",
        autocommit_block(call, None)
    )
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::cases::{assert_cases, fired_with, messages};

    const ID: &str = "concurrently-in-transaction";

    /// The message names the statement's own objects, not the lock model's template.
    #[test]
    fn the_message_names_the_real_index_and_table() {
        let found = messages(
            ID,
            "BEGIN;\nCREATE UNIQUE INDEX CONCURRENTLY users_email_idx\n  ON public.users (lower(email));",
        );
        assert_eq!(
            found,
            vec![
                "CREATE UNIQUE INDEX CONCURRENTLY users_email_idx ON public.users cannot run inside a \
                 transaction block; it fails at run time and aborts the migration"
            ]
        );
    }

    #[test]
    fn cases() {
        assert_cases(
            ID,
            &[
                "CREATE INDEX CONCURRENTLY i ON t (c)",
                "BEGIN; ALTER TABLE t ADD COLUMN c int; COMMIT; CREATE INDEX CONCURRENTLY i ON t (c)",
                "BEGIN; REFRESH MATERIALIZED VIEW CONCURRENTLY m; COMMIT",
            ],
            &[
                "BEGIN; CREATE INDEX CONCURRENTLY i ON t (c); COMMIT",
                "BEGIN; DROP INDEX CONCURRENTLY i; COMMIT",
                "START TRANSACTION; REINDEX INDEX CONCURRENTLY i",
                "BEGIN; ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY",
                "BEGIN; VACUUM t",
            ],
        );
    }

    #[test]
    fn assume_in_transaction_and_enum_values_by_version() {
        // Enum values moved to adding-enum-value-in-transaction, which reports them before 12.
        let wrapped = Config {
            assume_in_transaction: true,
            ..Config::default()
        };
        assert!(fired_with("CREATE INDEX CONCURRENTLY i ON t (c)", &wrapped).contains(&ID));
        let enum_value = "BEGIN; ALTER TYPE mood ADD VALUE 'meh'; COMMIT";
        let at = |version| Config {
            postgres_version: version,
            ..Config::default()
        };
        assert!(!fired_with(enum_value, &at(11)).contains(&ID));
        assert!(fired_with(enum_value, &at(11)).contains(&"adding-enum-value-in-transaction"));
        assert!(!fired_with(enum_value, &at(12)).contains(&ID));
    }
}
