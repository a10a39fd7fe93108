//! The rules. Each lives in its own file with its metadata next to its check, and is
//! registered by one line in [`ALL`]. Its documentation is `rules/<id>.md`; tests run
//! every Bad and Good example found there.

use std::ops::Range;

use pg_query::NodeEnum;
use pg_query::protobuf::TransactionStmtKind;

use crate::alembic::graph::RevisionGraph;
use crate::alembic::revision::RevisionFile;
use crate::facts::{Action, Facts, RelationLock};
use crate::state::FileState;

mod adding_check_constraint_without_not_valid;
mod adding_column_with_volatile_default;
mod adding_domain_constraint;
mod adding_enum_value_in_transaction;
mod adding_foreign_key_without_not_valid;
mod adding_not_null_column;
mod adding_serial_column;
mod adding_stored_generated_column;
mod adding_unique_constraint;
mod advice;
mod alembic_broken_revision;
mod alembic_empty_downgrade;
mod alembic_multiple_heads;
mod approximate_rendering;
mod attaching_partition_without_check;
mod backfilling_in_transaction_with_ddl;
mod banned_char_type;
mod changing_column_type;
mod column_types;
mod concurrent_index_without_if_not_exists;
mod concurrently_in_transaction;
mod creating_index_non_concurrently;
mod creating_trigger;
mod detaching_partition_non_concurrently;
pub mod downgrade_not_reversible;
mod dropping_column;
mod dropping_database_or_schema;
mod dropping_index_non_concurrently;
mod dropping_not_null;
mod dropping_table;
mod dynamic_sql_not_linted;
mod holding_exclusive_lock_across_statements;
mod identifier_too_long;
mod index_concurrently_on_partitioned_table;
mod invalid_suppression;
mod locking_table_explicitly;
mod missing_lock_timeout;
mod missing_statement_timeout;
mod nested_transaction;
mod prefer_bigint_over_int;
mod prefer_identity_over_serial;
mod prefer_jsonb_over_json;
mod prefer_robust_statements;
mod prefer_text_over_varchar;
mod prefer_timestamptz;
pub mod psql_meta_command;
mod refreshing_materialized_view_non_concurrently;
mod reindexing_non_concurrently;
mod renaming_column;
mod renaming_enum_value;
mod renaming_schema;
mod renaming_table;
mod rewriting_table;
mod setting_not_null;
mod severity;
mod truncating_table;
mod unbounded_data_change;
mod uncommitted_transaction;
mod unknown_object;
mod unrenderable_operation;
mod validating_constraint_in_same_transaction;
mod versions;

pub use advice::{Advice, AlembicAdvice, AlembicShown, SqlFix};
pub use dynamic_sql_not_linted::{
    RULE as DYNAMIC_SQL_NOT_LINTED, violation as dynamic_sql_not_linted,
};
pub use invalid_suppression::RULE as INVALID_SUPPRESSION;
pub use psql_meta_command::RULE as PSQL_META_COMMAND;
pub use severity::Severity;
pub use unrenderable_operation::RULE as UNRENDERABLE_OPERATION;
pub use versions::versions;

/// What a rule is about; shown by `locksmith rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Locking,
    Rewrite,
    Transaction,
    Compatibility,
    Syntax,
    Meta,
    /// Alembic revision files and their graph.
    Alembic,
    /// Schema design choices that are not hazards of the migration itself but of the schema
    /// it leaves: column types (`prefer-*`) and names PostgreSQL truncates.
    Design,
}

#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    /// The severity it reports at (when enabled).
    pub severity: Severity,
    /// `false`: the rule is off unless `lint.yaml` (`rules:`) sets a level for it. The
    /// README table and `locksmith rules` show such a rule as `off`.
    pub default_enabled: bool,
    pub category: Category,
    pub summary: &'static str,
    pub check: Check,
}

impl Rule {
    /// The default as tables show it: the severity, or `off` for a rule that is off by
    /// default.
    pub fn default_name(&self) -> &'static str {
        if self.default_enabled {
            self.severity.name()
        } else {
            "off"
        }
    }
}

