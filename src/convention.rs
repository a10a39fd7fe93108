//! What migration tools read in a `.sql` file beyond its SQL:
//! - the sections of a file that holds both directions of a migration: dbmate's
//!   `-- migrate:up` / `-- migrate:down`, goose's `-- +goose Up` / `-- +goose Down`,
//!   sql-migrate's `-- +migrate Up` / `-- +migrate Down` ([`sections`]);
//! - the transaction the tool runs a file in ([`runner_transaction`]): goose's
//!   `-- +goose NO TRANSACTION`, dbmate's `transaction:false`, sql-migrate's
//!   `notransaction`, ory's `*.autocommit.*.sql`; Flyway's rule, read from the statements
//!   ([`flyway_transaction`]); golang-migrate's one query string, and a runner's the
//!   configuration describes ([`one_query_transaction`]).

use std::ops::Range;

/// What a migration tool's convention says of the transaction it runs a file in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunnerTransaction {
    pub inside: bool,
    /// How to have the tool run the file outside a transaction instead.
    pub opt_out: Option<&'static str>,
    /// The tool refuses the file as it is, before running any of it (Flyway, a migration
    /// that mixes statements that must run outside a transaction with others): only
    /// another migration is a way out, not a COMMIT in this one.
    pub refused: bool,
    /// The tool sends the whole file as one query string (golang-migrate): PostgreSQL runs
    /// its statements as one implicit transaction, which an explicit BEGIN takes over
    /// (no nesting) and a COMMIT ends, the next statement starting another.
    pub one_query: bool,
}

impl RunnerTransaction {
    pub const OUTSIDE: RunnerTransaction = RunnerTransaction {
        inside: false,
        opt_out: None,
        refused: false,
        one_query: false,
    };

    /// Inside a transaction, with the tool's way to run the file outside one.
    const fn inside(opt_out: &'static str) -> RunnerTransaction {
        RunnerTransaction {
            inside: true,
            opt_out: Some(opt_out),
            refused: false,
            one_query: false,
        }
    }
}

/// Files that hold both directions, in sections each headed by a marker line: dbmate's
/// `-- migrate:up` ... `-- migrate:down` ..., goose's `-- +goose Up` ... `-- +goose Down`
/// ... and sql-migrate's `-- +migrate Up` ... `-- +migrate Down` ... (sql-migrate allows
/// several sections of one direction, run in file order). Returns the byte ranges of the
/// requested direction's sections (each from the line after its marker to the next
/// marker), in file order; empty when the file has no such marker.
pub fn sections(text: &str, down: bool) -> Vec<Range<usize>> {
    let mut ranges: Vec<Range<usize>> = Vec::new();
    if !may_have_markers(text) {
        return ranges;
    }
    let mut open = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(marker) = section_marker(line) {
            if open && let Some(last) = ranges.last_mut() {
                last.end = offset;
            }
            open = marker.down == down;
            if open {
                ranges.push(offset + line.len()..text.len());
            }
        }
        offset += line.len();
    }
    ranges
}

/// The text of a direction's [`sections`] with the rest of the file blanked ([`blanked`]),
/// or None when the file has no section of that direction.
pub fn section_text(text: &str, down: bool) -> Option<String> {
    let ranges = sections(text, down);
    (!ranges.is_empty()).then(|| blanked(text, &outside(&ranges, text.len())))
}

/// The parts of `0..len` that none of `ranges` (in order, apart) covers.
pub fn outside(ranges: &[Range<usize>], len: usize) -> Vec<Range<usize>> {
    let mut gaps = Vec::new();
    let mut at = 0;
    for range in ranges {
        gaps.push(at..range.start);
        at = range.end;
    }
    gaps.push(at..len);
    gaps.retain(|gap| !gap.is_empty());
    gaps
}

