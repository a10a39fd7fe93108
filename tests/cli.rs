//! The command line as users run it: output of every command snapshotted under
//! snapshots/cli, exit codes asserted, and errors that name the file and line.

use std::io::Write;
use std::process::{Command, Stdio};

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_in(dir: &str, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_locksmith"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("locksmith runs");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run(args: &[&str]) -> Output {
    run_in(env!("CARGO_MANIFEST_DIR"), args, None)
}

fn snapshot(name: &str, out: &Output) {
    let text = format!(
        "exit code: {}\n--- stdout\n{}--- stderr\n{}",
        out.code, out.stdout, out.stderr
    );
    insta::with_settings!({ snapshot_path => "../snapshots/cli", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn lint_example_project_human() {
    let out = run(&["lint", "examples/shop"]);
    assert_eq!(out.code, 1);
    assert!(
        !out.stdout.contains('\x1b'),
        "NO_COLOR output has escape codes"
    );
    snapshot("lint-example-human", &out);
}

#[test]
fn lint_example_project_json() {
    let out = run(&["lint", "--format", "json", "examples/shop"]);
    assert_eq!(out.code, 1);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    assert_eq!(value["schema_version"], 1);
    assert_eq!(value["summary"]["files"], 8);
    snapshot("lint-example-json", &out);
}

#[test]
fn lint_example_project_github_and_sarif() {
    let github = run(&["lint", "--format", "github", "examples/shop"]);
    assert_eq!(github.code, 1);
    assert!(github.stdout.lines().all(|l| l.starts_with("::error ")
        || l.starts_with("::warning ")
        || l.starts_with("::notice ")));
    snapshot("lint-example-github", &github);
    let sarif = run(&["lint", "--format", "sarif", "examples/shop"]);
    let value: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("valid JSON");
    assert_eq!(value["version"], "2.1.0");
    assert!(
        value["runs"][0]["results"]
            .as_array()
            .is_some_and(|r| !r.is_empty())
    );
    snapshot("lint-example-sarif", &sarif);
}

#[test]
fn fail_on_threshold_and_clean_exit() {
    let warnings_only = "tests/fixtures/rules/dropping-column.sql";
    assert_eq!(run(&["lint", warnings_only]).code, 0);
    assert_eq!(
        run(&["lint", "--fail-on", "warning", warnings_only]).code,
        1
    );
    let clean = run(&["lint", "examples/shop/migrations/V001__create_users.sql"]);
    assert_eq!(clean.code, 0);
    snapshot("lint-clean", &clean);
}

/// Migrations whose tool templates their SQL (gobuffalo/pop's Go templates, Flyway's
/// `${}`, psql's `\set` variables): every statement is linted, and messages and help name
/// the templates as written.
#[test]
fn templated_migrations_are_linted_with_their_templates_named() {
    let out = run(&["lint", "tests/fixtures/templated"]);
    assert_eq!(out.code, 1);
    assert!(!out.stdout.contains("syntax-error"), "{}", out.stdout);
    assert!(out.stdout.contains("in 4 files (8 statements checked)"));
    for stand_in in ["___", "_app_schema"] {
        assert!(
            !out.stdout.contains(stand_in),
            "a stand-in shows: {}",
            out.stdout
        );
    }
    assert!(
        out.stdout
            .contains("AccessExclusiveLock on :app_schema.sessions")
    );
    snapshot("lint-templated", &out);
    let json = run(&["lint", "--format", "json", "tests/fixtures/templated"]);
    assert!(
        json.stdout.contains(
            r#"ALTER TABLE ${schema}.sessions ADD COLUMN ip inet NOT NULL DEFAULT <value>"#
        )
    );
}

#[test]
fn lint_stdin() {
    let out = run_in(
        env!("CARGO_MANIFEST_DIR"),
        &["lint", "-"],
        Some(b"ALTER TABLE users DROP COLUMN email;\n"),
    );
    assert_eq!(out.code, 0);
    snapshot("lint-stdin", &out);
}

#[test]
fn missing_file_is_exit_2_and_the_rest_is_still_linted() {
    let out = run(&[
        "lint",
        "no/such/file.sql",
        "tests/fixtures/rules/dropping-table.sql",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.contains("dropping-table"));
    snapshot("lint-missing-file", &out);
}

#[test]
fn non_utf8_file_names_the_line() {
    let dir = std::env::temp_dir().join(format!("locksmith-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("latin1.sql"), b"SELECT 1;\nSELECT 'caf\xe9';\n").unwrap();
    std::fs::write(dir.join("ok.sql"), b"ALTER TABLE users DROP COLUMN a;\n").unwrap();
    let out = run_in(
        dir.to_str().unwrap(),
        &["lint", "--config", "/dev/null", "."],
        None,
    );
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("latin1.sql:2: file is not valid UTF-8"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains("dropping-column"),
        "the other file is still linted"
    );
}

#[test]
fn config_errors_name_file_and_line() {
    for (name, config) in [
        (
            "config-unknown-key",
            "postgres_version: 15\nassume_in_transation: true\n",
        ),
        (
            "config-unknown-rule",
            "rules:\n  creating-index-concurrently: off\n",
        ),
        ("config-bad-yaml", "rules:\n  - [\n"),
        ("config-bad-version", "postgres_version: 9\n"),
    ] {
        let dir = std::env::temp_dir().join(format!("locksmith-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("lint.yaml"), config).unwrap();
        std::fs::write(dir.join("m.sql"), "SELECT 1;\n").unwrap();
        let out = run_in(dir.to_str().unwrap(), &["lint", "m.sql"], None);
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(out.code, 2, "{name}");
        let stderr = out.stderr.replace(dir.to_str().unwrap(), "<dir>");
        snapshot(name, &Output { stderr, ..out });
    }
}

#[test]
fn bad_flag_values_are_usage_errors() {
    assert_eq!(
        run(&["lint", "--postgres-version", "8", "examples/shop"]).code,
        2
    );
    assert_eq!(run(&["lint", "--format", "xml", "examples/shop"]).code, 2);
    assert_eq!(run(&["lint"]).code, 2);
}

#[test]
fn explain_human_and_json() {
    let sql = "SET lock_timeout = '2s';\n\
               ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid(), ALTER COLUMN name SET NOT NULL;\n\
               ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n\
               CREATE INDEX CONCURRENTLY users_email_idx ON users (email);";
    let human = run(&["explain", sql]);
    assert_eq!(human.code, 0);
    snapshot("explain-human", &human);
    let json = run(&["explain", "--format", "json", sql]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("valid JSON");
    assert_eq!(
        value["statements"][1]["locks"][0]["mode"],
        "AccessExclusiveLock"
    );
    assert_eq!(value["statements"][3]["transaction_allowed"], false);
    snapshot("explain-json", &json);
}

#[test]
fn explain_a_file_and_versions() {
    let out = run(&[
        "explain",
        "--postgres-version",
        "11",
        "ALTER INDEX users_email_idx RENAME TO users_email_key",
    ]);
    assert!(out.stdout.contains("AccessExclusiveLock"), "{}", out.stdout);
    let out = run(&[
        "explain",
        "--postgres-version",
        "12",
        "ALTER INDEX users_email_idx RENAME TO users_email_key",
    ]);
    assert!(
        out.stdout.contains("ShareUpdateExclusiveLock"),
        "{}",
        out.stdout
    );
    let out = run(&[
        "explain",
        "examples/shop/migrations/V003__add_user_email.sql",
    ]);
    assert_eq!(out.code, 0);
    snapshot("explain-file", &out);
}

#[test]
fn rules_and_rule_docs() {
    let list = run(&["rules"]);
    assert_eq!(list.code, 0);
    snapshot("rules", &list);
    let json = run(&["rules", "--format", "json"]);
    snapshot("rules-json", &json);
    let doc = run(&["rule", "creating-index-non-concurrently"]);
    assert_eq!(doc.code, 0);
    assert!(doc.stdout.starts_with("# creating-index-non-concurrently"));
    let unknown = run(&["rule", "creating-index-concurently"]);
    assert_eq!(unknown.code, 2);
    snapshot("rule-unknown", &unknown);
}

#[test]
fn color_is_opt_in_when_piped() {
    let always = run(&[
        "lint",
        "--color",
        "always",
        "tests/fixtures/rules/dropping-table.sql",
    ]);
    assert!(always.stdout.contains('\x1b'));
    let never = run(&[
        "lint",
        "--color",
        "never",
        "tests/fixtures/rules/dropping-table.sql",
    ]);
    assert!(!never.stdout.contains('\x1b'));
}

#[test]
fn sql_preview_of_the_example_plain_annotated_and_markdown() {
    let plain = run(&["sql", "examples/shop"]);
    assert_eq!(plain.code, 0);
    assert!(
        !plain.stdout.contains("-- ok:"),
        "plain output is not annotated"
    );
    snapshot("sql-example-plain", &plain);
    let annotated = run(&["sql", "--annotate", "examples/shop"]);
    assert!(annotated.stdout.contains("[changing-column-type]"));
    snapshot("sql-example-annotated", &annotated);
    snapshot(
        "sql-example-markdown",
        &run(&["sql", "--format", "markdown", "examples/shop"]),
    );
}

#[test]
fn sql_preview_follows_each_tools_order() {
    let dirs = "tests/fixtures/sql_dirs";
    for (tool, args) in [
        ("flyway", vec!["--annotate"]),
        ("flyway-down", vec!["--downgrade"]),
        ("golang-migrate", vec![]),
        ("golang-migrate-down", vec!["--downgrade"]),
        ("dbmate", vec!["--annotate"]),
        ("dbmate-down", vec!["--downgrade"]),
        ("goose", vec!["--annotate"]),
        ("goose-down", vec!["--downgrade"]),
        ("sql-migrate", vec!["--annotate"]),
        ("sql-migrate-down", vec!["--downgrade"]),
        ("sqitch", vec!["--annotate"]),
        ("sqitch-down", vec!["--downgrade"]),
    ] {
        let dir = format!(
            "{dirs}/{}",
            tool.trim_end_matches("-down").replace('-', "_")
        );
        let mut all = vec!["sql"];
        all.extend(args);
        all.push(&dir);
        let out = run(&all);
        assert_eq!(out.code, 0, "{tool}: {}", out.stderr);
        snapshot(&format!("sql-{tool}"), &out);
    }
}

#[test]
fn sql_preview_of_a_missing_path_is_exit_2() {
    let out = run(&["sql", "no/such/dir"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no/such/dir"), "{}", out.stderr);
}

#[test]
fn lint_alembic_example_project() {
    let out = run(&["lint", "tests/alembic/example"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("730ecdaaeda6_add_user_email.py:25:5"),
        "{}",
        out.stdout
    );
    snapshot("lint-alembic-example-human", &out);
    snapshot(
        "lint-alembic-example-json",
        &run(&["lint", "--format", "json", "tests/alembic/example"]),
    );
    // With no PATH, the alembic.ini of the current directory.
    let here = run_in(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/alembic/example"),
        &["lint", "--downgrade"],
        None,
    );
    assert_eq!(here.code, 1);
    snapshot("lint-alembic-example-downgrade", &here);
}

#[test]
fn lint_alembic_revision_with_autocommit_help_and_bad_python() {
    let dir = "tests/fixtures/rules/concurrently-in-transaction-alembic";
    let out = run(&["lint", dir]);
    assert_eq!(out.code, 1);
    snapshot("lint-alembic-concurrently", &out);
}

#[test]
fn sql_preview_of_alembic_ranges_downgrades_and_single_revisions() {
    let example = "tests/alembic/example";
    for (name, args) in [
        ("sql-alembic-full", vec!["sql", example]),
        ("sql-alembic-annotated", vec!["sql", "--annotate", example]),
        (
            "sql-alembic-range",
            vec!["sql", "--from", "07cde", "--to", "a2d4", example],
        ),
        (
            "sql-alembic-downgrade",
            vec!["sql", "--downgrade", "--to", "-2", example],
        ),
        (
            "sql-alembic-markdown",
            vec!["sql", "--format", "markdown", example],
        ),
        (
            "sql-alembic-single-revision",
            vec![
                "sql",
                "--annotate",
                "tests/alembic/example/migrations/versions/91af39eb5a8e_add_user_nickname.py",
            ],
        ),
        (
            "sql-alembic-merge-and-branch",
            vec!["sql", "--to", "heads", "tests/fixtures/alembic_branches"],
        ),
        (
            "sql-alembic-branch-label",
            vec![
                "sql",
                "--to",
                "reporting@head",
                "tests/fixtures/alembic_branches",
            ],
        ),
    ] {
        let out = run(&args);
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        snapshot(name, &out);
    }
    let unknown = run(&["sql", "--to", "nope", example]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("heads: fbc2d3736308"),
        "{}",
        unknown.stderr
    );
}

/// The README's quick start shows what its first command really prints.
#[test]
fn readme_quick_start_output_is_what_the_command_prints() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    assert!(readme.contains("cargo run -q -- lint tests/alembic/example"));
    let marker = "What the first command prints, in part:\n\n```\n";
    let start = readme.find(marker).expect("quick start output block") + marker.len();
    let block = &readme[start..start + readme[start..].find("```").unwrap()];
    let out = run(&["lint", "tests/alembic/example"]);
    assert_eq!(out.code, 1);
    for part in block.split("...\n") {
        assert!(
            out.stdout.contains(part),
            "README quick start shows output the command does not print:\n{part}"
        );
    }
}

/// A column is a count of characters in every output format (miette's own count is in
/// bytes), and a megabyte-long line is shown shortened around the finding.
#[test]
fn columns_count_characters_and_long_lines_are_shortened() {
    let dir = std::env::temp_dir().join(format!("locksmith-columns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("m.sql");
    std::fs::write(&file, "SELECT 'éé'; ALTER TABLE users DROP COLUMN x;\n").unwrap();
    let path = file.to_str().unwrap();
    let human = run(&["lint", path]);
    assert!(
        human.stdout.contains(&format!("{path}:1:14]")),
        "{}",
        human.stdout
    );
    let json = run(&["lint", "--format", "json", path]);
    assert!(json.stdout.contains("\"column\": 14"), "{}", json.stdout);
    let github = run(&["lint", "--format", "github", path]);
    assert!(
        github.stdout.contains("line=1,col=14,"),
        "{}",
        github.stdout
    );

    let long = format!(
        "SELECT {}1 FROM t; ALTER TABLE users DROP COLUMN x;\n",
        "1, ".repeat(100_000)
    );
    std::fs::write(&file, &long).unwrap();
    let human = run(&["lint", path]);
    assert_eq!(human.code, 0);
    assert!(human.stdout.contains("DROP COLUMN x"), "{}", human.stdout);
    assert!(
        human.stdout.len() < 10_000,
        "{} bytes of output",
        human.stdout.len()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A temporary directory with `files` (path, contents), removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str, files: &[(&str, &str)]) -> TempDir {
        let dir = std::env::temp_dir().join(format!("locksmith-{name}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn revision(id: &str, down: &str) -> String {
    format!(
        "from alembic import op\nimport sqlalchemy as sa\n\nrevision = '{id}'\ndown_revision = {down}\n\ndef upgrade():\n    op.create_table('t_{id}', sa.Column('id', sa.Integer()))\n"
    )
}

#[test]
fn sql_preview_marks_what_it_cannot_render() {
    let project = "tests/fixtures/alembic_unrenderable";
    let marker = "-- locksmith: not rendered: loop over runtime data";
    let line = "bbbbbbbbbbbb_backfill_plans.py:16)";
    let plain = run(&["sql", project]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(
        plain.stdout.contains(marker) && plain.stdout.contains(line),
        "{}",
        plain.stdout
    );
    snapshot("sql-alembic-not-rendered", &plain);
    let annotated = run(&["sql", "--annotate", project]);
    assert!(annotated.stdout.contains(marker), "{}", annotated.stdout);
    let markdown = run(&["sql", "--format", "markdown", project]);
    assert!(
        markdown.stdout.contains("not rendered"),
        "{}",
        markdown.stdout
    );
    assert!(markdown.stdout.contains(line), "{}", markdown.stdout);
}

/// A statement rendered with placeholders is marked in every output: a comment above it in
/// `sql`, `approximate`/`unknown` per statement in `sql --format json`, a note in the
/// statement's cell and a count in the headline of `sql --format markdown`, the coverage
/// line and the `rendered` counts in both summaries.
#[test]
fn sql_preview_marks_approximate_statements() {
    let file = "tests/fixtures/rules/approximate-rendering/a1_seed_settings.py";
    let plain = run(&["sql", file]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(
        plain
            .stdout
            .contains("-- locksmith: approximate (unknown: uuid.uuid4())\nINSERT INTO settings"),
        "{}",
        plain.stdout
    );
    snapshot("sql-alembic-approximate", &plain);
    let json = run(&["sql", "--format", "json", file]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let statements = value["units"][0]["statements"].as_array().unwrap();
    assert_eq!(statements.len(), 2, "{}", json.stdout);
    assert!(statements.iter().all(|s| s["approximate"] == true));
    assert_eq!(
        statements[1]["unknown"],
        serde_json::json!(["uuid.uuid4()"])
    );
    assert_eq!(
        value["summary"]["rendered"],
        serde_json::json!({"exact": 0, "approximate": 2, "not_rendered": 0})
    );
    snapshot("sql-alembic-approximate-json", &json);
    let markdown = run(&["sql", "--format", "markdown", file]);
    assert_eq!(markdown.code, 0, "{}", markdown.stderr);
    assert!(
        markdown
            .stdout
            .contains("(approximate: unknown uuid.uuid4())")
            && markdown
                .stdout
                .contains("**2 statements rendered approximately**"),
        "{}",
        markdown.stdout
    );
    snapshot("sql-alembic-approximate-markdown", &markdown);
}

#[test]
fn sql_preview_of_a_broken_revision_graph_is_an_error() {
    for (name, files, message) in [
        (
            "cycle",
            vec![
                ("versions/a.py", revision("aaa", "'bbb'")),
                ("versions/b.py", revision("bbb", "'aaa'")),
            ],
            "cycle",
        ),
        (
            "dangling",
            vec![
                ("versions/a.py", revision("aaa", "None")),
                ("versions/b.py", revision("bbb", "'nope'")),
            ],
            "down_revision nope names no known revision",
        ),
        (
            "duplicate",
            vec![
                ("versions/a.py", revision("aaa", "None")),
                ("versions/b.py", revision("aaa", "None")),
            ],
            "duplicate revision id aaa",
        ),
    ] {
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let dir = TempDir::new(&format!("graph-{name}"), &files);
        let out = run(&["sql", &format!("{}/versions", dir.path())]);
        assert_eq!(out.code, 2, "{name}: {}", out.stdout);
        assert!(out.stderr.contains(message), "{name}: {}", out.stderr);
        assert!(
            out.stderr.starts_with("error: ") && out.stderr.contains(".py:"),
            "{name}: {}",
            out.stderr
        );
        if name == "dangling" {
            assert!(
                out.stdout.contains("CREATE TABLE t_aaa"),
                "still previewed: {}",
                out.stdout
            );
        }
    }
}

#[test]
fn discovery_follows_symlinked_files_and_reports_broken_links() {
    let dir = TempDir::new(
        "symlinks",
        &[("shared/V1__drop.sql", "ALTER TABLE users DROP COLUMN a;\n")],
    );
    let migrations = dir.0.join("migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    std::os::unix::fs::symlink(
        dir.0.join("shared/V1__drop.sql"),
        migrations.join("V1__drop.sql"),
    )
    .unwrap();
    std::os::unix::fs::symlink(dir.0.join("gone.sql"), migrations.join("V2__gone.sql")).unwrap();
    let out = run(&[
        "lint",
        "--config",
        "/dev/null",
        migrations.to_str().unwrap(),
    ]);
    assert!(out.stdout.contains("dropping-column"), "{}", out.stdout);
    assert!(
        out.stderr.contains("V2__gone.sql: broken symbolic link"),
        "{}",
        out.stderr
    );
    assert_eq!(out.code, 2);
}

#[test]
fn a_path_with_nothing_to_lint_is_an_error_that_says_why() {
    let dir = TempDir::new(
        "nothing",
        &[
            (
                "revs/abc_add.py",
                "def upgrade():\n    op.drop_table('x')\n",
            ),
            ("empty/README", ""),
        ],
    );
    let revs = format!("{}/revs", dir.path());
    let out = run(&["lint", "--config", "/dev/null", &revs]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("nothing to lint"), "{}", out.stderr);
    assert!(
        out.stderr.contains(".py files not linted (") && out.stderr.contains("abc_add.py"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("no alembic.ini"), "{}", out.stderr);
    let empty = run(&[
        "lint",
        "--config",
        "/dev/null",
        &format!("{}/empty", dir.path()),
    ]);
    assert_eq!(empty.code, 2);
    assert!(empty.stderr.contains("nothing to lint"), "{}", empty.stderr);
    // A .py file beside linted .sql files is a warning, not an error.
    let shop = run(&["lint", "tests/fixtures/alembic_projects/not_alembic"]);
    assert_eq!(shop.code, 0, "{}", shop.stderr);
    assert!(
        shop.stderr.contains("warning:") && shop.stderr.contains("util.py"),
        "{}",
        shop.stderr
    );
}

#[test]
fn a_bad_config_still_lints_with_the_defaults() {
    for config in ["assume_in_transation: true\n", "rules:\n  - [\n"] {
        let dir = TempDir::new(
            "bad-config",
            &[
                ("lint.yaml", config),
                ("m.sql", "ALTER TABLE users DROP COLUMN a;\n"),
            ],
        );
        let human = run_in(dir.path(), &["lint", "m.sql"], None);
        assert_eq!(human.code, 2);
        assert!(human.stdout.contains("dropping-column"), "{}", human.stdout);
        assert!(human.stderr.contains("lint.yaml:"), "{}", human.stderr);
        let json = run_in(dir.path(), &["lint", "--format", "json", "m.sql"], None);
        assert_eq!(json.code, 2);
        let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("valid JSON");
        assert!(
            value["errors"][0]["file"]
                .as_str()
                .unwrap()
                .ends_with("lint.yaml")
        );
        assert!(value["errors"][0]["line"].is_number());
        assert_eq!(value["findings"][0]["rule"], "dropping-column");
        let sarif = run_in(dir.path(), &["lint", "--format", "sarif", "m.sql"], None);
        let value: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("valid SARIF");
        assert_eq!(value["version"], "2.1.0");
        let github = run_in(dir.path(), &["lint", "--format", "github", "m.sql"], None);
        assert!(
            github.stdout.starts_with("::error file="),
            "{}",
            github.stdout
        );
        let sql = run_in(dir.path(), &["sql", "m.sql"], None);
        assert_eq!(sql.code, 2);
        assert!(sql.stdout.contains("DROP COLUMN"), "{}", sql.stdout);
    }
}

#[test]
fn explain_reads_the_inputs_lint_reads() {
    let missing = run(&["explain", "/no/such.sql"]);
    assert_eq!(missing.code, 2, "{}", missing.stdout);
    assert!(
        missing.stderr.contains("/no/such.sql: no such file"),
        "{}",
        missing.stderr
    );
    assert!(
        !missing.stdout.contains("syntax error"),
        "{}",
        missing.stdout
    );
    let revision = "tests/alembic/example/migrations/versions/730ecdaaeda6_add_user_email.py";
    let out = run(&["explain", revision]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("730ecdaaeda6_add_user_email.py:25:5"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("ALTER TABLE users ADD COLUMN email TEXT NOT NULL"),
        "{}",
        out.stdout
    );
    snapshot("explain-alembic-revision", &out);
    let project = run(&["explain", "--format", "json", "tests/alembic/example"]);
    let value: serde_json::Value = serde_json::from_str(&project.stdout).expect("valid JSON");
    assert!(
        value["files"].as_array().is_some_and(|f| f.len() > 1),
        "{}",
        project.stdout
    );
    let dir = run(&["explain", "examples/shop/migrations"]);
    assert!(
        dir.stdout.contains("V003__add_user_email.sql"),
        "{}",
        dir.stdout
    );
    // Literal SQL with a `/` in it is still SQL.
    assert_eq!(run(&["explain", "SELECT 4 / 2"]).code, 0);
}

#[test]
fn rule_suggests_the_id_a_typo_or_abbreviation_means() {
    for typo in ["drop-column", "DROPPING-COLUMN", "dropping_colum"] {
        let out = run(&["rule", typo]);
        assert_eq!(out.code, 2);
        assert!(
            out.stderr.contains("did you mean `dropping-column`?"),
            "{typo}: {}",
            out.stderr
        );
    }
}

#[test]
fn explain_colors_lock_lines_only_when_asked() {
    let sql = "ALTER TABLE users ADD COLUMN a int; CREATE INDEX i ON users (a)";
    let always = run(&["explain", "--color", "always", sql]);
    assert!(always.stdout.contains("\x1b[31"), "red: {}", always.stdout);
    assert!(
        always.stdout.contains("\x1b[33"),
        "yellow: {}",
        always.stdout
    );
    assert!(!run(&["explain", sql]).stdout.contains('\x1b'));
}

/// The pull-request summary of `sql --format markdown` counts what `lint` counts: the
/// migrations' own statements (Alembic's bookkeeping apart), files, and every finding.
#[test]
fn markdown_preview_counts_as_lint_does() {
    for project in ["tests/alembic/example", "examples/shop"] {
        let lint = run(&["lint", project]);
        // "4 errors, 1 warning, 1 info in 6 files (27 statements checked)" (for Alembic
        // followed by the rendering line)
        let summary = lint
            .stdout
            .lines()
            .rev()
            .find(|l| l.contains("checked"))
            .unwrap();
        let (findings, rest) = summary.split_once(" in ").unwrap();
        let files = rest.split(' ').next().unwrap();
        let statements = rest.split('(').nth(1).unwrap().split(' ').next().unwrap();
        let markdown = run(&["sql", "--format", "markdown", project]);
        let headline = markdown.stdout.lines().nth(2).unwrap();
        assert!(
            headline.starts_with(&format!(
                "**{statements} statements** in {files} migrations"
            )),
            "{headline}\n{summary}"
        );
        assert!(headline.ends_with(findings), "{headline}\n{summary}");
    }
}

/// `lint --format markdown` is a pull-request comment; `--output FILE` writes the report
/// there while the terminal gets the human output.
#[test]
fn lint_markdown_and_output_file() {
    let out = run(&["lint", "--format", "markdown", "tests/alembic/example"]);
    assert_eq!(out.code, 1);
    snapshot("lint-alembic-example-markdown", &out);
    // Well-formed: every table row has the header's six cells, details blocks are closed.
    for line in out.stdout.lines().filter(|l| l.starts_with('|')) {
        let cells = line.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 7, "{line}");
    }
    assert_eq!(
        out.stdout.matches("<details>").count(),
        out.stdout.matches("</details>").count()
    );

    let dir = TempDir::new("output", &[]);
    let report = dir.0.join("report.json");
    let out = run(&[
        "lint",
        "--format",
        "json",
        "--output",
        report.to_str().unwrap(),
        "examples/shop",
    ]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("adding-not-null-column (rules/adding-not-null-column.md)")
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["summary"]["errors"], 4);

    let out = run(&[
        "lint",
        "--output",
        "/no/such/dir/report.json",
        "examples/shop",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("/no/such/dir/report.json"),
        "{}",
        out.stderr
    );
}

/// `[tool.locksmith]` in pyproject.toml configures locksmith like lint.yaml; when a
/// directory has both, lint.yaml wins and a note says so.
#[test]
fn pyproject_tool_locksmith_is_found_and_lint_yaml_wins() {
    let migration = "ALTER TABLE users DROP COLUMN legacy;\n";
    let pyproject = "[project]\nname = \"app\"\n\n[tool.locksmith.rules]\ndropping-column = \"off\"\nmissing-lock-timeout = \"off\"\n";
    let dir = TempDir::new(
        "pyproject-config",
        &[
            ("pyproject.toml", pyproject),
            ("migrations/V1__drop.sql", migration),
        ],
    );
    let out = run_in(dir.path(), &["lint", "migrations"], None);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("0 errors, 0 warnings"),
        "{}",
        out.stdout
    );

    std::fs::write(
        dir.0.join("lint.yaml"),
        "rules:\n  missing-lock-timeout: off\n",
    )
    .unwrap();
    let out = run_in(dir.path(), &["lint", "migrations"], None);
    assert!(out.stdout.contains("dropping-column"), "{}", out.stdout);
    assert!(
        out.stderr.contains("the [tool.locksmith] table in") && out.stderr.contains("is ignored"),
        "{}",
        out.stderr
    );

    std::fs::remove_file(dir.0.join("lint.yaml")).unwrap();
    let bad = "[tool.locksmith]\nfail_on = \"sometimes\"\n";
    std::fs::write(dir.0.join("pyproject.toml"), bad).unwrap();
    let out = run_in(dir.path(), &["lint", "migrations"], None);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("pyproject.toml:2:"), "{}", out.stderr);
}

/// A list of files (as pre-commit passes them) is linted in one parallel pass, and the
/// output is the same byte for byte whatever the number of threads, in input order, in
/// every format (stdout, stderr and exit code), with an Alembic project and a directory
/// among the inputs.
#[test]
fn file_lists_give_the_same_output_on_one_thread_and_many() {
    let mut files: Vec<String> = std::fs::read_dir("tests/fixtures/rules")
        .unwrap()
        .flatten()
        .map(|e| e.path().display().to_string())
        .filter(|p| p.ends_with(".sql"))
        .collect();
    files.sort();
    files.reverse(); // not the walk order: input order must be kept
    assert!(files.len() > 10);
    let mut inputs = files.clone();
    inputs.insert(3, "tests/alembic/example".into());
    inputs.insert(7, "examples/shop".into());
    let lint = |format: &str, threads: &str| {
        Command::new(env!("CARGO_BIN_EXE_locksmith"))
            .args(["lint", "--color", "never", "--format", format])
            .args(&inputs)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap()
    };
    for format in ["human", "json", "sarif", "github", "markdown", "gitlab"] {
        let one = lint(format, "1");
        assert_eq!(one.status.code(), Some(1), "{format}");
        assert!(one.stdout.len() > 1000, "{format}: too little output");
        for threads in ["2", "4"] {
            let many = lint(format, threads);
            assert!(
                one.stdout == many.stdout,
                "{format}: stdout differs on {threads} threads"
            );
            assert_eq!(
                one.stderr, many.stderr,
                "{format}: stderr, {threads} threads"
            );
            assert_eq!(one.status.code(), many.status.code(), "{format}");
        }
        if format == "json" {
            let text = String::from_utf8(one.stdout).unwrap();
            let order: Vec<usize> = files
                .iter()
                .filter_map(|f| text.find(&format!("\"file\": \"{f}\"")))
                .collect();
            assert!(order.len() > 10);
            assert!(
                order.windows(2).all(|w| w[0] < w[1]),
                "findings not in input order"
            );
        }
    }
}

/// Paths of one file each are linted a few windows at a time, and a window of quick files
/// may finish before one started earlier: the reports still come in input order, the
/// same on any number of threads, with a directory's history between the files.
#[test]
fn many_one_file_paths_are_reported_in_input_order_on_any_number_of_threads() {
    let dir = std::env::temp_dir().join(format!("locksmith-windows-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("history")).unwrap();
    let mut inputs = Vec::new();
    for i in 0..400 {
        // Every seventh file two hundred statements long: windows differ in their work.
        let statements = if i % 7 == 0 { 200 } else { 1 };
        let sql: String = (0..statements)
            .map(|k| format!("CREATE INDEX i{i}_{k} ON t (c);\n"))
            .collect();
        let path = dir.join(format!("{i:03}.sql"));
        std::fs::write(&path, sql).unwrap();
        inputs.push(path.display().to_string());
    }
    std::fs::write(
        dir.join("history/001_a.sql"),
        "CREATE TABLE h (id bigint);\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("history/002_b.sql"),
        "CREATE INDEX hi ON h (id);\n",
    )
    .unwrap();
    let mut args = inputs.clone();
    args.insert(250, dir.join("history").display().to_string());
    inputs.insert(250, dir.join("history/002_b.sql").display().to_string());
    let lint = |threads: &str| {
        Command::new(env!("CARGO_BIN_EXE_locksmith"))
            .args(["lint", "--format", "json"])
            .args(&args)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap()
    };
    let one = lint("1");
    assert_eq!(one.status.code(), Some(1));
    let text = String::from_utf8(one.stdout.clone()).unwrap();
    let order: Vec<usize> = (inputs.iter())
        .map(|f| (text.find(&format!("\"file\": \"{f}\""))).unwrap_or_else(|| panic!("{f}")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "not in input order");
    for threads in ["2", "3", "8"] {
        let many = lint(threads);
        assert!(
            one.stdout == many.stdout,
            "stdout differs on {threads} threads"
        );
        assert_eq!(one.stderr, many.stderr, "stderr, {threads} threads");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A file of `LOCKSMITH_HAND_ON_AT` bytes or more (4 MiB by default) is linted on its own
/// thread while its findings are reported a few thousand at a time, as they are final:
/// the output is the one of the whole report, byte for byte, in every format (GitLab's
/// takes the whole report), among other files, on one thread and two.
#[test]
fn a_big_file_whose_findings_are_handed_on_reports_the_same() {
    // Findings in blocks and out of them, syntax errors between statements, and a DO
    // block after which the rest is kept to the end: over 4,096 findings before it.
    let mut big = String::new();
    for i in 0..3000 {
        big.push_str(&format!(
            "CREATE INDEX i{i} ON t{i} (c);
BEGIN;
ALTER TABLE t{i} ADD COLUMN c{i} int NOT NULL;
DROP INDEX j{i};
COMMIT;
"
        ));
        if i % 200 == 7 {
            big.push_str(
                "CREATE TABLEE broken (id int);
",
            );
        }
    }
    big.push_str(
        "DO $$ BEGIN EXECUTE 'DROP TABLE x'; END $$;
DROP TABLE y;
BEGIN;
DROP TABLE z;
",
    );
    let dir = TempDir::new(
        "hand-on",
        &[
            ("big.sql", &big),
            (
                "small.sql",
                "DROP TABLE users;
",
            ),
        ],
    );
    let inputs = [
        "tests/fixtures/rules/dropping-table.sql".to_string(),
        format!("{}/big.sql", dir.path()),
        format!("{}/small.sql", dir.path()),
    ];
    let lint = |format: &str, hand_on_at: &str, threads: &str| {
        Command::new(env!("CARGO_BIN_EXE_locksmith"))
            .args(["lint", "--color", "never", "--format", format])
            .args(&inputs)
            .env("LOCKSMITH_HAND_ON_AT", hand_on_at)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap()
    };
    for format in ["human", "json", "sarif", "github", "markdown", "gitlab"] {
        let whole = lint(format, "1000000000", "2");
        assert_eq!(whole.status.code(), Some(1), "{format}");
        for threads in ["1", "2"] {
            let handed_on = lint(format, "100000", threads);
            assert!(
                whole.stdout == handed_on.stdout,
                "{format}: stdout differs when handed on, {threads} threads"
            );
            assert_eq!(whole.stderr, handed_on.stderr, "{format}");
            assert_eq!(whole.status.code(), handed_on.status.code(), "{format}");
        }
    }
    let json = lint("json", "100000", "2");
    let findings = String::from_utf8(json.stdout)
        .unwrap()
        .matches("\"rule\": ")
        .count();
    assert!(
        findings > 2 * 4096,
        "{findings} findings: too few to hand on twice"
    );
}

/// A directory is replayed in its tool's order (Flyway's `V2` before `V10`) a chunk at a
/// time while the chunks replayed already are linted: every file, in every chunk, is
/// linted knowing what the files before it built, the reports come out in input order
/// (file names sorted), and the output is the same on one thread and many.
#[test]
fn a_directory_is_linted_with_its_history_in_input_order_on_any_number_of_threads() {
    let count = 150; // more than two of the replay's chunks
    let files: Vec<(String, String)> = (1..=count)
        .map(|n| {
            let mut sql = format!("CREATE TABLE t{n} (c int);\n");
            if n > 1 {
                sql += &format!("ALTER TABLE t{} ALTER COLUMN c TYPE bigint;\n", n - 1);
            }
            (format!("V{n}__step.sql"), sql)
        })
        .collect();
    let refs: Vec<(&str, &str)> = (files.iter())
        .map(|(name, sql)| (name.as_str(), sql.as_str()))
        .collect();
    let dir = TempDir::new("directory-pipeline", &refs);
    let lint = |threads: &str| {
        Command::new(env!("CARGO_BIN_EXE_locksmith"))
            .args(["lint", "--format", "json"])
            .arg(&dir.0)
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .unwrap()
    };
    let one = lint("1");
    assert_eq!(one.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    let changes: Vec<(&str, &str)> = (json["findings"].as_array().unwrap().iter())
        .filter(|f| f["rule"] == "changing-column-type")
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            (
                file.rsplit('/').next().unwrap(),
                f["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes.len(),
        count - 1,
        "one type change per file but the first"
    );
    let mut names: Vec<&str> = changes.iter().map(|(file, _)| *file).collect();
    let in_input_order = names.clone();
    names.sort();
    assert_eq!(in_input_order, names, "reports in input (file name) order");
    for (file, message) in &changes {
        assert!(
            !message.contains("not known from the migrations"),
            "{file} was linted without its history: {message}"
        );
    }
    for threads in ["2", "4"] {
        let many = lint(threads);
        assert!(one.stdout == many.stdout, "{threads} threads");
        assert_eq!(one.status.code(), many.status.code());
    }
}

/// `--format gitlab` is GitLab Code Quality JSON: the required keys, unique fingerprints
/// that survive a line shift and reformatting.
#[test]
fn gitlab_code_quality_report() {
    let out = run(&["lint", "--format", "gitlab", "examples/shop"]);
    assert_eq!(out.code, 1);
    snapshot("lint-example-gitlab", &out);
    let fingerprints = |stdout: &str| -> Vec<String> {
        let issues: serde_json::Value = serde_json::from_str(stdout).expect("valid JSON");
        let issues = issues.as_array().expect("an array of issues");
        for issue in issues {
            for key in ["description", "check_name", "fingerprint", "severity"] {
                assert!(issue[key].is_string(), "{key} missing: {issue}");
            }
            assert!(
                ["info", "minor", "major", "critical", "blocker"]
                    .contains(&issue["severity"].as_str().unwrap())
            );
            assert!(issue["location"]["path"].is_string());
            assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        }
        issues
            .iter()
            .map(|i| i["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    let all = fingerprints(&out.stdout);
    let mut unique = all.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), all.len(), "fingerprints must be unique");

    let sql =
        "ALTER TABLE users ADD COLUMN email text NOT NULL;\nCREATE INDEX i ON users (email);\n";
    let dir = TempDir::new("gitlab", &[("m.sql", sql)]);
    let before =
        fingerprints(&run_in(dir.path(), &["lint", "--format", "gitlab", "m.sql"], None).stdout);
    let shifted = format!(
        "-- a comment\n\n{}",
        sql.replace("CREATE INDEX", "create   index")
    );
    std::fs::write(dir.0.join("m.sql"), shifted).unwrap();
    let after =
        fingerprints(&run_in(dir.path(), &["lint", "--format", "gitlab", "m.sql"], None).stdout);
    assert_eq!(before, after);
    assert!(!before.is_empty());
}

/// A file of interleaved up and down sections is linted as two runs and reported as one
/// file: each finding still names the statement on its line (the two runs' statements
/// are put back in file order).
#[test]
fn findings_of_a_file_of_sections_name_their_own_statements() {
    let path = "tests/fixtures/precision/sql-migrate-interleaved-sections.sql";
    let text = std::fs::read_to_string(path).unwrap();
    let out = run(&["lint", "--format", "json", path]);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    let findings = value["findings"].as_array().unwrap();
    let lines: Vec<(u64, &str)> = findings
        .iter()
        .map(|f| (f["line"].as_u64().unwrap(), f["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(
        lines,
        [
            (5, "holding-exclusive-lock-across-statements"),
            (7, "dropping-column"),
            (7, "missing-lock-timeout"),
        ]
    );
    for finding in findings {
        let line = text
            .lines()
            .nth(finding["line"].as_u64().unwrap() as usize - 1);
        let statement = finding["statement"].as_str().unwrap();
        assert_eq!(line.unwrap().trim_end_matches(';'), statement);
    }
    assert_eq!(value["summary"]["statements"], 4);
}

/// A process whose address space is limited (`ulimit -v`, as some CI runners and shared
/// hosts set it) cannot reserve a worker's 256 MiB stack: its threads start with a smaller
/// one, and the run is the same (it panicked, "the system could not start a thread").
#[test]
fn runs_the_same_in_a_limited_address_space() {
    let unlimited = run(&["lint", "tests/alembic/example", "tests/fixtures/rules"]);
    for kib in [1_000_000, 400_000] {
        let limited = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -v {kib} && exec \"$0\" lint tests/alembic/example tests/fixtures/rules"
            ))
            .arg(env!("CARGO_BIN_EXE_locksmith"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NO_COLOR", "1")
            .env_remove("COLUMNS")
            .output()
            .expect("sh runs");
        let stderr = String::from_utf8_lossy(&limited.stderr);
        assert_eq!(
            limited.status.code(),
            Some(unlimited.code),
            "ulimit -v {kib}: {stderr}"
        );
        assert_eq!(
            String::from_utf8_lossy(&limited.stdout),
            unlimited.stdout,
            "ulimit -v {kib}"
        );
    }
}