/// Rules are identities: two references are the same rule when their ids are.
impl PartialEq for Rule {
    fn eq(&self, other: &Rule) -> bool {
        self.id == other.id
    }
}

impl Eq for Rule {}

/// A rule is shown and serialized as its id.
impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}

impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id)
    }
}

/// What a rule inspects, with its check. The engine calls each kind where it applies: a
/// statement check once per statement, a transaction check once per transaction block, a
/// file check once per file (or rendered revision function), a revision check once per
/// Alembic revision file, a graph check once per Alembic project.
#[derive(Debug)]
pub enum Check {
    Statement(fn(&StatementView) -> Vec<Violation>),
    Transaction(fn(&TransactionView) -> Vec<Violation>),
    File(fn(&FileView) -> Vec<Violation>),
    Revision(fn(&RevisionView) -> Vec<Violation>),
    Graph(fn(&RevisionGraph) -> Vec<GraphViolation>),
    /// Reported by the engine itself (syntax errors, unused suppressions).
    Engine,
}

/// What a statement check sees: one statement, its facts and the file's state before it.
pub struct StatementView<'a> {
    /// The statement's SQL text.
    pub sql: &'a str,
    pub node: &'a NodeEnum,
    pub facts: &'a Facts,
    /// State before this statement runs.
    pub state: &'a FileState,
    /// The columns it declares or retypes, found once for the rules that read them.
    pub typed: std::cell::OnceCell<Vec<column_types::TypedColumn<'a>>>,
    /// The column clauses of `sql`, found when a finding first asks ([`Self::clause`]).
    pub clauses: std::cell::OnceCell<Vec<crate::parse::ColumnClauseAt>>,
    /// Where `sql` starts in the text the tree's locations count from, when they count
    /// from the text the statement was parsed from ([`crate::parse::Statement::tree_offset`]).
    pub tree_offset: Option<usize>,
}

impl StatementView<'_> {
    /// [`column_types::typed_columns`] of the statement.
    pub fn typed_columns(&self) -> &[column_types::TypedColumn<'_>] {
        self.typed
            .get_or_init(|| column_types::typed_columns(self.node))
    }

    /// The clause of the statement's text of `kind` that declares or retypes `column` (its
    /// name as parsed), which a finding about that column underlines; `None` when the text
    /// does not show it. The text is read once per statement.
    pub fn clause(&self, column: &str, kind: crate::parse::ColumnClause) -> Option<Range<usize>> {
        // A CREATE TABLE column is found where the tree says it starts: most findings are
        // about one, and reading a wide table's whole text for each was a tenth of the
        // lint of a big schema file.
        if kind == crate::parse::ColumnClause::TableElement
            && let Some(at) = self.tree_offset.and_then(|offset| {
                crate::parse::table_element_clause(self.sql, self.node, offset, column)
            })
        {
            return Some(at);
        }
        let clauses = self
            .clauses
            .get_or_init(|| crate::parse::column_clauses(self.sql));
        (clauses.iter())
            .find(|c| c.kind == kind && c.names(self.sql, column))
            .map(|c| c.span.clone())
    }

    /// [`Self::clause`] of a column the statement declares or retypes.
    pub fn clause_of(&self, column: &column_types::TypedColumn) -> Option<Range<usize>> {
        self.clause(column.column, column.clause_kind())
    }

    /// Actions on tables that existed before this migration (rules about "an existing
    /// table" skip tables created earlier in the same file).
    pub fn existing<'s>(
        &'s self,
        forms: &'s [crate::facts::Form],
    ) -> impl Iterator<Item = &'s Action> + 's {
        self.facts.actions.iter().filter(move |a| {
            forms.contains(&a.form) && a.relation.as_ref().is_some_and(|r| !self.state.is_new(r))
        })
    }
}

