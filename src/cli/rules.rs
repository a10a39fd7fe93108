//! `locksmith rules` and `locksmith rule ID`.

use locksmith::config;
use locksmith::rules;

use super::{Format, print};

pub(crate) fn list(format: Format) -> u8 {
    match format {
        Format::Human => print(&rules_table()),
        Format::Json => {
            let list: Vec<_> = rules::ALL
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id,
                        "severity": r.severity,
                        "enabled_by_default": r.default_enabled,
                        "category": r.category,
                        "summary": r.summary,
                        "doc": format!("rules/{}.md", r.id),
                    })
                })
                .collect();
            print(&format!(
                "{}\n",
                serde_json::to_string_pretty(&list).unwrap_or_default()
            ));
        }
    }
    0
}

fn rules_table() -> String {
    let width = rules::ALL.iter().map(|r| r.id.len()).max().unwrap_or(0);
    rules::ALL
        .iter()
        .map(|r| format!("{:width$}  {:7}  {}\n", r.id, r.default_name(), r.summary))
        .collect()
}

pub(crate) fn show(id: &str) -> u8 {
    match rules::doc(id) {
        Some(doc) => {
            print(doc);
            0
        }
        None => {
            eprintln!("error: {}", config::unknown_rule_message(id));
            2
        }
    }
}