/// `text` with every character in `ranges` replaced by spaces (as many as it has bytes;
/// newlines stay), so that a part of a file is linted with the file's offsets and lines.
pub fn blanked(text: &str, ranges: &[Range<usize>]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for range in ranges {
        (bytes[range.clone()].iter_mut())
            .filter(|b| **b != b'\n')
            .for_each(|b| *b = b' ');
    }
    // Ranges on character boundaries blank whole characters: still UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A migration tool that keeps both directions of a migration in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionedTool {
    Dbmate,
    Goose,
    SqlMigrate,
}

/// A line that starts a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker<'a> {
    pub tool: SectionedTool,
    pub down: bool,
    /// What follows the direction on the line (`transaction:false`, `notransaction`).
    pub options: &'a str,
}

impl<'a> Marker<'a> {
    fn new(tool: SectionedTool, down: bool, options: &'a str) -> Marker<'a> {
        let options = options.trim();
        Marker {
            tool,
            down,
            options,
        }
    }
}

/// Whether `text` may hold a marker line: every marker has one of these words. Most files
/// have neither, and one substring search is cheaper than a look at every line.
pub fn may_have_markers(text: &str) -> bool {
    crate::mentions::SECTION_WORDS
        .iter()
        .any(|word| text.contains(word))
}

/// The section `line` starts, read as each tool reads it: dbmate's `-- migrate:up` (its
/// pattern: `--`, any spaces, `migrate:up`, options after a space), sql-migrate's
/// `-- +migrate Up` (a command word, options after it) and goose's `-- +goose Up` in any
/// case ([`goose_annotation`]).
pub fn section_marker(line: &str) -> Option<Marker<'_>> {
    let line = line.trim();
    if let Some(command) = line.strip_prefix("-- +migrate ") {
        let word = command.trim_start();
        let end = word.find(char::is_whitespace).unwrap_or(word.len());
        let down = match &word[..end] {
            "Up" => false,
            "Down" => true,
            _ => return None,
        };
        return Some(Marker::new(SectionedTool::SqlMigrate, down, &word[end..]));
    }
    if let Some(rest) = line.strip_prefix("--") {
        for (word, down) in [("migrate:up", false), ("migrate:down", true)] {
            if let Some(options) = rest.trim_start().strip_prefix(word)
                && (options.is_empty() || options.starts_with(char::is_whitespace))
            {
                return Some(Marker::new(SectionedTool::Dbmate, down, options));
            }
        }
    }
    let annotation = goose_annotation(line)?;
    let down = match annotation.to_ascii_lowercase().as_str() {
        "up" => false,
        "down" => true,
        _ => return None,
    };
    Some(Marker::new(SectionedTool::Goose, down, ""))
}

/// The annotation of a goose line (`-- +goose StatementBegin`: `StatementBegin`), read as
/// goose reads it: a line that starts with `--` and holds `+goose`, less its dashes and
/// that word. goose compares annotations without regard to case.
pub fn goose_annotation(line: &str) -> Option<String> {
    let line = line.trim();
    if !line.starts_with("--") || !line.contains("+goose") {
        return None;
    }
    Some(
        line.replace("--", "")
            .replacen("+goose", "", 1)
            .trim()
            .to_string(),
    )
}

/// Whether the migration tool runs the file called `name` (its down sections, with `down`)
/// inside a transaction, by a convention of its name or text; `None` when no convention
/// says so and the configuration decides (`assume_in_transaction`).
/// - ory's tools run `*.autocommit.*.sql` files outside one;
/// - goose runs a file (both sections) inside one unless it says `-- +goose NO TRANSACTION`;
/// - dbmate and sql-migrate run each section inside one unless its marker line says
///   `transaction:false` (dbmate) or `notransaction` (sql-migrate).
pub fn runner_transaction(name: &str, text: &str, down: bool) -> Option<RunnerTransaction> {
    runner_transaction_known(name, text, down, may_have_markers(text))
}

