//! Stable JSON (schema version 1, documented in the README). Keys are never renamed or
//! removed within a schema version; new keys may be added.

use serde::Serialize;
use serde_json::{Value, json};

use crate::diagnostic::Finding;
use crate::facts::{Action, Facts, Form, LockMode, Related, entry};
use crate::lint::FileReport;
use crate::plan::Unit;
use crate::rules::{Rule, Severity};
use crate::run::{RunResult, Tally};
use crate::source::{InputError, Language};

pub const SCHEMA_VERSION: u32 = 1;

// The documents are written from typed structs, never from `serde_json::Value` trees
// (building, printing and dropping those trees cost as much as linting). Each struct
// declares its fields in byte order, the order serde_json prints a `Value` object's keys
// in: the output is what it always was (tests: `*_print_as_values_would`).

/// A lock mode by its PostgreSQL name and what it blocks: the first keys of a lock.
#[derive(Serialize)]
struct ModeJson {
    blocks_reads: bool,
    blocks_writes: bool,
    mode: &'static str,
}

impl ModeJson {
    fn of(mode: LockMode) -> ModeJson {
        ModeJson {
            blocks_reads: mode.blocks_reads(),
            blocks_writes: mode.blocks_writes(),
            mode: mode.name(),
        }
    }
}

#[derive(Serialize)]
struct LockJson {
    #[serde(flatten)]
    mode: ModeJson,
    relation: String,
}

#[derive(Serialize)]
struct RelatedLockJson {
    #[serde(flatten)]
    mode: ModeJson,
    of: String,
    relations: Related,
}

#[derive(Serialize)]
struct ActionJson<'a> {
    brief_lock_at_end: Option<&'static str>,
    column: &'a Option<String>,
    constraint: Option<&'a str>,
    detail: Option<&'a str>,
    docs: &'static str,
    form: Form,
    lock: Option<&'static str>,
    other_lock: Option<&'static str>,
    other_relation: Option<String>,
    rebuilds_indexes: bool,
    relation: Option<String>,
    rewrites_table: bool,
    scans_table: bool,
    syntax: &'static str,
    transaction_allowed: bool,
}

/// The facts of one statement as data: per relation the lock by its PostgreSQL name,
/// plus rewrite/scan/transaction flags and the model rows that matched.
#[derive(Serialize)]
pub struct FactsJson<'a> {
    actions: Vec<ActionJson<'a>>,
    locks: Vec<LockJson>,
    modelled: bool,
    rebuilds_indexes: bool,
    related_locks: Vec<RelatedLockJson>,
    rewrites_table: bool,
    scans_table: bool,
    transaction_allowed: bool,
}

impl<'a> FactsJson<'a> {
    pub fn of(facts: &'a Facts) -> FactsJson<'a> {
        FactsJson {
            actions: facts.actions.iter().map(ActionJson::of).collect(),
            locks: (facts.locks().iter())
                .map(|l| LockJson {
                    mode: ModeJson::of(l.mode),
                    relation: l.relation.to_string(),
                })
                .collect(),
            modelled: facts.modelled(),
            rebuilds_indexes: facts.rebuilds_indexes(),
            related_locks: (facts.related_locks().iter())
                .map(|l| RelatedLockJson {
                    mode: ModeJson::of(l.mode),
                    of: l.of.to_string(),
                    relations: l.kind,
                })
                .collect(),
            rewrites_table: facts.rewrites(),
            scans_table: facts.scans(),
            transaction_allowed: facts.in_transaction_allowed(),
        }
    }
}

impl<'a> ActionJson<'a> {
    fn of(a: &'a Action) -> ActionJson<'a> {
        let row = entry(a.form);
        ActionJson {
            brief_lock_at_end: a.relation.as_ref().and(row.brief_lock).map(|l| l.name()),
            column: &a.column,
            constraint: a.constraint(),
            detail: a.detail(),
            docs: row.docs,
            form: a.form,
            lock: a.lock.map(|l| l.name()),
            other_lock: a.other_lock.map(|l| l.name()),
            other_relation: a.other.as_ref().map(ToString::to_string),
            rebuilds_indexes: a.rebuilds_indexes,
            relation: a.relation.as_ref().map(ToString::to_string),
            rewrites_table: a.rewrites,
            scans_table: a.scans,
            syntax: row.syntax,
            transaction_allowed: a.in_transaction,
        }
    }
}

/// [`FactsJson`] as a value, for documents still built as one (`explain`, `sql`).
pub fn facts_json(facts: &Facts) -> Value {
    serde_json::to_value(FactsJson::of(facts)).unwrap_or_default()
}

/// The statement rewritten the safe way, for SQL files (an Alembic revision needs a Python
/// change instead).
#[derive(Serialize)]
struct FixJson<'a> {
    needs_input: bool,
    replacement: &'a str,
}

#[derive(Serialize)]
struct FindingJson<'a> {
    /// Only on a statement rendered approximately, so that other output is unchanged.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    approximate: bool,
    column: usize,
    doc: String,
    end_column: usize,
    end_line: usize,
    facts: Option<FactsJson<'a>>,
    file: &'a str,
    fix: Option<FixJson<'a>>,
    help: Option<std::borrow::Cow<'a, str>>,
    line: usize,
    message: &'a str,
    rule: &'static Rule,
    severity: Severity,
    statement: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unknown: Option<&'a [String]>,
}

impl<'a> FindingJson<'a> {
    fn of(file: &'a FileReport, f: &'a Finding) -> FindingJson<'a> {
        let source = &file.source;
        let (start, end) = source.range_positions(&f.span);
        let statement = file.statement_of(f);
        let unknown = statement.map(|s| s.unknown()).filter(|u| !u.is_empty());
        FindingJson {
            approximate: unknown.is_some(),
            column: start.column,
            doc: format!("rules/{}.md", f.rule),
            end_column: end.column,
            end_line: end.line,
            facts: statement.map(|s| FactsJson::of(&s.facts)),
            file: &source.name,
            fix: match (&f.advice.fix, source.language) {
                (Some(fix), Language::Sql) => Some(FixJson {
                    needs_input: fix.needs_input,
                    replacement: &fix.replacement,
                }),
                _ => None,
            },
            help: f.help(source),
            line: start.line,
            message: &f.message,
            rule: f.rule,
            severity: f.severity,
            statement: statement.map(|s| s.text(source)),
            unknown,
        }
    }
}

pub fn render(result: &RunResult) -> String {
    let parts: Vec<String> = (result.files.iter())
        .map(|f| file_part(f, &f.findings))
        .collect();
    assemble(&parts, result, &result.tally())
}

/// One file's findings as they stand in the `findings` array (text: no value tree is kept
/// while a run streams).
pub fn file_part(file: &FileReport, findings: &[Finding]) -> String {
    let findings = findings.iter().map(|f| FindingJson::of(file, f));
    super::array_part(findings, 2)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_print_as_values_would() {
        let file = crate::report::tests::varied_findings();
        let findings: Vec<FindingJson> = (file.findings.iter())
            .map(|f| FindingJson::of(&file, f))
            .collect();
        let text = |f: &FindingJson| serde_json::to_string(f).unwrap();
        let has = |key: &str| findings.iter().any(|f| text(f).contains(key));
        assert!(has("\"replacement\"") && has("\"unknown\"") && has("\"related_locks\":[{"));
        crate::report::tests::assert_prints_as_values(&findings, 2);
    }
}
