//! `lint --changed-since REF` in real temporary git repositories: only the files changed
//! since the merge base are reported (committed, staged, unstaged, untracked), from any
//! subdirectory; Alembic graph findings are kept; git's failures are clear errors.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/lint_cli.rs"]
mod lint_cli;
use lint_cli::{Output, copy_alembic_example, lint};

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("locksmith-changed-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const RISKY: &str = "ALTER TABLE users ADD COLUMN email text NOT NULL;\n";

/// A repository whose `main` has V1 and V2 (both risky), and a branch `feature` checked out.
fn repo(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("db/migrations")).unwrap();
    for file in ["V1__a.sql", "V2__b.sql"] {
        std::fs::write(dir.join("db/migrations").join(file), RISKY).unwrap();
    }
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "base"]);
    git(&dir, &["checkout", "-q", "-b", "feature"]);
    dir
}

/// The files of the findings in a JSON report.
fn files(out: &Output) -> Vec<String> {
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("valid JSON");
    let mut files: Vec<String> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    files.dedup();
    files
}

#[test]
fn only_files_changed_since_the_merge_base_are_reported() {
    let dir = repo("basic");
    let migrations = dir.join("db/migrations");
    // Committed on the branch; main moves on meanwhile (not part of the branch's changes).
    std::fs::write(migrations.join("V3__c.sql"), RISKY).unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "v3"]);
    git(&dir, &["checkout", "-q", "main"]);
    std::fs::write(migrations.join("V9__main.sql"), RISKY).unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "main moves"]);
    git(&dir, &["checkout", "-q", "feature"]);
    // Staged, unstaged and untracked edits count too.
    std::fs::write(migrations.join("V1__a.sql"), format!("{RISKY}{RISKY}")).unwrap();
    std::fs::write(migrations.join("V4__d.sql"), RISKY).unwrap();
    std::fs::write(migrations.join("V5__e.sql"), RISKY).unwrap();
    git(&dir, &["add", "db/migrations/V5__e.sql"]);

    let out = lint(&dir, &["--changed-since", "main", "--format", "json", "db"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        files(&out),
        [
            "db/migrations/V1__a.sql",
            "db/migrations/V3__c.sql",
            "db/migrations/V4__d.sql",
            "db/migrations/V5__e.sql",
        ]
    );
    // From a subdirectory, with paths relative to it.
    let out = lint(
        &migrations,
        &["--changed-since", "main", "--format", "json", "."],
    );
    assert_eq!(
        files(&out),
        ["./V1__a.sql", "./V3__c.sql", "./V4__d.sql", "./V5__e.sql"]
    );
    // Nothing changed under the given path: nothing reported, exit 0.
    std::fs::create_dir_all(dir.join("other")).unwrap();
    std::fs::write(dir.join("other/V1.sql"), RISKY).unwrap();
    git(&dir, &["add", "other"]);
    git(&dir, &["commit", "-q", "-m", "other"]);
    let out = lint(&dir, &["--changed-since", "HEAD", "other"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("in 0 files"), "{}", out.stdout);
}

/// The unchanged migrations are not linted but still replayed: a changed one is linted
/// with the schema they build (here the column's old type, which makes the change one
/// without a rewrite).
#[test]
fn unchanged_migrations_still_build_the_schema_changed_ones_start_from() {
    let dir = scratch("history");
    let migrations = dir.join("db");
    std::fs::create_dir_all(&migrations).unwrap();
    std::fs::write(
        migrations.join("V1__users.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY, name varchar(50));\n",
    )
    .unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "base"]);
    std::fs::write(
        migrations.join("V2__widen.sql"),
        "ALTER TABLE users ALTER COLUMN name TYPE varchar(100);\n",
    )
    .unwrap();
    let rules = |out: &Output| -> Vec<String> {
        let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("valid JSON");
        (value["findings"].as_array().unwrap().iter())
            .map(|f| {
                format!(
                    "{} {}",
                    f["file"].as_str().unwrap(),
                    f["rule"].as_str().unwrap()
                )
            })
            .collect()
    };
    let out = lint(&dir, &["--changed-since", "main", "--format", "json", "db"]);
    let found = rules(&out);
    assert!(!found.is_empty(), "{}", out.stderr);
    assert!(
        found.iter().all(|f| f.starts_with("db/V2__widen.sql ")),
        "{found:?}"
    );
    assert!(
        !found.iter().any(|f| f.ends_with(" changing-column-type")),
        "{found:?}"
    );
    // Alone, without the history, the old type is unknown: the rewrite is reported.
    let alone = lint(&dir, &["--format", "json", "db/V2__widen.sql"]);
    assert!(
        rules(&alone)
            .iter()
            .any(|f| f.ends_with(" changing-column-type"))
    );
}

/// Any spelling of a changed file counts: through a symbolically linked directory, as a
/// link to the changed file, or as the changed link itself (not the unchanged file a new
/// link points to).
#[test]
#[cfg(unix)]
fn a_changed_file_is_found_under_any_path_to_it() {
    use std::os::unix::fs::symlink;
    let dir = repo("symlinks");
    let migrations = dir.join("db/migrations");
    std::fs::write(migrations.join("V2__b.sql"), format!("{RISKY}{RISKY}")).unwrap();
    // A link git lists as new, pointing at an unchanged file.
    symlink("V1__a.sql", migrations.join("V3__link.sql")).unwrap();
    // A directory outside the repository linking into it, and a link to the changed file.
    let outside = scratch("symlinks-outside");
    symlink(&migrations, outside.join("linked")).unwrap();
    symlink(
        migrations.join("V2__b.sql"),
        outside.join("V7__to_changed.sql"),
    )
    .unwrap();

    let out = lint(&dir, &["--changed-since", "main", "--format", "json", "db"]);
    assert_eq!(
        files(&out),
        ["db/migrations/V2__b.sql", "db/migrations/V3__link.sql"]
    );
    // Run from the repository (git is asked there) with the other spellings as paths.
    let linked = outside.join("linked");
    let out = lint(
        &dir,
        &[
            "--changed-since",
            "main",
            "--format",
            "json",
            linked.to_str().unwrap(),
            outside.join("V7__to_changed.sql").to_str().unwrap(),
        ],
    );
    let expected = [
        format!("{}/V2__b.sql", linked.display()),
        format!("{}/V3__link.sql", linked.display()),
        format!("{}", outside.join("V7__to_changed.sql").display()),
    ];
    assert_eq!(files(&out), expected, "{}", out.stderr);
}

