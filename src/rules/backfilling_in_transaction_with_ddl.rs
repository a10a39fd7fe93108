//! A data change on a table in the same transaction as an earlier statement that locked
//! that table against writes: the lock is held for the whole backfill.

use pg_query::NodeEnum;

use super::{
    Advice, Category, Check, Rule, Severity, Summary, TransactionView, Violation, excerpt,
};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "backfilling-in-transaction-with-ddl",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Transaction,
    summary: "UPDATE, DELETE or INSERT ... SELECT on an existing table in the same transaction as an earlier statement that locked it against writes (ShareLock or stronger)",
    check: Check::Transaction(check),
};

/// "UPDATE", "DELETE" or "INSERT ... SELECT": the statement changes rows it reads.
pub(super) fn verb(node: &NodeEnum) -> Option<&'static str> {
    match node {
        NodeEnum::UpdateStmt(_) => Some("UPDATE"),
        NodeEnum::DeleteStmt(_) => Some("DELETE"),
        NodeEnum::InsertStmt(stmt) => {
            match stmt.select_stmt.as_deref().and_then(|s| s.node.as_ref()) {
                Some(NodeEnum::SelectStmt(select)) if select.values_lists.is_empty() => {
                    Some("INSERT ... SELECT")
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn check(input: &TransactionView) -> Vec<Violation> {
    let mut out = Vec::new();
    for (i, statement) in input.statements.iter().enumerate() {
        let Summary::ChangesRows(verb) = statement.summary else {
            continue;
        };
        let tables = statement
            .facts
            .actions
            .iter()
            .filter(|a| matches!(a.form, Form::Insert | Form::UpdateOrDelete))
            .filter_map(|a| a.relation.as_ref())
            .filter(|r| statement.lock_on_existing(r).is_some());
        for table in tables {
            // The strongest write-blocking lock an earlier statement of the block took on it.
            let earlier = input.statements[..i]
                .iter()
                .filter_map(|s| s.lock_on_existing(table).map(|mode| (mode, s)))
                .filter(|(mode, _)| mode.blocks_writes())
                .max_by_key(|(mode, _)| *mode);
            let Some((mode, locker)) = earlier else {
                continue;
            };
            out.push(
                Violation::with(
                    format!(
                        "{verb} on {table} runs in the same transaction as `{}`, which took {} on \
                         {table} ({}): the lock is held until COMMIT, so the table stays blocked \
                         for the whole backfill",
                        excerpt(locker.sql),
                        mode.name(),
                        mode.blocks_description()
                    ),
                    Advice::sql(format!(
                        "commit the schema change first, then change the rows in batches, each in \
                         its own short transaction:\n  COMMIT;\n  {};  -- in batches, e.g. WHERE id \
                         BETWEEN <from> AND <to>",
                        statement.sql.trim()
                    ))
                    .with_alembic(format!(
                        "move the data change out of the migration's transaction, in batches:\n  \
                         with op.get_context().autocommit_block():\n      \
                         op.execute(\"{}\")  # in batches, e.g. WHERE id BETWEEN <from> AND <to>\n\
                         or put it in a migration of its own",
                        statement.sql.trim().replace('"', "\\\"")
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

    const ID: &str = "backfilling-in-transaction-with-ddl";

    #[test]
    fn cases() {
        assert_cases(
            ID,
            &[
                // Committed in between.
                "BEGIN; ALTER TABLE users ADD COLUMN n text; COMMIT; UPDATE users SET n = name",
                "ALTER TABLE users ADD COLUMN n text; UPDATE users SET n = name",
                // Another table, or a lock that does not block writes.
                "BEGIN; ALTER TABLE users ADD COLUMN n text; UPDATE orders SET n = 1; COMMIT",
                "BEGIN; CREATE INDEX CONCURRENTLY i ON users (n); UPDATE users SET n = 1; COMMIT",
                "BEGIN; ALTER TABLE users VALIDATE CONSTRAINT c; UPDATE users SET n = 1; COMMIT",
                // A table created in the migration.
                "BEGIN; CREATE TABLE t (id int); ALTER TABLE t ADD COLUMN n int; UPDATE t SET n = 1; COMMIT",
                // INSERT ... VALUES is not a backfill.
                "BEGIN; ALTER TABLE users ADD COLUMN n text; INSERT INTO users (n) VALUES ('a'); COMMIT",
            ],
            &[
                "BEGIN; ALTER TABLE users ADD COLUMN n text; UPDATE users SET n = name; COMMIT",
                "BEGIN; CREATE INDEX i ON users (email); DELETE FROM users WHERE email IS NULL; COMMIT",
                "BEGIN; LOCK TABLE users IN SHARE MODE; INSERT INTO users SELECT * FROM old_users; COMMIT",
                "BEGIN; ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID; UPDATE users SET n = 1; COMMIT",
            ],
        );
    }

    #[test]
    fn in_the_assumed_transaction() {
        let wrapped = Config {
            assume_in_transaction: true,
            ..Config::default()
        };
        let sql = "ALTER TABLE users ADD COLUMN n text; UPDATE users SET n = name";
        assert!(fired_with(sql, &wrapped).contains(&ID));
    }
}
