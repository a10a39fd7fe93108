//! The engine: runs the rules over what the front-ends produce. For SQL: parse → facts
//! (with the file state threaded through in order) → statement, transaction and file
//! checks → suppressions ([`lint_sql`]). For Alembic projects ([`alembic`]): the same over
//! each revision's rendered SQL, mapped back to the Python, plus revision and graph checks.
//! Output is plain data for the reporters.

pub mod alembic;
pub mod history;

use std::ops::Range;

use crate::config::Config;
use crate::diagnostic::Finding;
use crate::facts::{self, Facts, RelationLock};
use crate::parse::{self, Statement};
use crate::rules::{self, CheckedStatement, FileView, StatementView, TransactionView, Violation};
use crate::source::SourceFile;
use crate::state::{FileState, KnownColumn};
use crate::suppress;

/// One statement with its facts.
#[derive(Debug, Clone)]
pub struct StatementReport {
    pub span: Range<usize>,
    pub facts: Facts,
    /// Whether it ran inside a transaction block (explicit or assumed).
    pub in_transaction: bool,
    /// The transaction block it belongs to (its `BEGIN` and `COMMIT` included), numbered
    /// from 0 in file order.
    pub transaction: Option<usize>,
    /// The strongest write-blocking lock it takes on a table that existed before the
    /// migration (tables created earlier in the file do not count).
    pub existing_lock: Option<RelationLock>,
    /// Every lock it takes on a relation that existed before the migration.
    pub locks_on_existing: Vec<RelationLock>,
    /// The rendered SQL, when the source is not SQL (an Alembic revision): `span` then
    /// points at the Python call that produced it.
    pub sql: Option<String>,
}

impl StatementReport {
    /// The statement's SQL: its text in the source, or the SQL rendered from it.
    pub fn text<'a>(&'a self, source: &'a SourceFile) -> &'a str {
        self.sql
            .as_deref()
            .unwrap_or_else(|| source.text.get(self.span.clone()).unwrap_or_default())
    }
}

#[derive(Debug, Clone)]
pub struct FileReport {
    pub source: SourceFile,
    pub statements: Vec<StatementReport>,
    /// Sorted by position, then rule id.
    pub findings: Vec<Finding>,
    /// Statements that could not be parsed (syntax errors), so no rule checked them.
    pub unparsable_statements: usize,
}

/// Lints one SQL source: every enabled statement, transaction and file check, syntax
/// errors and suppressions.
pub fn lint_sql(source: SourceFile, config: &Config) -> FileReport {
    lint_sql_with(source, config, &Session::default(), &[], rules::ALL)
}

/// [`lint_sql`] for a migration that runs after others: `catalog` is the schema they
/// built ([`history`]).
pub fn lint_sql_after(
    source: SourceFile,
    config: &Config,
    catalog: crate::schema::Catalog,
) -> FileReport {
    let session = Session {
        catalog,
        ..Session::default()
    };
    lint_sql_with(source, config, &session, &[], rules::ALL)
}

/// What ran on the same connection before the file, which the file inherits (a
/// `lock_timeout`): Alembic's env.py settings.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// Statements, in order (`SET lock_timeout = 4000`).
    pub setup: Vec<String>,
    /// Where such settings were looked for, named in findings that miss one (`env.py`).
    pub looked_in: Option<String>,
    /// The file is one piece of a longer script (Alembic's offline SQL): the script's later
    /// pieces end a transaction it leaves open.
    pub piece_of_script: bool,
    /// The schema earlier migrations built ([`history`]), as far as this file names it.
    pub catalog: crate::schema::Catalog,
}

/// [`lint_sql`] for SQL rendered from another source: it runs after `session`'s
/// statements, and `known` says what the source declares about columns before the
/// statement at each offset (Alembic's `existing_type`).
pub fn lint_rendered_sql(
    source: SourceFile,
    config: &Config,
    session: &Session,
    known: &[(usize, KnownColumn)],
) -> FileReport {
    lint_sql_with(source, config, session, known, rules::ALL)
}

