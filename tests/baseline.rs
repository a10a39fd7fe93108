//! `lint --write-baseline` / `--baseline`: recorded findings stay hidden through unrelated
//! edits, new ones are reported, fixed ones are listed as stale, and a file that is not a
//! baseline is an error naming it.

use std::path::PathBuf;

#[path = "support/lint_cli.rs"]
mod lint_cli;
use lint_cli::{Output, copy_alembic_example, lint};

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("locksmith-baseline-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("migrations")).unwrap();
    dir
}

const MIGRATION: &str = "ALTER TABLE users ADD COLUMN email text NOT NULL;\nCREATE INDEX users_email_idx ON users (email);\nCREATE INDEX users_email_idx ON users (email);\n";

/// A directory with one risky migration and a baseline of its findings.
fn with_baseline(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("migrations/001_email.sql"), MIGRATION).unwrap();
    let out = lint(&dir, &["--write-baseline", "baseline.json", "migrations"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("wrote 4 findings"), "{}", out.stderr);
    dir
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&out.stdout).expect("valid JSON")
}

#[test]
fn round_trip_hides_everything() {
    let dir = with_baseline("round-trip");
    let text = std::fs::read_to_string(dir.join("baseline.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["locksmith_baseline"], 1);
    assert_eq!(value["findings"][0]["file"], "migrations/001_email.sql");
    // The two identical index statements are two entries.
    assert!(text.contains("\"occurrence\": 1"), "{text}");
    let out = lint(&dir, &["--baseline", "baseline.json", "migrations"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .ends_with("0 errors, 0 warnings, 0 infos in 1 file (3 statements checked); 4 findings hidden by the baseline\n"),
        "{}",
        out.stdout
    );
    let out = lint(
        &dir,
        &[
            "--baseline",
            "baseline.json",
            "--format",
            "json",
            "migrations",
        ],
    );
    let value = json(&out);
    assert_eq!(value["summary"]["baseline_hidden"], 4);
    assert_eq!(value["summary"]["findings"], 0);
    assert_eq!(value["baseline_stale"], serde_json::json!([]));
    // Writing again gives the same bytes: sorted and stable.
    let again = lint(&dir, &["--write-baseline", "baseline.json", "migrations"]);
    assert_eq!(again.code, 0);
    assert_eq!(
        std::fs::read_to_string(dir.join("baseline.json")).unwrap(),
        text
    );
}

#[test]
fn line_shifts_and_reformatting_keep_findings_hidden() {
    let dir = with_baseline("edits");
    let edited = "-- a comment added above\n\n\nalter table USERS\n    add column EMAIL TEXT not null;\n\ncreate index users_email_idx on users(email);\nCREATE   INDEX users_email_idx\n  ON users (email);\n";
    std::fs::write(dir.join("migrations/001_email.sql"), edited).unwrap();
    let out = lint(
        &dir,
        &[
            "--baseline",
            "baseline.json",
            "--format",
            "json",
            "migrations",
        ],
    );
    let value = json(&out);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(value["summary"]["baseline_hidden"], 4, "{}", out.stdout);
    assert_eq!(value["baseline_stale"], serde_json::json!([]));
}

#[test]
fn new_findings_are_reported_and_fixed_ones_are_stale() {
    let dir = with_baseline("new-and-stale");
    // One of the two identical indexes is gone (its entries are stale); a third column
    // and a new file are new findings, as is a config-found baseline (from lint.yaml).
    let edited = "ALTER TABLE users ADD COLUMN email text NOT NULL;\nCREATE INDEX users_email_idx ON users (email);\nALTER TABLE users ADD COLUMN phone text NOT NULL;\n";
    std::fs::write(dir.join("migrations/001_email.sql"), edited).unwrap();
    std::fs::write(dir.join("migrations/V2__drop.sql"), "DROP TABLE legacy;\n").unwrap();
    std::fs::write(dir.join("lint.yaml"), "baseline: baseline.json\n").unwrap();
    let out = lint(&dir, &["--format", "json", "migrations"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let value = json(&out);
    let rules: Vec<(&str, &str)> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["file"].as_str().unwrap(), f["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rules,
        [
            ("migrations/001_email.sql", "adding-not-null-column"),
            ("migrations/V2__drop.sql", "dropping-table"),
            ("migrations/V2__drop.sql", "missing-lock-timeout"),
        ]
    );
    assert_eq!(value["summary"]["baseline_hidden"], 3);
    let stale = value["baseline_stale"].as_array().unwrap();
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert_eq!(stale[0]["rule"], "creating-index-non-concurrently");
    assert_eq!(stale[0]["occurrence"], 1);
    assert!(
        out.stderr.contains("baseline.json: stale entry, no longer found (write the baseline again to drop it): migrations/001_email.sql creating-index-non-concurrently: building an index"),
        "{}",
        out.stderr
    );
}

#[test]
fn unlinted_files_are_not_stale_but_deleted_ones_are() {
    let dir = with_baseline("partial");
    std::fs::write(dir.join("V9.sql"), "SELECT 1;\n").unwrap();
    // Only V9.sql is linted (as pre-commit passes staged files): V1's entries are not stale.
    let out = lint(
        &dir,
        &["--baseline", "baseline.json", "--format", "json", "V9.sql"],
    );
    assert_eq!(json(&out)["baseline_stale"], serde_json::json!([]));
    std::fs::remove_file(dir.join("migrations/001_email.sql")).unwrap();
    let out = lint(
        &dir,
        &["--baseline", "baseline.json", "--format", "json", "V9.sql"],
    );
    assert_eq!(json(&out)["baseline_stale"].as_array().unwrap().len(), 4);
}

#[test]
fn baseline_works_from_another_directory() {
    let dir = with_baseline("elsewhere");
    // Paths in the file are relative to it, not to where locksmith runs.
    let out = lint(
        &dir.join("migrations"),
        &["--baseline", "../baseline.json", "."],
    );
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("4 findings hidden by the baseline"),
        "{}",
        out.stdout
    );
}

#[test]
fn corrupt_or_foreign_baselines_are_errors_naming_the_file() {
    let dir = with_baseline("corrupt");
    let cases = [
        (
            "{\n  \"locksmith_baseline\": 1,\n  \"findings\": [\n",
            "error: bad.json:4: not valid JSON: EOF while parsing a list\n",
        ),
        (
            "{\"name\": \"some other tool\"}\n",
            "error: bad.json: not a locksmith baseline (write one with `locksmith lint --write-baseline FILE`)\n",
        ),
        (
            "{\"locksmith_baseline\": 7, \"findings\": []}\n",
            "error: bad.json: baseline version 7 is not supported",
        ),
        (
            "{\"locksmith_baseline\": 1,\n\"findings\": [{\"file\": \"x.sql\", \"rule\": \"r\"}]}\n",
            "error: bad.json:2: corrupt baseline: missing field `fingerprint`\n",
        ),
    ];
    for (text, expected) in cases {
        std::fs::write(dir.join("bad.json"), text).unwrap();
        let out = lint(&dir, &["--baseline", "bad.json", "migrations"]);
        assert_eq!(out.code, 2, "{text}");
        assert!(out.stderr.starts_with(expected), "{text}: {}", out.stderr);
        assert_eq!(out.stdout, "", "nothing is linted with a bad baseline");
    }
    let out = lint(&dir, &["--baseline", "missing.json", "migrations"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with("error: missing.json: cannot read baseline"),
        "{}",
        out.stderr
    );
}

#[test]
fn baseline_is_not_written_when_an_input_is_unreadable() {
    let dir = scratch("unreadable");
    std::fs::write(dir.join("migrations/V1.sql"), MIGRATION).unwrap();
    let out = lint(
        &dir,
        &["--write-baseline", "b.json", "migrations", "nope.sql"],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("b.json: baseline not written"),
        "{}",
        out.stderr
    );
    assert!(!dir.join("b.json").exists());
}

#[test]
fn alembic_findings_survive_edits_to_the_revision() {
    let dir = scratch("alembic");
    copy_alembic_example(&dir.join("project"));
    let out = lint(&dir, &["--write-baseline", "baseline.json", "project"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let revision = dir.join("project/migrations/versions/730ecdaaeda6_add_user_email.py");
    let text = std::fs::read_to_string(&revision).unwrap();
    // Lines shifted and a call reformatted: the rendered SQL, and so the entry, is the same.
    let edited = text
        .replacen("def upgrade", "# a comment\n\n\ndef upgrade", 1)
        .replace(
            "op.create_index('users_email_idx', 'users', ['email'], unique=True)",
            "op.create_index(\n        'users_email_idx',\n        'users',\n        ['email'],\n        unique=True,\n    )",
        );
    assert_ne!(edited, text);
    std::fs::write(&revision, edited).unwrap();
    let out = lint(
        &dir,
        &["--baseline", "baseline.json", "--format", "json", "project"],
    );
    let value = json(&out);
    assert_eq!(value["summary"]["findings"], 0, "{}", out.stdout);
    assert_eq!(value["baseline_stale"], serde_json::json!([]));
    assert_eq!(out.code, 0);
}

/// A templated statement (Go template, psql variable) is recorded by its statement's
/// fingerprint, as parsed with its templates stood in for, not by its message: an edit to
/// the template's surroundings that changes no statement keeps it hidden.
#[test]
fn templated_statements_are_recorded_by_their_fingerprint() {
    let dir = scratch("templated");
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/templated");
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            dir.join("migrations").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    let out = lint(&dir, &["--write-baseline", "baseline.json", "migrations"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(dir.join("baseline.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let by_message: Vec<&serde_json::Value> = (value["findings"].as_array().unwrap().iter())
        .filter(|f| f["fingerprint"].as_str().unwrap().starts_with("message-"))
        .collect();
    // Only the psql meta-command finding, which is about no statement.
    assert_eq!(by_message.len(), 1, "{text}");
    assert_eq!(by_message[0]["rule"], "psql-meta-command");
    // Reformatted around its templates, the file's findings stay hidden.
    let file = dir.join("migrations/20240104000000_psql_variables.up.sql");
    let sql = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        sql.replace(
            "ALTER TABLE :app_schema.sessions",
            "alter table\n  :app_schema.sessions",
        ),
    )
    .unwrap();
    let out = lint(&dir, &["--baseline", "baseline.json", "migrations"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("0 errors, 0 warnings, 0 infos"),
        "{}",
        out.stdout
    );
}
