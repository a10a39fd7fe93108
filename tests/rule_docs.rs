//! Every rule's documentation is its source of truth: each rule has `rules/<id>.md` with
//! the required sections, every ```sql block under "Bad" makes the rule fire and every
//! ```sql block under "Good" does not. The README's rules table is generated from the
//! same metadata (run with UPDATE_README=1 to regenerate it).

use locksmith::config::Config;
use locksmith::lint::lint_source;
use locksmith::rules;
use locksmith::source::SourceFile;

const SECTIONS: [&str; 5] = [
    "## What it flags",
    "## Why it is dangerous",
    "## Bad",
    "## Good",
    "## PostgreSQL versions",
];

/// The fenced blocks with the given language inside the section that starts with `heading`.
fn blocks<'a>(doc: &'a str, heading: &str, language: &str) -> Vec<&'a str> {
    let Some(start) = doc.find(heading) else {
        return Vec::new();
    };
    let section = &doc[start + heading.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let fence = format!("```{language}\n");
    section
        .split(fence.as_str())
        .skip(1)
        .filter_map(|rest| rest.find("```").map(|end| &rest[..end]))
        .collect()
}

fn fired(sql: &str) -> Vec<&'static str> {
    let report = lint_source(SourceFile::new("doc.sql", sql), &Config::default());
    report.findings.iter().map(|f| f.rule).collect()
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
        assert!(
            !blocks(doc, "## Bad", "sql").is_empty(),
            "rules/{}.md has no ```sql block under Bad",
            rule.id
        );
        assert!(
            !blocks(doc, "## Good", "sql").is_empty(),
            "rules/{}.md has no ```sql block under Good",
            rule.id
        );
    }
    for id in rules::documented_ids() {
        assert!(rules::find(id).is_some(), "rules/{id}.md documents no rule");
    }
}

#[test]
fn bad_examples_fire_and_good_examples_do_not() {
    for rule in rules::ALL {
        let doc = rules::doc(rule.id).unwrap_or_default();
        for sql in blocks(doc, "## Bad", "sql") {
            assert!(
                fired(sql).contains(&rule.id),
                "Bad example in rules/{}.md does not fire:\n{sql}\nfired: {:?}",
                rule.id,
                fired(sql)
            );
        }
        for sql in blocks(doc, "## Good", "sql") {
            assert!(
                !fired(sql).contains(&rule.id),
                "Good example in rules/{}.md fires:\n{sql}",
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
