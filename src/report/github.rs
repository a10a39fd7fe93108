//! GitHub Actions workflow commands: one `::error file=...,line=...::message` line per
//! finding, which GitHub shows as an annotation on the pull request's diff.
//! <https://docs.github.com/actions/reference/workflow-commands-for-github-actions>

use crate::diagnostic::Finding;
use crate::lint::FileReport;
use crate::rules::Severity;
use crate::run::RunResult;

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(result: &RunResult) -> String {
    let parts: Vec<String> = (result.files.iter())
        .map(|f| file_part(f, &f.findings))
        .collect();
    assemble(&parts, result)
}

/// The input errors, then the files' parts.
pub fn assemble(parts: &[String], result: &RunResult) -> String {
    let mut out = String::new();
    for error in &result.errors {
        let line = error.line.map(|l| format!(",line={l}")).unwrap_or_default();
        out.push_str(&format!(
            "::error file={}{line},title=locksmith::{}\n",
            escape_property(&error.file),
            escape_data(&error.message)
        ));
    }
    for part in parts {
        out.push_str(part);
    }
    out
}

/// One workflow command per finding of the file.
pub fn file_part(file: &FileReport, findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let (start, end) = file.source.range_positions(&f.span);
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = f.message.clone();
        if let Some(help) = f.help(&file.source) {
            message.push_str("\nhelp: ");
            message.push_str(&help);
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&file.source.name),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_property(&format!("locksmith {}", f.rule)),
            escape_data(&message)
        ));
    }
    out
}
