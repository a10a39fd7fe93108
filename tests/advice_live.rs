//! Every rule's fix, run on real servers: for each case below, the rule's fix replaces
//! the flagged statements (as `--fix` or a SARIF fix would), and the result must run on
//! every PostgreSQL major unpacked under target/pg (`scripts/pg-majors`; else the system
//! server) after the case's setup. A fix the server refuses is advice that fails in
//! production (`REINDEX (CONCURRENTLY)` on 12, `DROP INDEX CONCURRENTLY a, b`). Skipped only
//! without server binaries, never under CI (it then writes target/advice-live.txt).

#[path = "support/pg.rs"]
mod pg;

use std::path::PathBuf;
use std::time::Duration;

use locksmith::config::Config;
use locksmith::lint::lint_sql;
use locksmith::rules;
use locksmith::source::SourceFile;
use pg::Cluster;

#[path = "support/rule_doc.rs"]
mod rule_doc;

/// A rule, the schema its statement needs, and the statements it flags. Every rule with a
/// fix that applies as is (no `<placeholder>`) has a case ([`every_rule_with_a_fix_has_a_case`]).
struct Case {
    rule: &'static str,
    setup: &'static str,
    sql: &'static str,
}

const fn case(rule: &'static str, setup: &'static str, sql: &'static str) -> Case {
    Case { rule, setup, sql }
}

const USERS: &str = "CREATE TABLE users (id int PRIMARY KEY, email text, total int);";

const CASES: &[Case] = &[
    case(
        "adding-check-constraint-without-not-valid",
        USERS,
        "ALTER TABLE users ADD CONSTRAINT users_total_check CHECK (total >= 0);",
    ),
    case(
        "adding-domain-constraint",
        "CREATE DOMAIN positive AS int;",
        "ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0);",
    ),
    case(
        "adding-foreign-key-without-not-valid",
        "CREATE TABLE users (id int PRIMARY KEY); CREATE TABLE orders (id int, user_id int);",
        "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);",
    ),
    case(
        "adding-unique-constraint",
        USERS,
        "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
    ),
    case(
        "adding-unique-constraint",
        "CREATE TABLE users (email text);",
        "ALTER TABLE users ADD CONSTRAINT users_email_pkey PRIMARY KEY (email);",
    ),
    case(
        "concurrent-index-without-if-not-exists",
        USERS,
        "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);",
    ),
    case(
        "creating-index-non-concurrently",
        USERS,
        "CREATE UNIQUE INDEX users_email_idx ON users (email) WHERE total > 0;",
    ),
    case(
        "creating-index-non-concurrently",
        USERS,
        "create index users_lower_email on users (lower(email)) /* for logins */;",
    ),
    case(
        "creating-trigger",
        "CREATE TABLE users (id int);\n\
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;",
        "CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();",
    ),
    case(
        "detaching-partition-non-concurrently",
        "CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);\n\
         CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",
        "ALTER TABLE events DETACH PARTITION events_2026;",
    ),
    case(
        "dropping-index-non-concurrently",
        "CREATE TABLE users (id int, email text);\n\
         CREATE INDEX users_email_idx ON users (email);\n\
         CREATE INDEX users_id_idx ON users (id);",
        "DROP INDEX IF EXISTS users_email_idx, users_id_idx;",
    ),
    case(
        "missing-lock-timeout",
        USERS,
        "ALTER TABLE users ADD COLUMN note text;",
    ),
    case(
        "missing-statement-timeout",
        USERS,
        "ALTER TABLE users ADD COLUMN note text;",
    ),
    case(
        "prefer-robust-statements",
        USERS,
        "ALTER TABLE users ADD COLUMN note text;\n\
         ALTER TABLE users DROP COLUMN email;\n\
         CREATE TABLE orders (id int);",
    ),
    case(
        "refreshing-materialized-view-non-concurrently",
        "CREATE TABLE users (id int PRIMARY KEY);\n\
         CREATE MATERIALIZED VIEW user_ids AS SELECT id FROM users;\n\
         CREATE UNIQUE INDEX user_ids_id ON user_ids (id);",
        "REFRESH MATERIALIZED VIEW user_ids;",
    ),
    case(
        "reindexing-non-concurrently",
        "CREATE TABLE users (id int, email text); CREATE INDEX users_email_idx ON users (email);",
        "REINDEX TABLE users;\nREINDEX (VERBOSE) INDEX users_email_idx;",
    ),
];

