//! Every rule's fix, run on real servers: for each case below, the rule's fix replaces
//! the flagged statements (as `--fix` or a SARIF fix would), and the result must run on
//! every PostgreSQL major unpacked under target/pg (`scripts/pg-majors`; else the system
//! server) after the case's setup. A fix the server refuses is advice that fails in
//! production (`REINDEX (CONCURRENTLY)` on 12, `DROP INDEX CONCURRENTLY a, b`). The
//! rules' Alembic advice, where it is concrete code (no `...` or `<placeholder>`), is put in
//! a revision's `upgrade()`, rendered by the real Alembic offline (`tests/alembic/
//! reference.py`) and run the same way, in the transaction `alembic upgrade` opens.
//! Skipped only without server binaries or Alembic, never under CI (which checks the
//! proofs they write: target/advice-live.txt, target/alembic-advice-live.txt).

#[path = "support/pg.rs"]
mod pg;

use std::path::PathBuf;
use std::time::Duration;

use locksmith::alembic::LoadedProject;
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

/// `sql` run after a case's schema (`setup`), in a `public` schema emptied first.
fn run_after_setup(cluster: &Cluster, setup: &str, sql: &str) -> pg::Output {
    let script = format!("DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n{setup}\n{sql}\n");
    cluster.psql(
        "postgres",
        "advice_live",
        "",
        &script,
        Duration::from_secs(30),
    )
}

/// Each name the cases use, and a keyword PostgreSQL accepts as a name only quoted: a fix
/// that writes a name bare (`ALTER TABLE user ...`) is a syntax error on the server.
const KEYWORD_NAMES: &[(&str, &str)] = &[
    ("users", "user"),
    ("orders", "order"),
    ("email", "check"),
    ("total", "limit"),
    ("user_id", "column"),
    ("id", "select"),
    ("note", "only"),
    ("events", "table"),
    ("events_2026", "using"),
    ("at", "end"),
    ("positive", "cast"),
    ("users_email_idx", "verbose"),
    ("users_id_idx", "full"),
    ("user_ids", "window"),
    ("user_ids_id", "where"),
    ("users_total_check", "constraint"),
    ("orders_user_fk", "foreign"),
    ("users_email_key", "unique"),
    ("users_email_pkey", "primary"),
    ("users_lower_email", "lateral"),
    ("users_touch", "authorization"),
    ("positive_check", "collate"),
];

/// The same names, each a mixed-case name with a space or punctuation, which PostgreSQL
/// also accepts only quoted (and folds to lowercase unquoted).
const SPELLED_NAMES: &[(&str, &str)] = &[
    ("users", "User Accounts"),
    ("orders", "Orders"),
    ("email", "E-mail"),
    ("total", "Total Due"),
    ("user_id", "userId"),
    ("id", "ID"),
    ("note", "Note"),
    ("events", "Events"),
    ("events_2026", "Events 2026"),
    ("at", "At"),
    ("positive", "Positive"),
    ("users_email_idx", "Users.Email"),
    ("users_id_idx", "Users(ID)"),
    ("user_ids", "User IDs"),
    ("user_ids_id", "User-IDs"),
    ("users_total_check", "Total >= 0"),
    ("orders_user_fk", "Orders->Users"),
    ("users_email_key", "Unique E-mail"),
    ("users_email_pkey", "E-mail Key"),
    ("users_lower_email", "Lower E-mail"),
    ("users_touch", "Touch Users"),
    ("positive_check", "Positive?"),
];

