//! An AccessExclusiveLock on an existing table held while more statements run in the same
//! transaction.

use super::{Advice, Category, Check, Rule, Severity, TransactionView, Violation, excerpt};
use crate::facts::{LockMode, Relation};

pub static RULE: Rule = Rule {
    id: "holding-exclusive-lock-across-statements",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Locking,
    summary: "more statements run in a transaction after one took AccessExclusiveLock on an existing table, which stays locked against reads and writes until the transaction ends",
    check: Check::Transaction(check),
};

/// How many of the statements that run under the lock the message names.
const LISTED: usize = 3;

/// One finding per transaction, at the first statement that takes AccessExclusiveLock on a
/// table that existed before the migration.
fn check(input: &TransactionView) -> Vec<Violation> {
    let statements = input.statements;
    let Some((at, lock)) = statements.iter().enumerate().find_map(|(i, s)| {
        s.locks_on_existing
            .iter()
            .find(|l| l.mode == LockMode::AccessExclusiveLock)
            .map(|l| (i, l))
    }) else {
        return Vec::new();
    };
    let mut after: Vec<_> = statements[at + 1..].iter().collect();
    if after.last().is_some_and(|s| s.ends_transaction()) {
        after.pop();
    }
    if after.is_empty() {
        return Vec::new();
    }
    let listed = first_of(
        after.iter().map(|s| format!("`{}`", excerpt(s.sql))),
        after.len(),
    );
    // Existing tables the later statements lock too: held to the end as well. A set, not
    // a scan of the list: one transaction of a schema dump locks thousands of tables.
    let mut seen = std::collections::HashSet::from([&lock.relation]);
    let mut tables = vec![&lock.relation];
    for later in after.iter().flat_map(|s| s.locks_on_existing.iter()) {
        if later.mode == LockMode::AccessExclusiveLock && seen.insert(&later.relation) {
            tables.push(&later.relation);
        }
    }
    let names =
        |tables: &[&Relation]| first_of(tables.iter().map(ToString::to_string), tables.len());
    let also = match &tables[1..] {
        [] => String::new(),
        others => format!(
            "; they take AccessExclusiveLock on {} too, held until the end as well",
            names(others)
        ),
    };
    let several = tables.len() > 1;
    let tables = names(&tables);
    let advice = if several {
        Advice::sql(format!(
            "keep each lock short: give each statement that locks {tables} a transaction of its \
             own, last in it, just before COMMIT, and move the other statements out of them"
        ))
        .with_alembic(|| {
            format!(
                "give each operation that locks {tables} a migration of its own, last in its \
                 upgrade(), so each lock is released as soon as it is taken"
            )
        })
    } else {
        Advice::sql(format!(
            "keep the transaction that locks {tables} short: run this statement last, just \
             before COMMIT, and move the other statements to transactions of their own \
             (COMMIT; after this statement)"
        ))
        .with_alembic(|| {
            format!(
                "keep the operation that locks {tables} last in upgrade(), or move the other \
                 operations to a migration of their own, so the lock is released as soon as it \
                 is taken"
            )
        })
    };
    vec![
        Violation::with(
            format!(
                "{lock} is held until the transaction ends while {} more {} {listed}{also}",
                after.len(),
                if after.len() == 1 {
                    "statement runs:"
                } else {
                    "statements run:"
                },
            ),
            advice,
        )
        .at_statement(at),
    ]
}

/// The first [`LISTED`] of `count` names, comma-separated, then how many more.
fn first_of(names: impl Iterator<Item = String>, count: usize) -> String {
    let mut listed: Vec<String> = names.take(LISTED).collect();
    if count > LISTED {
        listed.push(format!("and {} more", count - LISTED));
    }
    listed.join(", ")
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::cases::{assert_cases, fired_with};

    const ID: &str = "holding-exclusive-lock-across-statements";

    #[test]
    fn cases() {
        assert_cases(
            ID,
            &[
                "BEGIN; SET LOCAL lock_timeout = '1s'; ALTER TABLE users ADD COLUMN n text; COMMIT",
                "ALTER TABLE users ADD COLUMN n text; UPDATE users SET n = name",
                "BEGIN; CREATE INDEX i ON users (email); SELECT 1; COMMIT",
                "BEGIN; CREATE TABLE t (id int); ALTER TABLE t ADD COLUMN n int; SELECT 1; COMMIT",
            ],
            &[
                "BEGIN; ALTER TABLE users ADD COLUMN n text; UPDATE users SET n = name; COMMIT",
                "BEGIN; DROP INDEX users_email_idx; CREATE INDEX i ON orders (x); COMMIT",
                "BEGIN; ALTER TABLE users ADD COLUMN n text; SELECT 1",
            ],
        );
    }

    #[test]
    fn the_tables_locked_later_are_named_too() {
        let sql = "BEGIN;\nALTER TABLE users ADD COLUMN a int;\nALTER TABLE orders ADD COLUMN b int;\n\
                   ALTER TABLE users ADD COLUMN c int;\nCOMMIT;\n";
        let report = crate::lint::lint_sql(
            crate::source::SourceFile::new("m.sql", sql),
            &Config::default(),
        );
        let found: Vec<_> = report.findings.iter().filter(|f| f.rule.id == ID).collect();
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.ends_with(
                "; they take AccessExclusiveLock on orders too, held until the end as well"
            ),
            "{}",
            found[0].message
        );
        let advice = found[0].advice.sql.as_deref().unwrap();
        assert!(
            advice.contains("each statement that locks users, orders a transaction of its own"),
            "{advice}"
        );
    }

    #[test]
    fn one_finding_listing_the_first_statements() {
        let sql = "BEGIN;\nALTER TABLE users ADD COLUMN a int;\nALTER TABLE users ADD COLUMN b int;\n\
                   SELECT 1;\nSELECT 2;\nSELECT 3;\nSELECT 4;\nCOMMIT;\n";
        let report = crate::lint::lint_sql(
            crate::source::SourceFile::new("m.sql", sql),
            &Config::default(),
        );
        let found: Vec<_> = report.findings.iter().filter(|f| f.rule.id == ID).collect();
        assert_eq!(found.len(), 1);
        assert_eq!(report.source.position(found[0].span.start).line, 2);
        assert!(
            found[0].message.ends_with(
                "5 more statements run: `ALTER TABLE users ADD COLUMN b int`, `SELECT 1`, `SELECT 2`, and 2 more"
            ),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn the_assumed_transaction_holds_it_to_the_end_of_the_file() {
        let wrapped = Config {
            assume_in_transaction: true,
            ..Config::default()
        };
        assert!(
            fired_with("ALTER TABLE users ADD COLUMN n text; SELECT 1", &wrapped).contains(&ID)
        );
        assert!(
            !fired_with("SELECT 1; ALTER TABLE users ADD COLUMN n text", &wrapped).contains(&ID)
        );
    }
}
