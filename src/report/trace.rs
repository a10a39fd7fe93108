//! `locksmith trace` output: one section per statement for people, stable JSON for tools.

use serde_json::{Value, json};

use crate::facts::Facts;
use crate::trace::{
    FileTrace, Observed, Outcome, ServerRelation, StatementTrace, TraceReport, Verdict,
};

/// The JSON `schema_version` of `trace --format json`.
pub const SCHEMA_VERSION: u32 = 1;

pub fn render_human(report: &TraceReport) -> String {
    let o = &report.options;
    let connection = match &report.tls {
        Some(version) => format!("over {version}"),
        None => "not encrypted".to_string(),
    };
    let mut out = format!(
        "trace against PostgreSQL {} (lock model for {}), {connection}; lock_timeout {}, \
         statement_timeout {}; each file ran in one transaction that was rolled back\n\n",
        report.server_version, o.model_version, o.lock_timeout, o.statement_timeout
    );
    for file in &report.files {
        if let Some(from) = &file.file.rendered_from {
            out.push_str(&format!(
                "{}: {}() rendered to SQL; lines are those of its op calls\n",
                from.revision.name, from.function
            ));
            for note in &from.not_rendered {
                out.push_str(&format!("    not rendered, so not traced: {note}\n"));
            }
            out.push('\n');
        }
        for (i, stmt) in file.statements.iter().enumerate() {
            statement_human(&mut out, file, i, stmt);
        }
        for error in &file.file.syntax_errors {
            let pos = file.file.position(error.offset);
            out.push_str(&format!(
                "{}:{}:{}  syntax error: {} (not traced)\n\n",
                file.file.name(),
                pos.line,
                pos.column,
                error.message
            ));
        }
    }
    out.push_str(&summary_line(report));
    out
}

fn first_line(text: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default().trim_end();
    let mut shown: String = first.chars().take(100).collect();
    if shown.len() < first.len() || lines.next().is_some() {
        shown.push_str(" …");
    }
    shown
}

fn statement_human(out: &mut String, file: &FileTrace, i: usize, stmt: &StatementTrace) {
    let source = &file.file.source;
    let pos = file.file.position(stmt.span.start);
    out.push_str(&format!(
        "[{}] {}:{}  {}\n",
        i + 1,
        file.file.name(),
        pos.line,
        first_line(&source.text[stmt.span.clone()])
    ));
    let row = |out: &mut String, label: &str, value: &str| {
        out.push_str(&format!("    {label:<9} {value}\n"));
    };
    match &stmt.outcome {
        Outcome::Traced(observed) => {
            if observed.locks.is_empty() {
                row(out, "locks", "no new relation lock");
            }
            // One line per relation, strongest first; the weaker modes it also took after it.
            let mut relations: Vec<(&ServerRelation, Vec<&str>)> = Vec::new();
            for lock in &observed.locks {
                match relations.iter_mut().find(|(r, _)| *r == &lock.relation) {
                    Some((_, modes)) => modes.push(lock.mode.name()),
                    None => relations.push((&lock.relation, vec![lock.mode.name()])),
                }
            }
            for (n, (relation, modes)) in relations.iter().enumerate() {
                let mut text = format!("{} on {}", modes[0], describe(relation));
                if modes.len() > 1 {
                    text.push_str(&format!(" (also {})", modes[1..].join(", ")));
                }
                row(out, if n == 0 { "locks" } else { "" }, &text);
            }
            let rewrite = if observed.rewritten.is_empty() {
                "no".to_string()
            } else {
                format!("yes: {}", names(&observed.rewritten))
            };
            row(out, "rewrite", &rewrite);
            row(out, "duration", &format!("{:.1} ms", millis(observed)));
            row(out, "model", &model_summary(&stmt.facts));
            checks_human(out, observed);
        }
        Outcome::Failed { error, duration } => {
            row(
                out,
                "error",
                &format!("{} (SQLSTATE {})", error.message, error.sqlstate),
            );
            for extra in [
                error.detail.as_deref(),
                error.hint.as_deref(),
                error.explanation(),
            ]
            .into_iter()
            .flatten()
            {
                row(out, "", extra);
            }
            row(
                out,
                "",
                "later statements of this file run without its effect",
            );
            row(
                out,
                "duration",
                &format!("{:.1} ms", duration.as_secs_f64() * 1000.0),
            );
            row(out, "model", &model_summary(&stmt.facts));
        }
        Outcome::NotTraced(reason) => {
            out.push_str(&format!("    not traced: {reason}\n"));
            row(
                out,
                "",
                "later statements of this file run without its effect",
            );
            row(out, "model", &model_summary(&stmt.facts));
        }
    }
    out.push('\n');
}

