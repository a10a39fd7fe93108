//! `locksmith explain`: per statement, the locks taken on which relations, what they
//! block, rewrite/scan, and whether it may run in a transaction block.

use owo_colors::{OwoColorize, Style};
use serde_json::json;

use crate::facts::RelationLock;
use crate::lint::FileReport;

/// `color`: lock lines colored by what they block, as the `sql` preview colors hazards.
pub fn render_human(file: &FileReport, color: bool) -> String {
    let mut out = String::new();
    for (i, stmt) in file.statements.iter().enumerate() {
        let pos = file.source.position(stmt.span.start);
        let text = stmt.text(&file.source);
        out.push_str(&format!(
            "[{}] {}:{}:{}\n",
            i + 1,
            file.source.name,
            pos.line,
            pos.column
        ));
        for line in text.lines() {
            out.push_str(&format!("    {line}\n"));
        }
        let locks = stmt.facts.locks();
        if !stmt.facts.modelled() {
            out.push_str("  locks:       not modelled: check the PostgreSQL docs\n");
        } else if locks.is_empty() && stmt.facts.related_locks().is_empty() {
            out.push_str("  locks:       no table lock\n");
        }
        for (n, lock) in locks.iter().enumerate() {
            let head = if n == 0 {
                "  locks:      "
            } else {
                "              "
            };
            let line = lock.to_string();
            let line = if color {
                line.style(lock_style(lock)).to_string()
            } else {
                line
            };
            out.push_str(&format!("{head} {line}\n"));
        }
        // Relations found from the named ones: indexes, an index's table, sequences.
        for (n, lock) in stmt.facts.related_locks().iter().enumerate() {
            let head = if n == 0 && locks.is_empty() && stmt.facts.modelled() {
                "  locks:      "
            } else {
                "              "
            };
            let line = lock.to_string();
            let line = if color {
                line.style(mode_style(lock.mode)).to_string()
            } else {
                line
            };
            out.push_str(&format!("{head} {line}\n"));
        }
        // A stronger lock held only for a moment at the end (DROP INDEX CONCURRENTLY).
        for action in &stmt.facts.actions {
            let (Some(mode), Some(relation)) = (
                crate::facts::entry(action.form).brief_lock,
                &action.relation,
            ) else {
                continue;
            };
            out.push_str(&format!(
                "               then briefly {} on {relation} at the end ({}): it waits for every transaction using it\n",
                mode.name(),
                mode.blocks_description()
            ));
        }
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        out.push_str(&format!(
            "  rewrites:    {}\n  scans:       {}\n  in a transaction block: {}\n",
            if stmt.facts.rewrites() {
                "yes (new table file, every index rebuilt)"
            } else if stmt.facts.rebuilds_indexes() {
                "indexes only (the table is kept)"
            } else {
                "no"
            },
            yes_no(stmt.facts.scans()),
            if stmt.facts.in_transaction_allowed() {
                "allowed"
            } else {
                "not allowed"
            },
        ));
        for action in &stmt.facts.actions {
            out.push_str(&format!("  - {}\n", super::describe_action(action)));
            let note = crate::facts::entry(action.form).note;
            if !note.is_empty() {
                out.push_str(&format!("    {note}\n"));
            }
        }
        out.push('\n');
    }
    for finding in file
        .findings
        .iter()
        .filter(|f| *f.rule == crate::rules::SYNTAX_ERROR)
    {
        let pos = file.source.position(finding.span.start);
        out.push_str(&format!(
            "syntax error at {}:{}:{}: {}\n",
            file.source.name, pos.line, pos.column, finding.message
        ));
    }
    out
}

fn lock_style(lock: &RelationLock) -> Style {
    mode_style(lock.mode)
}

fn mode_style(mode: crate::facts::LockMode) -> Style {
    if mode.blocks_reads() {
        Style::new().red().bold()
    } else if mode.blocks_writes() {
        Style::new().yellow().bold()
    } else {
        Style::new().green()
    }
}

/// One file: the single-file document. Several (a directory, an Alembic project): the
/// same fields per file under `files`.
pub fn render_json_files(files: &[FileReport], version: u32) -> String {
    if let [file] = files {
        return render_json(file, version);
    }
    let value = json!({
        "schema_version": super::json::SCHEMA_VERSION,
        "postgres_version": version,
        "files": files.iter().map(file_json).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

pub fn render_json(file: &FileReport, version: u32) -> String {
    let mut value = file_json(file);
    if let Some(obj) = value.as_object_mut() {
        obj.insert("schema_version".into(), json!(super::json::SCHEMA_VERSION));
        obj.insert("postgres_version".into(), json!(version));
    }
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

fn file_json(file: &FileReport) -> serde_json::Value {
    let statements: Vec<_> = file
        .statements
        .iter()
        .map(|stmt| {
            let (start, end) = file.source.range_positions(&stmt.span);
            let mut value = json!({
                "text": stmt.text(&file.source),
                "span": { "start": stmt.span.start, "end": stmt.span.end },
                "line": start.line,
                "column": start.column,
                "end_line": end.line,
                "end_column": end.column,
            });
            if let (Some(obj), serde_json::Value::Object(facts)) =
                (value.as_object_mut(), super::json::facts_json(&stmt.facts))
            {
                obj.extend(facts);
            }
            value
        })
        .collect();
    let errors: Vec<_> = file
        .findings
        .iter()
        .filter(|f| *f.rule == crate::rules::SYNTAX_ERROR)
        .map(|f| {
            let pos = file.source.position(f.span.start);
            json!({ "line": pos.line, "column": pos.column, "message": f.message })
        })
        .collect();
    json!({
        "file": file.source.name,
        "statements": statements,
        "syntax_errors": errors,
    })
}
