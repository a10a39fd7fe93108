//! Deterministic mutation fuzzing of everything that reads user input: the SQL pipeline
//! (split, parse, facts, rules, suppressions, every reporter) and the config parser. Any
//! panic fails the test. Seeds are fixed so a failure reproduces; raise the iteration count
//! with LOCKSMITH_FUZZ_ITERATIONS for a longer run.

use locksmith::config::Config;
use locksmith::lint::lint_sql;
use locksmith::report::{explain, human, json};
use locksmith::run::RunResult;
use locksmith::schema::Catalog;
use locksmith::source::SourceFile;

#[path = "support/mutate.rs"]
mod mutate;

use mutate::{Rng, mutate};

fn corpus() -> Vec<String> {
    let mut files = Vec::new();
    for dir in ["tests/fixtures/rules", "examples/shop/migrations"] {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect();
        paths.sort();
        files.extend(
            paths
                .into_iter()
                .map(|p| std::fs::read_to_string(p).unwrap()),
        );
    }
    files
}

fn iterations() -> usize {
    std::env::var("LOCKSMITH_FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1500)
}

#[test]
fn sql_pipeline_never_panics() {
    let corpus = corpus();
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let configs = [
        Config::default(),
        Config::parse(
            "postgres_version: 10\nassume_in_transaction: true\n",
            "fuzz.yaml",
        )
        .unwrap(),
    ];
    let style = human::Style {
        color: true,
        width: 80,
    };
    for i in 0..iterations() {
        let base = &corpus[rng.below(corpus.len())];
        let sql = mutate(&mut rng, base);
        let config = &configs[i % configs.len()];
        // Inputs in turn under a Flyway name and a golang-migrate name (their transactions
        // are read from the statements), and a plain one.
        let name = ["fuzz.sql", "V1__fuzz.sql", "000001_fuzz.up.sql"][i % 3];
        let report = lint_sql(SourceFile::new(name, sql.clone()), config);
        for finding in &report.findings {
            assert!(
                finding.span.start <= finding.span.end && finding.span.end <= sql.len(),
                "span out of range for:\n{sql}"
            );
            assert!(
                sql.is_char_boundary(finding.span.start) && sql.is_char_boundary(finding.span.end),
                "span splits a character:\n{sql}"
            );
        }
        let _ = explain::render_human(&report, false);
        let _ = explain::render_json(&report, config.postgres_version);
        let result = RunResult {
            warnings: Vec::new(),
            files: vec![report],
            errors: Vec::new(),
            baseline: None,
            grandfathered: None,
        };
        let _ = human::render(&result, &style);
        let _ = json::render(&result);
    }
}

#[test]
fn schema_replay_never_panics_and_hints_change_nothing() {
    // Mutated histories of three migrations: the directory replay (starts and round
    // trips), the schema's DDL and JSON. A replay with hints (a history) and one that
    // scans (a migration's copy, here of an empty schema) must build the same schema.
    let corpus = corpus();
    let mut rng = Rng(0x0dd_ba11_5eed_0042);
    for _ in 0..iterations() / 3 {
        let files: Vec<SourceFile> = (1..=3)
            .map(|n| {
                let base = &corpus[rng.below(corpus.len())];
                SourceFile::new(format!("{n:03}_m.sql"), mutate(&mut rng, base))
            })
            .collect();
        let refs: Vec<&SourceFile> = files.iter().collect();
        let histories = locksmith::lint::history::sql_history(&refs, true);
        assert_eq!(histories.len(), files.len());
        // The directory lint's replay, which parses each file whole and hands that parse
        // on, must give the same histories, and a parse equal to the lint's own.
        let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
        let read = |i: usize| Some(files[i].clone());
        let mut handed = 0;
        locksmith::lint::history::sql_replay(&names, &read, true, true, &mut |chunk| {
            for replayed in chunk {
                handed += 1;
                let expected = &histories[replayed.index];
                assert!(replayed.history.start == expected.start, "{names:?}");
                assert_eq!(replayed.history.roundtrip, expected.roundtrip);
                let text = &files[replayed.index].text;
                if let Some(parsed) = replayed.parsed {
                    let own = locksmith::parse::parse_sql(text);
                    let spans = |p: &locksmith::parse::Parsed| {
                        (p.statements.iter())
                            .map(|s| (s.span.clone(), s.node.clone()))
                            .collect::<Vec<_>>()
                    };
                    assert!(spans(&parsed) == spans(&own), "{text}");
                    assert_eq!(parsed.errors, own.errors);
                }
            }
        });
        assert_eq!(handed, files.len());
        let mut hinted = Catalog::default();
        let mut scanned = Catalog::default().subset(&locksmith::schema::NameSet::default());
        for file in &files {
            hinted.apply_sql(&file.text);
            scanned.apply_sql(&file.text);
            assert_eq!(hinted, scanned, "after {}:\n{}", file.name, file.text);
        }
        let _ = locksmith::report::schema::render_sql(&hinted, "fuzz");
        let _ = locksmith::report::schema::render_json(&hinted);
    }
}

#[test]
fn config_parser_never_panics() {
    let base = std::fs::read_to_string("lint.yaml").unwrap()
        + "rules:\n  dropping-column: off\n  renaming-table: error\nexclude:\n  - \"legacy/**\"\n  - \"[\"\n";
    let mut rng = Rng(0xc0ff_ee00_1234_5678);
    for _ in 0..iterations() {
        let text = mutate(&mut rng, &base);
        let _ = Config::parse(&text, "lint.yaml");
    }
}
