//! `locksmith lint` on Alembic revisions the way hooks and CI run it: revision files named
//! one by one, hostile files next to normal ones, and `--render alembic` findings placed
//! in the revision file.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// Runs `locksmith lint --format json ARGS` in the crate directory: the exit code and
/// the JSON report.
fn lint_json(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_locksmith"))
        .arg("lint")
        .args(["--format", "json"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("locksmith runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: exit {:?}\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

/// (file, rule) of every finding.
fn findings(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A fresh directory under the system's temporary directory.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("locksmith-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const VERSIONS: &str = "tests/fixtures/alembic_single_files/versions";

#[test]
fn a_revision_file_alone_is_linted_within_its_project() {
    let b2 = format!("{VERSIONS}/b2_index.py");
    let (_, report) = lint_json(&[&b2]);
    let found = findings(&report);
    assert!(!found.is_empty(), "{report:#}");
    // Its parent a1 is in the project: not broken, and a1 itself is not reported.
    assert!(
        found
            .iter()
            .all(|(file, rule)| *file == b2 && rule != "alembic-broken-revision"),
        "{found:?}"
    );

    let c3 = format!("{VERSIONS}/c3_orphan.py");
    let (_, report) = lint_json(&[&c3]);
    assert_eq!(
        findings(&report),
        [(c3.clone(), "alembic-broken-revision".to_string())]
    );

    // Several files of one project: loaded once, each reported once, in the project's order.
    let (_, report) = lint_json(&[&c3, &b2]);
    let found = findings(&report);
    assert_eq!(
        found
            .iter()
            .filter(|(_, rule)| rule == "alembic-broken-revision")
            .count(),
        1
    );
    assert!(
        found.iter().all(|(file, _)| *file == b2 || *file == c3),
        "{found:?}"
    );
    assert_eq!(report["summary"]["files"].as_u64(), Some(2), "{report:#}");
}

#[test]
fn a_revision_file_of_a_configured_project_uses_its_configuration() {
    let file = "tests/alembic/example/migrations/versions/730ecdaaeda6_add_user_email.py";
    let (code, report) = lint_json(&[file]);
    assert_eq!(code, 1);
    let (_, whole) = lint_json(&["tests/alembic/example"]);
    let of_file: Vec<_> = findings(&whole)
        .into_iter()
        .filter(|(f, _)| f == file)
        .collect();
    assert_eq!(findings(&report), of_file);
}

#[test]
fn one_hostile_revision_does_not_take_the_others_down() {
    let dir = temp_dir("hostile");
    let versions = dir.join("versions");
    std::fs::create_dir_all(&versions).unwrap();
    let normal = std::fs::read_to_string(format!("{VERSIONS}/a1_base.py")).unwrap();
    std::fs::write(versions.join("a1_base.py"), &normal).unwrap();
    let nested = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let chain = vec!["'a'"; 20_000].join(" + ");
    let hostile = format!(
        "revision = 'h1'\ndown_revision = 'a1'\n\nfrom alembic import op\n\n\
         def upgrade():\n    s = {chain}\n    s = 'x'\n    for _ in range(100):\n        s = s + s\n    op.execute(s)\n"
    );
    std::fs::write(versions.join("h1_hostile.py"), hostile).unwrap();
    std::fs::write(
        versions.join("n1_nested.py"),
        format!("revision = 'n1'\ndown_revision = 'h1'\nx = {nested}\n"),
    )
    .unwrap();
    let (code, report) = lint_json(&[versions.to_str().unwrap()]);
    let messages: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            let name = file.rsplit('/').next().unwrap().to_string();
            (
                name,
                f["rule"].as_str().unwrap().into(),
                f["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(code, 1, "{report:#}");
    let has = |file: &str, rule: &str, text: &str| {
        messages
            .iter()
            .any(|(f, r, m)| f == file && r == rule && m.contains(text))
    };
    assert!(
        has("a1_base.py", "adding-not-null-column", ""),
        "{messages:#?}"
    );
    assert!(
        has(
            "h1_hostile.py",
            "unrenderable-operation",
            "limit of 200 levels"
        ),
        "{messages:#?}"
    );
    assert!(
        has("h1_hostile.py", "unrenderable-operation", "1 MiB"),
        "{messages:#?}"
    );
    // The loop fails on every iteration past the budget, and is reported once.
    let budget_reports = messages
        .iter()
        .filter(|(f, r, m)| {
            f == "h1_hostile.py" && r == "unrenderable-operation" && m.contains("1 MiB")
        })
        .count();
    assert_eq!(budget_reports, 1, "{messages:#?}");
    assert!(
        has(
            "n1_nested.py",
            "syntax-error",
            "too many nested parentheses"
        ),
        "{messages:#?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// What `alembic upgrade heads --sql` prints for `a1_base.py` (canned: the test runs a
/// fake alembic, not the real one).
const REAL_SCRIPT: &str = "BEGIN;\n\nCREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL, \n    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n);\n\n\
-- Running upgrade  -> a1\n\nALTER TABLE users ADD COLUMN email TEXT NOT NULL;\n\n\
ALTER TABLE users ALTER COLUMN id TYPE BIGINT;\n\n\
INSERT INTO alembic_version (version_num) VALUES ('a1') RETURNING alembic_version.version_num;\n\nCOMMIT;\n\n";

#[test]
fn real_alembic_findings_are_placed_in_the_revision_file() {
    let dir = temp_dir("real-alembic");
    let versions = dir.join("migrations/versions");
    std::fs::create_dir_all(&versions).unwrap();
    std::fs::write(dir.join("migrations/env.py"), "").unwrap();
    std::fs::write(
        dir.join("alembic.ini"),
        "[alembic]\nscript_location = migrations\n",
    )
    .unwrap();
    let revision = std::fs::read_to_string(format!("{VERSIONS}/a1_base.py")).unwrap();
    std::fs::write(versions.join("a1_base.py"), &revision).unwrap();
    let script = dir.join("script.sql");
    std::fs::write(&script, REAL_SCRIPT).unwrap();
    let fake = dir.join("fake-alembic.sh");
    std::fs::write(&fake, format!("#!/bin/sh\ncat '{}'\n", script.display())).unwrap();
    let config = dir.join("lint.yaml");
    std::fs::write(
        &config,
        format!("render: alembic\nalembic_command: sh {}\n", fake.display()),
    )
    .unwrap();

    let (code, report) = lint_json(&["--config", config.to_str().unwrap(), dir.to_str().unwrap()]);
    assert_eq!(code, 1, "{report:#}");
    let file = versions.join("a1_base.py").display().to_string();
    let line_of = |needle: &str| {
        1 + revision[..revision.find(needle).unwrap()]
            .matches('\n')
            .count()
    };
    let placed: Vec<(String, String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().into(),
                f["rule"].as_str().unwrap().into(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    // The statement the op call renders to: the call's line. One the static rendering does
    // not have: the `def upgrade()` line.
    assert!(
        placed.contains(&(
            file.clone(),
            "adding-not-null-column".into(),
            line_of("op.add_column") as u64
        )),
        "{placed:#?}"
    );
    assert!(
        placed.contains(&(
            file.clone(),
            "changing-column-type".into(),
            line_of("def upgrade") as u64
        )),
        "{placed:#?}"
    );
    assert!(placed.iter().all(|(f, _, _)| *f == file), "{placed:#?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A lock_timeout that env.py sets for every migration (by `connection.execute`,
/// `context.execute` or `connect_args` options) satisfies missing-lock-timeout; when none
/// is set, the finding says env.py was looked at too.
#[test]
fn env_py_session_settings_count_for_every_revision() {
    let (_, with_setting) = lint_json(&["tests/fixtures/alembic_env_settings"]);
    let rules: Vec<(String, String)> = findings(&with_setting);
    assert!(
        !rules.iter().any(|(_, rule)| rule == "missing-lock-timeout"),
        "{rules:?}"
    );
    assert!(
        rules
            .iter()
            .any(|(_, rule)| rule == "creating-index-non-concurrently"),
        "{rules:?}"
    );
    let (_, without) = lint_json(&["tests/alembic/example"]);
    let message = without["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "missing-lock-timeout")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .unwrap();
    assert!(
        message
            .contains("none is set in this revision or in tests/alembic/example/migrations/env.py"),
        "{message}"
    );
}

/// `op.alter_column(existing_type=...)` tells the old type: a type change PostgreSQL does
/// without a rewrite (text to varchar, a longer varchar) is not reported; one it rewrites
/// for (integer to bigint) is, and says so; without existing_type it is reported as unknown.
#[test]
fn existing_type_decides_whether_a_type_change_rewrites() {
    let (_, report) = lint_json(&["tests/fixtures/alembic_existing_type/versions/a1_types.py"]);
    let type_changes: Vec<(u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "changing-column-type")
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let lines: Vec<u64> = type_changes.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, vec![12, 13], "{type_changes:#?}");
    assert!(
        type_changes[0].1.contains("integer to bigint"),
        "{type_changes:#?}"
    );
    assert!(
        type_changes[1].1.contains("current type is not known"),
        "{type_changes:#?}"
    );
}

/// `op.alter_column(existing_nullable=False)` says the column is NOT NULL already: its
/// `SET NOT NULL` checks no row (mlflow's type changes), until a statement makes it
/// nullable again; `existing_nullable=None` says nothing.
#[test]
fn existing_nullable_false_means_set_not_null_scans_nothing() {
    let (_, report) =
        lint_json(&["tests/fixtures/alembic_existing_nullable/versions/a1_nullable.py"]);
    let lines: Vec<u64> = (report["findings"].as_array().unwrap().iter())
        .filter(|f| f["rule"] == "setting-not-null")
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![14, 16], "{report:#}");
}

#[test]
fn a_walked_directory_lints_the_alembic_projects_inside_it() {
    // `locksmith lint .` at a repository's root: the .sql file, the project configured by
    // services/api/alembic.ini, the bare script directory services/tenants, and the
    // script directory behind services/jobs' multi-database ini.
    let (code, report) = lint_json(&["tests/fixtures/monorepo"]);
    assert_eq!(code, 1, "{report:#}");
    let mut files: Vec<String> = findings(&report).into_iter().map(|(f, _)| f).collect();
    files.dedup();
    let root = "tests/fixtures/monorepo";
    assert_eq!(
        files,
        [
            format!("{root}/db/V1__index.sql"),
            format!("{root}/services/api/migrations/versions/aa01aa01aa01_api.py"),
            format!("{root}/services/jobs/core/versions/cc03cc03cc03_jobs.py"),
            format!("{root}/services/tenants/versions/bb02bb02bb02_tenants.py"),
        ]
    );
    assert_eq!(report["summary"]["files"].as_u64(), Some(4), "{report:#}");
    assert_eq!(
        report["summary"]["rendered"]["exact"].as_u64(),
        Some(3),
        "{report:#}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_locksmith"))
        .args(["lint", root])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("locksmith runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The ini that picks its database at run time is named, once; the application's own
    // .py files are not "not linted" warnings once projects were found.
    assert_eq!(
        stderr
            .matches("services/jobs/alembic.ini:2: not read as an Alembic project")
            .count(),
        1,
        "{stderr}"
    );
    assert!(!stderr.contains(".py files not linted"), "{stderr}");

    // An excluded config names no project: no warning for it, its database not linted.
    let dir = temp_dir("monorepo-exclude");
    let config = dir.join("lint.yaml");
    std::fs::write(&config, "exclude:\n  - \"**/services/jobs/**\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_locksmith"))
        .args(["lint", "--format", "json", "--config"])
        .arg(&config)
        .arg(root)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("locksmith runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("alembic.ini"), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["summary"]["files"].as_u64(), Some(3), "{report:#}");
}

/// Revisions in subdirectories of a version directory are read by Alembic only with
/// `recursive_version_locations` (keystone names its `yoga/expand`-style directories in
/// code): linting the directory says how many it leaves out, and counts no helper module.
#[test]
fn revisions_in_subdirectories_not_read_are_named() {
    let dir = temp_dir("subdirectory-revisions");
    let versions = dir.join("versions");
    let revision = |id: &str, down: &str| {
        format!(
            "revision = \"{id}\"\ndown_revision = {down}\n\nfrom alembic import op\n\n\ndef upgrade():\n    op.drop_table(\"t_{id}\")\n\n\ndef downgrade():\n    pass\n"
        )
    };
    for (path, text) in [
        ("a1_top.py", revision("a1", "None")),
        ("yoga/expand/b2_expand.py", revision("b2", "\"a1\"")),
        ("yoga/contract/c3_contract.py", revision("c3", "\"a1\"")),
        ("helpers/__init__.py", String::new()),
        ("helpers/names.py", "PREFIX = \"t\"\n".into()),
    ] {
        let path = versions.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let lint = |path: &std::path::Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_locksmith"))
            .arg("lint")
            .arg(path)
            .output()
            .expect("locksmith runs");
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        (text(&out.stdout), text(&out.stderr))
    };
    let (stdout, stderr) = lint(&versions);
    assert!(
        stderr.contains("2 revision files in subdirectories of the version directories are not linted: Alembic reads them only with recursive_version_locations = true"),
        "{stderr}"
    );
    assert!(stdout.contains("in 1 file ("), "{stdout}");
    // Named one by one (a pre-commit hook), the files given are all there is to say.
    let (_, stderr) = lint(&versions.join("a1_top.py"));
    assert!(!stderr.contains("subdirectories"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
