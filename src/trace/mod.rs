//! `locksmith trace`: runs each statement of a migration against a real (staging or
//! scratch) database inside a transaction that is always rolled back, and reports the
//! locks the server actually granted, rewrites and duration beside the lock model's
//! prediction.
//!
//! The front-end is separate from the tracing: [`TraceFile`] is a file's display name,
//! its text and its parsed statements (spans into the text), so any renderer that
//! produces SQL (`.sql` files through [`sql_file`], Alembic revisions through
//! [`alembic::revision_files`], reported at their Python lines) can feed it.
//!
//! How one file is traced ([`trace_file`]): one transaction per file, `BEGIN` … `ROLLBACK`,
//! never `COMMIT`. Before each statement: `SET LOCAL lock_timeout` and
//! `SET LOCAL statement_timeout` (again before every statement, so a `SET` in the
//! migration cannot lift them), `SAVEPOINT`, a snapshot of this backend's relation locks
//! and of every user relation's `relfilenode`, the statement (timed), the same snapshot,
//! `RELEASE SAVEPOINT` (or `ROLLBACK TO SAVEPOINT` when it failed, so that one failing
//! statement neither aborts the transaction nor leaves half its effects behind). The
//! statement's locks are the (relation, mode) pairs in the second snapshot and not in the
//! first; its rewrites the relations whose `relfilenode` changed.
//!
//! Because nothing commits, statement *i* only sees the schema the statements before it
//! build when they ran in the same transaction, so their locks are still held when it
//! runs. Re-running statements `0..i` in a fresh transaction for every *i* (quadratic)
//! would not change that — the replayed statements would hold the same locks again — so
//! each statement runs once. What this masks is handled explicitly: PostgreSQL records
//! each mode separately, so the only lock a statement can take without it showing up is a
//! mode an earlier statement already holds on that relation; when the model's mode is one
//! of those, the comparison says "already held" instead of claiming a mismatch.

pub mod alembic;
pub mod db;
pub mod dump;
pub mod roundtrip;
pub mod tls;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::time::Duration;

use pg_query::NodeEnum;

use crate::facts::{self, Facts, LockMode};
use crate::parse::{self, Statement, SyntaxError};
use crate::source::{Position, SourceFile};
use crate::state::{FileState, KnownColumn};

/// One input to trace: its name and text (for positions) and its statements, whose spans
/// index into `source.text`.
#[derive(Debug, Clone)]
pub struct TraceFile {
    pub source: SourceFile,
    pub statements: Vec<Statement>,
    pub syntax_errors: Vec<SyntaxError>,
    /// When `source` is SQL rendered from an Alembic revision: the revision it came from.
    pub rendered_from: Option<RenderedFrom>,
}

/// The Alembic revision a [`TraceFile`]'s SQL was rendered from.
#[derive(Debug, Clone)]
pub struct RenderedFrom {
    /// The revision file itself.
    pub revision: SourceFile,
    /// `upgrade` or `downgrade`.
    pub function: &'static str,
    /// (span in the rendered SQL, span of the `op` call in the revision), one per statement.
    pub origins: Vec<(Range<usize>, Range<usize>)>,
    /// What op calls say about columns before the statement at each SQL offset.
    pub known: Vec<(usize, KnownColumn)>,
    /// What could not be rendered statically, so was not run: `<what> (file:line)`.
    pub not_rendered: Vec<String>,
}

/// The `.sql` front-end: the file parsed the way `lint` parses it.
pub fn sql_file(source: SourceFile) -> TraceFile {
    let parsed = parse::parse_sql(&source.text);
    TraceFile {
        source,
        statements: parsed.statements,
        syntax_errors: parsed.errors,
        rendered_from: None,
    }
}

impl TraceFile {
    /// The file to show: the revision file for rendered SQL.
    pub fn name(&self) -> &str {
        match &self.rendered_from {
            Some(from) => &from.revision.name,
            None => &self.source.name,
        }
    }

