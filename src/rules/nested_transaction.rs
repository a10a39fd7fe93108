//! BEGIN inside a transaction block that is already open.

use pg_query::NodeEnum;
use pg_query::protobuf::TransactionStmtKind;

use super::{Advice, Category, Check, Rule, Severity, StatementView, Violation};

pub static RULE: Rule = Rule {
    id: "nested-transaction",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Transaction,
    summary: "BEGIN inside a transaction block that is already open (explicit, or assumed by the runner)",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    let NodeEnum::TransactionStmt(stmt) = input.node else {
        return Vec::new();
    };
    let begin = matches!(
        TransactionStmtKind::try_from(stmt.kind),
        Ok(TransactionStmtKind::TransStmtBegin | TransactionStmtKind::TransStmtStart)
    );
    // The implicit transaction of a query string is taken over by a BEGIN, not nested.
    if !begin || !input.state.in_transaction || input.state.implicit_block {
        return Vec::new();
    }
    vec![Violation::with(
        String::from(
            "BEGIN inside a transaction that is already open (an earlier BEGIN, or the one the \
             migration runs in) starts nothing (PostgreSQL only warns): the first COMMIT \
             commits the outer transaction early, so the statements after it run outside any \
             transaction and the locks they take are no longer released together",
        ),
        Advice::sql(
            "remove this BEGIN (and the COMMIT that was meant to close it); PostgreSQL has no \
             nested transactions: use SAVEPOINT name / RELEASE SAVEPOINT name to undo part of a \
             transaction",
        )
        .with_alembic(|| {
            "Alembic already runs upgrade() in a transaction: remove op.execute(\"BEGIN\") and its \
             COMMIT; to run something outside the migration's transaction use\n  \
             with op.get_context().autocommit_block():\n      \
             op.execute(\"...\")"
        }),
    )]
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::cases::{assert_cases, fired_with};

    const ID: &str = "nested-transaction";

    #[test]
    fn cases() {
        assert_cases(
            ID,
            &[
                "BEGIN; SELECT 1; COMMIT; BEGIN; SELECT 2; COMMIT",
                "BEGIN; SAVEPOINT s; SELECT 1; RELEASE SAVEPOINT s; COMMIT",
                "BEGIN; ROLLBACK; START TRANSACTION; COMMIT",
            ],
            &[
                "BEGIN; BEGIN; SELECT 1; COMMIT",
                "BEGIN; SELECT 1; START TRANSACTION; COMMIT; COMMIT",
            ],
        );
    }

    #[test]
    fn begin_in_an_assumed_transaction() {
        let wrapped = Config {
            assume_in_transaction: true,
            ..Config::default()
        };
        assert!(fired_with("BEGIN; SELECT 1; COMMIT", &wrapped).contains(&ID));
        // After the assumed transaction was committed, a new BEGIN opens a real one.
        assert!(!fired_with("COMMIT; BEGIN; SELECT 1; COMMIT", &wrapped).contains(&ID));
    }
}
