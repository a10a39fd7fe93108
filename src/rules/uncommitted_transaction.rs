//! A BEGIN whose transaction is still open at the end of the file.

use super::{Advice, Category, Check, FileView, Rule, Severity, Violation};

pub static RULE: Rule = Rule {
    id: "uncommitted-transaction",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Transaction,
    summary: "a BEGIN with no COMMIT or ROLLBACK before the end of the file",
    check: Check::File(check),
};

/// A transaction the runner opens (`assume_in_transaction`, Alembic) is committed by the
/// runner, and so is anything left open inside it: only a file that opens its own
/// transaction and does not close it is reported, at that BEGIN.
fn check(input: &FileView) -> Vec<Violation> {
    if !input.state.in_transaction || input.state.runner_commits {
        return Vec::new();
    }
    let Some((first, block)) = input.last_transaction() else {
        return Vec::new();
    };
    let Some(at) = block.iter().position(|s| s.is_begin()) else {
        return Vec::new();
    };
    let after = block.len() - at - 1;
    vec![
        Violation::with(
            format!(
                "this transaction is never committed: the file ends with it open, so {} after \
                 BEGIN {} rolled back when the session closes (a runner that keeps the \
                 connection leaves {} uncommitted, holding {} locks)",
                if after == 1 {
                    "the statement".to_string()
                } else {
                    format!("the {after} statements")
                },
                if after == 1 { "is" } else { "are" },
                if after == 1 { "it" } else { "them" },
                if after == 1 { "its" } else { "their" },
            ),
            Advice::sql("end the transaction at the end of the file:\n  COMMIT;").with_alembic(
                || {
                    "Alembic opens and commits upgrade()'s transaction itself: remove \
                 op.execute(\"BEGIN\")"
                },
            ),
        )
        .at_statement(first + at),
    ]
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::cases::{assert_cases, fired_with};

    const ID: &str = "uncommitted-transaction";

    #[test]
    fn cases() {
        assert_cases(
            ID,
            &[
                "BEGIN; SELECT 1; COMMIT",
                "BEGIN; SELECT 1; ROLLBACK",
                "SELECT 1",
                "BEGIN; COMMIT; BEGIN; SELECT 1; END",
            ],
            &[
                "BEGIN; SELECT 1",
                "BEGIN; SELECT 1; COMMIT; START TRANSACTION; SELECT 2",
                "BEGIN",
            ],
        );
    }

    #[test]
    fn an_assumed_transaction_is_committed_by_the_runner() {
        let wrapped = Config {
            assume_in_transaction: true,
            ..Config::default()
        };
        assert!(!fired_with("SELECT 1", &wrapped).contains(&ID));
        assert!(!fired_with("BEGIN; SELECT 1", &wrapped).contains(&ID));
        assert!(!fired_with("COMMIT; BEGIN; SELECT 1", &wrapped).contains(&ID));
    }

    #[test]
    fn reported_at_the_begin_that_is_left_open() {
        let sql = "BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\n";
        let report = crate::lint::lint_sql(
            crate::source::SourceFile::new("m.sql", sql),
            &Config::default(),
        );
        let finding = report.findings.iter().find(|f| f.rule.id == ID).unwrap();
        assert_eq!(report.source.position(finding.span.start).line, 4);
        assert!(
            finding
                .message
                .contains("the statement after BEGIN is rolled back"),
            "{}",
            finding.message
        );
    }
}