/// What transaction and file checks need of a statement's parse tree, taken while the
/// tree is walked: the trees are dropped as the file is walked (a huge file cannot hold
/// them all), and these checks run after the walk. A statement with a summary also keeps
/// its facts for the file checks, which `lint` lets go for the others ([`FileView`]).
#[derive(Debug, Clone, Default)]
pub enum Summary {
    #[default]
    Other,
    /// BEGIN, COMMIT, ...
    Transaction(TransactionStmtKind),
    /// `ALTER TYPE`'s enum statement: the type's name as SQL and the new value.
    EnumValue(Box<(String, String)>),
    /// A data change that reads rows: `UPDATE`, `DELETE` or `INSERT ... SELECT`.
    ChangesRows(&'static str),
    /// `CREATE TABLE ... PARTITION BY`: the table and its partition key columns.
    PartitionedTable(Box<(crate::facts::Relation, Vec<String>)>),
    /// `ALTER TABLE` that adds a CHECK constraint, validates a constraint or attaches a
    /// partition (what `attaching-partition-without-check` reads): the columns each
    /// subcommand's CHECK constraint names, by subcommand.
    AlterTable(Vec<(usize, Vec<String>)>),
}

impl Summary {
    pub fn of(node: &NodeEnum) -> Summary {
        match node {
            NodeEnum::TransactionStmt(_) => {
                transaction_kind(node).map_or(Summary::Other, Summary::Transaction)
            }
            NodeEnum::AlterEnumStmt(stmt) => {
                Summary::EnumValue(Box::new(adding_enum_value_in_transaction::summary(stmt)))
            }
            NodeEnum::CreateStmt(stmt) => {
                attaching_partition_without_check::partition_keys_of(stmt)
                    .map_or(Summary::Other, |keys| {
                        Summary::PartitionedTable(Box::new(keys))
                    })
            }
            NodeEnum::AlterTableStmt(stmt) => {
                let checks = attaching_partition_without_check::check_columns_of(stmt);
                if checks.is_empty() && !attaching_partition_without_check::reads_later(stmt) {
                    Summary::Other
                } else {
                    Summary::AlterTable(checks)
                }
            }
            _ => backfilling_in_transaction_with_ddl::verb(node)
                .map_or(Summary::Other, Summary::ChangesRows),
        }
    }
}

/// Whether a file check may flag a statement with these facts once the whole file was
/// walked. The findings before the first such statement are final as soon as their
/// transaction block was checked: `lint` hands a huge file's findings on up to there
/// (`lint::lint_sql_handing_on`). `uncommitted-transaction` flags only the block the file
/// ends in, which is never handed on before the end.
pub fn file_checks_may_flag(facts: &Facts) -> bool {
    attaching_partition_without_check::may_flag(facts)
}

/// Whether a file check reads a statement with this summary once the whole file was
/// walked, wherever the statement is (`attaching-partition-without-check` reads the
/// partitioned tables and CHECK constraints before an attach): `lint` lets a huge file's
/// other statements go once their findings were handed on.
pub fn file_checks_read(summary: &Summary) -> bool {
    matches!(
        summary,
        Summary::PartitionedTable(_) | Summary::AlterTable(_)
    )
}

/// One statement as transaction and file checks see it, after the file was walked.
pub struct CheckedStatement<'a> {
    pub sql: &'a str,
    pub summary: &'a Summary,
    pub facts: &'a Facts,
    /// It ran inside a transaction block (explicit or assumed).
    pub in_transaction: bool,
    /// The transaction block it belongs to (`BEGIN` and `COMMIT` included), numbered from 0
    /// in file order; `None` outside any.
    pub transaction: Option<usize>,
    /// Every lock it takes on a relation that existed before the file, strongest per
    /// relation.
    pub locks_on_existing: &'a [RelationLock],
}

impl CheckedStatement<'_> {
    /// Its lock on `relation`, when that relation existed before the file.
    pub fn lock_on_existing(
        &self,
        relation: &crate::facts::Relation,
    ) -> Option<crate::facts::LockMode> {
        self.locks_on_existing
            .iter()
            .find(|l| l.relation.same(relation))
            .map(|l| l.mode)
    }

    fn transaction_kind(&self) -> Option<TransactionStmtKind> {
        match self.summary {
            Summary::Transaction(kind) => Some(*kind),
            _ => None,
        }
    }

    /// `BEGIN` or `START TRANSACTION`.
    pub fn is_begin(&self) -> bool {
        self.transaction_kind().is_some_and(|k| {
            matches!(
                k,
                TransactionStmtKind::TransStmtBegin | TransactionStmtKind::TransStmtStart
            )
        })
    }

    /// `COMMIT`, `ROLLBACK` or `PREPARE TRANSACTION`: it ends the transaction block.
    pub fn ends_transaction(&self) -> bool {
        self.transaction_kind().is_some_and(|k| {
            matches!(
                k,
                TransactionStmtKind::TransStmtCommit
                    | TransactionStmtKind::TransStmtRollback
                    | TransactionStmtKind::TransStmtPrepare
            )
        })
    }
}

