//! src/facts/pg_proc_volatility.txt is what scripts/gen-volatility reads from a real
//! PostgreSQL server: the script is run against the server binaries here and its output
//! compared with the committed file (the header lines, which name the exact server build,
//! aside). Needs PostgreSQL 15 server binaries: without them the test is skipped loudly,
//! unless `CI` is set, in which case it fails; it writes target/volatility-catalog.txt
//! when it ran to the end.

use std::path::Path;
use std::process::Command;

/// The server binaries of PostgreSQL 15, the version the committed file came from.
fn bindir() -> Option<String> {
    let dir = "/usr/lib/postgresql/15/bin";
    Path::new(dir)
        .join("initdb")
        .is_file()
        .then(|| dir.to_string())
}

/// The lines that must match: every function and section, not the comment header or the
/// exact server build.
fn body(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("@version "))
        .collect()
}

#[test]
fn the_committed_catalog_is_what_postgresql_15_says() {
    let Some(bindir) = bindir() else {
        if std::env::var_os("CI").is_some() {
            panic!("no PostgreSQL 15 server binaries, and CI is set: install postgresql-15");
        }
        eprintln!("skipped: no PostgreSQL 15 server binaries in /usr/lib/postgresql/15/bin");
        return;
    };
    let root = env!("CARGO_MANIFEST_DIR");
    let out = std::env::temp_dir().join(format!("locksmith-volatility-{}.txt", std::process::id()));
    let run = Command::new(format!("{root}/scripts/gen-volatility"))
        .arg(&bindir)
        .env("GEN_VOLATILITY_OUT", &out)
        .output()
        .expect("scripts/gen-volatility runs");
    assert!(
        run.status.success(),
        "scripts/gen-volatility failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let fresh = std::fs::read_to_string(&out).expect("the script wrote its output");
    let _ = std::fs::remove_file(&out);
    let committed =
        std::fs::read_to_string(format!("{root}/src/facts/pg_proc_volatility.txt")).unwrap();
    let version = fresh
        .lines()
        .find_map(|l| l.strip_prefix("@version "))
        .unwrap_or_default()
        .to_string();
    assert!(version.starts_with("15."), "{version}");
    assert!(
        body(&fresh) == body(&committed),
        "src/facts/pg_proc_volatility.txt differs from what PostgreSQL {version} says: run scripts/gen-volatility"
    );
    let functions = body(&fresh).iter().filter(|l| !l.starts_with('@')).count();
    let proof = Path::new(root).join("target/volatility-catalog.txt");
    std::fs::write(
        &proof,
        format!("volatility catalog: {functions} functions match PostgreSQL {version}\n"),
    )
    .expect("write the proof");
}