    /// Where the SQL at `offset` comes from: its line and column in the `.sql` file, or
    /// the `op` call's in the revision file.
    pub fn position(&self, offset: usize) -> Position {
        let Some(from) = &self.rendered_from else {
            return self.source.position(offset);
        };
        let before = from.origins.partition_point(|(sql, _)| sql.start <= offset);
        match before.checked_sub(1).map(|i| &from.origins[i]) {
            Some((_, python)) => from.revision.position(python.start),
            // No statement before it (SQL cannot start there, but a position is owed).
            None => Position { line: 1, column: 1 },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub lock_timeout: Timeout,
    pub statement_timeout: Timeout,
    /// The PostgreSQL major whose lock model is compared (the server's, clamped to the
    /// versions the model knows).
    pub model_version: u32,
}

/// A timeout as the user wrote it, kept in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout {
    pub millis: u64,
}

impl Timeout {
    /// `2s`, `500ms`, `1min`, `1h`, or a bare number of milliseconds (as PostgreSQL reads
    /// it). Zero is refused: it would disable the guard.
    pub fn parse(text: &str) -> Result<Timeout, String> {
        let t = text.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let number: u64 = number
            .parse()
            .map_err(|_| format!("invalid duration `{text}`: use e.g. 2s, 500ms, 1min"))?;
        let factor = match unit.trim() {
            "" | "ms" => 1,
            "s" => 1000,
            "min" => 60_000,
            "h" => 3_600_000,
            _ => {
                return Err(format!(
                    "invalid duration `{text}`: units are ms, s, min, h"
                ));
            }
        };
        let millis = number
            .checked_mul(factor)
            .filter(|ms| *ms <= i32::MAX as u64)
            .ok_or_else(|| format!("duration `{text}` is too long"))?;
        if millis == 0 {
            return Err(format!(
                "duration `{text}` would disable the timeout; trace needs one"
            ));
        }
        Ok(Timeout { millis })
    }

    /// The value for `SET LOCAL ... = '<this>'`.
    pub fn sql(self) -> String {
        format!("{}ms", self.millis)
    }
}

impl std::fmt::Display for Timeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = self.millis;
        if ms.is_multiple_of(3_600_000) {
            write!(f, "{}h", ms / 3_600_000)
        } else if ms.is_multiple_of(60_000) {
            write!(f, "{}min", ms / 60_000)
        } else if ms.is_multiple_of(1000) {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{ms}ms")
        }
    }
}

/// A relation as the server knows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServerRelation {
    pub schema: String,
    pub name: String,
    /// `pg_class.relkind`, spelled out ("table", "index", ...).
    pub kind: &'static str,
}

impl ServerRelation {
    /// `name` for relations in `public`, `schema.name` otherwise (identifiers quoted as
    /// needed).
    pub fn label(&self) -> String {
        if self.schema == "public" {
            crate::parse::ident::quote_ident(&self.name)
        } else {
            format!(
                "{}.{}",
                crate::parse::ident::quote_ident(&self.schema),
                crate::parse::ident::quote_ident(&self.name)
            )
        }
    }
}

pub fn relkind_name(relkind: &str) -> &'static str {
    match relkind {
        "r" => "table",
        "i" => "index",
        "S" => "sequence",
        "t" => "toast table",
        "v" => "view",
        "m" => "materialized view",
        "c" => "composite type",
        "f" => "foreign table",
        "p" => "partitioned table",
        "I" => "partitioned index",
        _ => "relation",
    }
}

/// What the database looked like at one instant, as seen by the tracing session.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Every relation outside the system schemas: oid → (relation, relfilenode).
    pub relations: BTreeMap<u32, (ServerRelation, u32)>,
    /// This backend's granted relation locks: (relation oid, mode).
    pub locks: BTreeSet<(u32, LockMode)>,
    /// The oid each relation the model names resolves to (`to_regclass`), by the model's
    /// spelling of it.
    pub resolved: BTreeMap<String, u32>,
}