/// `sql` with every name of `names` (a whole word) replaced by its other name, quoted.
fn renamed(sql: &str, names: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        match names.iter().find(|(name, _)| name == word) {
            Some((_, other)) => out.push_str(&format!("\"{other}\"")),
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in sql.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Runs every case's fix on `cluster`, each case as written, with its names replaced by
/// keywords and by names that need quotes otherwise ([`renamed`]); (cases fixed and run,
/// cases without a fix at this major, failures).
fn run_cases(cluster: &Cluster) -> (Vec<usize>, Vec<&'static str>, Vec<String>) {
    let mut ran = Vec::new();
    let mut unfixed = Vec::new();
    let mut failures = Vec::new();
    for (index, case) in CASES.iter().enumerate() {
        let rule = rules::find(case.rule).unwrap_or_else(|| panic!("no rule {}", case.rule));
        let variants = [
            (case.setup.to_string(), case.sql.to_string()),
            (
                renamed(case.setup, KEYWORD_NAMES),
                renamed(case.sql, KEYWORD_NAMES),
            ),
            (
                renamed(case.setup, SPELLED_NAMES),
                renamed(case.sql, SPELLED_NAMES),
            ),
        ];
        for (variant, (setup, sql)) in variants.iter().enumerate() {
            let Some(fixed) = fixed(rule, sql, cluster.major) else {
                if variant == 0 {
                    unfixed.push(case.rule);
                } else {
                    failures.push(format!("no fix of {} for {sql}", case.rule));
                }
                break;
            };
            // Each statement in its own transaction, as a migration tool runs CONCURRENTLY.
            let run = run_after_setup(cluster, setup, &format!("{fixed};"));
            if !run.success {
                failures.push(format!(
                    "PostgreSQL {} refused the fix of {}:\n{fixed}\n{}",
                    cluster.major,
                    case.rule,
                    run.stderr.trim()
                ));
            } else if variant == 0 {
                ran.push(index);
            }
        }
    }
    (ran, unfixed, failures)
}

#[test]
fn names_are_replaced_as_whole_words_quoted() {
    assert_eq!(
        renamed(
            "ALTER TABLE users ADD CONSTRAINT users_total_check CHECK (total >= 0);",
            KEYWORD_NAMES
        ),
        r#"ALTER TABLE "user" ADD CONSTRAINT "constraint" CHECK ("limit" >= 0);"#
    );
    assert_eq!(renamed("users_x (id)", SPELLED_NAMES), r#"users_x ("ID")"#);
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
            "rule fixes run on PostgreSQL {}: {} of {} cases, each as written, with keyword \
             names and with names that need quotes; {} refused (no fix at this major: {})",
            cluster.major,
            ran.len(),
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

/// Rules whose Alembic advice rewrites the user's own `op` call: the case's `sql` is the
/// body of a revision's `upgrade()`.
const ALEMBIC_CASES: &[Case] = &[
    case(
        "creating-index-non-concurrently",
        USERS,
        "op.create_index(\"users_email_idx\", \"users\", [\"email\"])",
    ),
    case(
        "creating-index-non-concurrently",
        USERS,
        "op.create_index(\n        \"users_email_idx\",\n        \"users\",\n        [\"email\"],\n        unique=True,\n        postgresql_where=sa.text(\"total > 0\"),\n    )",
    ),
    case(
        "dropping-index-non-concurrently",
        "CREATE TABLE users (id int, email text); CREATE INDEX users_email_idx ON users (email);",
        "op.drop_index(\"users_email_idx\", table_name=\"users\")",
    ),
    case(
        "adding-check-constraint-without-not-valid",
        USERS,
        "op.create_check_constraint(\"users_total_check\", \"users\", \"total >= 0\")",
    ),
    case(
        "adding-foreign-key-without-not-valid",
        "CREATE TABLE users (id int PRIMARY KEY); CREATE TABLE orders (id int, user_id int);",
        "op.create_foreign_key(\n        \"orders_user_fk\",\n        \"orders\",\n        \"users\",\n        [\"user_id\"],\n        [\"id\"],\n    )",
    ),
    case(
        "adding-serial-column",
        "CREATE TABLE \"Users\" (id int); INSERT INTO \"Users\" VALUES (1), (2);",
        "op.execute('ALTER TABLE \"Users\" ADD COLUMN \"Seq\" bigserial')",
    ),
    case(
        "adding-unique-constraint",
        USERS,
        "op.create_unique_constraint(\"users_email_key\", \"users\", [\"email\"])",
    ),
    // A table in a schema: every op call on it takes schema=.
    case(
        "adding-serial-column",
        "DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app; CREATE TABLE app.users (id int); INSERT INTO app.users VALUES (1);",
        "op.execute(\"ALTER TABLE app.users ADD COLUMN seq bigserial\")",
    ),
    case(
        "setting-not-null",
        "DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app; CREATE TABLE app.users (id int, email text); INSERT INTO app.users VALUES (1, 'a');",
        "op.execute(\"ALTER TABLE app.users ALTER COLUMN email SET NOT NULL\")",
    ),
    case(
        "adding-unique-constraint",
        "DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app; CREATE TABLE app.users (id int, email text); INSERT INTO app.users VALUES (1, 'a');",
        "op.execute(\"ALTER TABLE app.users ADD CONSTRAINT users_email_key UNIQUE (email)\")",
    ),
    case(
        "dropping-not-null",
        "DROP SCHEMA IF EXISTS app CASCADE; CREATE SCHEMA app; CREATE TABLE app.users (id int, email text NOT NULL); INSERT INTO app.users VALUES (1, 'a');",
        "op.execute(\"ALTER TABLE app.users ALTER COLUMN email DROP NOT NULL\")",
    ),
];

/// The advice of `case.rule` on the revision whose `upgrade()` is `case.sql`, as a
/// revision file shows it (the user's call rewritten).
fn revision_advice(case: &Case) -> Vec<(&Case, String)> {
    let rule = rules::find(case.rule).expect("a rule");
    let text = format!(
        "from alembic import op\nimport sqlalchemy as sa\n\nrevision = \"a1\"\ndown_revision = None\n\n\ndef upgrade():\n    {}\n\n\ndef downgrade():\n    pass\n",
        case.sql
    );
    let project = LoadedProject::from_sources(
        PathBuf::from("."),
        vec![SourceFile::new("a1_case.py", text)],
    );
    let reports =
        locksmith::lint::alembic::lint_project(&project, &Config::default().enabling(rule));
    let findings = reports
        .iter()
        .flat_map(|r| r.findings.iter().map(move |f| (r, f)));
    let advice: Vec<_> = (findings.filter(|(_, f)| f.rule.id == rule.id))
        .map(|(r, f)| (case, f.help(&r.source).unwrap_or_default().into_owned()))
        .collect();
    assert!(
        !advice.is_empty(),
        "{} does not fire on {}",
        case.rule,
        case.sql
    );
    advice
}

/// The code of Alembic advice (its `op.` lines and `with` blocks) as the body of a
/// function, or `None` when the advice holds no code or code to be filled in.
fn alembic_body(advice: &str) -> Option<String> {
    let mut code: Vec<&str> = Vec::new();
    for line in advice.lines() {
        let trimmed = line.trim_start();
        let in_block = code
            .last()
            .is_some_and(|l| l.trim_start().starts_with("with "))
            || (code.last().is_some_and(|l| l.starts_with(' ')) && line.starts_with("    "));
        if trimmed.starts_with("op.") || trimmed.starts_with("with op.") || in_block {
            code.push(line);
        }
    }
    let concrete = |l: &&str| !l.contains("...") && !l.contains('<');
    if code.is_empty() || !code.iter().all(concrete) {
        return None;
    }
    let indent = (code.iter())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    Some(
        code.iter()
            .map(|l| format!("    {}\n", &l[indent..]))
            .collect(),
    )
}

#[test]
fn every_concrete_alembic_advice_renders_and_runs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("locksmith-alembic-advice-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    // (case, revision file) for each finding with concrete advice.
    let mut revisions: Vec<(&Case, PathBuf)> = Vec::new();
    let advice_of_sql = CASES.iter().flat_map(|case| {
        let rule = rules::find(case.rule).expect("a rule");
        let config = Config::default().enabling(rule);
        // Linted as a revision's SQL: a `.sql` file's findings carry no Alembic advice.
        let report = lint_sql(SourceFile::new("case.py", case.sql), &config);
        (report.findings.iter())
            .filter(|f| f.rule.id == rule.id)
            .map(|f| {
                (
                    case,
                    f.advice.for_alembic("").unwrap_or_default().into_owned(),
                )
            })
            .collect::<Vec<_>>()
    });
    for (case, advice) in advice_of_sql.chain(ALEMBIC_CASES.iter().flat_map(revision_advice)) {
        let Some(body) = alembic_body(&advice) else {
            continue;
        };
        let path = dir.join(format!("advice_{}.py", revisions.len()));
        let revision = format!(
            "from alembic import op\nimport sqlalchemy as sa\n\n\ndef upgrade():\n{body}\n\ndef downgrade():\n    pass\n"
        );
        std::fs::write(&path, revision).expect("write a revision");
        revisions.push((case, path));
    }
    assert!(
        revisions.len() >= 10,
        "only {} cases have concrete Alembic advice",
        revisions.len()
    );
    let python = std::env::var("LOCKSMITH_PYTHON").unwrap_or_else(|_| "python3".into());
    let output = std::process::Command::new(&python)
        .arg(root.join("tests/alembic/reference.py"))
        .args(revisions.iter().map(|(_, path)| path))
        .output()
        .expect("run python");
    if output.status.code() == Some(3) {
        assert!(
            std::env::var_os("CI").is_none(),
            "Alembic is not importable in CI: install tests/alembic/requirements.txt"
        );
        eprintln!("\n!!!!! SKIPPED: Alembic is not importable; Alembic advice NOT run !!!!!\n");
        return;
    }
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rendered: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let Some(cluster) = Cluster::start_or_skip("the rules' Alembic advice was NOT run on a server")
    else {
        return;
    };
    let mut failures = Vec::new();
    for (case, path) in &revisions {
        let name = path.file_name().unwrap().to_string_lossy();
        let fixture = &rendered["fixtures"][name.as_ref()];
        let revision = std::fs::read_to_string(path).unwrap();
        if let Some(error) = fixture["error"].as_str() {
            failures.push(format!("{}: Alembic raised {error}\n{revision}", case.rule));
            continue;
        }
        // As `alembic upgrade` runs it: in a transaction, which an autocommit block leaves.
        let sql = fixture["upgrade"].as_str().unwrap_or_default();
        let run = run_after_setup(&cluster, case.setup, &format!("BEGIN;\n{sql}\nCOMMIT;"));
        if !run.success {
            failures.push(format!(
                "{}: PostgreSQL {} refused\n{revision}\n{sql}\n{}",
                case.rule,
                cluster.major,
                run.stderr.trim()
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let rules: std::collections::BTreeSet<&str> = revisions.iter().map(|(c, _)| c.rule).collect();
    let proof = root.join("target/alembic-advice-live.txt");
    std::fs::create_dir_all(proof.parent().unwrap()).expect("create target/");
    let text = format!(
        "Alembic advice rendered by Alembic {} and run on PostgreSQL {}: {} revisions, {} rules: {}\n",
        rendered["alembic"].as_str().unwrap_or("?"),
        cluster.major,
        revisions.len(),
        rules.len(),
        rules.into_iter().collect::<Vec<_>>().join(", ")
    );
    std::fs::write(&proof, text).expect("write the proof");
}

/// The SQL a help text shows, with every name a keyword or a name that needs quotes
/// otherwise ([`renamed`]), and with every statement written over many lines: each complete
/// statement ([`help_statements`]) must parse. No server needed:
/// this covers the help of every rule's documented Bad examples, not only the fixes above.
#[test]
fn help_statements_parse_with_any_names_and_layout() {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut checked = 0;
    let mut failures = Vec::new();
    for rule in rules::ALL {
        let doc = std::fs::read_to_string(docs.join(format!("{}.md", rule.id))).expect("rule doc");
        let bad = rule_doc::blocks(&doc, "## Bad", "sql").into_iter();
        let cases = CASES.iter().filter(|c| c.rule == rule.id);
        let sources = bad
            .map(|sql| sql.to_string())
            .chain(cases.map(|c| format!("{}\n{}", c.setup, c.sql)));
        // Each also written over many lines: a help shows every line of a statement it
        // quotes, indented as the first.
        let variants = |sql: String| {
            let spread = sql.replace(' ', "\n");
            let renamings = [KEYWORD_NAMES, SPELLED_NAMES].map(|names| renamed(&sql, names));
            renamings.into_iter().chain([spread])
        };
        for sql in sources.flat_map(variants) {
            let report = lint_sql(
                SourceFile::new("case.sql", &sql),
                &Config::default().enabling(rule),
            );
            let helps = (report.findings.iter())
                .filter(|f| f.rule.id == rule.id)
                .filter_map(|f| f.advice.sql.as_deref());
            for help in helps {
                for statement in help_statements(help) {
                    checked += 1;
                    if let Err(error) =
                        pg_query::parse(&statement, pg_query::ParserOptions::DEFAULT)
                    {
                        failures.push(format!("{}: {statement}\n  {error}", rule.id));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "help statements that do not parse:\n{}",
        failures.join("\n")
    );
    assert!(checked > 50, "only {checked} help statements checked");
}

/// The statements of a help text (as `scripts/help-statements` gathers them from any
/// directory's findings): its indented lines (the prose is not), joined until one
/// ends in `;`, each line's `-- comment` left out; those with a `...` or `<placeholder>`
/// are not SQL to run as it is, and are left out. A statement a line of prose (or the
/// text's end) cuts short is kept as it is, to fail: a line of a quoted statement shown
/// without its indent reads as prose.
fn help_statements(help: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut statement = String::new();
    let mut keep = |statement: &mut String| {
        let whole = std::mem::take(statement);
        if !whole.trim().is_empty() && !whole.contains("...") && !whole.contains('<') {
            statements.push(whole);
        }
    };
    for line in help.lines() {
        if !line.starts_with("  ") {
            keep(&mut statement);
            continue;
        }
        let code = line.split("  -- ").next().unwrap_or(line).trim();
        statement.push_str(code);
        statement.push('\n');
        if code.ends_with(';') {
            keep(&mut statement);
        }
    }
    keep(&mut statement);
    statements
}
