//! Fidelity of the static Alembic renderer against the real Alembic offline mode.
//!
//! Every `tests/alembic/fixtures/*.py` is rendered by `render_revision` (upgrade and
//! downgrade, through `offline_sql()`) and by `tests/alembic/reference.py` (real Alembic
//! 1.20.1 / SQLAlchemy 2.1.9, run once for all fixtures). Both sides are split into
//! statements and normalised with pg_query (parse, then deparse) and compared one by one.
//!
//! A line holding `# locksmith: expect-unrenderable` marks the statement starting on it as
//! one the renderer must report as unrenderable; the renderer must report exactly the marked
//! statements. In a function with unrenderable statements, locksmith's statements must be a
//! subsequence of Alembic's (what the unrenderable parts emit is missing); when the real
//! Alembic raised part-way (e.g. `fetchall()` in offline mode), only the statements rendered
//! before the first unrenderable one are compared, with Alembic's first statements.
//!
//! A line holding `# locksmith: expect-approximate` marks the operation starting on it as one
//! the renderer must render approximately (placeholders for values only known when run);
//! the renderer must mark exactly the marked operations. An approximate statement is
//! compared by position only, not for equality (its value is a placeholder), and counted.
//!
//! Python: `$LOCKSMITH_PYTHON`, else `python3`. Without an importable Alembic the test is
//! skipped loudly, or fails when `CI` is set.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use locksmith::alembic::render::{ModuleCache, render_revision_with};
use locksmith::alembic::revision::RenderedFunction;

const MARKER: &str = "# locksmith: expect-unrenderable";
const APPROXIMATE_MARKER: &str = "# locksmith: expect-approximate";

fn normalise(sql: &str) -> Vec<String> {
    let pieces: Vec<&str> = match pg_query::split_with_parser(sql) {
        Ok(pieces) => pieces,
        Err(_) => pg_query::split_with_scanner(sql).unwrap_or_else(|_| vec![sql]),
    };
    pieces
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(
            |piece| match pg_query::parse(piece, pg_query::ParserOptions::DEFAULT) {
                Ok(tree) => tree
                    .deparse(pg_query::DeparseOptions::default())
                    .unwrap_or_else(|_| piece.to_string()),
                Err(error) => format!(
                    "<unparsable: {error}> {}",
                    piece.split_whitespace().collect::<Vec<_>>().join(" ")
                ),
            },
        )
        .collect()
}

fn rendered_statements(function: &RenderedFunction) -> Vec<String> {
    sort_index_runs(
        function
            .offline_sql()
            .iter()
            .flat_map(|(sql, _)| normalise(sql))
            .collect(),
    )
}

/// Per statement of [`rendered_statements`] (before index runs are sorted, which never
/// holds approximate statements: `create_table`'s indexes have no values), whether it was
/// rendered approximately.
fn approximate_flags(function: &RenderedFunction) -> Vec<bool> {
    let mut statements = function.statements.iter().peekable();
    function
        .offline_sql()
        .iter()
        .flat_map(|(sql, origin)| {
            let this = statements.next_if(|s| s.origin == *origin && s.sql == *sql);
            let approximate = this.is_some_and(|s| !s.approximate.is_empty());
            vec![approximate; normalise(sql).len()]
        })
        .collect()
}

/// Alembic's `create_table` iterates `Table.indexes`, a Python set, so the order of several
/// CREATE INDEX statements in a row follows object addresses; such runs are compared sorted.
fn sort_index_runs(mut statements: Vec<String>) -> Vec<String> {
    let is_index =
        |s: &String| s.starts_with("CREATE INDEX") || s.starts_with("CREATE UNIQUE INDEX");
    let mut start = 0;
    while start < statements.len() {
        let mut end = start;
        while end < statements.len() && is_index(&statements[end]) {
            end += 1;
        }
        statements[start..end].sort();
        start = end + 1;
    }
    statements
}

/// Known difference: under a `format`/`pyformat` paramstyle (psycopg2's default, when env.py
/// does not pass `dialect_opts={"paramstyle": "named"}`) Alembic's offline output doubles
/// every `%` of the SQL text (`LIKE 'a%%'`), the escaping the driver would undo. locksmith
/// prints what the database receives (`'a%'`), so a statement equal up to that doubling is
/// equal. (`reference.py` uses the named paramstyle of `alembic init`'s env.py, which keeps
/// `%` as is.)
fn same_statement(mine: &str, theirs: &str) -> bool {
    mine == theirs || theirs == mine.replace('%', "%%")
}

