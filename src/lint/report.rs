//! What the engine reports of a file: its statements with their facts, its findings, and
//! for an Alembic revision how much of it was rendered.

use std::ops::Range;

use crate::diagnostic::Finding;
use crate::facts::{Facts, RelationLock};
use crate::source::SourceFile;

/// One statement with its facts.
#[derive(Debug, Clone)]
pub struct StatementReport {
    pub span: Range<usize>,
    pub facts: Facts,
    /// Whether it ran inside a transaction block (explicit or assumed).
    pub in_transaction: bool,
    /// The transaction block it belongs to (its `BEGIN` and `COMMIT` included), numbered
    /// from 0 in file order. 32 bits, like the slice below, keep a report in 80 bytes.
    pub transaction: Option<u32>,
    /// Every lock it takes on a relation that existed before the migration.
    pub locks_on_existing: Box<[RelationLock]>,
    /// What few statements of a `.sql` file have, boxed: a file's reports are kept to its
    /// end.
    pub extra: Option<Box<StatementExtra>>,
}

// What the boxing bought (216 bytes before): a file keeps one report a statement.
const _: () = assert!(std::mem::size_of::<StatementReport>() <= 80);

#[derive(Debug, Clone, Default)]
pub struct StatementExtra {
    /// The rendered SQL, when the source is not SQL (an Alembic revision): `span` then
    /// points at the Python call that produced it. Also the SQL of a statement inside a
    /// quoted DO block, whose doubled quotes were undone.
    pub sql: Option<String>,
    /// For a DO statement: the statements its block runs (its own facts merge theirs).
    pub inner: Vec<StatementReport>,
    /// Rendered approximately: the values a placeholder stands for; empty when exact.
    pub unknown: Vec<String>,
}

impl StatementReport {
    /// What a report moved out of a vector leaves behind: nothing allocated.
    pub(super) fn moved() -> StatementReport {
        StatementReport {
            span: 0..0,
            facts: Facts::default(),
            in_transaction: false,
            transaction: None,
            locks_on_existing: Box::default(),
            extra: None,
        }
    }

    /// The strongest write-blocking lock it takes on a table that existed before the
    /// migration (tables created earlier in the file do not count).
    pub fn existing_lock(&self) -> Option<RelationLock> {
        crate::state::strongest_blocking(&self.locks_on_existing)
    }

    /// The rendered SQL ([`StatementExtra::sql`]).
    pub fn sql(&self) -> Option<&str> {
        self.extra.as_ref()?.sql.as_deref()
    }

    /// For a DO statement: the statements its block runs.
    pub fn inner(&self) -> &[StatementReport] {
        self.extra.as_ref().map_or(&[], |extra| &extra.inner)
    }

    /// Rendered approximately: the values a placeholder stands for; empty when exact.
    pub fn unknown(&self) -> &[String] {
        self.extra.as_ref().map_or(&[], |extra| &extra.unknown)
    }

    /// The boxed parts, made when first written.
    pub fn extra_mut(&mut self) -> &mut StatementExtra {
        self.extra.get_or_insert_with(Default::default)
    }

    /// The statement a finding at `span` is about: the one of a DO block's statements that
    /// holds the span, or this one.
    pub fn at(&self, span: &Range<usize>) -> &StatementReport {
        self.inner()
            .iter()
            .find(|s| s.span.start <= span.start && span.end <= s.span.end)
            .unwrap_or(self)
    }

    /// The statement's SQL: its text in the source, or the SQL rendered from it.
    pub fn text<'a>(&'a self, source: &'a SourceFile) -> &'a str {
        self.sql()
            .unwrap_or_else(|| source.text.get(self.span.clone()).unwrap_or_default())
    }
}

#[derive(Debug, Clone)]
pub struct FileReport {
    pub source: SourceFile,
    pub statements: Vec<StatementReport>,
    /// The file's statements before `statements`, let go once their findings were handed
    /// on ([`super::lint_sql_handing_on`]): counted, not kept.
    pub statements_let_go: usize,
    /// Sorted by position, then rule id.
    pub findings: Vec<Finding>,
    /// Statements that could not be parsed (syntax errors), so no rule checked them.
    pub unparsable_statements: usize,
    /// For an Alembic revision rendered statically: how much of it was rendered.
    pub rendering: Option<Rendering>,
    /// Findings of a file handed on before the rest of its report
    /// ([`super::lint_sql_handing_on`]): reported, but not counted as a file, and with only
    /// the statements they name.
    pub partial: bool,
}

/// How much of an Alembic revision the static renderer turned into SQL: statements
/// rendered exactly and approximately, operations not rendered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Rendering {
    pub exact: usize,
    pub approximate: usize,
    pub not_rendered: usize,
}

impl Rendering {
    pub fn add(&mut self, other: Rendering) {
        self.exact += other.exact;
        self.approximate += other.approximate;
        self.not_rendered += other.not_rendered;
    }

    /// `12 statements rendered exactly, 1 approximately, 2 operations not rendered`.
    pub fn describe(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        format!(
            "Alembic rendering: {} exactly, {} approximately, {} not rendered",
            plural(self.exact, "statement"),
            self.approximate,
            plural(self.not_rendered, "operation"),
        )
    }
}

impl FileReport {
    /// A report with no statements and no findings: a file read but not linted, or one
    /// its caller fills in.
    pub fn unlinted(source: SourceFile) -> FileReport {
        FileReport {
            source,
            statements: Vec::new(),
            statements_let_go: 0,
            findings: Vec::new(),
            unparsable_statements: 0,
            rendering: None,
            partial: false,
        }
    }

    /// The statement a finding is about (inside a DO block: the block's statement).
    pub fn statement_of(&self, finding: &Finding) -> Option<&StatementReport> {
        let statement = self.statements.get(finding.statement?)?;
        Some(statement.at(&finding.span))
    }
}
