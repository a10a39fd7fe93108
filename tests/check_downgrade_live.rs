//! `check-downgrade --database-url` on a throwaway PostgreSQL: the round trips of the
//! reversible and the deliberately irreversible fixtures run on a real server and
//! compared with pg_dump, and the live result must agree with the offline one (the same
//! migrations reported, each "confirmed", nothing found only live). Skipped only without
//! server binaries, never under CI (it then writes target/check-downgrade-live.txt).

#[path = "support/pg.rs"]
mod pg;

use std::collections::BTreeSet;

use pg::Cluster;
use serde_json::Value;

#[path = "support/lint_cli.rs"]
mod lint_cli;

use lint_cli::Output;

/// `locksmith ARGS` in the repository.
fn locksmith(args: &[&str]) -> Output {
    lint_cli::locksmith(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// The files with a `downgrade-not-reversible` finding, and the findings' messages.
fn reported(json: &str) -> (BTreeSet<String>, Vec<String>) {
    let report: Value = serde_json::from_str(json).expect("JSON report");
    let findings = report["findings"].as_array().expect("findings");
    let mine = findings
        .iter()
        .filter(|f| f["rule"] == "downgrade-not-reversible");
    (
        mine.clone()
            .map(|f| f["file"].as_str().unwrap().to_string())
            .collect(),
        mine.map(|f| f["message"].as_str().unwrap().to_string())
            .collect(),
    )
}

#[test]
fn the_live_round_trip_agrees_with_the_offline_one() {
    let Some(cluster) = Cluster::start_or_skip("check-downgrade was NOT run on a server") else {
        return;
    };
    let pg_dump = cluster.program("pg_dump");
    let pg_dump = pg_dump.to_str().unwrap();
    // (fixture, migrations the offline check reports)
    let fixtures = [
        ("tests/fixtures/sql_dirs/golang_migrate", 0),
        ("tests/fixtures/downgrade/alembic", 5),
        ("tests/fixtures/downgrade/golang-migrate", 1),
        ("tests/fixtures/downgrade/flyway", 1),
        ("tests/fixtures/downgrade/dbmate", 1),
        ("tests/fixtures/downgrade/goose", 1),
        ("tests/fixtures/downgrade/sqitch", 1),
    ];
    let mut summary = Vec::new();
    for (n, (path, expected)) in fixtures.into_iter().enumerate() {
        let db = format!("scratch{n}");
        cluster
            .query("postgres", &format!("CREATE DATABASE {db}"))
            .expect("create database");
        let url = cluster.connection_string(&db);
        let offline = locksmith(&["check-downgrade", "--format", "json", path]);
        let live = locksmith(&[
            "check-downgrade",
            "--format",
            "json",
            path,
            "--database-url",
            &url,
            "--pg-dump",
            pg_dump,
        ]);
        assert_eq!(live.code, offline.code, "{path}: {}", live.stderr);
        let (offline_files, _) = reported(&offline.stdout);
        let (live_files, messages) = reported(&live.stdout);
        assert_eq!(offline_files.len(), expected, "{path}: {}", offline.stdout);
        assert_eq!(live_files, offline_files, "{path}: {}", live.stdout);
        for message in &messages {
            assert!(
                message.contains("(live check: confirmed; pg_dump --schema-only differs: "),
                "{path}: the live check did not confirm: {message}"
            );
        }
        let reversible = fixtures_reversible(&live.stderr);
        assert!(
            live.stderr.contains("the database was empty at the start")
                && live
                    .stderr
                    .contains(&format!("reversible, {expected} not;")),
            "{path}: {}",
            live.stderr
        );
        summary.push(format!(
            "{path}: {expected} irreversible confirmed, {reversible} reversible"
        ));

        // The database now holds the schema: it is refused, unless told otherwise.
        let again = locksmith(&[
            "check-downgrade",
            path,
            "--database-url",
            &url,
            "--pg-dump",
            pg_dump,
        ]);
        assert_eq!(again.code, 2, "{path}: {}", again.stderr);
        assert!(
            again.stderr.contains("is not empty") && again.stderr.contains("--allow-non-empty"),
            "{}",
            again.stderr
        );
    }

    // A finding only the live check makes: a downgrade that fails on the server, which
    // the model cannot see (it does not run function bodies).
    let dir = tempdir("live-only");
    std::fs::write(
        dir.join("000001_f.up.sql"),
        "CREATE TABLE t (a int);\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("000001_f.down.sql"),
        "DROP TABLE t;\nDROP FUNCTION f(text);\n",
    )
    .unwrap();
    cluster
        .query("postgres", "CREATE DATABASE scratch_live_only")
        .expect("create database");
    let dir_name = dir.to_str().unwrap();
    let offline = locksmith(&["check-downgrade", dir_name]);
    assert_eq!(offline.code, 0, "{}", offline.stdout);
    let live = locksmith(&[
        "check-downgrade",
        dir_name,
        "--database-url",
        &cluster.connection_string("scratch_live_only"),
        "--pg-dump",
        pg_dump,
    ]);
    assert_eq!(live.code, 1, "{}{}", live.stdout, live.stderr);
    assert!(
        live.stdout.contains("found by the live check only")
            && live.stdout.contains("function f(text) does not exist"),
        "{}",
        live.stdout
    );
    summary.push("a downgrade failing on the server reported by the live check only".into());

    // The human output, snapshotted with the connection line made stable.
    cluster
        .query("postgres", "CREATE DATABASE scratch_snapshot")
        .expect("create database");
    let out = locksmith(&[
        "check-downgrade",
        "tests/fixtures/downgrade/alembic",
        "--color",
        "never",
        "--database-url",
        &cluster.connection_string("scratch_snapshot"),
        "--pg-dump",
        pg_dump,
    ]);
    let stderr: String = out
        .stderr
        .lines()
        .map(|l| {
            if l.starts_with("live check: connected to ") {
                "live check: connected to <url> (PostgreSQL <version>); comparing with <pg_dump>"
            } else {
                l
            }
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let text = format!(
        "exit code: {}\n--- stdout\n{}--- stderr\n{stderr}",
        out.code, out.stdout
    );
    insta::with_settings!({ snapshot_path => "../snapshots/schema", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("check-downgrade-alembic-live", text);
    });
    let _ = std::fs::remove_dir_all(&dir);

    let proof =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/check-downgrade-live.txt");
    std::fs::create_dir_all(proof.parent().unwrap()).expect("create target/");
    std::fs::write(
        &proof,
        format!(
            "check-downgrade live round trips on PostgreSQL {} agree with the offline check: {}\n",
            cluster.version,
            summary.join("; ")
        ),
    )
    .expect("write the proof");
}

/// `N reversible` from the live check's summary line.
fn fixtures_reversible(stderr: &str) -> usize {
    stderr
        .split(" reversible,")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("locksmith-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