/// A lock the statement acquired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedLock {
    pub relation: ServerRelation,
    pub mode: LockMode,
}

/// The model's lock on one relation, checked against what the server showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockCheck {
    /// The relation as the statement names it.
    pub relation: String,
    pub model: LockMode,
    /// The strongest mode the statement newly acquired on it.
    pub observed: Option<LockMode>,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Agrees,
    Mismatch,
    /// The model's mode was already held on the relation by an earlier statement of the
    /// file, so the server cannot show whether this one asked for it too.
    AlreadyHeld,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Agrees => "agrees",
            Verdict::Mismatch => "mismatch",
            Verdict::AlreadyHeld => "already_held",
        }
    }
}

/// What the server showed for a statement that ran.
#[derive(Debug, Clone)]
pub struct Observed {
    /// Locks held after the statement and not before, strongest first.
    pub locks: Vec<ObservedLock>,
    /// Relations that existed before the statement and got a new `relfilenode`.
    pub rewritten: Vec<ServerRelation>,
    pub duration: Duration,
    pub lock_checks: Vec<LockCheck>,
    /// `Some((model, observed))` when the model has an opinion on rewriting.
    pub rewrite_check: Option<(bool, bool)>,
}

impl Observed {
    pub fn mismatch(&self) -> bool {
        self.lock_checks
            .iter()
            .any(|c| c.verdict == Verdict::Mismatch)
            || self
                .rewrite_check
                .is_some_and(|(model, seen)| model != seen)
    }
}

/// An error the server returned for the statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    pub message: String,
    pub sqlstate: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