/// [`runner_transaction`] for a caller that knows whether `text` [`may_have_markers`].
pub fn runner_transaction_known(
    name: &str,
    text: &str,
    down: bool,
    may_have_markers: bool,
) -> Option<RunnerTransaction> {
    if name.ends_with(".autocommit.up.sql") || name.ends_with(".autocommit.down.sql") {
        return Some(RunnerTransaction::OUTSIDE);
    }
    if !may_have_markers {
        return None;
    }
    let markers: Vec<_> = (text.lines()).filter_map(section_marker).collect();
    let tool = markers.first()?.tool;
    // sql-migrate runs a direction outside a transaction when any of its markers says so.
    let has = |option: &str| {
        (markers.iter().filter(|m| m.down == down))
            .any(|m| m.options.split_whitespace().any(|o| o == option))
    };
    let (outside, opt_out) = match tool {
        SectionedTool::Goose => (
            (text.lines()).any(|line| {
                goose_annotation(line).is_some_and(|a| a.eq_ignore_ascii_case("NO TRANSACTION"))
            }),
            "goose runs this file inside a transaction: put `-- +goose NO TRANSACTION` at \
             its top to run it outside one",
        ),
        SectionedTool::Dbmate if down => (
            has("transaction:false"),
            "dbmate runs this section inside a transaction: add `transaction:false` to its \
             `-- migrate:down` line to run it outside one",
        ),
        SectionedTool::Dbmate => (
            has("transaction:false"),
            "dbmate runs this section inside a transaction: add `transaction:false` to its \
             `-- migrate:up` line to run it outside one",
        ),
        SectionedTool::SqlMigrate if down => (
            has("notransaction"),
            "sql-migrate runs this section inside a transaction: end its `-- +migrate Down` \
             line with `notransaction` to run it outside one",
        ),
        SectionedTool::SqlMigrate => (
            has("notransaction"),
            "sql-migrate runs this section inside a transaction: end its `-- +migrate Up` \
             line with `notransaction` to run it outside one",
        ),
    };
    Some(match outside {
        true => RunnerTransaction::OUTSIDE,
        false => RunnerTransaction::inside(opt_out),
    })
}

/// How Flyway runs a migration (`V1__x.sql`, `U1__x.sql`, `R__x.sql`) on PostgreSQL, from
/// its statements' text (`statements`, each from its first word) and its script configuration file (`conf`, the
/// text of `<migration>.sql.conf` when there is one). Flyway runs a migration inside a
/// transaction unless one of its statements is one its PostgreSQL parser tells cannot run
/// in one (`PostgreSQLParser.detectCanExecuteInTransaction`: CREATE or DROP of a database,
/// tablespace or subscription, ALTER SYSTEM, CREATE or DROP INDEX CONCURRENTLY, REINDEX of
/// a schema, database or system, VACUUM, DISCARD ALL, and ALTER TYPE ... ADD VALUE before
/// PostgreSQL 12), or the configuration file says `executeInTransaction=false`: then it
/// runs each statement on its own. A migration that has both kinds of statement is refused
/// (`mixed=false`, the default): read as inside a transaction, so that the statement that
/// cannot run in one is reported with Flyway's way out. With `mixed` (Flyway's
/// `mixed=true`) it runs outside a transaction like the others that have such a statement.
pub fn flyway_transaction<'a>(
    statements: impl IntoIterator<Item = &'a str>,
    conf: Option<&str>,
    postgres_version: u32,
    mixed: bool,
) -> RunnerTransaction {
    let (mut outside_only, mut transactional) = (false, false);
    for statement in statements {
        match flyway_outside_only(statement, postgres_version) {
            true => outside_only = true,
            false => transactional = true,
        }
    }
    let setting = conf.and_then(|text| {
        text.lines()
            .filter_map(|line| line.split_once('='))
            .find(|(key, _)| key.trim() == "executeInTransaction")
            .map(|(_, value)| value.trim().eq_ignore_ascii_case("true"))
    });
    let inside = match setting {
        Some(inside) => inside,
        None => !outside_only,
    };
    if outside_only && transactional && !mixed {
        return RunnerTransaction {
            refused: true,
            ..RunnerTransaction::inside(
                "Flyway refuses a migration that mixes statements that must run outside a \
                 transaction with others, unless `mixed=true` is set: say so with \
                 `flyway_mixed: true` in lint.yaml",
            )
        };
    }
    match inside {
        true => RunnerTransaction::inside(
            "Flyway runs a migration outside a transaction when every statement in it must \
             run outside one, or when a `<migration>.sql.conf` beside it says \
             `executeInTransaction=false`",
        ),
        false => RunnerTransaction::OUTSIDE,
    }
}

