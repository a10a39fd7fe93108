//! Stable JSON (schema version 1, documented in the README). Keys are never renamed or
//! removed within a schema version; new keys may be added.

use serde_json::{Value, json};

use crate::diagnostic::Finding;
use crate::facts::{Facts, entry};
use crate::lint::FileReport;
use crate::plan::Unit;
use crate::rules::Severity;
use crate::run::{RunResult, Tally};
use crate::source::{InputError, Language, SourceFile};

pub const SCHEMA_VERSION: u32 = 1;

/// The facts of one statement as data: per relation the lock by its PostgreSQL name,
/// plus rewrite/scan/transaction flags and the model rows that matched.
pub fn facts_json(facts: &Facts) -> Value {
    json!({
        "locks": facts.locks().iter().map(|l| json!({
            "relation": l.relation.to_string(),
            "mode": l.mode.name(),
            "blocks_reads": l.mode.blocks_reads(),
            "blocks_writes": l.mode.blocks_writes(),
        })).collect::<Vec<_>>(),
        "related_locks": facts.related_locks().iter().map(|l| json!({
            "relations": l.kind,
            "of": l.of.to_string(),
            "mode": l.mode.name(),
            "blocks_reads": l.mode.blocks_reads(),
            "blocks_writes": l.mode.blocks_writes(),
        })).collect::<Vec<_>>(),
        "rewrites_table": facts.rewrites(),
        "rebuilds_indexes": facts.rebuilds_indexes(),
        "scans_table": facts.scans(),
        "transaction_allowed": facts.in_transaction_allowed(),
        "modelled": facts.modelled(),
        "actions": facts.actions.iter().map(|a| json!({
            "form": a.form,
            "syntax": entry(a.form).syntax,
            "relation": a.relation.as_ref().map(ToString::to_string),
            "lock": a.lock.map(|l| l.name()),
            "other_relation": a.other.as_ref().map(ToString::to_string),
            "other_lock": a.other_lock.map(|l| l.name()),
            "brief_lock_at_end": a.relation.as_ref().and(entry(a.form).brief_lock).map(|l| l.name()),
            "column": a.column,
            "constraint": a.constraint,
            "detail": a.detail,
            "rewrites_table": a.rewrites,
            "rebuilds_indexes": a.rebuilds_indexes,
            "scans_table": a.scans,
            "transaction_allowed": a.in_transaction,
            "docs": entry(a.form).docs,
        })).collect::<Vec<_>>(),
    })
}

/// The statement rewritten the safe way, for SQL files (an Alembic revision needs a Python
/// change instead).
fn fix_json(finding: &Finding, source: &SourceFile) -> Value {
    match (&finding.advice.fix, source.language) {
        (Some(fix), Language::Sql) => json!({
            "replacement": fix.replacement,
            "needs_input": fix.needs_input,
        }),
        _ => Value::Null,
    }
}

fn file_findings(file: &FileReport) -> impl Iterator<Item = Value> + '_ {
    file.findings.iter().map(move |f| {
        let (start, end) = file.source.range_positions(&f.span);
        let statement = file.statement_of(f);
        let mut finding = json!({
            "file": file.source.name,
            "line": start.line,
            "column": start.column,
            "end_line": end.line,
            "end_column": end.column,
            "rule": f.rule,
            "severity": f.severity,
            "message": f.message,
            "help": f.help(&file.source),
            "fix": fix_json(f, &file.source),
            "statement": statement.map(|s| s.text(&file.source)),
            "facts": statement.map(|s| facts_json(&s.facts)),
            "doc": format!("rules/{}.md", f.rule),
        });
        // Only on a statement rendered approximately, so that other output is unchanged.
        if let Some(statement) = statement.filter(|s| !s.unknown.is_empty()) {
            finding["approximate"] = json!(true);
            finding["unknown"] = json!(statement.unknown);
        }
        finding
    })
}

pub fn render(result: &RunResult) -> String {
    let parts: Vec<String> = result.files.iter().map(file_part).collect();
    assemble(&parts, result, &result.tally())
}

/// One file's findings as they stand in the `findings` array (text: no value tree is kept
/// while a run streams).
pub fn file_part(file: &FileReport) -> String {
    let findings: Vec<String> = file_findings(file)
        .map(|f| super::indent(&super::pretty(&f), 4))
        .collect();
    findings.join(",\n")
}

/// The whole document around the files' parts.
pub fn assemble(parts: &[String], result: &RunResult, tally: &Tally) -> String {
    let mut value = json!({
        "schema_version": SCHEMA_VERSION,
        "findings": super::PARTS,
        "errors": result.errors,
        "summary": {
            "files": tally.files,
            "statements": tally.statements,
            "unparsable_statements": tally.unparsable_statements,
            "findings": tally.total(),
            "errors": tally.count(Severity::Error),
            "warnings": tally.count(Severity::Warning),
            "infos": tally.count(Severity::Info),
            "unreadable_inputs": result.errors.len(),
        },
    });
    // Only for Alembic revisions rendered statically.
    if let Some(rendering) = tally.rendering {
        value["summary"]["rendered"] = json!(rendering);
    }
    // Only with a baseline, so that output without one is unchanged.
    if let Some(baseline) = &result.baseline {
        value["summary"]["baseline_hidden"] = json!(baseline.hidden);
        value["baseline_stale"] = json!(baseline.stale);
    }
    // Only with grandfather_before set, likewise.
    if let Some(count) = result.grandfathered {
        value["summary"]["grandfathered"] = json!(count);
    }
    let mut text = super::fill(&super::pretty(&value), "findings", 2, parts);
    text.push('\n');
    text
}

/// `locksmith sql --format json`: each migration's statements (its own, then Alembic's
/// bookkeeping marked `"own": false`) with their locks, the rules that fired on them and
/// whether they were rendered approximately; the summary counts how much of the Alembic
/// revisions was rendered.
pub fn render_plan(units: &[Unit], errors: &[InputError]) -> String {
    let units_json: Vec<Value> = units
        .iter()
        .map(|unit| {
            let source = &unit.report.source;
            let statements: Vec<Value> = (unit.report.statements.iter().enumerate())
                .filter(|(_, s)| unit.range.contains(&s.span.start))
                .map(|(index, statement)| {
                    let unknown = unit.unknown_at(statement.span.start);
                    let rules: Vec<&str> = (unit.report.findings.iter())
                        .filter(|f| f.statement == Some(index))
                        .map(|f| f.rule.id)
                        .collect();
                    json!({
                        "sql": statement.text(source),
                        "own": unit.own.contains(&statement.span.start),
                        "approximate": !unknown.is_empty(),
                        "unknown": unknown,
                        "facts": facts_json(&statement.facts),
                        "rules": rules,
                    })
                })
                .collect();
            json!({
                "heading": unit.heading,
                "file": unit.file,
                "message": unit.message,
                "statements": statements,
                "not_rendered": unit.not_rendered,
            })
        })
        .collect();
    let statements: usize = units_json
        .iter()
        .map(|u| u["statements"].as_array().map_or(0, Vec::len))
        .sum();
    let mut value = json!({
        "schema_version": SCHEMA_VERSION,
        "units": units_json,
        "errors": errors,
        "summary": {
            "units": units.len(),
            "statements": statements,
        },
    });
    if let Some(rendering) = super::plan::rendering(units) {
        value["summary"]["rendered"] = json!(rendering);
    }
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