impl ServerError {
    /// What to make of it, for the errors a trace commonly meets.
    pub fn explanation(&self) -> Option<&'static str> {
        match self.sqlstate.as_str() {
            "55P03" => Some(
                "another session holds a conflicting lock; in production this statement would wait (raise --lock-timeout to wait longer)",
            ),
            "57014" => Some("the statement ran longer than --statement-timeout"),
            "42P01" | "42703" | "42704" => Some(
                "the database does not have the schema this migration expects; apply the earlier migrations to it first",
            ),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Traced(Observed),
    Failed {
        error: ServerError,
        duration: Duration,
    },
    /// Not executed; the reason.
    NotTraced(&'static str),
}

pub const NOT_IN_TRANSACTION: &str = "cannot run inside a transaction block (trace never commits)";
pub const TRANSACTION_CONTROL: &str =
    "transaction control: trace runs each file in one transaction of its own and never commits";

#[derive(Debug, Clone)]
pub struct StatementTrace {
    pub span: Range<usize>,
    /// The model's facts, with the file's context threaded through as `lint` does.
    pub facts: Facts,
    pub outcome: Outcome,
}

impl StatementTrace {
    pub fn mismatch(&self) -> bool {
        matches!(&self.outcome, Outcome::Traced(o) if o.mismatch())
    }

    pub fn failed(&self) -> bool {
        matches!(self.outcome, Outcome::Failed { .. })
    }
}

#[derive(Debug, Clone)]
pub struct FileTrace {
    pub file: TraceFile,
    pub statements: Vec<StatementTrace>,
}

#[derive(Debug, Clone)]
pub struct TraceReport {
    /// `SHOW server_version`.
    pub server_version: String,
    /// The TLS version of the connection (`TLSv1.3`); `None`: not encrypted.
    pub tls: Option<String>,
    pub options: Options,
    pub files: Vec<FileTrace>,
    /// Inputs that could not be read: (name, message).
    pub input_errors: Vec<(String, String)>,
}

impl TraceReport {
    fn statements(&self) -> impl Iterator<Item = &StatementTrace> {
        self.files.iter().flat_map(|f| &f.statements)
    }

    pub fn mismatches(&self) -> usize {
        self.statements().filter(|s| s.mismatch()).count()
    }

    pub fn failures(&self) -> usize {
        self.statements().filter(|s| s.failed()).count()
    }

    pub fn syntax_errors(&self) -> usize {
        self.files.iter().map(|f| f.file.syntax_errors.len()).sum()
    }

    pub fn count(&self, pick: fn(&Outcome) -> bool) -> usize {
        self.statements().filter(|s| pick(&s.outcome)).count()
    }

    /// 0: every statement that can run in a transaction ran and agreed with the model;
    /// 1: a disagreement, a statement the server rejected, or one that does not parse;
    /// 2: an input could not be read.
    pub fn exit_code(&self) -> u8 {
        if !self.input_errors.is_empty() {
            2
        } else if self.mismatches() + self.failures() + self.syntax_errors() > 0 {
            1
        } else {
            0
        }
    }
}

/// A problem with the connection itself (not with one statement): the run stops.
#[derive(Debug, Clone)]
pub struct Fatal(pub String);

/// What trace needs from a database session: `db::Session` for a real server.
pub trait Executor {
    /// Runs a statement of the migration.
    fn execute(&mut self, sql: &str) -> Result<(), StatementError>;
    /// Runs trace's own bookkeeping (SET LOCAL, SAVEPOINT, ...); any error is fatal.
    fn control(&mut self, sql: &str) -> Result<(), Fatal>;
    fn snapshot(&mut self, names: &[String]) -> Result<Snapshot, Fatal>;
}

pub enum StatementError {
    Server(ServerError),
    Fatal(Fatal),
}

const SAVEPOINT: &str = "locksmith_trace";

/// Traces one file inside an already open transaction, which the caller rolls back.
pub fn trace_file(
    session: &mut dyn Executor,
    file: TraceFile,
    options: &Options,
) -> Result<FileTrace, Fatal> {
    let mut state = FileState::new(options.model_version, false);
    let mut statements = Vec::with_capacity(file.statements.len());
    let known = file.rendered_from.as_ref().map_or(&[][..], |f| &f.known);
    let mut known = known.iter().peekable();
    for stmt in &file.statements {
        // As lint does: Alembic's existing_type is known before the statement.
        while let Some((_, column)) = known.next_if(|(at, _)| *at <= stmt.span.start) {
            state.declare_column(column);
        }
        let facts = facts::analyze(&stmt.node, &state);
        let sql = &file.source.text[stmt.span.clone()];
        let outcome = trace_statement(session, &stmt.node, sql, &facts, options)?;
        state.record(&stmt.node, &facts);
        statements.push(StatementTrace {
            span: stmt.span.clone(),
            facts,
            outcome,
        });
    }
    Ok(FileTrace { file, statements })
}

fn trace_statement(
    session: &mut dyn Executor,
    node: &NodeEnum,
    sql: &str,
    facts: &Facts,
    options: &Options,
) -> Result<Outcome, Fatal> {
    if matches!(node, NodeEnum::TransactionStmt(_)) {
        return Ok(Outcome::NotTraced(TRANSACTION_CONTROL));
    }
    if !facts.in_transaction_allowed() {
        return Ok(Outcome::NotTraced(NOT_IN_TRANSACTION));
    }
    session.control(&format!(
        "SET LOCAL lock_timeout = '{}'; SET LOCAL statement_timeout = '{}'; SAVEPOINT {SAVEPOINT}",
        options.lock_timeout.sql(),
        options.statement_timeout.sql()
    ))?;
    let names: Vec<String> = facts
        .locks()
        .iter()
        .map(|l| l.relation.to_string())
        .collect();
    let before = session.snapshot(&names)?;
    let started = std::time::Instant::now();
    let result = session.execute(sql);
    let duration = started.elapsed();
    match result {
        Ok(()) => {
            let after = session.snapshot(&names)?;
            // RELEASE fails outside a transaction block: proof that the statement did not
            // end the transaction (it could not have, but this is the one place to check).
            session.control(&format!("RELEASE SAVEPOINT {SAVEPOINT}"))?;
            Ok(Outcome::Traced(observe(facts, &before, &after, duration)))
        }
        Err(StatementError::Server(error)) => {
            session.control(&format!(
                "ROLLBACK TO SAVEPOINT {SAVEPOINT}; RELEASE SAVEPOINT {SAVEPOINT}"
            ))?;
            if error.sqlstate == "25001" {
                // The model did not know: the server refused it in a transaction block.
                return Ok(Outcome::NotTraced(NOT_IN_TRANSACTION));
            }
            Ok(Outcome::Failed { error, duration })
        }
        Err(StatementError::Fatal(fatal)) => Err(fatal),
    }
}

/// Compares two snapshots around a statement with the model's facts for it.
pub fn observe(facts: &Facts, before: &Snapshot, after: &Snapshot, duration: Duration) -> Observed {
    let relation_of = |oid: u32| {
        after
            .relations
            .get(&oid)
            .or_else(|| before.relations.get(&oid))
            .map(|(rel, _)| rel.clone())
    };
    // Locks on relations outside the user's schemas (catalogs) are not shown.
    let new: Vec<(u32, LockMode)> = after.locks.difference(&before.locks).copied().collect();
    let mut locks: Vec<ObservedLock> = new
        .iter()
        .filter_map(|&(oid, mode)| {
            Some(ObservedLock {
                relation: relation_of(oid)?,
                mode,
            })
        })
        .collect();
    locks.sort_by(|a, b| b.mode.cmp(&a.mode).then(a.relation.cmp(&b.relation)));

    let mut rewritten: Vec<ServerRelation> = before
        .relations
        .iter()
        .filter(|(oid, (_, filenode))| {
            *filenode != 0
                && after
                    .relations
                    .get(oid)
                    .is_some_and(|(_, now)| now != filenode)
        })
        .map(|(_, (rel, _))| rel.clone())
        .collect();
    rewritten.sort();

    let modelled = facts.modelled();
    let lock_checks = if modelled {
        facts
            .locks()
            .iter()
            .map(|lock| {
                let name = lock.relation.to_string();
                let oid = before
                    .resolved
                    .get(&name)
                    .or_else(|| after.resolved.get(&name))
                    .copied();
                let observed = oid
                    .and_then(|oid| new.iter().filter(|(o, _)| *o == oid).map(|(_, m)| *m).max());
                let held_before = oid.is_some_and(|oid| before.locks.contains(&(oid, lock.mode)));
                let verdict = match observed {
                    Some(mode) if mode == lock.mode => Verdict::Agrees,
                    Some(mode) if mode > lock.mode => Verdict::Mismatch,
                    _ if held_before => Verdict::AlreadyHeld,
                    _ => Verdict::Mismatch,
                };
                LockCheck {
                    relation: name,
                    model: lock.mode,
                    observed,
                    verdict,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    // `rewritten` counts index files too: an index rebuild (REINDEX) is a predicted change.
    let rewrite_check = modelled.then(|| {
        (
            facts.rewrites() || facts.rebuilds_indexes(),
            !rewritten.is_empty(),
        )
    });
    Observed {
        locks,
        rewritten,
        duration,
        lock_checks,
        rewrite_check,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts_of(sql: &str) -> Facts {
        let parsed = parse::parse_sql(sql);
        facts::analyze(&parsed.statements[0].node, &FileState::new(15, false))
    }

    fn rel(name: &str, kind: &'static str) -> ServerRelation {
        ServerRelation {
            schema: "public".into(),
            name: name.into(),
            kind,
        }
    }

    fn snapshot(filenodes: &[(u32, &str, u32)], locks: &[(u32, LockMode)]) -> Snapshot {
        Snapshot {
            relations: filenodes
                .iter()
                .map(|&(oid, name, node)| (oid, (rel(name, "table"), node)))
                .collect(),
            locks: locks.iter().copied().collect(),
            resolved: filenodes
                .iter()
                .map(|&(oid, name, _)| (name.to_string(), oid))
                .collect(),
        }
    }

    use LockMode::*;

    #[test]
    fn new_locks_and_rewrites_are_the_differences() {
        let facts = facts_of("ALTER TABLE t ALTER COLUMN a TYPE bigint");
        let before = snapshot(&[(1, "t", 10), (2, "t_pkey", 20)], &[(2, AccessShareLock)]);
        let after = snapshot(
            &[(1, "t", 11), (2, "t_pkey", 21)],
            &[(1, AccessExclusiveLock), (2, AccessShareLock)],
        );
        let o = observe(&facts, &before, &after, Duration::ZERO);
        assert_eq!(o.locks.len(), 1);
        assert_eq!(o.locks[0].mode, AccessExclusiveLock);
        assert_eq!(
            o.rewritten
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>(),
            ["t", "t_pkey"]
        );
        assert_eq!(o.lock_checks[0].verdict, Verdict::Agrees);
        assert_eq!(o.rewrite_check, Some((true, true)));
        assert!(!o.mismatch());
    }

    #[test]
    fn weaker_or_missing_lock_is_a_mismatch_unless_already_held() {
        let facts = facts_of("ALTER TABLE t ADD COLUMN b int");
        let before = snapshot(&[(1, "t", 10)], &[]);
        let after = snapshot(&[(1, "t", 10)], &[(1, ShareUpdateExclusiveLock)]);
        let o = observe(&facts, &before, &after, Duration::ZERO);
        assert_eq!(o.lock_checks[0].verdict, Verdict::Mismatch);
        assert_eq!(o.lock_checks[0].observed, Some(ShareUpdateExclusiveLock));
        assert!(o.mismatch());

        let held = snapshot(&[(1, "t", 10)], &[(1, AccessExclusiveLock)]);
        let o = observe(&facts, &held, &held, Duration::ZERO);
        assert_eq!(o.lock_checks[0].verdict, Verdict::AlreadyHeld);
        assert!(!o.mismatch());
    }

    #[test]
    fn a_stronger_lock_is_a_mismatch_even_when_the_model_mode_was_held() {
        let facts = facts_of("CREATE INDEX i ON t (a)");
        let before = snapshot(&[(1, "t", 10)], &[(1, ShareLock)]);
        let after = snapshot(&[(1, "t", 10)], &[(1, ShareLock), (1, AccessExclusiveLock)]);
        let o = observe(&facts, &before, &after, Duration::ZERO);
        assert_eq!(o.lock_checks[0].verdict, Verdict::Mismatch);
    }

    #[test]
    fn dropped_relations_keep_their_names_and_catalog_locks_are_hidden() {
        let facts = facts_of("DROP TABLE t");
        let before = snapshot(&[(1, "t", 10)], &[]);
        let mut after = snapshot(&[], &[(1, AccessExclusiveLock), (1259, RowExclusiveLock)]);
        after.resolved.clear();
        let o = observe(&facts, &before, &after, Duration::ZERO);
        assert_eq!(o.locks.len(), 1, "pg_class (1259) is not a user relation");
        assert_eq!(o.locks[0].relation.name, "t");
        assert_eq!(o.lock_checks[0].verdict, Verdict::Agrees);
        assert_eq!(o.rewrite_check, Some((false, false)));
    }

    #[test]
    fn timeouts() {
        assert_eq!(Timeout::parse("2s").unwrap().millis, 2000);
        assert_eq!(Timeout::parse("500ms").unwrap().millis, 500);
        assert_eq!(Timeout::parse("250").unwrap().millis, 250);
        assert_eq!(Timeout::parse("1min").unwrap().to_string(), "1min");
        assert_eq!(Timeout::parse("1500ms").unwrap().to_string(), "1500ms");
        assert!(Timeout::parse("0").is_err());
        assert!(Timeout::parse("2 days").is_err());
        assert!(Timeout::parse("1s'; COMMIT; --").is_err());
        assert!(Timeout::parse("").is_err());
    }
}