fn line_of(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].matches('\n').count() + 1
}

/// Whether `needle` is a subsequence of `haystack`; an approximate statement (per
/// `approximate`) matches any statement of the same kind (its first two words).
fn is_subsequence(needle: &[String], approximate: &[bool], haystack: &[String]) -> bool {
    let kind = |s: &str| s.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    let mut rest = haystack.iter();
    needle.iter().enumerate().all(|(i, n)| {
        rest.any(|h| {
            same_statement(n, h) || (approximate.get(i) == Some(&true) && kind(n) == kind(h))
        })
    })
}

struct Reference {
    alembic: String,
    sqlalchemy: String,
    fixtures: serde_json::Value,
}

fn run_reference(root: &Path, files: &[PathBuf]) -> Option<Reference> {
    let python = std::env::var("LOCKSMITH_PYTHON").unwrap_or_else(|_| "python3".into());
    let output = Command::new(&python)
        .arg(root.join("tests/alembic/reference.py"))
        .args(files)
        .output();
    let unavailable = |why: String| {
        if std::env::var_os("CI").is_some() {
            panic!(
                "alembic fidelity test cannot run in CI: {why}; install tests/alembic/requirements.txt"
            );
        }
        eprintln!("\n==== SKIPPED alembic fidelity test: {why} ====\n");
        None
    };
    let output = match output {
        Ok(output) => output,
        Err(error) => return unavailable(format!("cannot run `{python}`: {error}")),
    };
    if output.status.code() == Some(3) {
        return unavailable(format!(
            "alembic is not importable by `{python}`: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    assert!(
        output.status.success(),
        "reference.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("reference.py prints JSON");
    Some(Reference {
        alembic: json["alembic"].as_str().unwrap_or("?").to_string(),
        sqlalchemy: json["sqlalchemy"].as_str().unwrap_or("?").to_string(),
        fixtures: json["fixtures"].clone(),
    })
}

/// What was compared: statements compared for equality, and approximate ones (compared
/// by position only).
#[derive(Default)]
struct Compared {
    equal: usize,
    approximate: usize,
}

/// Compares one function.
fn compare_function(
    fixture: &str,
    which: &str,
    ours: &RenderedFunction,
    theirs_sql: &str,
    their_error: Option<&str>,
    problems: &mut Vec<String>,
) -> Compared {
    let theirs = sort_index_runs(normalise(theirs_sql));
    let mine = rendered_statements(ours);
    let approximate = approximate_flags(ours);
    let approximated = approximate.iter().filter(|a| **a).count();
    let compared = |n: usize| Compared {
        equal: n.saturating_sub(approximated),
        approximate: approximated,
    };
    let reference_raised = their_error.is_some_and(|e| e.contains(&format!("{which}()")));
    if ours.unrenderable.is_empty() {
        if reference_raised {
            problems.push(format!(
                "{fixture} {which}(): real Alembic raised ({}) but locksmith rendered it all",
                their_error.unwrap_or("")
            ));
            return Compared::default();
        }
        for (index, pair) in mine.iter().zip(&theirs).enumerate() {
            if approximate.get(index) == Some(&true) {
                continue;
            }
            if !same_statement(pair.0, pair.1) {
                problems.push(format!(
                    "{fixture} {which}() statement {}:\n    locksmith: {}\n    alembic:   {}",
                    index + 1,
                    pair.0,
                    pair.1
                ));
            }
        }
        if mine.len() != theirs.len() {
            problems.push(format!(
                "{fixture} {which}(): locksmith rendered {} statements, alembic {}\n    locksmith: {:#?}\n    alembic:   {:#?}",
                mine.len(),
                theirs.len(),
                mine,
                theirs
            ));
        }
        return compared(mine.len().min(theirs.len()));
    }
    if reference_raised {
        let first_unrenderable = ours
            .unrenderable
            .iter()
            .map(|u| u.span.start)
            .min()
            .unwrap_or(usize::MAX);
        let before: Vec<String> = ours
            .offline_sql()
            .iter()
            .filter(|(_, origin)| origin.start < first_unrenderable)
            .flat_map(|(sql, _)| normalise(sql))
            .collect();
        if theirs.get(..before.len()) != Some(&before[..]) {
            problems.push(format!("{fixture} {which}(): statements before the unrenderable part differ\n    locksmith: {before:#?}\n    alembic:   {theirs:#?}"));
        }
        return compared(before.len());
    }
    if !is_subsequence(&mine, &approximate, &theirs) {
        problems.push(format!("{fixture} {which}(): locksmith's statements are not a subsequence of alembic's\n    locksmith: {mine:#?}\n    alembic:   {theirs:#?}"));
    }
    compared(mine.len())
}

#[test]
fn static_rendering_matches_real_alembic() {
    let started = std::time::Instant::now();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("tests/alembic/fixtures"))
        .expect("tests/alembic/fixtures exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures");
    let Some(reference) = run_reference(root, &files) else {
        return;
    };

    // helpers/ is what reference.py puts on sys.path (a project's prepend_sys_path).
    let canonical = |p: PathBuf| p.canonicalize().expect("canonical path");
    let modules = ModuleCache::new(
        vec![canonical(root.join("tests/alembic/helpers"))],
        canonical(root.to_path_buf()),
    );
    let mut problems = Vec::new();
    let mut compared = 0;
    let mut approximated = 0;
    for file in &files {
        let fixture = file.file_name().unwrap().to_string_lossy().to_string();
        let source = std::fs::read_to_string(file).unwrap();
        let theirs = &reference.fixtures[&fixture];
        let their_error = theirs["error"].as_str();
        let revision = match render_revision_with(&source, &modules) {
            Ok(revision) => revision,
            Err(error) => {
                problems.push(format!(
                    "{fixture}: python error at {}: {}",
                    error.offset, error.message
                ));
                continue;
            }
        };
        let expected: BTreeSet<usize> = source
            .lines()
            .enumerate()
            .filter(|(_, line)| line.contains(MARKER))
            .map(|(i, _)| i + 1)
            .collect();
        let expected_approximate: BTreeSet<usize> = source
            .lines()
            .enumerate()
            .filter(|(_, line)| line.contains(APPROXIMATE_MARKER))
            .map(|(i, _)| i + 1)
            .collect();
        let mut reported = BTreeSet::new();
        let mut reported_approximate = BTreeSet::new();
        for (which, function) in [
            ("upgrade", &revision.upgrade),
            ("downgrade", &revision.downgrade),
        ] {
            let Some(function) = function else {
                problems.push(format!("{fixture}: no {which}()"));
                continue;
            };
            for unrenderable in &function.unrenderable {
                let line = line_of(&source, unrenderable.span.start);
                if !expected.contains(&line) {
                    problems.push(format!(
                        "{fixture}:{line}: unexpectedly unrenderable: {}",
                        unrenderable.message
                    ));
                }
                reported.insert(line);
            }
            for statement in function
                .statements
                .iter()
                .filter(|s| !s.approximate.is_empty())
            {
                let line = line_of(&source, statement.origin.start);
                if !expected_approximate.contains(&line) {
                    problems.push(format!(
                        "{fixture}:{line}: unexpectedly approximate (unknown: {})",
                        statement.approximate.join(", ")
                    ));
                }
                reported_approximate.insert(line);
            }
            let sql = theirs[which].as_str().unwrap_or("");
            let counts =
                compare_function(&fixture, which, function, sql, their_error, &mut problems);
            compared += counts.equal;
            approximated += counts.approximate;
        }
        for line in expected_approximate.difference(&reported_approximate) {
            problems.push(format!(
                "{fixture}:{line}: marked expect-approximate but locksmith rendered it exactly"
            ));
        }
        for line in expected.difference(&reported) {
            problems.push(format!(
                "{fixture}:{line}: marked expect-unrenderable but locksmith rendered it"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} fidelity problems:\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
    let summary = format!(
        "{} fixtures, {} statements compared, {} approximate (not compared), alembic {}, sqlalchemy {}\n",
        files.len(),
        compared,
        approximated,
        reference.alembic,
        reference.sqlalchemy
    );
    let _ = std::fs::create_dir_all(root.join("target"));
    std::fs::write(root.join("target/alembic-fidelity.txt"), &summary)
        .expect("write target/alembic-fidelity.txt");
    eprintln!("alembic fidelity: {}", summary.trim());
    assert!(
        started.elapsed().as_secs() < 30,
        "fidelity test took {:?}",
        started.elapsed()
    );
}
