//! The output of `locksmith sql` is valid SQL: each preview is piped into `psql -v
//! ON_ERROR_STOP=1` on a throwaway PostgreSQL cluster and must run to the end, annotated
//! or not, upgrade then downgrade.
//!
//! Without PostgreSQL server binaries the test is skipped loudly, unless `CI` is set, in
//! which case it fails.

#[path = "support/pg.rs"]
mod pg;

use std::process::Command;
use std::time::Duration;

use pg::Cluster;

fn preview(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_locksmith"))
        .arg("sql")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("locksmith runs");
    assert!(
        out.status.success(),
        "locksmith sql {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn previews_run_in_psql() {
    let Some(cluster) = Cluster::start_or_skip("previews were NOT run in psql") else {
        return;
    };
    // (database, previews to run in order, a query that proves they ran)
    let cases: &[(&str, &[&[&str]], &str)] = &[
        (
            "shop",
            &[&["examples/shop"]],
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'users_nickname_idx'",
        ),
        (
            "shop_annotated",
            &[&["--annotate", "examples/shop"]],
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'users_nickname_idx'",
        ),
        (
            "alembic",
            &[
                &["--annotate", "tests/alembic/example"],
                &["--downgrade", "tests/alembic/example"],
            ],
            // Like Alembic, the downgrade to base leaves alembic_version empty, no tables.
            "SELECT 1 - count(*) - (SELECT count(*) FROM pg_tables WHERE tablename = 'users') FROM alembic_version",
        ),
        (
            "alembic_per_step",
            &[
                &["--to", "a2d4fa92c492", "tests/alembic/example"],
                &[
                    "--from",
                    "a2d4fa92c492",
                    "--to",
                    "heads",
                    "tests/alembic/example",
                ],
            ],
            "SELECT count(*) FROM alembic_version WHERE version_num = 'fbc2d3736308'",
        ),
        (
            "flyway",
            &[&["--annotate", "tests/fixtures/sql_dirs/flyway"]],
            "SELECT count(*) FROM pg_views WHERE viewname = 'active_accounts'",
        ),
        (
            "golang",
            &[
                &["tests/fixtures/sql_dirs/golang_migrate"],
                &["--downgrade", "tests/fixtures/sql_dirs/golang_migrate"],
            ],
            "SELECT 1 - count(*) FROM pg_tables WHERE tablename = 'events'",
        ),
        (
            "dbmate",
            &[
                &["--annotate", "tests/fixtures/sql_dirs/dbmate"],
                &["--downgrade", "tests/fixtures/sql_dirs/dbmate"],
            ],
            "SELECT 1 - count(*) FROM pg_tables WHERE tablename = 'notes'",
        ),
        (
            "goose",
            &[
                &["--annotate", "tests/fixtures/sql_dirs/goose"],
                &["--downgrade", "tests/fixtures/sql_dirs/goose"],
            ],
            "SELECT 1 - count(*) FROM pg_tables WHERE tablename = 'notes'",
        ),
        (
            "sql_migrate",
            &[
                &["--annotate", "tests/fixtures/sql_dirs/sql_migrate"],
                &["--downgrade", "tests/fixtures/sql_dirs/sql_migrate"],
            ],
            "SELECT 1 - count(*) FROM pg_tables WHERE tablename = 'notes'",
        ),
        (
            "sqitch",
            &[
                &["--annotate", "tests/fixtures/sql_dirs/sqitch"],
                &["--downgrade", "tests/fixtures/sql_dirs/sqitch"],
            ],
            "SELECT 1 - count(*) FROM pg_tables WHERE tablename = 'users'",
        ),
    ];
    let mut statements = 0;
    for (db, runs, proof) in cases {
        cluster
            .query("postgres", &format!("CREATE DATABASE {db}"))
            .expect("create database");
        for args in *runs {
            let sql = preview(args);
            statements += sql.matches(";\n").count();
            let out = cluster.psql(db, "locksmith_preview", "", &sql, Duration::from_secs(60));
            assert!(
                out.success,
                "psql rejected `locksmith sql {}`: {}\n--- the preview:\n{sql}",
                args.join(" "),
                out.stderr
            );
        }
        let proved = cluster.query(db, proof).expect("proof query");
        assert_eq!(proved.trim(), "1", "{db}: `{proof}` after the previews");
    }
    let summary = format!(
        "{} previews ({statements} statements) ran in psql on PostgreSQL {}",
        cases.iter().map(|(_, runs, _)| runs.len()).sum::<usize>(),
        cluster.version
    );
    eprintln!("{summary}");
    let proof =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/sql-preview-psql.txt");
    std::fs::create_dir_all(proof.parent().unwrap()).expect("create target/");
    std::fs::write(&proof, format!("{summary}\n")).expect("write the proof");
}
