//! GitLab Code Quality (`--format gitlab`): a JSON array of issues, each with a fingerprint
//! that stays the same across runs and when unrelated edits move the statement (the file,
//! the rule, the statement's pg_query fingerprint and its occurrence: what a baseline entry
//! is keyed by), so merge requests show only what is new.
//! <https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format>

use serde_json::json;

use crate::baseline::{entries, fnv1a};
use crate::lint::FileReport;
use crate::rules::Severity;
use crate::run::RunResult;

pub fn render(result: &RunResult) -> String {
    let parts: Vec<String> = result.files.iter().map(file_part).collect();
    assemble(&parts)
}

/// The array around the files' parts.
pub fn assemble(parts: &[String]) -> String {
    let mut text = super::fill(&super::pretty(&json!(super::PARTS)), "", 0, parts);
    text.push('\n');
    text
}

/// One file's issues, as text.
pub fn file_part(file: &FileReport) -> String {
    let mut issues = Vec::new();
    let path = file.source.name.trim_start_matches("./");
    for (finding, entry) in file.findings.iter().zip(entries(file, path)) {
        let identity = format!(
            "{}\0{}\0{}\0{}",
            entry.file, entry.rule, entry.fingerprint, entry.occurrence
        );
        let line = file.source.position(finding.span.start).line;
        let mut description = finding.message.clone();
        if let Some(help) = finding.help(&file.source) {
            description.push_str("\nhelp: ");
            description.push_str(&help);
        }
        issues.push(super::indent(
            &super::pretty(&json!({
                "type": "issue",
                "check_name": finding.rule.id,
                "description": description,
                "categories": ["Bug Risk"],
                "severity": severity(finding.severity),
                "fingerprint": format!("{:016x}", fnv1a(identity.as_bytes())),
                "location": { "path": path, "lines": { "begin": line } },
            })),
            2,
        ));
    }
    issues.join(",\n")
}

/// GitLab's scale: info, minor, major, critical, blocker.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}