#[test]
fn alembic_graph_findings_are_kept_on_unchanged_files() {
    let dir = scratch("alembic");
    copy_alembic_example(&dir.join("project"));
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "base"]);
    let versions = dir.join("project/migrations/versions");
    // Nothing changed: the project's per-file findings are all hidden.
    let out = lint(
        &dir,
        &["--changed-since", "main", "--format", "json", "project"],
    );
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(files(&out).is_empty());
    // A second revision on the same parent as an existing one: two heads. The finding is
    // about the graph the new file breaks, and is kept wherever it is attached.
    let parent = "07cde4b3e25c";
    std::fs::write(
        versions.join("ffff0000aaaa_branch.py"),
        format!(
            "revision = 'ffff0000aaaa'\ndown_revision = '{parent}'\nbranch_labels = None\ndepends_on = None\n\nfrom alembic import op\n\n\ndef upgrade():\n    op.drop_column('users', 'name')\n\n\ndef downgrade():\n    pass\n"
        ),
    )
    .unwrap();
    let out = lint(
        &dir,
        &["--changed-since", "main", "--format", "json", "project"],
    );
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let findings = value["findings"].as_array().unwrap();
    let rules: Vec<&str> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"alembic-multiple-heads"), "{rules:?}");
    assert!(rules.contains(&"dropping-column"), "{rules:?}");
    // Here the graph finding sits on an old, unchanged head.
    assert!(findings.iter().any(|f| {
        f["rule"] == "alembic-multiple-heads"
            && f["file"]
                .as_str()
                .unwrap()
                .ends_with("fbc2d3736308_order_status_refunded.py")
    }));
    for f in findings {
        let in_new_file = f["file"]
            .as_str()
            .unwrap()
            .ends_with("ffff0000aaaa_branch.py");
        assert!(
            in_new_file || f["rule"].as_str().unwrap().starts_with("alembic-"),
            "per-file finding of an unchanged file: {f}"
        );
    }
}

#[test]
fn git_failures_are_clear_errors() {
    let outside = scratch("no-repo");
    std::fs::write(outside.join("V1.sql"), RISKY).unwrap();
    // A directory outside any repository (the temp dir might sit inside one: stop git
    // from looking further up).
    let out = Command::new(env!("CARGO_BIN_EXE_locksmith"))
        .args(["lint", "--changed-since", "main", "V1.sql"])
        .current_dir(&outside)
        .env("GIT_CEILING_DIRECTORIES", outside.parent().unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "error: --changed-since needs a git repository: fatal: not a git repository"
        ),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());

    let dir = repo("unknown-ref");
    let out = lint(&dir, &["--changed-since", "origin/nope", "db"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "error: --changed-since origin/nope: no such commit or branch in this repository (on a CI checkout, fetch it first: git fetch origin origin/nope)\n"
    );
    let out = lint(&dir, &["--changed-since", "--help", "db"]);
    assert_eq!(
        out.code, 2,
        "a ref is never read as an option: {}",
        out.stderr
    );

    let out = Command::new(env!("CARGO_BIN_EXE_locksmith"))
        .args(["lint", "--changed-since", "main", "db"])
        .current_dir(&dir)
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: --changed-since needs a git repository: git is not installed (or not on PATH)\n"
    );
}

#[test]
fn a_shallow_clone_without_the_merge_base_says_to_fetch_more() {
    let origin = repo("shallow-origin");
    std::fs::write(origin.join("db/migrations/V3__c.sql"), RISKY).unwrap();
    git(&origin, &["add", "."]);
    git(&origin, &["commit", "-q", "-m", "feature work"]);
    git(&origin, &["checkout", "-q", "main"]);
    std::fs::write(origin.join("db/migrations/V9__m.sql"), RISKY).unwrap();
    git(&origin, &["add", "."]);
    git(&origin, &["commit", "-q", "-m", "main work"]);
    // As actions/checkout does by default: one commit of the branch, plus main's tip.
    let clone = scratch("shallow-clone");
    let url = format!("file://{}", origin.display());
    git(
        &clone,
        &[
            "clone", "-q", "--depth", "1", "--branch", "feature", &url, "repo",
        ],
    );
    let repo = clone.join("repo");
    git(
        &repo,
        &["fetch", "-q", "--depth", "1", "origin", "main:main"],
    );
    let out = lint(&repo, &["--changed-since", "main", "db"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "error: --changed-since main: this is a shallow clone without the merge base of HEAD and main; fetch more history: git fetch --unshallow (or actions/checkout with fetch-depth: 0)\n"
    );
}

#[test]
fn write_baseline_and_changed_since_do_not_mix() {
    let dir = repo("conflict");
    let out = lint(
        &dir,
        &[
            "--changed-since",
            "main",
            "--write-baseline",
            "b.json",
            "db",
        ],
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("cannot be used with"), "{}", out.stderr);
}