fn lint_sql_with(
    source: SourceFile,
    config: &Config,
    session: &Session,
    known: &[(usize, KnownColumn)],
    all: &[&'static rules::Rule],
) -> FileReport {
    let parsed = parse::parse_sql(&source.text);
    let mut state = FileState::new(config.postgres_version, config.assume_in_transaction)
        .with_catalog(session.catalog.clone());
    for sql in &session.setup {
        for statement in parse::parse_sql(sql).statements {
            let facts = facts::analyze(&statement.node, &state);
            state.record(&statement.node, &facts);
        }
    }
    state.session_settings_from = session.looked_in.clone();
    state.runner_commits |= session.piece_of_script;
    let mut statements = Vec::with_capacity(parsed.statements.len());
    let mut findings = Vec::new();
    let enabled = |rule: &&'static rules::Rule| config.severity_of(rule).map(|s| (*rule, s));
    let mut statement_checks = Vec::new();
    let mut transaction_checks = Vec::new();
    let mut file_checks = Vec::new();
    for (rule, severity) in all.iter().filter_map(enabled) {
        match rule.check {
            rules::Check::Statement(check) => statement_checks.push((rule, severity, check)),
            rules::Check::Transaction(check) => transaction_checks.push((rule, severity, check)),
            rules::Check::File(check) => file_checks.push((rule, severity, check)),
            _ => {}
        }
    }

    let mut known = known.iter().peekable();
    for (index, stmt) in parsed.statements.iter().enumerate() {
        while let Some((_, column)) = known.next_if(|(at, _)| *at <= stmt.span.start) {
            state.declare_column(column);
        }
        let facts = facts::analyze(&stmt.node, &state);
        let view = StatementView {
            sql: &source.text[stmt.span.clone()],
            node: &stmt.node,
            facts: &facts,
            state: &state,
        };
        for (rule, severity, check) in &statement_checks {
            for violation in check(&view) {
                findings.push(place(rule, *severity, violation, &parsed.statements, index));
            }
        }
        let in_transaction = state.in_transaction;
        let existing_lock = state.blocking_lock_on_existing(&facts);
        let locks_on_existing = state.locks_on_existing(&facts);
        state.record(&stmt.node, &facts);
        // BEGIN belongs to the block it opens, COMMIT to the one it closes.
        let transaction = (in_transaction || state.in_transaction)
            .then(|| state.transactions_started.saturating_sub(1));
        statements.push(StatementReport {
            span: stmt.span.clone(),
            facts,
            in_transaction,
            transaction,
            existing_lock,
            locks_on_existing,
            sql: None,
        });
    }

    if !transaction_checks.is_empty() || !file_checks.is_empty() {
        let checked: Vec<CheckedStatement> = parsed
            .statements
            .iter()
            .zip(&statements)
            .map(|(stmt, report)| CheckedStatement {
                sql: &source.text[stmt.span.clone()],
                node: &stmt.node,
                facts: &report.facts,
                in_transaction: report.in_transaction,
                transaction: report.transaction,
                existing_lock: report.existing_lock.clone(),
                locks_on_existing: &report.locks_on_existing,
            })
            .collect();
        let file = FileView {
            statements: &checked,
            state: &state,
        };
        for (first, block) in file.transactions() {
            let view = TransactionView {
                statements: block,
                state: &state,
            };
            for (rule, severity, check) in &transaction_checks {
                for violation in check(&view) {
                    let index = first + violation.statement.unwrap_or(0);
                    findings.push(place(rule, *severity, violation, &parsed.statements, index));
                }
            }
        }
        for (rule, severity, check) in &file_checks {
            for violation in check(&file) {
                let index = violation.statement.unwrap_or(0);
                findings.push(place(rule, *severity, violation, &parsed.statements, index));
            }
        }
    }

    if let Some(severity) = config.severity_of(&rules::SYNTAX_ERROR) {
        for error in &parsed.errors {
            let end = source.text[error.offset..]
                .find(|c: char| c.is_whitespace() || c == ';')
                .map_or(source.text.len(), |i| error.offset + i.max(1));
            findings.push(Finding {
                rule: &rules::SYNTAX_ERROR,
                severity,
                message: error.message.clone(),
                advice: rules::Advice::sql(
                    "fix the statement; the statements around it were still checked",
                ),
                span: error.offset..end.min(source.text.len()).max(error.offset),
                statement: None,
            });
        }
    }
    if let (Some(first), Some(severity)) = (
        parsed.meta_commands.first(),
        config.severity_of(&rules::PSQL_META_COMMAND),
    ) {
        // One finding per file: the count says how many, the span shows the first.
        let violation = rules::psql_meta_command::violation(
            parsed.meta_commands.len(),
            &source.text[first.clone()],
        );
        findings.push(Finding {
            rule: &rules::PSQL_META_COMMAND,
            severity,
            message: violation.message,
            advice: violation.advice,
            span: first.clone(),
            statement: None,
        });
    }

    let mut report = FileReport {
        source,
        statements,
        findings,
        unparsable_statements: parsed.errors.len(),
    };
    let comments = suppress::sql_comments(&report.source.text);
    finish(&mut report, &comments, config);
    report
}

/// A violation on statement `index`, placed in the source.
fn place(
    rule: &'static rules::Rule,
    severity: rules::Severity,
    violation: Violation,
    statements: &[Statement],
    index: usize,
) -> Finding {
    let index = index.min(statements.len().saturating_sub(1));
    let statement = &statements[index].span;
    let finding_severity = violation.severity_under(severity);
    let span = match violation.span {
        Some(sub) => statement.start + sub.start..statement.start + sub.end,
        None => statement.clone(),
    };
    Finding {
        rule,
        severity: finding_severity,
        message: violation.message,
        advice: violation.advice,
        span,
        statement: Some(index),
    }
}

/// The last step for any source: apply the `locksmith:ignore` comments among `comments`
/// and sort the findings by position, then rule id.
pub fn finish(report: &mut FileReport, comments: &[Range<usize>], config: &Config) {
    let spans: Vec<Range<usize>> = report.statements.iter().map(|s| s.span.clone()).collect();
    let enabled = |id: &str| rules::find(id).is_some_and(|rule| config.severity_of(rule).is_some());
    suppress::apply(
        &report.source,
        &spans,
        comments,
        &mut report.findings,
        suppress::Reporting {
            unused: config.severity_of(&rules::UNUSED_SUPPRESSION),
            invalid: config.severity_of(&rules::INVALID_SUPPRESSION),
        },
        enabled,
    );
    report
        .findings
        .sort_by(|a, b| (a.span.start, a.rule.id).cmp(&(b.span.start, b.rule.id)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(sql: &str) -> Vec<(&'static str, usize)> {
        let report = lint_sql(SourceFile::new("t.sql", sql), &Config::default());
        report
            .findings
            .iter()
            .map(|f| (f.rule.id, report.source.position(f.span.start).line))
            .collect()
    }

    #[test]
    fn suppressions_on_the_line_before_and_at_the_end() {
        let sql = "SET lock_timeout = '1s';\n\
                   -- locksmith:ignore dropping-column: unused since v2\n\
                   ALTER TABLE users DROP COLUMN a;\n\
                   ALTER TABLE users DROP COLUMN b; -- locksmith:ignore dropping-column\n\
                   ALTER TABLE users DROP COLUMN c;\n";
        assert_eq!(ids(sql), vec![("dropping-column", 5)]);
    }

    /// An unknown id is invalid-suppression (it was unused-suppression before that rule).
    #[test]
    fn unused_and_unknown_suppressions_are_reported() {
        let sql = "-- locksmith:ignore renaming-table, no-such-rule: why\nALTER TABLE users ADD COLUMN a int NULL;\n";
        let found = ids(sql);
        assert!(found.contains(&("unused-suppression", 1)), "{found:?}");
        assert!(found.contains(&("invalid-suppression", 1)), "{found:?}");
        let count = |rule: &str| found.iter().filter(|(r, _)| *r == rule).count();
        assert_eq!(
            (count("unused-suppression"), count("invalid-suppression")),
            (1, 1)
        );
    }

    #[test]
    fn file_wide_suppression() {
        let sql = "-- locksmith:ignore-file missing-lock-timeout, dropping-column\n\
                   ALTER TABLE users DROP COLUMN a;\nALTER TABLE users DROP COLUMN b;\n";
        assert_eq!(ids(sql), vec![]);
    }

    #[test]
    fn ignore_text_inside_a_string_is_not_a_comment() {
        let sql = "SET lock_timeout = '1s';\nSELECT '-- locksmith:ignore dropping-column';\nALTER TABLE users DROP COLUMN a;\n";
        assert_eq!(ids(sql), vec![("dropping-column", 3)]);
    }

    /// Transaction and file checks see the right statements and their findings land on
    /// the statement they name.
    #[test]
    fn transaction_and_file_checks_are_called_per_block_and_per_file() {
        use crate::rules::{Advice, Category, Check, FileView, Rule, Severity, TransactionView};

        fn per_transaction(view: &TransactionView) -> Vec<Violation> {
            let last = view.statements.len() - 1;
            let texts: Vec<&str> = view.statements.iter().map(|s| s.sql).collect();
            vec![Violation::with(texts.join(" | "), Advice::default()).at_statement(last)]
        }
        fn per_file(view: &FileView) -> Vec<Violation> {
            let message = format!(
                "{} statements, {} blocks, ends in a transaction: {}",
                view.statements.len(),
                view.transactions().len(),
                view.state.in_transaction
            );
            vec![Violation::with(message, Advice::default()).at_statement(1)]
        }
        static TRANSACTIONS: Rule = Rule {
            id: "test-transactions",
            severity: Severity::Info,
            default_enabled: true,
            category: Category::Meta,
            summary: "",
            check: Check::Transaction(per_transaction),
        };
        static FILE: Rule = Rule {
            id: "test-file",
            severity: Severity::Info,
            default_enabled: true,
            category: Category::Meta,
            summary: "",
            check: Check::File(per_file),
        };
        let sql = "SELECT 1;\nBEGIN;\nSELECT 2;\nCOMMIT;\nSELECT 3;\nBEGIN;\nSELECT 4;\n";
        let report = lint_sql_with(
            SourceFile::new("t.sql", sql),
            &Config::default(),
            &Session::default(),
            &[],
            &[&TRANSACTIONS, &FILE],
        );
        let found: Vec<(&str, usize, &str)> = report
            .findings
            .iter()
            .map(|f| {
                let line = report.source.position(f.span.start).line;
                (f.rule.id, line, f.message.as_str())
            })
            .collect();
        assert_eq!(
            found,
            vec![
                (
                    "test-file",
                    2,
                    "7 statements, 2 blocks, ends in a transaction: true"
                ),
                ("test-transactions", 4, "BEGIN | SELECT 2 | COMMIT"),
                ("test-transactions", 7, "BEGIN | SELECT 4"),
            ]
        );
        // With the file assumed in one transaction, the whole file is one block.
        let config = Config {
            assume_in_transaction: true,
            ..Config::default()
        };
        let report = lint_sql_with(
            SourceFile::new("t.sql", "SELECT 1;\nSELECT 2;\n"),
            &config,
            &Session::default(),
            &[],
            &[&TRANSACTIONS],
        );
        assert_eq!(report.findings[0].message, "SELECT 1 | SELECT 2");
    }

    #[test]
    fn syntax_errors_do_not_stop_the_file() {
        let sql = "SET lock_timeout = '1s';\nALTER TABLEE users DROP COLUMN a;\nALTER TABLE users DROP COLUMN b;\n";
        assert_eq!(ids(sql), vec![("syntax-error", 2), ("dropping-column", 3)]);
    }

    #[test]
    fn statements_after_an_unclosed_statement_are_linted_and_counted() {
        let sql = "SELECT 1;\nSELECT foo(1;\nALTER TABLE users ADD COLUMN email text NOT NULL;\n";
        let found = ids(sql);
        assert!(found.contains(&("syntax-error", 2)), "{found:?}");
        assert!(found.contains(&("adding-not-null-column", 3)), "{found:?}");
        let report = lint_sql(SourceFile::new("t.sql", sql), &Config::default());
        assert_eq!(
            (report.statements.len(), report.unparsable_statements),
            (2, 1)
        );
    }

    #[test]
    fn one_info_finding_for_the_psql_meta_commands_of_a_file() {
        let sql = "\\set ON_ERROR_STOP 1\nBEGIN;\n\\timing\nSET lock_timeout = '1s';\nDROP TABLE users;\nCOMMIT;\n";
        let report = lint_sql(SourceFile::new("t.sql", sql), &Config::default());
        let meta: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.rule.id == "psql-meta-command")
            .collect();
        assert_eq!(meta.len(), 1);
        assert_eq!(meta[0].severity, rules::Severity::Info);
        assert_eq!(&sql[meta[0].span.clone()], "\\set ON_ERROR_STOP 1");
        assert!(
            meta[0].message.starts_with("2 psql meta-commands"),
            "{}",
            meta[0].message
        );
        // BEGIN is not swallowed by the line before it: the DROP runs in its transaction.
        assert!(report.statements[2].in_transaction);
        assert!(ids(sql).contains(&("dropping-table", 5)));
    }

    #[test]
    fn copy_data_rows_are_not_linted_and_the_next_statement_is() {
        let sql = "SET lock_timeout = '1s';\nCOPY users (id, note) FROM stdin;\n1\tDROP TABLE users;\n\\.\nALTER TABLE users DROP COLUMN note;\n";
        assert_eq!(ids(sql), vec![("dropping-column", 5)]);
    }

    #[test]
    fn a_byte_order_mark_changes_nothing() {
        let sql = "\u{FEFF}ALTER TABLE users DROP COLUMN a;\n";
        let found = ids(sql);
        assert!(
            !found.iter().any(|(id, _)| *id == "syntax-error"),
            "{found:?}"
        );
        assert!(found.contains(&("dropping-column", 1)), "{found:?}");
    }
}
