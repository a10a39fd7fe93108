//! VALIDATE CONSTRAINT in the transaction that added the constraint NOT VALID.

use super::advice::python_string;
use super::{Advice, Category, Check, Rule, Severity, TransactionView, Violation, excerpt};
use crate::facts::{Action, Form};

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
    // The constraints added NOT VALID so far on tables that existed before the migration,
    // by (schema, table, constraint), with the first statement that added each and its
    // action: kept as the block is walked, not searched for from each validation.
    let mut added_not_valid: std::collections::HashMap<(&str, &str, &str), (usize, &Action)> =
        Default::default();
    for (i, statement) in input.statements.iter().enumerate() {
        validations(input, i, &added_not_valid, &mut out);
        for add in (statement.facts.actions.iter()).filter(|a| NOT_VALID.contains(&a.form)) {
            if let (Some(table), Some(name)) = (&add.relation, add.constraint())
                && statement.lock_on_existing(table).is_some()
            {
                let (schema, table) = table.key_ref();
                (added_not_valid.entry((schema, table, name))).or_insert((i, add));
            }
        }
    }
    out
}

/// The findings of statement `i`'s validations of constraints added NOT VALID before it.
fn validations(
    input: &TransactionView,
    i: usize,
    added_not_valid: &std::collections::HashMap<(&str, &str, &str), (usize, &Action)>,
    out: &mut Vec<Violation>,
) {
    let statement = &input.statements[i];
    let validations = statement
        .facts
        .actions
        .iter()
        .filter(|a| matches!(a.form, Form::ValidateConstraint | Form::ValidateForeignKey));
    for validate in validations {
        let (Some(table), Some(name)) = (&validate.relation, validate.constraint()) else {
            continue;
        };
        let (schema, table_name) = table.key_ref();
        // Only a table that existed before the migration is locked against anyone.
        let Some(&(by, add)) = added_not_valid.get(&(schema, table_name, name)) else {
            continue;
        };
        let adding = &input.statements[by];
        let validate_sql = format!(
            "ALTER TABLE {table} VALIDATE CONSTRAINT {};",
            crate::parse::ident::quote_ident(name)
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
                .with_alembic(|| format!(
                    "validate outside the migration's transaction (or in the next migration):\n  \
                     with op.get_context().autocommit_block():\n      \
                     op.execute({})",
                    python_string(&validate_sql)
                )),
            )
            .at_statement(i),
        );
    }
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
