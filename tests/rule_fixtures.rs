//! Every rule has a fixture under tests/fixtures/rules/<id>.sql (Alembic rules: a directory
//! of revision files, tests/fixtures/rules/<id>/) in which it fires; the rendered human and
//! JSON output of each fixture is snapshotted under snapshots/.

use locksmith::config::Config;
use locksmith::report::{human, json};
use locksmith::rules;
use locksmith::run::lint_paths;

fn fixture(id: &str) -> String {
    let dir = format!("tests/fixtures/rules/{id}");
    if std::path::Path::new(&dir).is_dir() {
        dir
    } else {
        format!("{dir}.sql")
    }
}

#[test]
fn every_rule_fires_in_its_fixture_and_output_matches_snapshots() {
    for rule in rules::ALL {
        // A rule that is off by default is turned on for its own fixture.
        let config = Config::default().enabling(rule);
        let path = fixture(rule.id);
        let result = lint_paths(std::slice::from_ref(&path), &config);
        assert!(result.errors.is_empty(), "{path}: {:?}", result.errors);
        assert!(
            result
                .files
                .iter()
                .flat_map(|f| &f.findings)
                .any(|f| f.rule == *rule),
            "{} does not fire in {path}",
            rule.id
        );
        let style = human::Style {
            color: false,
            width: 100,
        };
        insta::with_settings!({ snapshot_path => "../snapshots/rules", prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!(format!("{}-human", rule.id), human::render(&result, &style));
            insta::assert_snapshot!(format!("{}-json", rule.id), json::render(&result));
        });
    }
}
