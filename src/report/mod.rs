//! Reporters: findings and facts as text for people (miette) or data for machines.

pub mod explain;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod markdown;
pub mod plan;
pub mod sarif;
pub mod schema;
mod snippet;
pub mod trace;

pub mod stream;

use crate::facts::{Action, Facts, entry};

/// Where the files' parts go in a JSON document rendered around them ([`fill`]).
const PARTS: &str = "\u{0}parts";

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// `text` with every line indented by `by` spaces (JSON strings hold no raw newline).
fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    let mut out = String::with_capacity(text.len() + 16 * by);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&pad);
        out.push_str(line);
    }
    out
}

/// The pretty-printed `document` with the [`PARTS`] placeholder of `key` (at `depth`
/// spaces; an empty key: the whole document) replaced by the array of the non-empty
/// `parts`, exactly as serde_json would have printed the array.
fn fill(document: &str, key: &str, depth: usize, parts: &[String]) -> String {
    let placeholder = serde_json::to_string(PARTS).unwrap_or_default();
    let at = if key.is_empty() {
        placeholder.clone()
    } else {
        format!("\n{}\"{key}\": {placeholder}", " ".repeat(depth))
    };
    let Some(start) = document.find(&at) else {
        return document.to_string();
    };
    let end = start + at.len();
    let mut out =
        String::with_capacity(document.len() + parts.iter().map(|p| p.len() + 2).sum::<usize>());
    out.push_str(&document[..start]);
    out.push_str(&at[..at.len() - placeholder.len()]);
    let mut parts = parts.iter().filter(|p| !p.is_empty()).peekable();
    if parts.peek().is_none() {
        out.push_str("[]");
    } else {
        out.push_str("[\n");
        for (i, part) in parts.enumerate() {
            if i > 0 {
                out.push_str(",\n");
            }
            out.push_str(part);
        }
        out.push('\n');
        out.push_str(&" ".repeat(depth));
        out.push(']');
    }
    out.push_str(&document[end..]);
    out
}

/// "ADD COLUMN (NOT NULL, no default) on users: fails ..." style one-liners for actions.
pub fn describe_action(action: &Action) -> String {
    let row = entry(action.form);
    let mut text = row.syntax.to_string();
    if let Some(detail) = &action.detail {
        text.push_str(&format!(" [{detail}]"));
    }
    if !action.available {
        text.push_str(" [not available in this PostgreSQL version]");
    }
    text
}

/// "AccessExclusiveLock on users (blocks reads and writes); rewrites table" for a statement.
pub fn facts_summary(facts: &Facts) -> String {
    let mut parts: Vec<String> = facts.locks().iter().map(ToString::to_string).collect();
    if !facts.modelled() {
        // Never "no table lock" for a statement the model does not describe.
        parts.push("locks not modelled".into());
    } else if parts.is_empty() {
        parts.push("no table lock".into());
    }
    if facts.rewrites() {
        parts.push("rewrites table".into());
    } else if facts.rebuilds_indexes() {
        parts.push("rebuilds indexes".into());
    } else if facts.scans() {
        parts.push("scans table".into());
    }
    if !facts.in_transaction_allowed() {
        parts.push("not allowed in a transaction block".into());
    }
    parts.join("; ")
}