fn transaction_kind(node: &NodeEnum) -> Option<TransactionStmtKind> {
    match node {
        NodeEnum::TransactionStmt(stmt) => TransactionStmtKind::try_from(stmt.kind).ok(),
        _ => None,
    }
}

/// A statement shortened for a message: whitespace collapsed, at most 60 characters.
pub fn excerpt(sql: &str) -> String {
    let flat = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(60) {
        Some((at, _)) => format!("{}...", flat[..at].trim_end()),
        None => flat,
    }
}

/// What a file check sees: every statement of the file, and the state after the last. The
/// statements are made on demand: a view of every statement of a huge file at once cost as
/// much as the statements' facts. Under `lint`, only these keep their facts to the end:
/// the statements with a [`Summary`], those of the block the file ends in, and those a
/// finding names; the others' facts are empty here.
pub struct FileView<'a> {
    len: usize,
    statement: &'a dyn Fn(usize) -> CheckedStatement<'a>,
    pub state: &'a FileState,
}

impl<'a> FileView<'a> {
    /// A file of `len` statements, the `i`th made by `statement(i)`.
    pub fn new(
        len: usize,
        statement: &'a dyn Fn(usize) -> CheckedStatement<'a>,
        state: &'a FileState,
    ) -> FileView<'a> {
        FileView {
            len,
            statement,
            state,
        }
    }

    /// How many statements the file has.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Its `i`th statement (`i < len()`).
    pub fn statement(&self, i: usize) -> CheckedStatement<'a> {
        (self.statement)(i)
    }

    /// Every statement, in order.
    pub fn statements(&self) -> impl Iterator<Item = CheckedStatement<'a>> + '_ {
        (0..self.len).map(|i| self.statement(i))
    }

    /// The transaction blocks in order, each as (index of its first statement, its
    /// statements), one block made at a time.
    pub fn transactions(&self) -> impl Iterator<Item = (usize, Vec<CheckedStatement<'a>>)> + '_ {
        let mut start = 0;
        std::iter::from_fn(move || {
            while start < self.len {
                let first = self.statement(start);
                let Some(id) = first.transaction else {
                    start += 1;
                    continue;
                };
                let block: Vec<CheckedStatement> = std::iter::once(first)
                    .chain((start + 1..self.len).map(|i| self.statement(i)))
                    .take_while(|s| s.transaction == Some(id))
                    .collect();
                let at = start;
                start += block.len();
                return Some((at, block));
            }
            None
        })
    }

    /// The last transaction block, as [`FileView::transactions`] gives it.
    pub fn last_transaction(&self) -> Option<(usize, Vec<CheckedStatement<'a>>)> {
        let end = (0..self.len)
            .rev()
            .find(|&i| self.statement(i).transaction.is_some())?;
        let id = self.statement(end).transaction;
        let first = (0..end)
            .rev()
            .take_while(|&i| self.statement(i).transaction == id)
            .last()
            .unwrap_or(end);
        Some((first, (first..=end).map(|i| self.statement(i)).collect()))
    }
}

/// What a transaction check sees: the statements of one transaction block, in order.
pub struct TransactionView<'a> {
    pub statements: &'a [CheckedStatement<'a>],
    /// The state once the block is over (its version, what it created): blocks are
    /// checked as they close, before the rest of the file is walked.
    pub state: &'a FileState,
}

/// What a revision check sees: one Alembic revision file as rendered.
pub struct RevisionView<'a> {
    pub revision: &'a RevisionFile,
    /// The functions being linted: upgrade(), and downgrade() when asked for.
    pub downgrade: bool,
}

