//! Findings for people, rendered with miette: the statement underlined at file:line:col,
//! the lock it takes, a help with the safe alternative and the rule's doc.

use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use rayon::prelude::*;

use super::plain;
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
    source: Snippet<'a>,
    label: &'a str,
    /// The advice that fits the source.
    help: Option<Cow<'a, str>>,
    /// The rendered SQL of the statement, when the source is Python.
    sql: Option<&'a str>,
}

impl Rendered<'_> {
    /// The advice, and for a rendered source (Alembic) the SQL the Python call produces,
    /// written into `out` (emptied first); `false` when there is neither.
    fn help_text(&self, out: &mut String) -> bool {
        out.clear();
        if let Some(help) = &self.help {
            out.push_str(help);
        }
        if let Some(sql) = self.sql {
            if self.help.is_some() {
                out.push('\n');
            }
            out.push_str("rendered SQL: ");
            out.push_str(sql);
        }
        self.help.is_some() || self.sql.is_some()
    }

    /// Drawn without miette when it is one [`plain`] draws (see there); `scratch` holds
    /// the help while it is drawn.
    fn draw_plain(&self, theme: &plain::Theme, scratch: &mut String, out: &mut String) -> bool {
        let help = self.help_text(scratch);
        let parts = plain::Parts {
            code: self.finding.rule.id,
            icon: theme.icon(self.severity()),
            message: &self.finding.message,
            label: self.label,
            help: help.then_some(scratch.as_str()),
        };
        plain::draw(&parts, theme, &self.source, out)
    }
}

/// Where a rule's doc is: `rules/<id>.md`.
struct DocPath(&'static str);

impl fmt::Display for DocPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rules/{}.md", self.0)
    }
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
        let mut help = String::new();
        self.help_text(&mut help)
            .then(|| Box::new(help) as Box<dyn fmt::Display>)
    }
    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(DocPath(self.finding.rule.id)))
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.source.span.clone();
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(
                Some(self.label.to_string()),
                span.start..span.end.max(span.start),
            ),
        )))
    }
}

pub fn render_file(file: &FileReport, style: &Style, out: &mut String) {
    render_findings(file, &file.findings, style, out);
}

fn handler(style: &Style) -> GraphicalReportHandler {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        // Help texts hold SQL meant to be copied: never break it across lines.
        .with_wrap_lines(false)
}

/// About the bytes a finding takes drawn: 5.5 MB for the 5,800 findings of the benchmark's
/// first 1,000 files.
const RENDERED_FINDING: usize = 1024;

/// Some of a file's findings (a slice of `file.findings`), as [`render_file`] shows them.
pub fn render_findings(file: &FileReport, findings: &[Finding], style: &Style, out: &mut String) {
    // Grown once rather than a doubling at a time: 5 % of the rendering's instructions
    // went to growing the text and copying it (callgrind, 1,000 files).
    out.reserve(findings.len() * RENDERED_FINDING);
    let handler = handler(style);
    // The characters miette draws without colors, for the findings drawn without it.
    static THEME: LazyLock<plain::Theme> =
        LazyLock::new(|| plain::Theme::new(GraphicalTheme::unicode_nocolor().characters));
    let theme = &*THEME;
    let mut help = String::new();
    // A statement's findings are consecutive (sorted by position): its label, the same
    // for each, is worked out once.
    let mut labelled: Option<&crate::lint::StatementReport> = None;
    let mut statement_label = String::new();
    for finding in findings {
        let statement = file.statement_of(finding);
        let label = match statement {
            Some(statement) => {
                if !labelled.is_some_and(|last| std::ptr::eq(statement, last)) {
                    statement_label = super::facts_summary(&statement.facts);
                    labelled = Some(statement);
                }
                statement_label.as_str()
            }
            None => "here",
        };
        let rendered = Rendered {
            finding,
            source: Snippet::new(&file.source, &finding.span),
            label,
            help: finding.help(&file.source),
            sql: statement.and_then(|s| s.sql()),
        };
        if style.color || !rendered.draw_plain(theme, &mut help, out) {
            let _ = handler.render_report(out, &rendered);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules;
    use crate::source::SourceFile;

    /// Without colors, what [`plain`] draws is what miette draws, byte for byte, on
    /// generated sources (every kind of line and span: empty, at the edges, over several
    /// lines, ending on a line end), messages and helps of several lines, blank ones too;
    /// what it does not draw (tabs, `\r`, non-ASCII, a label of several lines) is left to
    /// miette.
    #[test]
    fn the_plain_drawing_is_miettes() {
        // The last three are what only miette draws: in one text in eight.
        let pieces = [
            "a", "bc", "  ", ";", "\n", "\n\n", "SELECT 1", "\t", "\r\n", "é",
        ];
        let phrases = ["lock", "", " ", "\n", "two words", "x\n\ny", "end\n"];
        let mut next = crate::test_rng::seeded(0x2545_F491_4F6C_DD1D);
        let handler = handler(&Style {
            color: false,
            width: 80,
        });
        let theme = plain::Theme::new(GraphicalTheme::unicode_nocolor().characters);
        let mut scratch = String::new();
        let (mut drawn, mut left) = (0, 0);
        for case in 0..20_000 {
            let mut text = String::new();
            let kinds = if next(8) == 0 {
                pieces.len()
            } else {
                pieces.len() - 3
            };
            for _ in 0..next(30) {
                text.push_str(pieces[next(kinds)]);
            }
            let multi_line_label = next(8) == 0;
            let mut phrase = |parts: usize| -> String {
                (0..=parts).map(|_| phrases[next(phrases.len())]).collect()
            };
            let (message, help) = (phrase(3), phrase(4));
            let label = match multi_line_label {
                true => phrase(1),
                false => phrase(1).replace('\n', " "),
            };
            let mut boundary = |text: &str, from: usize| {
                let mut at = from + next(text.len() - from + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                at.max(from)
            };
            let start = boundary(&text, 0);
            let end = boundary(&text, start);
            let source = SourceFile::new("t.sql", text.as_str());
            let finding = Finding {
                rule: rules::ALL[case % rules::ALL.len()],
                severity: [Severity::Info, Severity::Warning, Severity::Error][case % 3],
                message,
                advice: Default::default(),
                span: start..end,
                statement: None,
            };
            let rendered = Rendered {
                finding: &finding,
                source: Snippet::new(&source, &finding.span),
                label: &label,
                help: (case % 4 != 0).then_some(Cow::Owned(help)),
                sql: (case % 5 == 0).then_some("CREATE TABLE t (\n  a int\n)"),
            };
            let mut ours = String::new();
            if !rendered.draw_plain(&theme, &mut scratch, &mut ours) {
                assert!(ours.is_empty());
                left += 1;
                continue;
            }
            drawn += 1;
            let mut theirs = String::new();
            handler.render_report(&mut theirs, &rendered).unwrap();
            assert_eq!(ours, theirs, "{text:?} {start}..{end}");
        }
        // Both ways were taken, most cases drawn plainly.
        assert!(
            drawn > 10_000 && left > 1_000,
            "{drawn} drawn, {left} left to miette"
        );
    }
}
