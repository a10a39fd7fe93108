//! Every rule's documentation is its source of truth: each rule has `rules/<id>.md` with
//! the required sections, every ```sql block under "Bad" makes the rule fire and every
//! ```sql block under "Good" does not. Alembic rules use ```python blocks instead: each is
//! linted as a set of revision files (split at `# file: NAME` lines). Other rules' python
//! blocks are Alembic versions of their SQL, shown for reading. The README's rules table is generated from the
//! same metadata (run with UPDATE_README=1 to regenerate it).

use std::path::PathBuf;

use locksmith::alembic::LoadedProject;
use locksmith::config::Config;
use locksmith::lint::lint_sql;
use locksmith::rules::{self, Category, Rule};
use locksmith::source::SourceFile;

#[path = "support/rule_doc.rs"]
mod rule_doc;

use rule_doc::blocks;

const SECTIONS: [&str; 5] = [
    "## What it flags",
    "## Why it is dangerous",
    "## Bad",
    "## Good",
    "## PostgreSQL versions",
];

/// The rules that fire on `sql`, with `rule` turned on when it is off by default.
fn fired(rule: &Rule, sql: &str) -> Vec<&'static str> {
    let config = Config::default().enabling(rule);
    let report = lint_sql(SourceFile::new("doc.sql", sql), &config);
    report.findings.iter().map(|f| f.rule.id).collect()
}

fn fired_python(rule: &Rule, block: &str) -> Vec<&'static str> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in block.split_inclusive('\n') {
        match line.trim().strip_prefix("# file: ") {
            Some(name) => files.push((name.to_string(), String::new())),
            None if files.is_empty() => files.push(("revision.py".into(), line.to_string())),
            None => files.last_mut().unwrap().1.push_str(line),
        }
    }
    let sources = files
        .into_iter()
        .map(|(name, text)| SourceFile::new(name, text))
        .collect();
    let project = LoadedProject::from_sources(PathBuf::from("."), sources);
    locksmith::lint::alembic::lint_project(&project, &Config::default().enabling(rule))
        .iter()
        .flat_map(|r| r.findings.iter().map(|f| f.rule.id))
        .collect()
}

/// Lints one example of a rule's doc: the rule ids it fires.
type Linter = fn(&Rule, &str) -> Vec<&'static str>;

/// The examples of a rule's doc section with the function that lints them.
fn examples<'a>(rule: &Rule, doc: &'a str, heading: &str) -> Vec<(&'a str, Linter)> {
    if rule.category == Category::Alembic {
        blocks(doc, heading, "python")
            .into_iter()
            .map(|b| (b, fired_python as fn(&Rule, &str) -> _))
            .collect()
    } else {
        blocks(doc, heading, "sql")
            .into_iter()
            .map(|b| (b, fired as fn(&Rule, &str) -> _))
            .collect()
    }
}

#[test]
fn every_rule_has_a_complete_doc() {
    for rule in rules::ALL {
        let doc = rules::doc(rule.id).unwrap_or_else(|| panic!("rules/{}.md is missing", rule.id));
        assert!(
            doc.starts_with(&format!("# {}\n", rule.id)),
            "rules/{}.md must start with `# {}`",
            rule.id,
            rule.id
        );
        for section in SECTIONS {
            assert!(
                doc.contains(&format!("{section}\n")),
                "rules/{}.md lacks `{section}`",
                rule.id
            );
        }
        for section in ["## Bad", "## Good"] {
            assert!(
                !examples(rule, doc, section).is_empty(),
                "rules/{}.md has no example block under {section}",
                rule.id
            );
        }
    }
    for id in rules::documented_ids() {
        assert!(rules::find(id).is_some(), "rules/{id}.md documents no rule");
    }
}

#[test]
fn bad_examples_fire_and_good_examples_do_not() {
    for rule in rules::ALL {
        let doc = rules::doc(rule.id).unwrap_or_default();
        for (example, lint) in examples(rule, doc, "## Bad") {
            assert!(
                lint(rule, example).contains(&rule.id),
                "Bad example in rules/{}.md does not fire:\n{example}\nfired: {:?}",
                rule.id,
                lint(rule, example)
            );
        }
        for (example, lint) in examples(rule, doc, "## Good") {
            assert!(
                !lint(rule, example).contains(&rule.id),
                "Good example in rules/{}.md fires:\n{example}",
                rule.id
            );
        }
    }
}

#[test]
fn readme_rules_table_matches_the_rules() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let (start_marker, end_marker) = ("<!-- rules-table:start -->\n", "<!-- rules-table:end -->");
    let start = readme
        .find(start_marker)
        .expect("README has the rules-table markers")
        + start_marker.len();
    let end = readme
        .find(end_marker)
        .expect("README has the rules-table markers");
    let table = rules::markdown_table();
    if std::env::var_os("UPDATE_README").is_some() {
        std::fs::write(
            path,
            format!("{}{table}{}", &readme[..start], &readme[end..]),
        )
        .unwrap();
        return;
    }
    assert_eq!(
        &readme[start..end],
        table,
        "README rules table is stale: run `UPDATE_README=1 cargo test --test rule_docs`"
    );
}

/// The peer mapping (squawk, eugene, strong_migrations) names every rule, either as the
/// counterpart of a peer check or among the rules no peer has.
#[test]
fn peer_mapping_names_every_rule() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/peers/MAPPING.md");
    let mapping = std::fs::read_to_string(&path).expect("tests/fixtures/peers/MAPPING.md");
    let missing: Vec<&str> = rules::ALL
        .iter()
        .map(|rule| rule.id)
        .filter(|id| !mapping.contains(&format!("`{id}`")))
        .collect();
    assert!(missing.is_empty(), "MAPPING.md does not name: {missing:?}");
}
