//! Rules see the schema earlier migrations built: `.sql` directories replayed in their
//! tool's order, Alembic revisions in graph order.

#[path = "support/lint_cli.rs"]
mod support;

use std::path::{Path, PathBuf};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("locksmith-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A copy of the example Alembic project under a fresh temporary directory, with its
/// revisions removed and `lint_yaml` as its configuration (when given): the project
/// directory and its versions directory.
fn empty_alembic_project(name: &str, lint_yaml: Option<&str>) -> (PathBuf, PathBuf) {
    let project = temp_dir(name).join("project");
    support::copy_alembic_example(&project);
    if let Some(config) = lint_yaml {
        std::fs::write(project.join("lint.yaml"), config).unwrap();
    }
    let versions = project.join("migrations/versions");
    for entry in std::fs::read_dir(&versions).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    (project, versions)
}

/// `rule` is not among `found`'s findings.
fn assert_not_fired(found: &[(String, String, String)], rule: &str) {
    assert!(!found.iter().any(|(_, r, _)| r == rule), "{found:?}");
}

/// Writes `sql` to `path` under `dir`, creating the directories on the way.
fn write_file(dir: &Path, path: &str, sql: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, sql).unwrap();
}

/// (file name, rule, message) of every finding of `locksmith lint --format json PATH`.
fn findings(dir: &Path) -> Vec<(String, String, String)> {
    let out = support::lint(dir, &["--format", "json", "."]);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect(&out.stderr);
    // Findings or none, never an input or usage error.
    assert!(
        matches!(out.code, 0 | 1),
        "exit {}: {}",
        out.code,
        out.stderr
    );
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap_or_default();
            let file = file.rsplit('/').next().unwrap_or_default().to_string();
            (
                file,
                f["rule"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn rules_in(found: &[(String, String, String)], file: &str) -> Vec<String> {
    let mut rules: Vec<String> = found
        .iter()
        .filter(|(f, ..)| f == file)
        .map(|(_, r, _)| r.clone())
        .collect();
    rules.sort();
    rules.dedup();
    rules
}

#[test]
fn sql_migrations_know_what_earlier_files_built() {
    let dir = temp_dir("schema-history-sql");
    std::fs::write(dir.join("lint.yaml"), "rules:\n  unknown-object: warning\n").unwrap();
    // V10 sorts before V2 by name: the tool order (by version) is what counts.
    std::fs::write(
        dir.join("V2__init.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY, name varchar(20), n numeric(10,2), net cidr, at timestamp(0), age int, legacy int);\n\
         ALTER TABLE users ADD CONSTRAINT age_nn CHECK (age IS NOT NULL);\n\
         CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);\n\
         CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("V10__change.sql"),
        "SET lock_timeout = '1s';\n\
         ALTER TABLE users ALTER COLUMN name TYPE varchar(50);\n\
         ALTER TABLE users ALTER COLUMN name TYPE text;\n\
         ALTER TABLE users ALTER COLUMN n TYPE numeric(12,2);\n\
         ALTER TABLE users ALTER COLUMN net TYPE inet;\n\
         ALTER TABLE users ALTER COLUMN at TYPE timestamp(3);\n\
         ALTER TABLE users ALTER COLUMN age SET NOT NULL;\n\
         ALTER TABLE users ALTER COLUMN legacy TYPE bigint;\n\
         ALTER TABLE users ALTER COLUMN unknown_col TYPE bigint;\n\
         CREATE INDEX CONCURRENTLY events_at_idx ON events (at);\n\
         CREATE TABLE orders (id bigint PRIMARY KEY, user_id int REFERENCES users (id));\n",
    )
    .unwrap();
    let found = findings(&dir);
    assert_eq!(
        rules_in(&found, "V10__change.sql"),
        [
            "changing-column-type",
            // Flyway refuses a file that mixes CREATE INDEX CONCURRENTLY with other
            // statements (mixed=false): it is read as one transaction, which holds the lock
            // on users across the ALTERs, and the index is reported with Flyway's way out.
            "concurrently-in-transaction",
            "holding-exclusive-lock-across-statements",
            "index-concurrently-on-partitioned-table",
            "prefer-bigint-over-int",
            "prefer-text-over-varchar",
            "prefer-timestamptz",
            "unknown-object",
        ],
        "{found:#?}"
    );
    let message = |rule: &str| {
        found
            .iter()
            .find(|(f, r, _)| f == "V10__change.sql" && r == rule)
            .map(|(.., m)| m.clone())
            .unwrap()
    };
    // Only legacy (integer to bigint) and the unknown column: the coercible changes and
    // SET NOT NULL (proven by the earlier validated CHECK) are not reported.
    let changes: Vec<&String> = found
        .iter()
        .filter(|(_, r, _)| r == "changing-column-type")
        .map(|(.., m)| m)
        .collect();
    assert_eq!(changes.len(), 2, "{changes:#?}");
    assert!(
        changes[0].contains("legacy")
            && changes[0]
                .contains("integer to bigint is not binary-coercible, so it is known to rewrite")
    );
    assert!(changes[1].contains("the column's current type is not known from the migrations"));
    assert!(message("unknown-object").contains("column users.unknown_col does not exist"));
    assert!(message("prefer-bigint-over-int").contains("references users.id which is bigint"));
}

#[test]
fn a_table_from_an_earlier_migration_is_still_an_existing_table() {
    let dir = temp_dir("schema-history-existing");
    std::fs::write(
        dir.join("001_init.up.sql"),
        "CREATE TABLE t (a int, b int);\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("002_drop.up.sql"),
        "SET lock_timeout = '1s';\nALTER TABLE t DROP COLUMN b;\nCREATE INDEX t_a ON t (a);\n",
    )
    .unwrap();
    let found = findings(&dir);
    // golang-migrate runs the file as one transaction: the DROP COLUMN's lock is held
    // through the index build.
    assert_eq!(
        rules_in(&found, "002_drop.up.sql"),
        [
            "creating-index-non-concurrently",
            "dropping-column",
            "holding-exclusive-lock-across-statements"
        ],
        "{found:#?}"
    );
}

#[test]
fn alembic_revisions_know_what_earlier_revisions_built() {
    let (project, versions) = empty_alembic_project("schema-history-alembic", None);
    std::fs::write(
        versions.join("a1_init.py"),
        "from alembic import op\nimport sqlalchemy as sa\n\nrevision = 'a1'\ndown_revision = None\n\n\
         def upgrade():\n    op.create_table('accounts', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('name', sa.String(20)))\n\n\
         def downgrade():\n    op.drop_table('accounts')\n",
    )
    .unwrap();
    std::fs::write(
        versions.join("b2_widen.py"),
        "from alembic import op\nimport sqlalchemy as sa\n\nrevision = 'b2'\ndown_revision = 'a1'\n\n\
         def upgrade():\n    op.alter_column('accounts', 'name', type_=sa.String(50))\n    op.alter_column('accounts', 'id', type_=sa.BigInteger())\n\n\
         def downgrade():\n    op.alter_column('accounts', 'id', type_=sa.Integer())\n    op.alter_column('accounts', 'name', type_=sa.String(20))\n",
    )
    .unwrap();
    let found = findings(&project);
    let b2: Vec<_> = found
        .iter()
        .filter(|(f, r, _)| f == "b2_widen.py" && r == "changing-column-type")
        .collect();
    assert_eq!(b2.len(), 1, "{found:#?}");
    assert!(b2[0].2.contains("integer to bigint"), "{found:#?}");
}

/// A directory per migration (diesel's `DIR/up.sql` + `DIR/down.sql`, Prisma's
/// `DIR/migration.sql`): the directory names the version, `down.sql` is the downgrade, and
/// each up file sees what the earlier ones built.
#[test]
fn a_directory_per_migration_is_replayed_in_its_order() {
    let dir = temp_dir("schema-history-diesel");
    let write = |path: &str, sql: &str| write_file(&dir, path, sql);
    // Discovered in name order, down.sql before up.sql: the tool order is what counts.
    write(
        "2019-02-26-002946_create/up.sql",
        "CREATE TABLE t (name varchar(20));\n",
    );
    write("2019-02-26-002946_create/down.sql", "DROP TABLE t;\n");
    write(
        "2019-10-01-000000_widen/up.sql",
        "ALTER TABLE t ALTER COLUMN name TYPE varchar(50);\n",
    );
    write(
        "2019-10-01-000000_widen/down.sql",
        "ALTER TABLE t ALTER COLUMN name TYPE text;\n",
    );
    let found = findings(&dir);
    // Widening a varchar the first migration created does not rewrite (nor does the
    // down file's change to text): known only when the up files run in version order.
    assert_not_fired(&found, "changing-column-type");
    // The round trip pairs each down.sql with its directory's up.sql.
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_locksmith"))
        .args(["check-downgrade", "--format", "json", "."])
        .current_dir(&dir)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("column t.name: character varying(20) before, text after"),
        "{messages:?}"
    );
}

/// A directory per version whose files carry no version of their own (temporal's
/// `versioned/v1.0/schema.sql`, `v1.5/...`, `v1.10/...`): replayed in the natural order of
/// the directories, so the first version's tables exist when the later ones alter them.
#[test]
fn a_directory_per_version_is_replayed_in_the_order_of_its_directories() {
    let dir = temp_dir("schema-history-version-dirs");
    let write = |path: &str, sql: &str| write_file(&dir, path, sql);
    write(
        "versioned/v1.0/schema.sql",
        "CREATE TABLE t (a varchar(64) NOT NULL, b varchar(15));\n",
    );
    // Named to sort before `schema.sql`, and in a directory that sorts before `v1.5` by
    // its text: the order is the directories' versions.
    write(
        "versioned/v1.10/alter.sql",
        "ALTER TABLE t ALTER COLUMN b TYPE varchar(128);\n",
    );
    write(
        "versioned/v1.5/alter.sql",
        "ALTER TABLE t ALTER COLUMN a TYPE varchar(255);\n",
    );
    let found = findings(&dir);
    // Widening a varchar the first version created does not rewrite: known only when
    // v1.0 runs first.
    assert_not_fired(&found, "changing-column-type");
}

#[test]
fn alembic_branches_see_only_their_ancestors_and_merges_see_both() {
    let (project, versions) = empty_alembic_project(
        "schema-history-branches",
        Some("rules:\n  unknown-object: warning\n"),
    );
    let revision = |file: &str, id: &str, down: &str, body: &str| {
        std::fs::write(
            versions.join(file),
            format!(
                "from alembic import op\nimport sqlalchemy as sa\n\nrevision = '{id}'\ndown_revision = {down}\n\n\
                 def upgrade():\n{body}\n\ndef downgrade():\n    pass\n"
            ),
        )
        .unwrap();
    };
    revision(
        "a1_init.py",
        "a1",
        "None",
        "    op.create_table('users', sa.Column('id', sa.BigInteger(), primary_key=True), sa.Column('legacy', sa.Integer()))",
    );
    // Two branches from a1: b2 drops the column c2 still uses. Replayed in one line
    // (b2 first), c2 would look as if it altered a dropped column.
    revision(
        "b2_drop_legacy.py",
        "b2",
        "'a1'",
        "    op.drop_column('users', 'legacy')",
    );
    revision(
        "c2_reports.py",
        "c2",
        "'a1'",
        "    op.execute('ALTER TABLE users ALTER COLUMN legacy SET DEFAULT 0')\n    op.create_table('reports', sa.Column('id', sa.BigInteger()))",
    );
    // The merge sees both branches: reports exists, legacy is gone.
    revision(
        "m3_merge.py",
        "m3",
        "('b2', 'c2')",
        "    op.execute('CREATE INDEX reports_id ON reports (id)')\n    op.drop_column('users', 'legacy')",
    );
    let found = findings(&project);
    let unknown: Vec<_> = found
        .iter()
        .filter(|(_, r, _)| r == "unknown-object")
        .map(|(f, _, m)| (f.as_str(), m.as_str()))
        .collect();
    assert_eq!(unknown.len(), 1, "{found:#?}");
    assert_eq!(unknown[0].0, "m3_merge.py", "{found:#?}");
    assert!(unknown[0].1.contains("legacy"), "{found:#?}");
}

#[test]
fn what_an_unrendered_operation_names_is_unknown_afterwards() {
    let (project, versions) = empty_alembic_project(
        "schema-history-unrendered",
        Some("rules:\n  unknown-object: warning\n"),
    );
    std::fs::write(
        versions.join("a1_init.py"),
        "from alembic import op\nimport sqlalchemy as sa\n\nrevision = 'a1'\ndown_revision = None\n\n\
         def upgrade():\n    op.create_table('users', sa.Column('id', sa.BigInteger()))\n    op.create_table('other', sa.Column('id', sa.BigInteger()))\n\n\
         def downgrade():\n    pass\n",
    )
    .unwrap();
    // The column is added only when the database says so: not rendered.
    std::fs::write(
        versions.join("b2_maybe.py"),
        "from alembic import op\nimport sqlalchemy as sa\n\nrevision = 'b2'\ndown_revision = 'a1'\n\n\
         def upgrade():\n    columns = [c['name'] for c in sa.inspect(op.get_bind()).get_columns('users')]\n    if 'nickname' not in columns:\n        op.add_column('users', sa.Column('nickname', sa.Text()))\n\n\
         def downgrade():\n    pass\n",
    )
    .unwrap();
    std::fs::write(
        versions.join("c3_drop.py"),
        "from alembic import op\nimport sqlalchemy as sa\n\nrevision = 'c3'\ndown_revision = 'b2'\n\n\
         def upgrade():\n    op.drop_column('users', 'nickname')\n    op.drop_column('other', 'nickname')\n\n\
         def downgrade():\n    pass\n",
    )
    .unwrap();
    let found = findings(&project);
    assert!(
        found
            .iter()
            .any(|(f, r, _)| f == "b2_maybe.py" && r == "unrenderable-operation"),
        "{found:#?}"
    );
    let unknown: Vec<_> = found
        .iter()
        .filter(|(_, r, _)| r == "unknown-object")
        .collect();
    // users may have the column; other, which the unrendered code does not name, has not.
    assert_eq!(unknown.len(), 1, "{found:#?}");
    assert!(unknown[0].2.contains("other.nickname"), "{found:#?}");
}
