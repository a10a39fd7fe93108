//! `locksmith trace` end to end: the real binary against a throwaway PostgreSQL cluster
//! (tests/support/pg.rs) with a fixture table that has rows. Protects: the locks and
//! rewrites the server shows for the fixture statements, statements that cannot run in a
//! transaction block are not executed, a failing statement does not stop the run, exit
//! codes (0 agree, 1 mismatch or failure, 2 usage/connection), and that nothing is ever
//! committed; Alembic revisions reported at the Python line of each op call, revision
//! ranges; TLS on every sslmode against the same server (ssl = on, a CA and server
//! certificate made with the openssl CLI), and the errors for a wrong CA, a wrong host
//! name and `require` against a server without TLS. The JSON and human outputs are
//! snapshotted (durations and the server version redacted) under snapshots/trace.
//!
//! Without PostgreSQL server binaries the test is skipped loudly, unless `CI` is set, in
//! which case it fails. On success it writes target/trace-test.txt, which .ci/run checks.

#[path = "support/pg.rs"]
mod pg;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const DB: &str = "trace";

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

fn locksmith(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_locksmith"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        // trace must not read these; set them to something broken to prove it.
        .env("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
        .env("PGHOST", "/nonexistent")
        .env("PGDATABASE", "none")
        .output()
        .expect("locksmith runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn fixture(name: &str) -> String {
    format!("tests/fixtures/trace/{name}")
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../snapshots/trace", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, text);
    });
}

/// The JSON with what varies between runs and servers replaced.
fn redacted_json(stdout: &str) -> String {
    let mut value: Value = serde_json::from_str(stdout).expect("valid JSON");
    value["server_version"] = "[server version]".into();
    value["model_postgres_version"] = "[major]".into();
    for file in value["files"].as_array_mut().unwrap() {
        for stmt in file["statements"].as_array_mut().unwrap() {
            if stmt.get("duration_ms").is_some() {
                assert!(stmt["duration_ms"].as_f64().is_some_and(|ms| ms >= 0.0));
                stmt["duration_ms"] = "[ms]".into();
            }
        }
    }
    serde_json::to_string_pretty(&value).unwrap()
}

