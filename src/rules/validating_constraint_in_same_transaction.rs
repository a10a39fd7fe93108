//! VALIDATE CONSTRAINT in the transaction that added the constraint NOT VALID.

use super::{Advice, Category, Check, Rule, Severity, TransactionView, Violation, excerpt};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "validating-constraint-in-same-transaction",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Transaction,
    summary: "VALIDATE CONSTRAINT in the same transaction that added the constraint NOT VALID: the ADD's stronger lock is held through the validation scan",
    check: Check::Transaction(check),
};

const NOT_VALID: &[Form] = &[Form::AddCheckNotValid, Form::AddForeignKeyNotValid];

fn check(input: &TransactionView) -> Vec<Violation> {
    let mut out = Vec::new();
    for (i, statement) in input.statements.iter().enumerate() {
        let validations = statement
            .facts
            .actions
            .iter()
            .filter(|a| matches!(a.form, Form::ValidateConstraint | Form::ValidateForeignKey));
        for validate in validations {
            let (Some(table), Some(name)) = (&validate.relation, &validate.constraint) else {
                continue;
            };
            let added = input.statements[..i].iter().find_map(|s| {
                let add = s.facts.actions.iter().find(|a| {
                    NOT_VALID.contains(&a.form)
                        && a.constraint.as_ref() == Some(name)
                        && a.relation.as_ref().is_some_and(|r| r.key() == table.key())
                })?;
                // Only a table that existed before the migration is locked against anyone.
                s.lock_on_existing(table).map(|_| (s, add))
            });
            let Some((adding, add)) = added else {
                continue;
            };
            let validate_sql = format!(
                "ALTER TABLE {table} VALIDATE CONSTRAINT {};",
                crate::facts::quote_ident(name)
            );
            out.push(
                Violation::with(
                    format!(
                        "VALIDATE CONSTRAINT {name} runs in the transaction that added it NOT VALID \
                         (`{}`): its {} is held until COMMIT, through the whole validation scan, \
                         so NOT VALID saves nothing",
                        excerpt(adding.sql),
                        add.lock_phrase()
                    ),
                    Advice::sql(format!(
                        "commit after adding the constraint NOT VALID and validate in a transaction \
                         of its own (VALIDATE takes only ShareUpdateExclusiveLock, which lets reads \
                         and writes continue):\n  COMMIT;\n  {validate_sql}"
                    ))
                    .with_alembic(format!(
                        "validate outside the migration's transaction (or in the next migration):\n  \
                         with op.get_context().autocommit_block():\n      \
                         op.execute(\"{validate_sql}\")"
                    )),
                )
                .at_statement(i),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::cases::{assert_cases, fired_with};

    const ID: &str = "validating-constraint-in-same-transaction";

    #[test]
    fn cases() {
        assert_cases(
            ID,
            &[
                "BEGIN; ALTER TABLE users ADD CONSTRAINT c CHECK (n > 0) NOT VALID; COMMIT; \
                 ALTER TABLE users VALIDATE CONSTRAINT c",
                "ALTER TABLE users ADD CONSTRAINT c CHECK (n > 0) NOT VALID; \
                 ALTER TABLE users VALIDATE CONSTRAINT c",
                "BEGIN; ALTER TABLE users VALIDATE CONSTRAINT c; COMMIT",
                "BEGIN; ALTER TABLE users ADD CONSTRAINT c CHECK (n > 0) NOT VALID; \
                 ALTER TABLE users VALIDATE CONSTRAINT other; COMMIT",
                "BEGIN; CREATE TABLE t (n int); ALTER TABLE t ADD CONSTRAINT c CHECK (n > 0) NOT VALID; \
                 ALTER TABLE t VALIDATE CONSTRAINT c; COMMIT",
            ],
            &[
                "BEGIN; ALTER TABLE users ADD CONSTRAINT c CHECK (n > 0) NOT VALID; \
                 ALTER TABLE users VALIDATE CONSTRAINT c; COMMIT",
                "BEGIN; ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID; \
                 SELECT 1; ALTER TABLE orders VALIDATE CONSTRAINT fk; COMMIT",
            ],
        );
    }

    #[test]
    fn in_the_migrations_transaction() {
        let wrapped = Config {
            assume_in_transaction: true,
            ..Config::default()
        };
        let sql = "ALTER TABLE users ADD CONSTRAINT c CHECK (n > 0) NOT VALID; \
                   ALTER TABLE users VALIDATE CONSTRAINT c";
        assert!(fired_with(sql, &wrapped).contains(&ID));
    }
}
