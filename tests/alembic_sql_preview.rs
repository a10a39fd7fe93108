//! `locksmith sql` on the bundled Alembic example (and on a copy whose env.py sets a
//! lock_timeout and its own version table) prints the script the real
//! `alembic upgrade head --sql` / `alembic downgrade head:base --sql` prints: compared
//! statement by statement after normalising both with pg_query (parse + deparse). Empty
//! statements (Alembic's `;;` after an `op.execute` string that ends in `;`) are ignored.
//!
//! Without an importable Alembic the test is skipped loudly, unless `CI` is set, in which
//! case it fails.

use std::process::Command;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/alembic/example");
const ENV_SETTINGS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/alembic_env_settings"
);

fn python() -> String {
    std::env::var("LOCKSMITH_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn stdout(cmd: &mut Command) -> String {
    let out = cmd.output().expect("command runs");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Each statement deparsed by PostgreSQL's own deparser.
fn normalise(script: &str) -> Vec<String> {
    let parsed = locksmith::parse::parse_sql(script);
    assert!(parsed.errors.is_empty(), "{:?}\n{script}", parsed.errors);
    parsed
        .statements
        .iter()
        .map(|s| {
            pg_query::parse(&script[s.span.clone()], pg_query::ParserOptions::default())
                .and_then(|p| p.deparse(Default::default()))
                .unwrap_or_else(|e| panic!("{e}: {}", &script[s.span.clone()]))
        })
        .collect()
}

#[test]
fn sql_preview_matches_alembic_offline_mode() {
    let has_alembic = Command::new(python())
        .args(["-c", "import alembic"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_alembic {
        if std::env::var_os("CI").is_some() {
            panic!(
                "alembic cannot be imported by {} and CI is set: run scripts/bootstrap --test",
                python()
            );
        }
        eprintln!(
            "\n!!!!! SKIPPED: alembic is not installed; `locksmith sql` was NOT compared with it !!!!!\n"
        );
        return;
    }
    let runs = [
        (["upgrade", "head"], vec!["sql", "."]),
        (["downgrade", "head:base"], vec!["sql", "--downgrade", "."]),
    ];
    for (project, (alembic_args, locksmith_args)) in [EXAMPLE, ENV_SETTINGS]
        .into_iter()
        .flat_map(|project| runs.clone().map(|run| (project, run)))
    {
        let real = stdout(
            Command::new(python())
                .args(["-m", "alembic"])
                .args(alembic_args)
                .arg("--sql")
                .current_dir(project),
        );
        let ours = stdout(
            Command::new(env!("CARGO_BIN_EXE_locksmith"))
                .args(&locksmith_args)
                .current_dir(project)
                .env("NO_COLOR", "1"),
        );
        let (real, ours) = (normalise(&real), normalise(&ours));
        assert!(real.len() > 20, "alembic printed too little: {real:?}");
        assert_eq!(
            real, ours,
            "{project}: alembic {alembic_args:?} --sql vs locksmith {locksmith_args:?}"
        );
    }
}
