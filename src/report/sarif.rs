//! SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
//! <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>

use serde::Serialize;
use serde_json::{Value, json};

use crate::diagnostic::Finding;
use crate::lint::FileReport;
use crate::rules;
use crate::rules::Severity;
use crate::run::RunResult;

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn render(result: &RunResult) -> String {
    let parts: Vec<String> = (result.files.iter())
        .map(|f| file_part(f, &f.findings))
        .collect();
    assemble(&parts, result)
}

// Results are written from typed structs whose fields are in key order, as a `Value`
// prints them (see report/json.rs).

#[derive(Serialize)]
struct ResultJson<'a> {
    level: &'static str,
    locations: [LocationJson<'a>; 1],
    message: TextJson,
    #[serde(rename = "ruleId")]
    rule_id: &'static rules::Rule,
    #[serde(rename = "ruleIndex")]
    rule_index: Option<usize>,
}

#[derive(Serialize)]
struct TextJson {
    text: String,
}

#[derive(Serialize)]
struct LocationJson<'a> {
    #[serde(rename = "physicalLocation")]
    physical_location: PhysicalLocationJson<'a>,
}

#[derive(Serialize)]
struct PhysicalLocationJson<'a> {
    #[serde(rename = "artifactLocation")]
    artifact_location: UriJson<'a>,
    region: RegionJson,
}

#[derive(Serialize)]
struct UriJson<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RegionJson {
    end_column: usize,
    end_line: usize,
    start_column: usize,
    start_line: usize,
}

/// One file's entries of the `results` array, as text.
pub fn file_part(file: &FileReport, findings: &[Finding]) -> String {
    super::array_part(results(file, findings), 4)
}

fn results<'a>(
    file: &'a FileReport,
    findings: &'a [Finding],
) -> impl Iterator<Item = ResultJson<'a>> {
    findings.iter().map(|f| {
        let (start, end) = file.source.range_positions(&f.span);
        let mut text = f.message.clone();
        if let Some(help) = f.help(&file.source) {
            text.push_str("\nhelp: ");
            text.push_str(&help);
        }
        ResultJson {
            level: level(f.severity),
            locations: [LocationJson {
                physical_location: PhysicalLocationJson {
                    artifact_location: UriJson {
                        uri: file.source.name.trim_start_matches("./"),
                    },
                    region: RegionJson {
                        end_column: end.column + 1,
                        end_line: end.line,
                        start_column: start.column,
                        start_line: start.line,
                    },
                },
            }],
            message: TextJson { text },
            rule_id: f.rule,
            rule_index: rules::ALL.iter().position(|r| *r == f.rule),
        }
    })
}

/// The whole log around the files' parts.
pub fn assemble(parts: &[String], result: &RunResult) -> String {
    let driver_rules: Vec<Value> = rules::ALL
        .iter()
        .map(|r| {
            let mut rule = json!({
                "id": r.id,
                "shortDescription": { "text": r.summary },
                // The rule's documentation, shown by code-scanning UIs.
                "help": { "text": format!("rules/{}.md", r.id), "markdown": rules::doc(r.id).unwrap_or_default() },
                "defaultConfiguration": { "level": level(r.severity) },
                "properties": { "category": r.category },
            });
            // SARIF's reportingConfiguration.enabled defaults to true: said only when off.
            if !r.default_enabled {
                rule["defaultConfiguration"]["enabled"] = json!(false);
            }
            rule
        })
        .collect();
    let notifications: Vec<Value> = result
        .errors
        .iter()
        .map(|e| json!({ "level": "error", "message": { "text": format!("{}: {}", e.file, e.message) } }))
        .collect();
    let value = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "locksmith",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": driver_rules,
            }},
            "results": super::PARTS,
            // Columns count characters, as in every other output of locksmith.
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": result.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
        }],
    });
    let mut text = super::fill(&super::pretty(&value), "results", 6, parts);
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_print_as_values_would() {
        let file = crate::report::tests::varied_findings();
        let results: Vec<_> = super::results(&file, &file.findings).collect();
        crate::report::tests::assert_prints_as_values(&results, 4);
    }
}
