//! golang-migrate sends a migration file to PostgreSQL as one query string. What locksmith
//! reads of that (one implicit transaction; CREATE INDEX CONCURRENTLY refused in any string
//! of several statements, even after a COMMIT; a single statement run on its own) is
//! checked here on a real server: each golang-migrate precision fixture is sent whole, as
//! golang-migrate sends it, and it must fail exactly when locksmith reports
//! `concurrently-in-transaction` for it. Skipped only without server binaries, never under
//! CI (it then writes target/one-query-live.txt).

#[path = "support/pg.rs"]
mod pg;

#[path = "support/lint_cli.rs"]
mod lint_cli;

use pg::Cluster;

const FIXTURES: &str = "tests/fixtures/precision";

/// Whether locksmith reports the file's CREATE INDEX CONCURRENTLY as run in a transaction.
fn reported_refused(path: &str) -> bool {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = lint_cli::locksmith(root, &["lint", "--format", "json", path]);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON report");
    let findings = report["findings"].as_array().expect("findings");
    findings
        .iter()
        .any(|f| f["rule"] == "concurrently-in-transaction")
}

#[test]
fn golang_migrate_files_fail_on_the_server_as_locksmith_says() {
    let Some(cluster) = Cluster::start_or_skip("one-query files were NOT run on a server") else {
        return;
    };
    cluster
        .query("postgres", "CREATE DATABASE one_query")
        .expect("create database");
    let mut client =
        postgres::Client::connect(&cluster.connection_string("one_query"), postgres::NoTls)
            .expect("connect");
    client
        .batch_execute("CREATE TABLE accounts (id bigint PRIMARY KEY)")
        .expect("setup");
    let mut files: Vec<String> = std::fs::read_dir(FIXTURES)
        .expect("fixtures")
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .filter(|p| p.contains("golang_migrate") && p.ends_with(".up.sql"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    let mut lines = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("read");
        // One Query message holding the whole file: golang-migrate's `ExecContext`.
        let outcome = client.batch_execute(&text);
        let failed = match &outcome {
            Ok(()) => false,
            Err(error) => {
                let message = error.as_db_error().map(|e| e.message().to_string());
                assert_eq!(
                    message.as_deref(),
                    Some("CREATE INDEX CONCURRENTLY cannot run inside a transaction block"),
                    "{path}: {error:?}"
                );
                true
            }
        };
        assert_eq!(
            failed,
            reported_refused(path),
            "{path}: the server {} it, locksmith {}",
            if failed { "refused" } else { "ran" },
            if failed {
                "did not say so"
            } else {
                "said it would refuse it"
            }
        );
        lines.push(format!(
            "{}: {}",
            path.rsplit('/').next().unwrap(),
            if failed {
                "refused, as reported"
            } else {
                "ran"
            }
        ));
    }
    // The COMMIT in the string did commit what came before it.
    let invoices = client
        .query_one(
            "SELECT count(*) FROM pg_class WHERE relname = 'invoices'",
            &[],
        )
        .expect("query")
        .get::<_, i64>(0);
    assert_eq!(invoices, 1);
    let proof = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/one-query-live.txt");
    std::fs::create_dir_all(proof.parent().unwrap()).expect("create target/");
    let text = format!(
        "golang-migrate files sent whole to PostgreSQL: {}\n",
        lines.join("; ")
    );
    std::fs::write(&proof, text).expect("write the proof");
}