fn checks_human(out: &mut String, observed: &Observed) {
    let mut lines = Vec::new();
    for check in &observed.lock_checks {
        let seen = check.observed.map_or("no new lock", |m| m.name());
        match check.verdict {
            Verdict::Agrees => {}
            Verdict::Mismatch => lines.push(format!(
                "MISMATCH  {}: model says {}, server took {seen}",
                check.relation,
                check.model.name()
            )),
            Verdict::AlreadyHeld => lines.push(format!(
                "note      {}: {} already held by an earlier statement of the file; the \
                 server cannot confirm the model here",
                check.relation,
                check.model.name()
            )),
        }
    }
    if let Some((model, seen)) = observed.rewrite_check
        && model != seen
    {
        let server = if seen {
            format!("server rewrote {}", names(&observed.rewritten))
        } else {
            "server did not".to_string()
        };
        let model = if model {
            "model says it rewrites"
        } else {
            "model says no rewrite"
        };
        lines.push(format!("MISMATCH  rewrite: {model}, {server}"));
    }
    if lines.is_empty() {
        let verdict = if observed.lock_checks.is_empty() && observed.rewrite_check.is_none() {
            "not modelled: nothing to compare"
        } else {
            "agrees"
        };
        lines.push(format!("{:<9} {verdict}", "verdict"));
    }
    for line in lines {
        out.push_str(&format!("    {line}\n"));
    }
}

fn describe(relation: &ServerRelation) -> String {
    match relation.kind {
        "table" => relation.label(),
        kind => format!("{} ({kind})", relation.label()),
    }
}

fn names(relations: &[ServerRelation]) -> String {
    relations
        .iter()
        .map(ServerRelation::label)
        .collect::<Vec<_>>()
        .join(", ")
}

fn millis(observed: &Observed) -> f64 {
    observed.duration.as_secs_f64() * 1000.0
}

fn model_summary(facts: &Facts) -> String {
    if !facts.modelled() {
        return "not modelled".into();
    }
    let mut parts: Vec<String> = facts
        .locks()
        .iter()
        .map(|l| format!("{} on {}", l.mode.name(), l.relation))
        .collect();
    if parts.is_empty() {
        parts.push("no table lock".into());
    }
    parts.push(
        if facts.rewrites() {
            "rewrite"
        } else {
            "no rewrite"
        }
        .into(),
    );
    if !facts.in_transaction_allowed() {
        parts.push("not allowed in a transaction block".into());
    }
    parts.join("; ")
}

struct Counts {
    statements: usize,
    traced: usize,
    mismatches: usize,
    failed: usize,
    not_traced: usize,
    syntax_errors: usize,
}

fn counts(report: &TraceReport) -> Counts {
    Counts {
        statements: report.files.iter().map(|f| f.statements.len()).sum(),
        traced: report.count(|o| matches!(o, Outcome::Traced(_))),
        mismatches: report.mismatches(),
        failed: report.failures(),
        not_traced: report.count(|o| matches!(o, Outcome::NotTraced(_))),
        syntax_errors: report.syntax_errors(),
    }
}

fn summary_line(report: &TraceReport) -> String {
    let c = counts(report);
    let files = report.files.len();
    let mut text = format!(
        "{} statement{} in {files} file{}: {} traced ({} mismatch{}), {} failed, {} not traced",
        c.statements,
        if c.statements == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" },
        c.traced,
        c.mismatches,
        if c.mismatches == 1 { "" } else { "es" },
        c.failed,
        c.not_traced,
    );
    if c.syntax_errors > 0 {
        text.push_str(&format!(", {} syntax error(s)", c.syntax_errors));
    }
    text.push_str("; nothing was committed\n");
    text
}