/// What golang-migrate's PostgreSQL drivers do with a file (unless migrate runs with
/// `x-multi-statement=true`): [`one_query_transaction`]'s `tool`.
pub const GOLANG_MIGRATE: &str = "golang-migrate sends a migration file as one query string, \
     which PostgreSQL runs as one transaction, COMMIT or not, unless migrate runs with \
     `x-multi-statement=true`";

/// What the configuration says the runner does (`single_statement_autocommit` with
/// `assume_in_transaction`, Prisma Migrate's way).
pub const ONE_QUERY_RUNNER: &str = "the runner that `single_statement_autocommit` describes \
     sends a migration file as one query string, which PostgreSQL runs as one transaction, \
     COMMIT or not";

/// The transaction a file of `statements` statements runs in when its tool (`tool` says
/// which, and its way out) sends it whole, as one query string: PostgreSQL runs a string of
/// several statements as one implicit transaction ("Multiple Statements in a Simple
/// Query", in the manual's chapter on the protocol). A statement that cannot run in a
/// transaction block fails there even after a COMMIT in the string (checked on
/// PostgreSQL: tests/one_query_live.rs), so only a migration of its own runs it. A string
/// of one statement runs on its own.
pub fn one_query_transaction(statements: usize, tool: &'static str) -> RunnerTransaction {
    if statements < 2 {
        return RunnerTransaction::OUTSIDE;
    }
    RunnerTransaction {
        refused: true,
        one_query: true,
        ..RunnerTransaction::inside(tool)
    }
}

