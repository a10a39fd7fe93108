//! Findings for people, rendered with miette: the statement underlined at file:line:col,
//! the lock it takes, a help with the safe alternative and the rule's doc.

use std::fmt;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use rayon::prelude::*;

use super::snippet::Snippet;

use crate::diagnostic::Finding;
use crate::lint::FileReport;
use crate::rules::Severity;
use crate::run::{RunResult, Tally};
use crate::source::InputError;

pub struct Style {
    pub color: bool,
    pub width: usize,
}

struct Rendered<'a> {
    finding: &'a Finding,
    source: Snippet,
    label: String,
    /// The advice that fits the source.
    help: Option<String>,
    /// The rendered SQL of the statement, when the source is Python.
    sql: Option<String>,
    url: String,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.finding.rule.id))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Info => miette::Severity::Advice,
            Severity::Warning => miette::Severity::Warning,
            Severity::Error => miette::Severity::Error,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        // For a rendered source (Alembic), the SQL the Python call produces.
        let rendered = self.sql.as_ref().map(|sql| format!("rendered SQL: {sql}"));
        match (self.help.as_ref(), rendered) {
            (Some(help), Some(sql)) => Some(Box::new(format!("{help}\n{sql}"))),
            (Some(help), None) => Some(Box::new(help)),
            (None, Some(sql)) => Some(Box::new(sql)),
            (None, None) => None,
        }
    }
    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.url))
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.source.span.clone();
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(
                Some(self.label.clone()),
                span.start..span.end.max(span.start),
            ),
        )))
    }
}

pub fn render_file(file: &FileReport, style: &Style, out: &mut String) {
    render_findings(file, &file.findings, style, out);
}

/// Some of a file's findings (a slice of `file.findings`), as [`render_file`] shows them.
pub fn render_findings(file: &FileReport, findings: &[Finding], style: &Style, out: &mut String) {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        // Help texts hold SQL meant to be copied: never break it across lines.
        .with_wrap_lines(false);
    for finding in findings {
        let statement = file.statement_of(finding);
        let label = match statement {
            Some(statement) => super::facts_summary(&statement.facts),
            None => "here".into(),
        };
        let rendered = Rendered {
            finding,
            source: Snippet::new(&file.source, &finding.span),
            label,
            help: finding.help(&file.source),
            sql: statement.and_then(|s| s.sql.clone()),
            url: format!("rules/{}.md", finding.rule),
        };
        let _ = handler.render_report(out, &rendered);
        out.push('\n');
    }
}

/// Inputs that could not be read, one `error: file:line: message` line each (for stderr).
pub fn render_errors(result: &RunResult) -> String {
    let mut out = input_errors("error", &result.errors);
    out.push_str(&input_errors("warning", &result.warnings));
    out
}

/// `error: file:line: message` lines, as every command prints its input errors.
pub fn input_errors(label: &str, errors: &[InputError]) -> String {
    let mut out = String::new();
    for error in errors {
        match error.line {
            Some(line) => out.push_str(&format!(
                "{label}: {}:{line}: {}\n",
                error.file, error.message
            )),
            None => out.push_str(&format!("{label}: {}: {}\n", error.file, error.message)),
        }
    }
    out
}

/// Findings of every file, then the summary line.
pub fn render(result: &RunResult, style: &Style) -> String {
    // Files render independently: in parallel, joined in input order.
    let rendered: Vec<String> = result
        .files
        .par_iter()
        .map(|file| {
            let mut out = String::new();
            render_file(file, style, &mut out);
            out
        })
        .collect();
    let mut out = rendered.concat();
    out.push_str(&summary(result, &result.tally()));
    out
}

/// The last line: counts from `tally`, the errors and baseline from `result`.
pub fn summary(result: &RunResult, tally: &Tally) -> String {
    let statements = tally.statements;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let counts = [
        plural(tally.count(Severity::Error), "error"),
        plural(tally.count(Severity::Warning), "warning"),
        plural(tally.count(Severity::Info), "info"),
    ];
    let unparsable = tally.unparsable_statements;
    // Statements that did not parse were not checked: say so, not just "N checked".
    let unchecked = match unparsable {
        0 => String::new(),
        n => format!(", {n} could not be parsed"),
    };
    let mut line = format!(
        "{} in {} ({} checked{unchecked})",
        counts.join(", "),
        plural(tally.files, "file"),
        plural(statements, "statement")
    );
    if let Some(baseline) = &result.baseline {
        line.push_str(&format!(
            "; {} hidden by the baseline",
            plural(baseline.hidden, "finding")
        ));
    }
    if let Some(count) = result.grandfathered {
        line.push_str(&format!(
            "; {} before grandfather_before not linted",
            plural(count, "migration")
        ));
    }
    if !result.errors.is_empty() {
        line.push_str(&format!(
            "; {} could not be read",
            plural(result.errors.len(), "input")
        ));
    }
    line.push('\n');
    if let Some(rendering) = tally.rendering {
        line.push_str(&rendering.describe());
        line.push('\n');
    }
    line
}
