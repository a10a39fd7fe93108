//! A safety linter must never drop a statement silently: for every SQL fixture and for
//! deterministic mutations of them, the parser's statements, syntax errors, skipped psql
//! meta-commands and COPY data cover the whole input, with only whitespace, comments and
//! semicolons between them, and never overlap (`parse::uncovered` is empty).

#[path = "support/mutate.rs"]
mod mutate;

use std::path::{Path, PathBuf};

use locksmith::parse::{parse_sql, uncovered};
use mutate::{Rng, mutate};

fn sql_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .expect("readable fixture dir")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            sql_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "sql") {
            out.push(path);
        }
    }
}

fn fixtures() -> Vec<(String, String)> {
    let mut paths = Vec::new();
    sql_files(Path::new("tests/fixtures"), &mut paths);
    paths.sort();
    assert!(paths.len() > 20, "found only {paths:?}");
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("UTF-8 fixture");
            (p.display().to_string(), text)
        })
        .collect()
}

fn assert_accounted(name: &str, sql: &str) {
    let parsed = parse_sql(sql);
    let problems = uncovered(sql, &parsed);
    assert!(
        problems.is_empty(),
        "{name}: bytes not accounted for (gaps or overlaps) at {problems:?}: {:?}\nin:\n{sql}",
        problems
            .iter()
            .map(|p| sql.get(p.clone()).unwrap_or("?"))
            .collect::<Vec<_>>()
    );
}

#[test]
fn every_fixture_is_fully_accounted_for() {
    for (name, sql) in fixtures() {
        assert_accounted(&name, &sql);
    }
}

#[test]
fn mutated_fixtures_are_fully_accounted_for() {
    let corpus = fixtures();
    let mut rng = Rng(0xacc0_0475_5eed_0001);
    for i in 0..2000 {
        let (name, base) = &corpus[rng.below(corpus.len())];
        let sql = mutate(&mut rng, base);
        assert_accounted(&format!("{name} (mutation {i})"), &sql);
    }
}

#[test]
fn hand_written_edge_cases_are_fully_accounted_for() {
    for sql in [
        "",
        ";;;",
        "SELECT 1;\nSELECT foo(1;\nALTER TABLE users ADD COLUMN email text NOT NULL;\n",
        "SELECT 1;\nSELEC 2;",
        "SELECT 'open",
        "SELECT 1; /* open",
        "SELECT $a$ open",
        "\u{FEFF}SELECT 1;",
        "\\set x 1\nBEGIN;\n\\i f.sql\nCOMMIT;",
        "COPY t FROM stdin;\n1\t2\n\\.\nSELECT 1;",
        "COPY t FROM stdin;\nno end marker;\n",
        "SELECT 1;\0SELECT 2;",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END; SELEC;",
    ] {
        assert_accounted("edge case", sql);
    }
}