/// Whether Flyway's PostgreSQL parser takes a statement (its text from its first word,
/// leading comments dropped) for one that cannot run inside a transaction: its patterns,
/// on the text upper-cased and its whitespace collapsed.
fn flyway_outside_only(statement: &str, postgres_version: u32) -> bool {
    let words: Vec<String> = (statement.split_whitespace())
        .take(64)
        .map(str::to_ascii_uppercase)
        .collect();
    let word = |i: usize| words.get(i).map_or("", String::as_str);
    let create_or_drop = matches!(word(0), "CREATE" | "DROP");
    (create_or_drop && matches!(word(1), "DATABASE" | "TABLESPACE" | "SUBSCRIPTION"))
        || (word(0) == "ALTER" && word(1) == "SYSTEM")
        || (create_or_drop && word(1) == "INDEX" && word(2) == "CONCURRENTLY")
        || (create_or_drop
            && word(1) == "UNIQUE"
            && word(2) == "INDEX"
            && word(3) == "CONCURRENTLY")
        || (word(0) == "REINDEX" && {
            let kind = if word(1) == "VERBOSE" {
                word(2)
            } else {
                word(1)
            };
            matches!(kind, "SCHEMA" | "DATABASE" | "SYSTEM")
        })
        || word(0) == "VACUUM"
        || (word(0) == "DISCARD" && word(1) == "ALL")
        || (postgres_version < 12
            && word(0) == "ALTER"
            && word(1) == "TYPE"
            && words
                .windows(2)
                .any(|pair| pair[0] == "ADD" && pair[1] == "VALUE"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one section of a direction.
    fn only(text: &str, down: bool) -> &str {
        let ranges = sections(text, down);
        assert_eq!(ranges.len(), 1, "{ranges:?}");
        &text[ranges[0].clone()]
    }

    #[test]
    fn dbmate_sections() {
        let text = "-- migrate:up\nCREATE TABLE t (id int);\n\n-- migrate:down\nDROP TABLE t;\n";
        assert_eq!(only(text, false), "CREATE TABLE t (id int);\n\n");
        assert_eq!(only(text, true), "DROP TABLE t;\n");
        assert!(sections("SELECT 1;", false).is_empty());
        assert_eq!(section_text("SELECT 1;", false), None);
        assert_eq!(
            section_text(text, true).unwrap(),
            "             \n                        \n\n               \nDROP TABLE t;\n"
        );
    }

    #[test]
    fn sql_migrate_sections() {
        let text = "-- +migrate Up notransaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n\
                    -- +migrate Down\nDROP INDEX i;\n";
        assert_eq!(only(text, false), "CREATE INDEX CONCURRENTLY i ON t (a);\n");
        assert_eq!(only(text, true), "DROP INDEX i;\n");
        let up = section_marker(text.lines().next().unwrap()).unwrap();
        assert_eq!(
            (up.tool, up.down, up.options),
            (SectionedTool::SqlMigrate, false, "notransaction")
        );
        // sql-migrate reads its commands with their case, and whole words only.
        assert!(sections("-- +migrate up\nSELECT 1;\n", false).is_empty());
        assert!(sections("-- migrate:upper\nSELECT 1;\n", false).is_empty());
        // dbmate's own pattern: `--`, any spaces, the word.
        let compact = section_marker("--migrate:down  transaction:false").unwrap();
        assert_eq!(
            (compact.tool, compact.down, compact.options),
            (SectionedTool::Dbmate, true, "transaction:false")
        );
        let spaced = section_marker("-- +migrate   Down notransaction").unwrap();
        assert_eq!(
            (spaced.tool, spaced.down, spaced.options),
            (SectionedTool::SqlMigrate, true, "notransaction")
        );
        // Several sections of one direction, each to the next marker.
        let text =
            "-- +migrate Up\nSELECT 1;\n-- +migrate Up\nSELECT 2;\n-- +migrate Down\nSELECT 3;\n";
        let ups: Vec<&str> = sections(text, false)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(ups, ["SELECT 1;\n", "SELECT 2;\n"]);
        assert_eq!(
            outside(&sections(text, true), text.len()),
            vec![0..text.len() - 10]
        );
    }

    #[test]
    fn goose_sections() {
        let text = "-- +goose NO TRANSACTION\n-- +goose Up\n-- +goose StatementBegin\n\
                    CREATE TABLE t (id int);\n-- +goose StatementEnd\n\n--+goose down\nDROP TABLE t;\n";
        assert_eq!(
            only(text, false),
            "-- +goose StatementBegin\nCREATE TABLE t (id int);\n-- +goose StatementEnd\n\n"
        );
        assert_eq!(only(text, true), "DROP TABLE t;\n");
        assert_eq!(
            section_marker("--+goose down").map(|m| (m.tool, m.down)),
            Some((SectionedTool::Goose, true))
        );
        assert_eq!(section_marker("-- +goose is a word"), None);
        assert_eq!(
            goose_annotation("-- +goose  NO TRANSACTION "),
            Some("NO TRANSACTION".into())
        );
        assert_eq!(goose_annotation("-- goose Up"), None);
    }

    #[test]
    fn runner_conventions_say_whether_a_file_runs_in_a_transaction() {
        let inside = |name: &str, text: &str, down: bool| {
            runner_transaction(name, text, down).map(|t| t.inside)
        };
        assert_eq!(
            inside("m/20240101_idx.autocommit.up.sql", "SELECT 1", false),
            Some(false)
        );
        assert_eq!(inside("m/20240101_idx.up.sql", "SELECT 1", false), None);
        let dbmate_off = "-- migrate:up transaction:false\nSELECT 1\n";
        assert_eq!(inside("db/1_idx.sql", dbmate_off, false), Some(false));
        assert_eq!(
            inside("db/1_idx.sql", "-- migrate:up\nSELECT 1\n", false),
            Some(true)
        );
        // Each section by its own marker's options.
        let down_off = "-- migrate:up\nSELECT 1;\n-- migrate:down transaction:false\n";
        assert_eq!(inside("db/1.sql", down_off, false), Some(true));
        assert_eq!(inside("db/1.sql", down_off, true), Some(false));
        // goose: inside unless NO TRANSACTION, wherever that line is, for both sections.
        let goose = "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n";
        assert_eq!(inside("db/1.sql", goose, false), Some(true));
        assert_eq!(inside("db/1.sql", goose, true), Some(true));
        let goose_off = "-- +goose Up\nSELECT 1;\n-- +goose no transaction\n";
        assert_eq!(inside("db/1.sql", goose_off, false), Some(false));
        // sql-migrate: each section by its own marker.
        let sql_migrate = "-- +migrate Up notransaction\nSELECT 1;\n-- +migrate Down\nSELECT 2;\n";
        assert_eq!(inside("db/1.sql", sql_migrate, false), Some(false));
        assert_eq!(inside("db/1.sql", sql_migrate, true), Some(true));
        let second = "-- +migrate Up\nSELECT 1;\n-- +migrate Up notransaction\nSELECT 2;\n";
        assert_eq!(inside("db/1.sql", second, false), Some(false));
    }

    #[test]
    fn golang_migrate_runs_several_statements_as_one_transaction() {
        assert_eq!(
            one_query_transaction(0, GOLANG_MIGRATE),
            RunnerTransaction::OUTSIDE
        );
        assert_eq!(
            one_query_transaction(1, GOLANG_MIGRATE),
            RunnerTransaction::OUTSIDE
        );
        let two = one_query_transaction(2, GOLANG_MIGRATE);
        assert!(two.inside && two.one_query && two.refused, "{two:?}");
        assert!(
            two.opt_out
                .is_some_and(|o| o.contains("x-multi-statement=true"))
        );
    }

    #[test]
    fn flyway_runs_a_migration_in_a_transaction_unless_a_statement_cannot() {
        let of = |statements: &[&str], conf: Option<&str>| {
            let runner = flyway_transaction(statements.iter().copied(), conf, 15, false);
            (runner.inside, runner.refused)
        };
        let index = "CREATE UNIQUE INDEX CONCURRENTLY i ON t (c)";
        assert_eq!(
            of(&["ALTER TABLE t ADD c int", "UPDATE t SET c = 1"], None),
            (true, false)
        );
        assert_eq!(of(&[index], None), (false, false));
        assert_eq!(
            of(&["drop index\n  concurrently i", "VACUUM t"], None),
            (false, false)
        );
        // Both kinds: Flyway refuses the migration.
        assert_eq!(of(&["ALTER TABLE t ADD c int", index], None), (true, true));
        assert_eq!(
            of(
                &["ALTER TABLE t ADD c int", index],
                Some("executeInTransaction=false")
            ),
            (true, true)
        );
        // With mixed=true Flyway runs it outside a transaction.
        let mixed = flyway_transaction(["ALTER TABLE t ADD c int", index], None, 15, true);
        assert_eq!(mixed, RunnerTransaction::OUTSIDE);
        // The script configuration file decides for the others.
        assert_eq!(
            of(
                &["ALTER TABLE t ADD c int"],
                Some("executeInTransaction = false\n")
            ),
            (false, false)
        );
        assert_eq!(
            of(&["VACUUM t"], Some("executeInTransaction=true")),
            (true, false)
        );
        // Flyway's own list, not PostgreSQL's: REINDEX TABLE CONCURRENTLY runs in the transaction.
        assert_eq!(of(&["REINDEX TABLE CONCURRENTLY t"], None), (true, false));
        // ALTER TYPE ... ADD VALUE runs outside one before PostgreSQL 12 only.
        let enum_value = ["ALTER TYPE public.mood ADD VALUE 'meh'"];
        assert!(!flyway_transaction(enum_value, None, 11, false).inside);
        assert!(flyway_transaction(enum_value, None, 12, false).inside);
    }
}