/// `sql` with each of `rule`'s fixes (at `major`) in place of the statement it flags, or
/// `None` when the rule offers no fix there that can be applied as is.
fn fixed(rule: &'static rules::Rule, sql: &str, major: u32) -> Option<String> {
    let mut config = Config::default().enabling(rule);
    config.postgres_version = major;
    let report = lint_sql(SourceFile::new("case.sql", sql), &config);
    let mut edits: Vec<(std::ops::Range<usize>, &str)> = Vec::new();
    for finding in report.findings.iter().filter(|f| f.rule.id == rule.id) {
        let Some(fix) = finding.advice.fix.as_deref().filter(|f| !f.needs_input) else {
            continue;
        };
        let statement = report
            .statement_of(finding)
            .expect("a fix is for a statement");
        if !edits.iter().any(|(span, _)| *span == statement.span) {
            edits.push((statement.span.clone(), &fix.replacement));
        }
    }
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
    let mut out = sql.to_string();
    for (span, replacement) in edits {
        out.replace_range(span, replacement);
    }
    Some(out)
}

/// The majors unpacked under target/pg, or none (the system server is used then).
fn major_bindirs() -> Vec<PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pg");
    (11..=18)
        .map(|m| root.join(m.to_string()).join("bin"))
        .filter(|bin| bin.join("postgres").is_file())
        .map(|bin| std::fs::canonicalize(&bin).unwrap_or(bin))
        .collect()
}

/// Runs every case's fix on `cluster`; (cases fixed and run, cases without a fix at this
/// major, failures).
fn run_cases(cluster: &Cluster) -> (Vec<usize>, Vec<&'static str>, Vec<String>) {
    let mut ran = Vec::new();
    let mut unfixed = Vec::new();
    let mut failures = Vec::new();
    for (index, case) in CASES.iter().enumerate() {
        let rule = rules::find(case.rule).unwrap_or_else(|| panic!("no rule {}", case.rule));
        let Some(fixed) = fixed(rule, case.sql, cluster.major) else {
            unfixed.push(case.rule);
            continue;
        };
        // Each statement in its own transaction, as a migration tool runs CONCURRENTLY.
        let script = format!(
            "DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n{}\n{fixed};\n",
            case.setup
        );
        let run = cluster.psql(
            "postgres",
            "advice_live",
            "",
            &script,
            Duration::from_secs(30),
        );
        if run.success {
            ran.push(index);
        } else {
            failures.push(format!(
                "PostgreSQL {} refused the fix of {}:\n{fixed}\n{}",
                cluster.major,
                case.rule,
                run.stderr.trim()
            ));
        }
    }
    (ran, unfixed, failures)
}

#[test]
fn every_fix_runs_on_every_major() {
    let majors = major_bindirs();
    // One server at a time: started when its turn comes, stopped when dropped.
    let clusters: Vec<Box<dyn FnOnce() -> Cluster>> = if majors.is_empty() {
        match Cluster::start_or_skip("the rules' fixes were NOT run on a server") {
            Some(cluster) => vec![Box::new(move || cluster)],
            None => return,
        }
    } else {
        let start = |bin: PathBuf| -> Box<dyn FnOnce() -> Cluster> {
            Box::new(move || Cluster::start_in(bin).expect("start a cluster"))
        };
        majors.into_iter().map(start).collect()
    };
    let mut failures = Vec::new();
    let mut proof = Vec::new();
    let mut fixed_somewhere = std::collections::BTreeSet::new();
    for start in clusters {
        let cluster = &start();
        let (ran, unfixed, failed) = run_cases(cluster);
        proof.push(format!(
            "rule fixes run on PostgreSQL {}: {} of {} cases, {} refused (no fix at this major: {})",
            cluster.major,
            ran.len() + failed.len(),
            CASES.len(),
            failed.len(),
            unfixed.join(", ")
        ));
        fixed_somewhere.extend(ran);
        failures.extend(failed);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // A case no major had a fix for tests nothing: its rule lost its fix, or the case is wrong.
    let never: Vec<_> = (CASES.iter().enumerate())
        .filter(|(index, _)| !fixed_somewhere.contains(index))
        .map(|(_, c)| (c.rule, c.sql))
        .collect();
    assert!(never.is_empty(), "no fix on any major for {never:?}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/advice-live.txt");
    std::fs::create_dir_all(path.parent().unwrap()).expect("create target/");
    std::fs::write(&path, proof.join("\n") + "\n").expect("write the proof");
}

/// A rule whose documented Bad example gets a fix that applies as is must have a case
/// above, so that a new fix is run on the servers too.
#[test]
fn every_rule_with_a_fix_has_a_case() {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut missing = Vec::new();
    for rule in rules::ALL {
        let doc = std::fs::read_to_string(docs.join(format!("{}.md", rule.id))).expect("rule doc");
        let has_fix = (rule_doc::blocks(&doc, "## Bad", "sql").into_iter())
            .any(|sql| (11..=18).any(|major| fixed(rule, sql, major).is_some()));
        if has_fix && !CASES.iter().any(|c| c.rule == rule.id) {
            missing.push(rule.id);
        }
    }
    assert!(
        missing.is_empty(),
        "rules with a fix and no case in CASES: {missing:?}"
    );
}