/// A rule's finding before the engine places it.
#[derive(Debug, Clone)]
pub struct Violation {
    /// Lowercase, no trailing period: what happens, the lock and what it blocks.
    pub message: String,
    pub advice: Advice,
    /// Statement and file checks: a narrower span relative to the statement (`None`
    /// underlines the statement). Revision checks: the span in the revision file.
    pub span: Option<Range<usize>>,
    /// Transaction and file checks: the statement it concerns, an index into the view's
    /// statements. Statement checks leave it `None` (the statement checked).
    pub statement: Option<usize>,
    /// A lower severity for this one finding than the rule's (e.g. a hazard with no safe
    /// alternative in the target version). Capped by the configured severity: the finding
    /// reports at the lower of the two, so turning the rule down in `lint.yaml` still
    /// applies and turning it up never raises a finding the rule deliberately lowered.
    pub severity: Option<Severity>,
}

impl Violation {
    /// A finding whose advice is one text for every kind of source.
    pub fn new(message: impl Into<String>, help: impl Into<String>) -> Violation {
        Violation::with(message, Advice::sql(help))
    }

    pub fn with(message: impl Into<String>, advice: Advice) -> Violation {
        Violation {
            message: message.into(),
            advice,
            span: None,
            statement: None,
            severity: None,
        }
    }

    /// Reports this finding at `severity` (at most the rule's configured severity).
    pub fn with_severity(mut self, severity: Severity) -> Violation {
        self.severity = Some(severity);
        self
    }

    /// The severity of this finding when the rule reports at `configured`.
    pub fn severity_under(&self, configured: Severity) -> Severity {
        self.severity.map_or(configured, |s| s.min(configured))
    }

    pub fn at_statement(mut self, index: usize) -> Violation {
        self.statement = Some(index);
        self
    }

    pub fn at_span(mut self, span: Range<usize>) -> Violation {
        self.span = Some(span);
        self
    }

    /// At the clause a finding is about, when its statement's text shows it; else the
    /// whole statement.
    pub fn at_clause(mut self, clause: Option<Range<usize>>) -> Violation {
        self.span = clause.or(self.span);
        self
    }
}

/// A finding of a graph check: on a revision file, at a line.
#[derive(Debug, Clone)]
pub struct GraphViolation {
    pub file: std::path::PathBuf,
    pub line: usize,
    pub message: String,
    pub advice: Advice,
}

pub static SYNTAX_ERROR: Rule = Rule {
    id: "syntax-error",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Syntax,
    summary: "a statement PostgreSQL's parser rejects",
    check: Check::Engine,
};

pub static UNUSED_SUPPRESSION: Rule = Rule {
    id: "unused-suppression",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Meta,
    summary: "a locksmith:ignore comment that suppresses nothing",
    check: Check::Engine,
};

/// Every rule, in the order `locksmith rules` lists them.
pub static ALL: &[&Rule] = &[
    &adding_not_null_column::RULE,
    &adding_column_with_volatile_default::RULE,
    &adding_serial_column::RULE,
    &adding_stored_generated_column::RULE,
    &changing_column_type::RULE,
    &creating_index_non_concurrently::RULE,
    &dropping_index_non_concurrently::RULE,
    &setting_not_null::RULE,
    &adding_foreign_key_without_not_valid::RULE,
    &adding_check_constraint_without_not_valid::RULE,
    &adding_unique_constraint::RULE,
    &renaming_column::RULE,
    &renaming_table::RULE,
    &dropping_column::RULE,
    &dropping_table::RULE,
    &concurrently_in_transaction::RULE,
    &missing_lock_timeout::RULE,
    &rewriting_table::RULE,
    &reindexing_non_concurrently::RULE,
    &refreshing_materialized_view_non_concurrently::RULE,
    &detaching_partition_non_concurrently::RULE,
    &adding_domain_constraint::RULE,
    &truncating_table::RULE,
    &locking_table_explicitly::RULE,
    &unbounded_data_change::RULE,
    &missing_statement_timeout::RULE,
    &nested_transaction::RULE,
    &uncommitted_transaction::RULE,
    &backfilling_in_transaction_with_ddl::RULE,
    &holding_exclusive_lock_across_statements::RULE,
    &validating_constraint_in_same_transaction::RULE,
    &adding_enum_value_in_transaction::RULE,
    &creating_trigger::RULE,
    &dropping_database_or_schema::RULE,
    &dropping_not_null::RULE,
    &renaming_schema::RULE,
    &renaming_enum_value::RULE,
    &attaching_partition_without_check::RULE,
    &prefer_bigint_over_int::RULE,
    &prefer_identity_over_serial::RULE,
    &prefer_text_over_varchar::RULE,
    &prefer_timestamptz::RULE,
    &banned_char_type::RULE,
    &prefer_jsonb_over_json::RULE,
    &identifier_too_long::RULE,
    &prefer_robust_statements::RULE,
    &concurrent_index_without_if_not_exists::RULE,
    &DYNAMIC_SQL_NOT_LINTED,
    &unknown_object::RULE,
    &index_concurrently_on_partitioned_table::RULE,
    &SYNTAX_ERROR,
    &PSQL_META_COMMAND,
    &UNUSED_SUPPRESSION,
    &INVALID_SUPPRESSION,
    &unrenderable_operation::RULE,
    &approximate_rendering::RULE,
    &alembic_multiple_heads::RULE,
    &alembic_broken_revision::RULE,
    &alembic_empty_downgrade::RULE,
    &downgrade_not_reversible::RULE,
];

pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

/// The statement re-printed by PostgreSQL's deparser after `edit`, for help texts.
pub fn deparse_with(node: &NodeEnum, edit: impl FnOnce(&mut NodeEnum)) -> Option<String> {
    let mut node = node.clone();
    edit(&mut node);
    crate::parse::deparse(node)
}

/// A column name or a placeholder for help texts.
pub fn or_placeholder(name: &Option<String>, placeholder: &str) -> String {
    name.as_deref()
        .map(crate::parse::ident::quote_ident)
        .unwrap_or_else(|| placeholder.to_string())
}

#[cfg(test)]
pub mod cases {
    //! Pass/fail case tables for rules: each case is linted with the default config.
    use crate::config::Config;

    /// Rule ids (sorted, deduplicated) reported for `sql`.
    pub fn fired(sql: &str) -> Vec<&'static str> {
        fired_with(sql, &Config::default())
    }

    /// The messages `rule` reports for `sql`, with the default config.
    pub fn messages(rule: &str, sql: &str) -> Vec<String> {
        let source = crate::source::SourceFile::new("case.sql", sql);
        let report = crate::lint::lint_sql(source, &Config::default());
        report
            .findings
            .into_iter()
            .filter(|f| f.rule.id == rule)
            .map(|f| f.message)
            .collect()
    }

    /// The SQL help and fix of `rule`'s first finding on `sql`, linted after `history` (the
    /// schema earlier migrations built), with the default config.
    pub fn advice_after(rule: &str, history: &str, sql: &str) -> (String, Option<String>) {
        let report = lint_after(history, sql);
        let finding = (report.findings.iter())
            .find(|f| f.rule.id == rule)
            .unwrap_or_else(|| panic!("{rule} does not fire on {sql}"));
        let fix = finding.advice.fix.as_ref().map(|f| f.replacement.clone());
        (finding.advice.sql.clone().unwrap_or_default(), fix)
    }

    /// Whether `rule` fires on `sql` linted after `history` (the schema earlier migrations
    /// built), with the default config.
    pub fn fired_after(rule: &str, history: &str, sql: &str) -> bool {
        let report = lint_after(history, sql);
        report.findings.iter().any(|f| f.rule.id == rule)
    }

    /// `sql` linted with the default config on the schema `history` builds.
    fn lint_after(history: &str, sql: &str) -> crate::lint::FileReport {
        let mut catalog = crate::schema::Catalog::default();
        catalog.apply_sql(history);
        let source = crate::source::SourceFile::new("case.sql", sql);
        crate::lint::lint_sql_after(source, None, &Config::default(), catalog)
    }

    /// The Alembic advice of `rule`'s first finding on `sql`, the rule turned on when it is
    /// off by default.
    pub fn alembic_advice(rule: &str, sql: &str) -> String {
        let config = match super::find(rule) {
            Some(r) => Config::default().enabling(r),
            None => Config::default(),
        };
        // Linted as SQL rendered from a revision: a `.sql` file's findings drop their
        // Alembic advice.
        let source = crate::source::SourceFile::new("case.py", sql);
        let report = crate::lint::lint_sql(source, &config);
        let finding = (report.findings.iter())
            .find(|f| f.rule.id == rule)
            .unwrap_or_else(|| panic!("{rule} does not fire on {sql}"));
        finding
            .advice
            .for_alembic("")
            .unwrap_or_default()
            .into_owned()
    }

    pub fn fired_with(sql: &str, config: &Config) -> Vec<&'static str> {
        let source = crate::source::SourceFile::new("case.sql", sql);
        let report = crate::lint::lint_sql(source, config);
        let mut ids: Vec<&str> = report.findings.iter().map(|f| f.rule.id).collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// Lints each case with the default config, the rule turned on when it is off by
    /// default.
    pub fn assert_cases(rule: &str, pass: &[&str], fail: &[&str]) {
        let config = match super::find(rule) {
            Some(r) => Config::default().enabling(r),
            None => Config::default(),
        };
        let fired = |sql: &str| fired_with(sql, &config);
        for sql in pass {
            assert!(
                !fired(sql).contains(&rule),
                "{rule} fired on a passing case:\n{sql}\n{:?}",
                fired(sql)
            );
        }
        for sql in fail {
            assert!(
                fired(sql).contains(&rule),
                "{rule} did not fire on a failing case:\n{sql}\n{:?}",
                fired(sql)
            );
        }
    }
}

