//! `locksmith explain`: per statement, the locks taken on which relations, what they
//! block, rewrite/scan, and whether it may run in a transaction block.

use serde_json::json;

use crate::lint::FileReport;

pub fn render_human(file: &FileReport) -> String {
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
        if locks.is_empty() {
            let none = if stmt.facts.modelled() {
                "no table lock"
            } else {
                "not modelled: check the PostgreSQL docs"
            };
            out.push_str(&format!("  locks:       {none}\n"));
        }
        for (n, lock) in locks.iter().enumerate() {
            let head = if n == 0 {
                "  locks:      "
            } else {
                "              "
            };
            out.push_str(&format!("{head} {lock}\n"));
        }
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        out.push_str(&format!(
            "  rewrites:    {}\n  scans:       {}\n  in a transaction block: {}\n",
            yes_no(stmt.facts.rewrites()),
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

pub fn render_json(file: &FileReport, version: u32) -> String {
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
    let value = json!({
        "schema_version": super::json::SCHEMA_VERSION,
        "postgres_version": version,
        "file": file.source.name,
        "statements": statements,
        "syntax_errors": errors,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}