fn redacted_human(stdout: &str) -> String {
    stdout
        .lines()
        .map(|line| {
            if line.starts_with("trace against PostgreSQL ") {
                "trace against PostgreSQL [server version] ...".to_string()
            } else if line.trim_start().starts_with("duration ") {
                "    duration  [ms]".to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn statement(json: &Value, file: usize, index: usize) -> &Value {
    &json["files"][file]["statements"][index - 1]
}

fn observed_locks(stmt: &Value) -> Vec<(String, String)> {
    stmt["observed"]["locks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_string(),
                l["mode"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn rewritten(stmt: &Value) -> Vec<String> {
    stmt["observed"]["rewritten"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn trace_needs_an_explicit_database_url() {
    let out = locksmith(&["trace", &fixture("agrees.sql")]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--database-url"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn connection_errors_are_exit_2_and_hide_the_password() {
    let out = locksmith(&[
        "trace",
        "--database-url",
        "postgresql://app:hunter2@127.0.0.1:1/staging?connect_timeout=2",
        &fixture("agrees.sql"),
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("cannot connect to postgresql://app:***@127.0.0.1:1/staging"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
}

#[test]
fn trace_against_a_real_server() {
    let mut cluster_dir = None;
    let cluster = match pg::Cluster::start_with(|dir| {
        cluster_dir = Some(dir.to_path_buf());
        tls_setup(dir)
    }) {
        Ok(cluster) => cluster,
        Err(pg::StartError::NoBinaries) => {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "CI is set but no PostgreSQL server binaries were found \
                     (pg_config --bindir, /usr/lib/postgresql/*/bin, initdb on PATH); \
                     run scripts/bootstrap --test"
                );
            }
            eprintln!(
                "\n\n*** SKIPPED: locksmith trace test: no PostgreSQL server binaries found; \
                 run scripts/bootstrap --test ***\n\n"
            );
            return;
        }
        Err(pg::StartError::Failed(message)) => panic!("cannot start PostgreSQL: {message}"),
    };
    cluster
        .query("postgres", &format!("CREATE DATABASE {DB}"))
        .expect("create database");
    cluster
        .query(
            DB,
            "CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL, amount bigint, note text);\n\
             INSERT INTO accounts SELECT g, g * 10, g, 'row ' || g FROM generate_series(1, 2000) g;",
        )
        .expect("fixture table");
    let state = || {
        cluster
            .query(
                DB,
                "SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ',' ORDER BY attnum) \
                   FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attnum > 0 AND NOT attisdropped;\n\
                 SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class \
                   WHERE relnamespace = 'public'::regnamespace;\n\
                 SELECT count(*), sum(balance), count(*) FILTER (WHERE note = 'traced') FROM accounts;\n\
                 SELECT relfilenode FROM pg_class WHERE relname = 'accounts';",
            )
            .expect("read state")
    };
    let before = state();
    let url = cluster.connection_string(DB);

    // basic.sql: locks, rewrites, a CONCURRENTLY statement, a failure in the middle.
    let out = locksmith(&[
        "trace",
        "--format",
        "json",
        "--database-url",
        &url,
        &fixture("basic.sql"),
    ]);
    assert_eq!(
        out.code, 1,
        "a statement fails: exit 1\n{}{}",
        out.stdout, out.stderr
    );
    let json: Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    let lock = |n: usize| observed_locks(statement(&json, 0, n));
    // [2] ALTER TABLE ... ADD COLUMN
    assert!(
        lock(2).contains(&("accounts".into(), "AccessExclusiveLock".into())),
        "{:?}",
        lock(2)
    );
    assert!(rewritten(statement(&json, 0, 2)).is_empty());
    // [3] CREATE INDEX: ShareLock on the table.
    assert!(
        lock(3).contains(&("accounts".into(), "ShareLock".into())),
        "{:?}",
        lock(3)
    );
    // [4] ALTER COLUMN TYPE int -> bigint rewrites the table and its indexes. Its
    // AccessExclusiveLock is already held (statement 2): the comparison says so.
    let alter_type = statement(&json, 0, 4);
    let rw = rewritten(alter_type);
    assert!(
        rw.contains(&"accounts".into()) && rw.contains(&"accounts_pkey".into()),
        "{rw:?}"
    );
    assert_eq!(alter_type["lock_checks"][0]["verdict"], "already_held");
    assert_eq!(alter_type["rewrite_check"]["verdict"], "agrees");
    // [5] CONCURRENTLY is not executed.
    assert_eq!(statement(&json, 0, 5)["status"], "not_traced");
    // [6] UPDATE: RowExclusiveLock
    assert!(
        lock(6).contains(&("accounts".into(), "RowExclusiveLock".into())),
        "{:?}",
        lock(6)
    );
    // [7] a missing table: the server's error, and the run goes on.
    let failed = statement(&json, 0, 7);
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["error"]["sqlstate"], "42P01");
    assert!(
        failed["error"]["message"]
            .as_str()
            .unwrap()
            .contains("missing_table")
    );
    // [8] CREATE TABLE ... REFERENCES accounts: ShareRowExclusiveLock on accounts.
    assert!(
        lock(8).contains(&("accounts".into(), "ShareRowExclusiveLock".into())),
        "{:?}",
        lock(8)
    );
    assert_eq!(statement(&json, 0, 9)["status"], "traced");
    assert_eq!(json["summary"]["mismatches"], 0);
    assert_eq!(json["summary"]["failed"], 1);
    let traced_basic = json["summary"]["traced"].as_u64().unwrap_or(0);
    snapshot("basic-json", &redacted_json(&out.stdout));

    let human = locksmith(&["trace", "--database-url", &url, &fixture("basic.sql")]);
    assert_eq!(human.code, 1);
    snapshot("basic-human", &redacted_human(&human.stdout));

    // agrees.sql: every statement agrees, exit 0.
    let out = locksmith(&["trace", "--database-url", &url, &fixture("agrees.sql")]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("MISMATCH"), "{}", out.stdout);
    assert_eq!(
        out.stdout
            .matches("not traced: transaction control")
            .count(),
        2,
        "BEGIN and COMMIT are not executed\n{}",
        out.stdout
    );

    // mismatch.sql: the model predicts a rewrite the server does not do, exit 1.
    let out = locksmith(&["trace", "--database-url", &url, &fixture("mismatch.sql")]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("MISMATCH  rewrite"), "{}", out.stdout);
    snapshot("mismatch-human", &redacted_human(&out.stdout));

    // A directory, in URL form: every .sql file, sorted, each in its own transaction.
    let params: std::collections::HashMap<&str, &str> =
        url.split(' ').filter_map(|kv| kv.split_once('=')).collect();
    let as_url = format!(
        "postgresql://postgres@{}:{}/{DB}",
        params["host"].replace('/', "%2F"),
        params["port"]
    );
    let out = locksmith(&[
        "trace",
        "--format",
        "json",
        "--database-url",
        &as_url,
        "tests/fixtures/trace",
    ]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let files: Vec<&str> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "tests/fixtures/trace/agrees.sql",
            "tests/fixtures/trace/basic.sql",
            "tests/fixtures/trace/mismatch.sql"
        ]
    );
    assert_eq!(json["summary"]["mismatches"], 1);

    // A lock held by another session: with a short lock_timeout the statement fails with
    // the server's lock_timeout error instead of waiting.
    let blocker = cluster
        .psql_background(
            DB,
            "trace_blocker",
            "",
            "BEGIN; LOCK TABLE accounts IN ACCESS SHARE MODE; SELECT pg_sleep(3); ROLLBACK;",
        )
        .expect("blocker");
    wait_for_lock(&cluster);
    let out = locksmith(&[
        "trace",
        "--format",
        "json",
        "--lock-timeout",
        "100ms",
        "--database-url",
        &url,
        &fixture("mismatch.sql"),
    ]);
    drop(blocker);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        statement(&json, 0, 1)["error"]["sqlstate"],
        "55P03",
        "{json}"
    );

    // An Alembic project: each revision's rendered upgrade() SQL, in graph order, in one
    // transaction (the second revision's index needs the first one's table), reported at
    // the Python line of each op call; what cannot be rendered is listed, not run.
    let out = locksmith(&[
        "trace",
        "--format",
        "json",
        "--database-url",
        &url,
        "tests/fixtures/alembic_unrenderable",
    ]);
    let json: Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    let files = json["files"].as_array().expect("files");
    assert_eq!(files.len(), 2, "{json}");
    assert_eq!(
        files[0]["file"],
        "tests/fixtures/alembic_unrenderable/versions/aaaaaaaaaaaa_create_accounts.py",
        "{json}"
    );
    let backfill = &files[1];
    assert_eq!(backfill["rendered_from"]["function"], "upgrade", "{json}");
    let not_rendered = backfill["rendered_from"]["not_rendered"].to_string();
    assert!(
        not_rendered.contains("bbbbbbbbbbbb_backfill_plans.py:16"),
        "{not_rendered}"
    );
    let index = &backfill["statements"][1];
    assert!(
        index["text"]
            .as_str()
            .unwrap()
            .starts_with("CREATE INDEX customers_tier_idx"),
        "{json}"
    );
    assert_eq!(index["status"], "traced", "{json}");
    assert_eq!(index["line"], 18, "the op.create_index line: {json}");
    assert_eq!(index["column"], 5, "{json}");

    // The bundled example project, whole: every revision traced from base in one
    // transaction, each statement at its op call's line (autocommit_block's COMMIT/BEGIN
    // and CREATE INDEX CONCURRENTLY are not executed).
    let example = "tests/alembic/example";
    let out = locksmith(&["trace", "--database-url", &url, example]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "730ecdaaeda6_add_user_email.py:25  ALTER TABLE users ADD COLUMN email TEXT NOT NULL"
        ),
        "{}",
        out.stdout
    );
    let alembic_summary = out.stdout.lines().last().unwrap_or_default().to_string();
    snapshot("alembic-example-human", &redacted_human(&out.stdout));

    // A revision range, as `locksmith sql --from/--to` reads it: only the revisions after
    // 84e3c989d59f up to 730ecdaaeda6; their tables do not exist in this database.
    let out = locksmith(&[
        "trace",
        "--format",
        "json",
        "--from",
        "84e3c989d59f",
        "--to",
        "730ecdaaeda6",
        "--database-url",
        &url,
        example,
    ]);
    let json: Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    let files: Vec<&str> = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        ["tests/alembic/example/migrations/versions/730ecdaaeda6_add_user_email.py"]
    );
    assert_eq!(statement(&json, 0, 1)["error"]["sqlstate"], "42P01");
    assert_eq!(statement(&json, 0, 1)["line"], 25);
    assert_eq!(out.code, 1);

    // One revision file, downgrade(), and a range that names nothing (exit 2).
    let out = locksmith(&[
        "trace",
        "--format",
        "json",
        "--downgrade",
        "--database-url",
        &url,
        "tests/fixtures/alembic_unrenderable/versions/bbbbbbbbbbbb_backfill_plans.py",
    ]);
    let json: Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    assert_eq!(json["files"][0]["rendered_from"]["function"], "downgrade");
    assert_eq!(statement(&json, 0, 1)["line"], 22, "{json}");
    assert_eq!(statement(&json, 0, 2)["line"], 23, "{json}");
    let out = locksmith(&["trace", "--from", "nope", "--database-url", &url, example]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("revision range: no revision or branch label nope"),
        "{}",
        out.stderr
    );

    // Nothing was committed: same columns, relations, rows, relfilenode.
    assert_eq!(state(), before, "trace changed the database");

    let tls = tls_checks(&cluster, &cluster_dir.expect("the cluster's directory"));

    let proof = format!(
        "locksmith trace tested against PostgreSQL {}: {} statements traced from basic.sql; \
         Alembic example at its Python lines: {}; TLS: {tls}",
        cluster.version,
        traced_basic,
        alembic_summary.trim_end_matches("; nothing was committed")
    );
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/target/trace-test.txt");
    std::fs::write(path, format!("{proof}\n")).expect("write target/trace-test.txt");
    eprintln!("{proof}");
}

/// Waits until the blocker session holds its lock.
fn wait_for_lock(cluster: &pg::Cluster) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        let held = cluster
            .query(
                DB,
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
                 WHERE a.application_name = 'trace_blocker' AND l.relation = 'accounts'::regclass",
            )
            .unwrap_or_default();
        if held.trim() != "0" {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("the blocking session never took its lock");
}

/// Certificates made for the test with the openssl CLI: a CA, a server certificate it
/// signs for the name `localhost` only, and an unrelated CA. The server also listens on
/// 127.0.0.1 (its TLS port; the unix socket stays the rest of the test's way in).
fn tls_setup(dir: &Path) -> Result<String, String> {
    let openssl = |args: &[&str]| -> Result<(), String> {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .map_err(|e| format!("cannot run openssl (needed for the TLS test): {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    let key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    for (name, subject) in [
        ("ca", "/CN=locksmith test CA"),
        ("wrong-ca", "/CN=another CA"),
    ] {
        let (keyfile, pem) = (format!("{name}.key"), format!("{name}.pem"));
        let mut args = vec!["req", "-x509", "-days", "2", "-subj", subject];
        args.extend(key);
        args.extend(["-keyout", &keyfile, "-out", &pem]);
        openssl(&args)?;
    }
    let mut args = vec!["req", "-subj", "/CN=localhost", "-keyout", "server.key"];
    args.extend(key);
    args.extend(["-out", "server.csr"]);
    openssl(&args)?;
    std::fs::write(dir.join("server.ext"), "subjectAltName=DNS:localhost\n")
        .map_err(|e| e.to_string())?;
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.crt",
    ])?;
    // The server refuses a key others can read.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        dir.join("server.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .map_err(|e| e.to_string())?;
    Ok(format!(
        "listen_addresses = '127.0.0.1'\nssl = on\nssl_cert_file = '{0}/server.crt'\n\
         ssl_key_file = '{0}/server.key'",
        dir.display()
    ))
}

/// trace over TCP with each sslmode; returns the proof's summary.
fn tls_checks(cluster: &pg::Cluster, dir: &Path) -> String {
    // The blocking session of the lock_timeout check may outlive its psql: end it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let blocker = "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                   WHERE application_name = 'trace_blocker'";
    while cluster.query(DB, blocker).unwrap_or_default().trim() != "0" {
        assert!(std::time::Instant::now() < deadline, "the blocker stays");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let port = cluster.port();
    let ca = dir.join("ca.pem").display().to_string();
    let wrong_ca = dir.join("wrong-ca.pem").display().to_string();
    let conn = |host: &str, ssl: &str| {
        format!("host={host} port={port} user=postgres dbname={DB} connect_timeout=10 {ssl}")
    };
    let traced = |url: &str| {
        let out = locksmith(&[
            "trace",
            "--format",
            "json",
            "--database-url",
            url,
            &fixture("agrees.sql"),
        ]);
        assert_eq!(out.code, 0, "{url}\n{}{}", out.stdout, out.stderr);
        let json: Value = serde_json::from_str(&out.stdout).expect("valid JSON");
        assert_eq!(json["summary"]["traced"], 4, "{json}");
        json["tls"].as_str().map(str::to_string)
    };
    let refused = |url: &str, expected: &[&str]| {
        let out = locksmith(&["trace", "--database-url", url, &fixture("agrees.sql")]);
        assert_eq!(out.code, 2, "{url}\n{}{}", out.stdout, out.stderr);
        for text in expected {
            assert!(
                out.stderr.contains(text),
                "{url}: expected {text:?} in\n{}",
                out.stderr
            );
        }
        assert!(out.stdout.is_empty(), "nothing traced: {}", out.stdout);
        out.stderr
    };

    // require: encrypted, the certificate not checked (libpq's meaning), URL form.
    let require = traced(&format!(
        "postgresql://postgres@localhost:{port}/{DB}?sslmode=require&connect_timeout=10"
    ));
    let version = require.clone().expect("sslmode=require encrypts");
    assert!(version.starts_with("TLS"), "{version}");
    // verify-full with the CA that signed the certificate, for the name it holds.
    let full = traced(&conn(
        "localhost",
        &format!("sslmode=verify-full sslrootcert='{ca}'"),
    ));
    assert_eq!(full.as_deref(), Some(version.as_str()));
    // verify-ca checks the chain, not the name.
    assert!(
        traced(&conn(
            "127.0.0.1",
            &format!("sslmode=verify-ca sslrootcert={ca}")
        ))
        .is_some()
    );
    // prefer (the default) encrypts when the server offers TLS; disable does not.
    assert!(traced(&conn("localhost", "")).is_some());
    assert_eq!(traced(&conn("localhost", "sslmode=disable")), None);
    // verify-full with a CA that did not sign it, and for a name it does not hold.
    refused(
        &conn(
            "localhost",
            &format!("sslmode=verify-full sslrootcert={wrong_ca}"),
        ),
        &[
            "TLS certificate verification failed for host `localhost`",
            "not signed by a CA in sslrootcert",
            "wrong-ca.pem",
        ],
    );
    refused(
        &conn(
            "127.0.0.1",
            &format!("sslmode=verify-full sslrootcert={ca}"),
        ),
        &[
            "TLS certificate verification failed for host `127.0.0.1`",
            "not valid for name \"127.0.0.1\"",
            "localhost",
        ],
    );
    refused(
        &conn("localhost", "sslmode=verify-full"),
        &["needs sslrootcert=FILE"],
    );

    // The same server without TLS: require is refused, prefer connects unencrypted.
    cluster
        .query("postgres", "ALTER SYSTEM SET ssl = off")
        .expect("ssl off");
    cluster
        .query("postgres", "SELECT pg_reload_conf()")
        .expect("reload");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while cluster
        .query("postgres", "SHOW ssl")
        .unwrap_or_default()
        .trim()
        != "off"
    {
        assert!(std::time::Instant::now() < deadline, "ssl stays on");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    refused(
        &conn("localhost", "sslmode=require"),
        &["the server at `localhost` does not support TLS, and sslmode=require requires it"],
    );
    assert_eq!(traced(&conn("localhost", "sslmode=prefer")), None);
    format!(
        "sslmode=require and verify-full over {version}, verify-ca, prefer, disable; \
         wrong CA, wrong host name and require without server TLS refused"
    )
}
