//! `locksmith schema` and `locksmith check-downgrade`, run as the binary, snapshotted.

#[path = "support/lint_cli.rs"]
mod lint_cli;

use lint_cli::Output;

/// `locksmith ARGS` in the repository.
fn run(args: &[&str]) -> Output {
    lint_cli::locksmith(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

fn snapshot(name: &str, out: &Output) {
    let text = format!(
        "exit code: {}\n--- stdout\n{}--- stderr\n{}",
        out.code, out.stdout, out.stderr
    );
    insta::with_settings!({ snapshot_path => "../snapshots/schema", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, text);
    });
}

const FIXTURES: &str = "tests/fixtures/downgrade";

#[test]
fn check_downgrade_reports_each_irreversible_alembic_revision() {
    let out = run(&["check-downgrade", &format!("{FIXTURES}/alembic")]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    for expected in [
        "index ix_users_email is missing after downgrade",
        "column users.age: integer before, bigint after",
        "column users.nickname: NOT NULL before, nullable after",
        "enum value mood.'ok' is left over after downgrade",
        "constraint users_age_check on users is missing after downgrade; constraint ck_users_age on users is left over after downgrade",
    ] {
        assert!(out.stdout.contains(expected), "{expected}\n{}", out.stdout);
    }
    // The reversible revisions are not reported.
    assert!(!out.stdout.contains("r1_create_users.py"));
    assert!(!out.stdout.contains("r7_add_column.py"));
    snapshot("check-downgrade-alembic", &out);
    let json = run(&[
        "check-downgrade",
        "--format",
        "json",
        &format!("{FIXTURES}/alembic"),
    ]);
    assert_eq!(json.code, 1);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["downgrade-not-reversible"; 5]);
}

#[test]
fn check_downgrade_on_sql_directories() {
    for tool in ["golang-migrate", "dbmate", "flyway", "goose"] {
        let out = run(&["check-downgrade", &format!("{FIXTURES}/{tool}")]);
        assert_eq!(out.code, 1, "{tool}: {}{}", out.stdout, out.stderr);
        snapshot(&format!("check-downgrade-{tool}"), &out);
    }
}

#[test]
fn check_downgrade_on_the_example_reports_the_empty_downgrade_instead() {
    let out = run(&["check-downgrade", "tests/alembic/example"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.contains("alembic-empty-downgrade"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("downgrade-not-reversible"),
        "{}",
        out.stdout
    );
}

#[test]
fn schema_as_sql_and_json() {
    let sql = run(&["schema", "examples/shop/migrations"]);
    assert_eq!(sql.code, 0, "{}", sql.stderr);
    snapshot("schema-shop-sql", &sql);
    let at = run(&["schema", "examples/shop/migrations", "--at", "V002"]);
    assert_eq!(at.code, 0, "{}", at.stderr);
    assert!(at.stdout.contains("created_at") && !at.stdout.contains("nickname"));
    let json = run(&["schema", "tests/alembic/example", "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    snapshot("schema-alembic-json", &json);
    let at = run(&["schema", "tests/alembic/example", "--at", "07cde4b3e25c"]);
    assert_eq!(at.code, 0, "{}", at.stderr);
    assert!(
        at.stdout.contains("CREATE TABLE products") && !at.stdout.contains("CREATE TABLE orders")
    );
    let bad = run(&["schema", "tests/alembic/example", "--at", "nope"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.starts_with("error: "), "{}", bad.stderr);
}

/// Templated migrations (Go templates, Flyway's `${}`): the schema names their templates
/// as the files write them, in SQL and in JSON.
#[test]
fn schema_of_templated_migrations_names_their_templates() {
    let out = run(&["schema", "tests/fixtures/templated"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot("schema-templated", &out);
    let json = run(&["schema", "--format", "json", "tests/fixtures/templated"]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    let table = &value["indexes"][r#"{{ index .Options "Namespace" }}.sessions_user_id_idx"#];
    assert_eq!(table["table"][0], r#"{{ index .Options "Namespace" }}"#);
}

/// Migrations that `SET search_path`: unqualified names are created in the path's first
/// schema and found in the first schema of the path that holds them, until the path is
/// reset or the migration ends (the server agrees: tests/schema_agreement.rs).
#[test]
fn schema_follows_the_search_path() {
    let out = run(&["schema", "tests/fixtures/search_path"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot("schema-search-path", &out);
}
