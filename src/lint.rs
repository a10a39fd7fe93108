//! The per-file pipeline: parse → facts (with context threaded in order) → rules →
//! suppressions. Output is plain data for the reporters.

use std::ops::Range;

use crate::config::Config;
use crate::diagnostic::Finding;
use crate::facts::{self, Facts, LockMode, Relation};
use crate::parse;
use crate::rules::{self, Input};
use crate::source::SourceFile;
use crate::state::FileState;
use crate::suppress;

/// One statement with its facts.
#[derive(Debug, Clone)]
pub struct StatementReport {
    pub span: Range<usize>,
    pub facts: Facts,
    /// Whether it ran inside a transaction block (explicit or assumed).
    pub in_transaction: bool,
    /// The strongest write-blocking lock it takes on a table that existed before the
    /// migration (tables created earlier in the file do not count).
    pub existing_lock: Option<(Relation, LockMode)>,
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
}

pub fn lint_source(source: SourceFile, config: &Config) -> FileReport {
    let parsed = parse::parse_sql(&source.text);
    let mut state = FileState::new(config.postgres_version, config.assume_in_transaction);
    let mut statements = Vec::with_capacity(parsed.statements.len());
    let mut findings = Vec::new();
    let active: Vec<_> = rules::ALL
        .iter()
        .filter_map(|rule| Some((rule, config.severity_of(rule)?, rule.check?)))
        .collect();

    for (index, stmt) in parsed.statements.iter().enumerate() {
        let facts = facts::analyze(&stmt.node, &state);
        let input = Input {
            sql: &source.text[stmt.span.clone()],
            node: &stmt.node,
            facts: &facts,
            state: &state,
        };
        for (rule, severity, check) in &active {
            for violation in check(&input) {
                let span = match violation.span {
                    Some(sub) => stmt.span.start + sub.start..stmt.span.start + sub.end,
                    None => stmt.span.clone(),
                };
                findings.push(Finding {
                    rule: rule.id,
                    severity: *severity,
                    message: violation.message,
                    help: violation.help,
                    span,
                    statement: Some(index),
                });
            }
        }
        let in_transaction = state.in_transaction;
        let existing_lock = state.blocking_lock_on_existing(&facts);
        state.record(&stmt.node, &facts);
        statements.push(StatementReport {
            span: stmt.span.clone(),
            facts,
            in_transaction,
            existing_lock,
            sql: None,
        });
    }

    if let Some(severity) = config.severity_of(&rules::SYNTAX_ERROR) {
        for error in &parsed.errors {
            let end = source.text[error.offset..]
                .find(|c: char| c.is_whitespace() || c == ';')
                .map_or(source.text.len(), |i| error.offset + i.max(1));
            findings.push(Finding {
                rule: rules::SYNTAX_ERROR.id,
                severity,
                message: error.message.clone(),
                help: Some("fix the statement; the statements around it were still checked".into()),
                span: error.offset..end.min(source.text.len()).max(error.offset),
                statement: None,
            });
        }
    }

    let mut report = FileReport {
        source,
        statements,
        findings,
    };
    let comments = suppress::sql_comments(&report.source.text);
    finish(&mut report, &comments, config);
    report
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
        config.severity_of(&rules::UNUSED_SUPPRESSION),
        enabled,
    );
    report
        .findings
        .sort_by(|a, b| (a.span.start, a.rule).cmp(&(b.span.start, b.rule)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(sql: &str) -> Vec<(&'static str, usize)> {
        let report = lint_source(SourceFile::new("t.sql", sql), &Config::default());
        report
            .findings
            .iter()
            .map(|f| (f.rule, report.source.position(f.span.start).line))
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

    #[test]
    fn unused_and_unknown_suppressions_are_reported() {
        let sql = "-- locksmith:ignore renaming-table, no-such-rule: why\nALTER TABLE users ADD COLUMN a int NULL;\n";
        let found = ids(sql);
        assert!(found.contains(&("unused-suppression", 1)), "{found:?}");
        assert_eq!(
            found
                .iter()
                .filter(|(r, _)| *r == "unused-suppression")
                .count(),
            2
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

    #[test]
    fn syntax_errors_do_not_stop_the_file() {
        let sql = "SET lock_timeout = '1s';\nALTER TABLEE users DROP COLUMN a;\nALTER TABLE users DROP COLUMN b;\n";
        assert_eq!(ids(sql), vec![("syntax-error", 2), ("dropping-column", 3)]);
    }
}
