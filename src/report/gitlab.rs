//! GitLab Code Quality (`--format gitlab`): a JSON array of issues, each with a fingerprint
//! that stays the same across runs and when unrelated edits move the statement (the file,
//! the rule, the statement's pg_query fingerprint and its occurrence: what a baseline entry
//! is keyed by), so merge requests show only what is new.
//! <https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format>

use serde::Serialize;
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

/// An issue, its fields in key order as a `Value` prints them (see report/json.rs).
#[derive(Serialize)]
struct IssueJson<'a> {
    categories: [&'static str; 1],
    check_name: &'static str,
    description: String,
    fingerprint: String,
    location: LocationJson<'a>,
    severity: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct LocationJson<'a> {
    lines: LinesJson,
    path: &'a str,
}

#[derive(Serialize)]
struct LinesJson {
    begin: usize,
}

/// One file's issues, as text.
pub fn file_part(file: &FileReport) -> String {
    super::array_part(issues(file), 1)
}

fn issues(file: &FileReport) -> impl Iterator<Item = IssueJson<'_>> {
    let path = file.source.name.trim_start_matches("./");
    let entries = entries(file, path);
    file.findings
        .iter()
        .zip(entries)
        .map(move |(finding, entry)| {
            let identity = format!(
                "{}\0{}\0{}\0{}",
                entry.file, entry.rule, entry.fingerprint, entry.occurrence
            );
            let mut description = finding.message.clone();
            if let Some(help) = finding.help(&file.source) {
                description.push_str("\nhelp: ");
                description.push_str(&help);
            }
            IssueJson {
                categories: ["Bug Risk"],
                check_name: finding.rule.id,
                description,
                fingerprint: format!("{:016x}", fnv1a(identity.as_bytes())),
                location: LocationJson {
                    lines: LinesJson {
                        begin: file.source.position(finding.span.start).line,
                    },
                    path,
                },
                severity: severity(finding.severity),
                kind: "issue",
            }
        })
}

/// GitLab's scale: info, minor, major, critical, blocker.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn issues_print_as_values_would() {
        let file = crate::report::tests::varied_findings();
        let issues: Vec<_> = super::issues(&file).collect();
        crate::report::tests::assert_prints_as_values(&issues, 1);
    }
}
