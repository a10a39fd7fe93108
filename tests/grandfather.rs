//! `grandfather_before:` migrations before the named one are not linted (Alembic: the
//! revision's ancestors in the graph; `.sql`: the files that sort before it in its
//! directory), and the summary says how many were skipped.

use std::path::{Path, PathBuf};

#[path = "support/lint_cli.rs"]
mod lint_cli;
use lint_cli::{copy_alembic_example, lint};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "locksmith-grandfather-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--format", "json"];
    all.extend(args);
    let out = lint(dir, &all);
    serde_json::from_str(&out.stdout).unwrap_or_else(|_| panic!("{}{}", out.stdout, out.stderr))
}

/// Files with findings, by name.
fn flagged(value: &serde_json::Value) -> Vec<String> {
    let mut files: Vec<String> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            file.rsplit('/').next().unwrap().to_string()
        })
        .collect();
    files.dedup();
    files
}

const RISKY: &str = "ALTER TABLE users DROP COLUMN legacy;\n";

#[test]
fn sql_files_before_the_named_one_in_its_directory_are_not_linted() {
    let dir = scratch("sql");
    std::fs::create_dir_all(dir.join("migrations")).unwrap();
    std::fs::create_dir_all(dir.join("seeds")).unwrap();
    for name in ["V1__a.sql", "V2__b.sql", "V3__c.sql"] {
        std::fs::write(dir.join("migrations").join(name), RISKY).unwrap();
    }
    // Another directory without the named file is linted whole.
    std::fs::write(dir.join("seeds/A1.sql"), RISKY).unwrap();
    std::fs::write(dir.join("lint.yaml"), "grandfather_before: V2__b.sql\n").unwrap();
    let value = json(&dir, &["migrations", "seeds"]);
    assert_eq!(flagged(&value), ["V2__b.sql", "V3__c.sql", "A1.sql"]);
    assert_eq!(value["summary"]["grandfathered"], 1);
    assert_eq!(value["summary"]["files"], 3);
    let out = lint(&dir, &["migrations"]);
    assert!(
        out.stdout
            .contains("; 1 migration before grandfather_before not linted"),
        "{}",
        out.stdout
    );
    // A version prefix works the same, and a file named alone (pre-commit) is skipped
    // without "nothing to lint".
    std::fs::write(dir.join("lint.yaml"), "grandfather_before: V3\n").unwrap();
    let value = json(&dir, &["migrations"]);
    assert_eq!(flagged(&value), ["V3__c.sql"]);
    assert_eq!(value["summary"]["grandfathered"], 2);
    let out = lint(&dir, &["migrations/V1__a.sql"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("0 files"), "{}", out.stdout);
    // Without the setting the summary is unchanged.
    std::fs::remove_file(dir.join("lint.yaml")).unwrap();
    let value = json(&dir, &["migrations"]);
    assert!(value["summary"].get("grandfathered").is_none(), "{value}");
    assert_eq!(flagged(&value).len(), 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn alembic_ancestors_of_the_named_revision_are_not_linted() {
    let dir = scratch("alembic");
    let project = dir.join("example");
    copy_alembic_example(&project);
    // 07cde4b3e25c -> a2d4fa92c492 -> 84e3c989d59f -> 730ecdaaeda6 -> 91af39eb5a8e -> fbc2d3736308
    let all = json(&project, &["."]);
    assert!(flagged(&all).contains(&"84e3c989d59f_add_product_stock.py".to_string()));
    for spec in ["730ecdaaeda6", "730ecd", "730ecdaaeda6_add_user_email.py"] {
        std::fs::write(
            project.join("lint.yaml"),
            format!("grandfather_before: {spec}\n"),
        )
        .unwrap();
        let value = json(&project, &["."]);
        assert_eq!(value["summary"]["grandfathered"], 3, "{spec}");
        assert_eq!(value["summary"]["files"], 3, "{spec}");
        let files = flagged(&value);
        assert!(
            files.iter().all(|f| !f.starts_with("07cde")
                && !f.starts_with("a2d4")
                && !f.starts_with("84e3")),
            "{spec}: {files:?}"
        );
        assert!(files.contains(&"730ecdaaeda6_add_user_email.py".to_string()));
    }
    // A revision id the project does not have: everything is linted, and a warning says so.
    std::fs::write(project.join("lint.yaml"), "grandfather_before: deadbeef\n").unwrap();
    let out = lint(&project, &["."]);
    assert!(
        out.stderr
            .contains("grandfather_before `deadbeef` names no Alembic revision and no .sql file"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("in 6 files"), "{}", out.stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}
