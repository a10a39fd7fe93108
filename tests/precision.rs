//! Precision fixtures: migrations taken from real projects' patterns on which a naive
//! linter cries wolf or misses a hazard. Each file under tests/fixtures/precision/ says in
//! its first comment what it protects; the rendered output of each is snapshotted under
//! snapshots/precision/.

use locksmith::config::Config;
use locksmith::report::human;
use locksmith::run::lint_paths;

fn render(path: &str, config: &Config) -> String {
    let result = lint_paths(&[path.to_string()], config);
    assert!(result.errors.is_empty(), "{path}: {:?}", result.errors);
    let style = human::Style {
        color: false,
        width: 100,
    };
    human::render(&result, &style)
}

#[test]
fn precision_fixtures_match_snapshots() {
    let mut paths: Vec<_> = std::fs::read_dir("tests/fixtures/precision")
        .unwrap()
        .map(|e| e.unwrap().path())
        // Not a Flyway script configuration file (`V4__x.sql.conf`): it is read with its
        // migration.
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "sql"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty());
    for path in paths {
        let path = path.to_string_lossy().into_owned();
        let name = path
            .rsplit('/')
            .next()
            .unwrap()
            .trim_end_matches(".sql")
            .to_string();
        // The file name says the config: a runner that wraps each file in a transaction,
        // one that runs single-statement files on their own (Prisma), Flyway's mixed=true.
        let mut config = Config::default();
        config.assume_in_transaction = name.contains("assume-in-transaction");
        config.single_statement_autocommit = name.contains("single-statement");
        config.flyway_mixed = name.contains("flyway-mixed");
        insta::with_settings!({ snapshot_path => "../snapshots/precision", prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(name, render(&path, &config));
        });
    }
}