pub fn render_json(report: &TraceReport) -> String {
    let c = counts(report);
    let value = json!({
        "schema_version": SCHEMA_VERSION,
        "server_version": report.server_version,
        "tls": report.tls,
        "model_postgres_version": report.options.model_version,
        "lock_timeout_ms": report.options.lock_timeout.millis,
        "statement_timeout_ms": report.options.statement_timeout.millis,
        "files": report.files.iter().map(file_json).collect::<Vec<_>>(),
        "input_errors": report.input_errors.iter()
            .map(|(file, message)| json!({ "file": file, "message": message }))
            .collect::<Vec<_>>(),
        "summary": {
            "files": report.files.len(),
            "statements": c.statements,
            "traced": c.traced,
            "mismatches": c.mismatches,
            "failed": c.failed,
            "not_traced": c.not_traced,
            "syntax_errors": c.syntax_errors,
        },
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

fn relation_json(relation: &ServerRelation) -> Value {
    json!({ "schema": relation.schema, "name": relation.name, "kind": relation.kind })
}

fn file_json(file: &FileTrace) -> Value {
    let source = &file.file.source;
    let from = file.file.rendered_from.as_ref();
    json!({
        "file": file.file.name(),
        "rendered_from": from.map(|f| json!({
            "function": f.function,
            "not_rendered": f.not_rendered,
        })),
        "statements": file.statements.iter().enumerate().map(|(i, stmt)| {
            let pos = file.file.position(stmt.span.start);
            let mut value = json!({
                "index": i + 1,
                "line": pos.line,
                "column": pos.column,
                "text": &source.text[stmt.span.clone()],
                "model": {
                    "locks": stmt.facts.locks().iter().map(|l| json!({
                        "relation": l.relation.to_string(),
                        "mode": l.mode.name(),
                    })).collect::<Vec<_>>(),
                    "rewrites": stmt.facts.rewrites(),
                    "transaction_allowed": stmt.facts.in_transaction_allowed(),
                    "modelled": stmt.facts.modelled(),
                },
            });
            let extra = outcome_json(&stmt.outcome);
            if let (Some(obj), Value::Object(extra)) = (value.as_object_mut(), extra) {
                obj.extend(extra);
                obj.insert("mismatch".into(), json!(stmt.mismatch()));
            }
            value
        }).collect::<Vec<_>>(),
        "syntax_errors": file.file.syntax_errors.iter().map(|e| {
            let pos = file.file.position(e.offset);
            json!({ "line": pos.line, "column": pos.column, "message": e.message })
        }).collect::<Vec<_>>(),
    })
}

fn outcome_json(outcome: &Outcome) -> Value {
    match outcome {
        Outcome::Traced(o) => json!({
            "status": "traced",
            "duration_ms": round_ms(o.duration),
            "observed": {
                "locks": o.locks.iter().map(|l| {
                    let mut v = relation_json(&l.relation);
                    v["mode"] = json!(l.mode.name());
                    v
                }).collect::<Vec<_>>(),
                "rewritten": o.rewritten.iter().map(relation_json).collect::<Vec<_>>(),
            },
            "lock_checks": o.lock_checks.iter().map(|c| json!({
                "relation": c.relation,
                "model": c.model.name(),
                "observed": c.observed.map(|m| m.name()),
                "verdict": c.verdict.name(),
            })).collect::<Vec<_>>(),
            "rewrite_check": o.rewrite_check.map(|(model, observed)| json!({
                "model": model,
                "observed": observed,
                "verdict": if model == observed { "agrees" } else { "mismatch" },
            })),
        }),
        Outcome::Failed { error, duration } => json!({
            "status": "failed",
            "duration_ms": round_ms(*duration),
            "error": {
                "message": error.message,
                "sqlstate": error.sqlstate,
                "detail": error.detail,
                "hint": error.hint,
                "explanation": error.explanation(),
            },
        }),
        Outcome::NotTraced(reason) => json!({
            "status": "not_traced",
            "reason": reason,
        }),
    }
}

fn round_ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0
}
