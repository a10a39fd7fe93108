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

use crate::facts::{Action, Facts, entry};

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
    if parts.is_empty() {
        parts.push(if facts.modelled() {
            "no table lock".into()
        } else {
            "locks not modelled".into()
        });
    }
    if facts.rewrites() {
        parts.push("rewrites table".into());
    } else if facts.scans() {
        parts.push("scans table".into());
    }
    if !facts.in_transaction_allowed() {
        parts.push("not allowed in a transaction block".into());
    }
    parts.join("; ")
}