/// For the NOT VALID rules: the constraint's name (PostgreSQL's default name when none
/// was given), quoted and bare.
pub fn not_valid_name(action: &Action, suffix: &str) -> (String, String) {
    let name = action.constraint().map(str::to_string).unwrap_or_else(|| {
        format!(
            "{}_{}_{suffix}",
            action.relation.as_ref().map_or("t", |r| r.name.as_str()),
            action.column.as_deref().unwrap_or("col")
        )
    });
    (crate::parse::ident::quote_ident(&name), name)
}

/// For the NOT VALID rules: the statement reduced to the one subcommand, with NOT VALID
/// and the constraint named `name` (bare).
pub fn not_valid_sql(input: &StatementView, action: &Action, name: &str) -> String {
    deparse_with(input.node, |node| {
        let NodeEnum::AlterTableStmt(stmt) = node else {
            return;
        };
        let Some(cmd) = action.subcommand().and_then(|i| stmt.cmds.get(i)).cloned() else {
            return;
        };
        stmt.cmds = vec![cmd];
        if let Some(NodeEnum::AlterTableCmd(cmd)) = stmt.cmds[0].node.as_mut()
            && let Some(NodeEnum::Constraint(c)) =
                cmd.def.as_deref_mut().and_then(|d| d.node.as_mut())
        {
            c.skip_validation = true;
            c.initially_valid = false;
            c.conname = name.to_string();
        }
    })
    .unwrap_or_else(|| "ALTER TABLE ... NOT VALID".into())
}

mod docs {
    include!(concat!(env!("OUT_DIR"), "/rule_docs.rs"));
}

/// The rule's documentation (`rules/<id>.md`, embedded at build time).
pub fn doc(id: &str) -> Option<&'static str> {
    docs::RULE_DOCS
        .iter()
        .find(|(doc_id, _)| *doc_id == id)
        .map(|(_, text)| *text)
}

/// Ids of all embedded docs, for the test that every doc has a rule.
pub fn documented_ids() -> impl Iterator<Item = &'static str> {
    docs::RULE_DOCS.iter().map(|(id, _)| *id)
}

/// The README's rules table, generated from the rules' metadata.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| Rule | Default | Category | PostgreSQL versions | What it flags |\n|---|---|---|---|---|\n",
    );
    for rule in ALL {
        let category = serde_json::to_value(rule.category)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out.push_str(&format!(
            "| [`{id}`](rules/{id}.md) | {} | {category} | {} | {} |\n",
            rule.default_name(),
            versions(rule.id).unwrap_or("?"),
            rule.summary.replace('|', "\\|"),
            id = rule.id
        ));
    }
    out
}
