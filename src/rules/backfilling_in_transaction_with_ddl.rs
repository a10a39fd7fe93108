//! A data change on a table in the same transaction as an earlier statement that locked
//! that table against writes: the lock is held for the whole backfill.

use pg_query::NodeEnum;

use super::advice::{indented, python_string};
use super::{
    Advice, Category, Check, Rule, Severity, Summary, TransactionView, Violation, excerpt,
};
use crate::facts::{Form, LockMode};

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
    // The strongest write-blocking lock the block's statements took so far on each table,
    // and the statement that took it (the last of equally strong ones): kept as the block
    // is walked, where a scan back from each data change made a backfill of 20,000
    // UPDATEs in one transaction take 15 s.
    let mut strongest: std::collections::HashMap<(&str, &str), (LockMode, usize)> =
        Default::default();
    for (i, statement) in input.statements.iter().enumerate() {
        if matches!(statement.summary, Summary::ChangesRows(_)) {
            changes_rows(input, i, &strongest, &mut out);
        }
        for lock in statement.locks_on_existing {
            if lock.mode.blocks_writes() {
                let held = strongest
                    .entry(lock.relation.key_ref())
                    .or_insert((lock.mode, i));
                if lock.mode >= held.0 {
                    *held = (lock.mode, i);
                }
            }
        }
    }
    out
}

/// The findings of statement `i`, a data change, against the locks taken before it.
fn changes_rows(
    input: &TransactionView,
    i: usize,
    strongest: &std::collections::HashMap<(&str, &str), (LockMode, usize)>,
    out: &mut Vec<Violation>,
) {
    let statement = &input.statements[i];
    let Summary::ChangesRows(verb) = statement.summary else {
        return;
    };
    let tables = statement
        .facts
        .actions
        .iter()
        .filter(|a| matches!(a.form, Form::Insert | Form::UpdateOrDelete))
        .filter_map(|a| a.relation.as_ref())
        .filter(|r| statement.lock_on_existing(r).is_some());
    for table in tables {
        let Some(&(mode, by)) = strongest.get(&table.key_ref()) else {
            continue;
        };
        let locker = &input.statements[by];
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
                    indented(statement.sql.trim())
                ))
                .with_alembic(|| {
                    format!(
                        "move the data change out of the migration's transaction, in batches:\n  \
                     with op.get_context().autocommit_block():\n      \
                     op.execute({})  # in batches, e.g. WHERE id BETWEEN <from> AND <to>\n\
                     or put it in a migration of its own",
                        python_string(statement.sql.trim())
                    )
                }),
            )
            .at_statement(i),
        );
    }
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
