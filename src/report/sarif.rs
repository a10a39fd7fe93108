//! SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
//! <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>

use serde_json::{Value, json};

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
    let parts: Vec<String> = result.files.iter().map(file_part).collect();
    assemble(&parts, result)
}

/// One file's entries of the `results` array, as text.
pub fn file_part(file: &FileReport) -> String {
    let mut results = Vec::new();
    for f in &file.findings {
        let (start, end) = file.source.range_positions(&f.span);
        let rule_index = rules::ALL.iter().position(|r| *r == f.rule);
        let mut text = f.message.clone();
        if let Some(help) = f.help(&file.source) {
            text.push_str("\nhelp: ");
            text.push_str(&help);
        }
        let result = json!({
            "ruleId": f.rule,
            "ruleIndex": rule_index,
            "level": level(f.severity),
            "message": { "text": text },
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": { "uri": file.source.name.trim_start_matches("./") },
                    "region": {
                        "startLine": start.line,
                        "startColumn": start.column,
                        "endLine": end.line,
                        "endColumn": end.column + 1,
                    },
                },
            }],
        });
        results.push(super::indent(&super::pretty(&result), 8));
    }
    results.join(",\n")
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
