//! What a revision file declares and renders to: the data the Alembic renderer produces
//! ([`super::render::render_revision`]) for the rest of locksmith. Each rendered statement
//! is tied to the byte span of the Python construct that produced it.

use std::ops::Range;

/// One SQL statement produced by an `op.*` call (or a bound connection's `execute`).
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedStatement {
    /// The statement text, without a trailing `;`. Raw SQL passed to `op.execute` may hold
    /// several statements; the caller splits with the SQL parser.
    pub sql: String,
    /// Byte span in the `.py` source of the op call that produced it (for an op inside a helper
    /// function of the same file: the helper's call site in the rendered function).
    pub origin: Range<usize>,
    /// Inside `with op.get_context().autocommit_block():`, i.e. outside the migration transaction.
    pub autocommit: bool,
    /// What the op call says about the column before it runs (`existing_type=`).
    pub existing: Option<ExistingColumn>,
    /// Values rendered as placeholders because they are only known when the migration runs
    /// (a third-party constant or helper, runtime data), by name; empty: the statement is
    /// exact.
    pub approximate: Vec<String>,
    /// A `CREATE TYPE` that `create_table` emits for a named enum, with the type's key
    /// (schema and name): SQLAlchemy creates each such type once per migration context,
    /// i.e. once per `alembic upgrade --sql` run, not once per revision.
    pub creates_type: Option<String>,
    /// The columns the op call declares with `sa.Column(...)` among its own arguments
    /// (`create_table`, `add_column`): each name with the span of its `Column` call, so
    /// that a finding about one column can point at it rather than at the whole call.
    pub columns: DeclaredColumns,
}

/// Column names, each with the span of the `sa.Column(...)` call that declares it.
pub type DeclaredColumns = Vec<(String, Range<usize>)>;

/// A column as an `op.alter_column(..., existing_type=..., existing_nullable=False)` call
/// says it is before the change: knowledge no SQL statement carries, which decides whether
/// a type change rewrites and whether `SET NOT NULL` scans.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingColumn {
    pub schema: Option<String>,
    pub table: String,
    pub column: String,
    /// The type as SQL (`TEXT`, `VARCHAR(200)`), when `existing_type` gives one that renders.
    pub type_sql: Option<String>,
    /// `existing_nullable=False`: the column is NOT NULL already.
    pub not_null: bool,
}

/// A statement that cannot be rendered without running Python. Rendering resumed after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Unrenderable {
    /// Byte span of the statement in the `.py` source.
    pub span: Range<usize>,
    /// Names the construct, e.g. "call of imported helper `foo`".
    pub message: String,
}

/// An `autocommit_block()`: Alembic offline mode prints `COMMIT` before and `BEGIN` after it.
#[derive(Debug, Clone, PartialEq)]
pub struct AutocommitBlock {
    /// Span of the `with` statement.
    pub span: Range<usize>,
    /// The statements rendered inside it, as indexes into [`RenderedFunction::statements`].
    pub statements: Range<usize>,
}

/// The rendering of `upgrade()` or `downgrade()`.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedFunction {
    pub statements: Vec<RenderedStatement>,
    pub unrenderable: Vec<Unrenderable>,
    /// The body is only `pass`, a docstring, `...` or comments.
    pub is_empty: bool,
    /// Span of the `def` line.
    pub def_span: Range<usize>,
    /// Outermost autocommit blocks, in source order (empty ones included: Alembic still prints
    /// their `COMMIT`/`BEGIN`).
    pub autocommit_blocks: Vec<AutocommitBlock>,
}

impl RenderedFunction {
    /// The statements as Alembic offline mode prints them: `COMMIT` before and `BEGIN` after
    /// each autocommit block, both carrying the `with` statement's span.
    pub fn offline_sql(&self) -> Vec<(String, Range<usize>)> {
        let mut out = Vec::with_capacity(self.statements.len() + 2 * self.autocommit_blocks.len());
        for index in 0..=self.statements.len() {
            // Blocks are disjoint and in source order, so a block ending here is closed before
            // the next one opens; an empty block opens and closes at the same index.
            for block in &self.autocommit_blocks {
                if block.statements.start == index {
                    out.push(("COMMIT".to_string(), block.span.clone()));
                }
                if block.statements.end == index {
                    out.push(("BEGIN".to_string(), block.span.clone()));
                }
            }
            if let Some(statement) = self.statements.get(index) {
                out.push((statement.sql.clone(), statement.origin.clone()));
            }
        }
        out
    }
}

/// What a revision file declares and renders to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RevisionFile {
    pub revision: Option<String>,
    /// `None` → empty, a string → one, a tuple → several (a merge point).
    pub down_revision: Vec<String>,
    pub branch_labels: Vec<String>,
    pub depends_on: Vec<String>,
    /// First line of the module docstring.
    pub message: Option<String>,
    pub revision_span: Option<Range<usize>>,
    pub down_revision_span: Option<Range<usize>>,
    pub upgrade: Option<RenderedFunction>,
    pub downgrade: Option<RenderedFunction>,
}

/// The file is not valid Python.
#[derive(Debug, Clone, PartialEq)]
pub struct PythonError {
    pub message: String,
    /// Byte offset of the syntax error.
    pub offset: usize,
}
