//! The lock model: one table, one row per statement form, saying which lock the form
//! takes on which relation, whether it rewrites or scans the table, and whether it may
//! run inside a transaction block, by PostgreSQL major version.
//!
//! Every row cites the PostgreSQL documentation it comes from. Rows are checked by the
//! unit tests below (shape and citations) and against a real server by the lock-model
//! verification suite (see README, "How the lock model is verified").

use serde::Serialize;

pub use super::lock_mode::{ALL_LOCK_MODES, LockMode};

/// The oldest and newest PostgreSQL majors the model describes. 10 is kept so that the
/// pre-11 "any DEFAULT rewrites" behaviour can be checked.
pub const MIN_VERSION: u32 = 10;
pub const MAX_VERSION: u32 = 18;

/// A fact that holds in some PostgreSQL majors only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Never,
    Always,
    /// True in majors older than this one.
    Before(u32),
    /// True from this major on.
    Since(u32),
}

impl When {
    pub fn at(self, version: u32) -> bool {
        match self {
            When::Never => false,
            When::Always => true,
            When::Before(v) => version < v,
            When::Since(v) => version >= v,
        }
    }
}

/// Every statement form the model knows. The analyzer maps parse trees to these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    AddColumn,
    AddColumnDefault,
    AddColumnVolatileDefault,
    AddColumnNotNull,
    AddColumnGenerated,
    AddColumnIdentity,
    AddColumnReferences,
    /// The new column has a DEFAULT, so it is not all NULL: the foreign key is validated.
    AddColumnReferencesValidated,
    DropColumn,
    AlterColumnDefault,
    SetNotNull,
    SetNotNullWithValidatedCheck,
    /// The column is NOT NULL already: nothing to check.
    SetNotNullAlreadyNotNull,
    DropNotNull,
    AlterColumnType,
    AlterColumnTypeCoercible,
    AlterColumnStatistics,
    AlterColumnStorage,
    AlterColumnIdentity,
    AddForeignKey,
    AddForeignKeyNotValid,
    AddCheck,
    AddCheckNotValid,
    AddUnique,
    AddPrimaryKey,
    AddExclude,
    AddConstraintUsingIndex,
    ValidateConstraint,
    ValidateForeignKey,
    DropConstraint,
    AlterConstraint,
    RenameColumn,
    RenameTable,
    RenameIndex,
    RenameConstraint,
    RenameIndexConstraint,
    SetTablespace,
    SetLogged,
    SetUnlogged,
    SetAccessMethod,
    SetStorageParameters,
    ClusterOn,
    EnableDisableTrigger,
    ChangeOwner,
    ReplicaIdentity,
    RowSecurity,
    AttachPartition,
    DetachPartition,
    DetachPartitionConcurrently,
    InheritTable,
    NoInheritTable,
    OtherAlterTable,
    CreateTable,
    CreateTableReferences,
    CreateTablePartitionOf,
    CreateTableAs,
    DropTable,
    Truncate,
    CreateIndex,
    CreateIndexConcurrently,
    DropIndex,
    DropIndexConcurrently,
    ReindexTable,
    ReindexIndex,
    ReindexConcurrently,
    ReindexIndexConcurrently,
    ReindexSchemaOrDatabase,
    CreateView,
    ReplaceView,
    DropView,
    CreateMaterializedView,
    RefreshMaterializedView,
    RefreshMaterializedViewConcurrently,
    AlterEnumAddValue,
    AlterDomainAddConstraint,
    AlterDomainAddConstraintNotValid,
    CreateTrigger,
    DropTrigger,
    Vacuum,
    VacuumFull,
    Analyze,
    Cluster,
    Comment,
    Grant,
    CreateSequence,
    AlterSequence,
    Insert,
    UpdateOrDelete,
    Select,
    SelectForUpdate,
    ViewSource,
    QuerySource,
    CopyFrom,
    CopyTo,
    Policy,
    LikeSource,
    InheritsParent,
    SequenceFunction,
    LockTable,
    NoRelationLock,
    Unmodelled,
}

impl Form {
    /// Forms that create the relation they name: its lock cannot block anyone else.
    pub fn creates_target(self) -> bool {
        matches!(
            self,
            Form::CreateTable
                | Form::CreateTableReferences
                | Form::CreateTablePartitionOf
                | Form::CreateTableAs
                | Form::CreateView
                | Form::CreateMaterializedView
                | Form::CreateSequence
        )
    }
}

/// A relation a statement locks without naming it, found from a relation it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Related {
    /// Every index of the named table (or materialized view).
    Indexes,
    /// The indexes of the named table that contain the named column.
    ColumnIndexes,
    /// The table of the named index.
    IndexTable,
    /// The sequences the named table owns (serial and identity columns).
    Sequences,
    /// Every index of the second relation (the referenced table, the view's sources, ...).
    OtherIndexes,
}

impl Related {
    pub const ALL: [Related; 5] = [
        Related::Indexes,
        Related::ColumnIndexes,
        Related::IndexTable,
        Related::Sequences,
        Related::OtherIndexes,
    ];

    /// "the indexes of child", "the table of child_v_idx", ...
    pub fn describe(self, named: &str) -> String {
        match self {
            Related::Indexes | Related::OtherIndexes => format!("the indexes of {named}"),
            Related::ColumnIndexes => format!("the indexes on the column of {named}"),
            Related::IndexTable => format!("the table of {named}"),
            Related::Sequences => format!("the sequences owned by {named}"),
        }
    }
}

/// A lock on related relations: the mode, and for older majors (before `since`) another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelatedLockRow {
    pub lock: LockMode,
    pub since: u32,
    pub before: Option<LockMode>,
}

/// One row of the model.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub form: Form,
    /// The statement shape, as a reader would write it.
    pub syntax: &'static str,
    /// Lock on the relation the statement names (`None`: no relation lock).
    pub lock: Option<LockMode>,
    /// Older majors took a different lock on that relation: (first major with `lock`, older
    /// lock, `None` for no lock).
    pub lock_before: Option<(u32, Option<LockMode>)>,
    /// Lock on a second relation: the referenced table of a foreign key, the partition
    /// being attached or detached, the sources of a view.
    pub other_lock: Option<LockMode>,
    /// Older majors took a different lock on the second relation.
    pub other_before: Option<(u32, Option<LockMode>)>,
    /// A stronger lock taken on the named relation only briefly, at the very end (the
    /// final drop of DROP INDEX CONCURRENTLY): it waits for every transaction using it.
    pub brief_lock: Option<LockMode>,
    /// Locks on relations found from the named one (its indexes, an index's table, its
    /// sequences), measured on every major by the verification suite.
    pub related: [Option<RelatedLockRow>; 5],
    /// Writes a new heap for the table (and so rebuilds every index).
    pub rewrite: When,
    /// Builds new files for indexes only (the table's heap is kept).
    pub rebuild: When,
    /// Reads the whole table (to validate, or to build an index).
    pub scan: When,
    /// Whether the statement may run inside a transaction block.
    pub in_transaction: When,
    /// First major where the syntax exists.
    pub since: u32,
    /// Where the PostgreSQL documentation says so.
    pub docs: &'static str,
    /// What the docs or the server say beyond the columns above.
    pub note: &'static str,
}

const ALTER_TABLE: &str = "https://www.postgresql.org/docs/current/sql-altertable.html";
const CREATE_INDEX: &str = "https://www.postgresql.org/docs/current/sql-createindex.html";
const ALTER_DOMAIN: &str = "https://www.postgresql.org/docs/current/sql-alterdomain.html";
const LOCKING: &str =
    "https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES";

const fn row(
    form: Form,
    syntax: &'static str,
    lock: Option<LockMode>,
    docs: &'static str,
) -> Entry {
    Entry {
        form,
        syntax,
        lock,
        lock_before: None,
        other_lock: None,
        other_before: None,
        brief_lock: None,
        related: [None; 5],
        rewrite: When::Never,
        rebuild: When::Never,
        scan: When::Never,
        in_transaction: When::Always,
        since: MIN_VERSION,
        docs,
        note: "",
    }
}

impl Entry {
    const fn rewrites(mut self, when: When) -> Self {
        self.rewrite = when;
        self
    }
    const fn briefly(mut self, lock: LockMode) -> Self {
        self.brief_lock = Some(lock);
        self
    }
    const fn rebuilds(mut self, when: When) -> Self {
        self.rebuild = when;
        self
    }
    /// The lock on relations of kind `kind` (see [`Related`]).
    const fn related(mut self, kind: Related, lock: LockMode) -> Self {
        self.related[kind as usize] = Some(RelatedLockRow {
            lock,
            since: 0,
            before: None,
        });
        self
    }
    /// Majors older than `version` took `older` on relations of kind `kind`.
    const fn related_before(
        mut self,
        kind: Related,
        version: u32,
        older: Option<LockMode>,
    ) -> Self {
        if let Some(row) = &mut self.related[kind as usize] {
            row.since = version;
            row.before = older;
        }
        self
    }
    const fn scans(mut self, when: When) -> Self {
        self.scan = when;
        self
    }
    const fn other(mut self, lock: LockMode) -> Self {
        self.other_lock = Some(lock);
        self
    }
    const fn no_transaction(mut self) -> Self {
        self.in_transaction = When::Never;
        self
    }
    const fn transaction(mut self, when: When) -> Self {
        self.in_transaction = when;
        self
    }
    const fn since(mut self, version: u32) -> Self {
        self.since = version;
        self
    }
    /// Majors older than `version` took `lock` on the named relation.
    const fn before(mut self, version: u32, lock: Option<LockMode>) -> Self {
        self.lock_before = Some((version, lock));
        self
    }
    /// Majors older than `version` took `lock` on the second relation.
    const fn other_before(mut self, version: u32, lock: Option<LockMode>) -> Self {
        self.other_before = Some((version, lock));
        self
    }
    const fn note(mut self, note: &'static str) -> Self {
        self.note = note;
        self
    }

    /// The lock on the named relation in the given major.
    pub fn lock_at(&self, version: u32) -> Option<LockMode> {
        match self.lock_before {
            Some((since, older)) if version < since => older,
            _ => self.lock,
        }
    }

    /// The lock on relations of kind `related` in the given major.
    pub fn related_lock(&self, related: Related, version: u32) -> Option<LockMode> {
        let row = self.related[related as usize]?;
        if version < row.since {
            row.before
        } else {
            Some(row.lock)
        }
    }

    /// The lock on the second relation in the given major.
    pub fn other_lock_at(&self, version: u32) -> Option<LockMode> {
        match self.other_before {
            Some((since, older)) if version < since => older,
            _ => self.other_lock,
        }
    }
}

use LockMode::*;
use Related::*;
use When::*;

const AEL: Option<LockMode> = Some(AccessExclusiveLock);

/// The model: a row per [`Form`], in its order ([`entry`] checks as it compiles).
pub const MODEL: &[Entry] = &[
    row(Form::AddColumn, "ALTER TABLE t ADD COLUMN c type (nullable, no default)", AEL, ALTER_TABLE)
        .note("catalog-only change"),
    row(Form::AddColumnDefault, "ALTER TABLE t ADD COLUMN c type DEFAULT <non-volatile expression>", AEL, ALTER_TABLE)
        .rewrites(Before(11))
        .note("since PostgreSQL 11 a non-volatile default is stored in the catalog and the table is not rewritten"),
    row(Form::AddColumnVolatileDefault, "ALTER TABLE t ADD COLUMN c type DEFAULT <volatile expression> (incl. serial)", AEL, ALTER_TABLE)
        .rewrites(Always)
        .related(Indexes, AccessExclusiveLock)
        .note("a volatile default (random(), gen_random_uuid(), clock_timestamp(), nextval() of serial) is computed for every row"),
    row(Form::AddColumnNotNull, "ALTER TABLE t ADD COLUMN c type NOT NULL (no default)", AEL, ALTER_TABLE)
        .scans(Always)
        .note("fails with 'contains null values' as soon as the table has a row"),
    row(Form::AddColumnGenerated, "ALTER TABLE t ADD COLUMN c type GENERATED ALWAYS AS (expr) STORED", AEL, ALTER_TABLE)
        .rewrites(Always)
        .related(Indexes, AccessExclusiveLock)
        .since(12),
    row(Form::AddColumnIdentity, "ALTER TABLE t ADD COLUMN c type GENERATED ... AS IDENTITY", AEL, ALTER_TABLE)
        .rewrites(Always)
        .related(Indexes, AccessExclusiveLock)
        .note("every existing row gets a value from the new sequence"),
    row(Form::AddColumnReferences, "ALTER TABLE t ADD COLUMN c type REFERENCES r", AEL, ALTER_TABLE)
        .other(ShareRowExclusiveLock)
        .note("the referenced table is locked in ShareRowExclusiveLock to add the FK triggers; a new column without a default is all NULL, so PostgreSQL skips the validation"),
    row(Form::AddColumnReferencesValidated, "ALTER TABLE t ADD COLUMN c type DEFAULT x REFERENCES r", AEL, ALTER_TABLE)
        .other(ShareRowExclusiveLock)
        .related(Indexes, AccessShareLock)
        .related(OtherIndexes, AccessShareLock)
        .scans(Always)
        .note("with a DEFAULT the column is not all NULL, so PostgreSQL validates the foreign key (it skips validation only for a column without one): every row is checked against r under both locks"),
    row(Form::DropColumn, "ALTER TABLE t DROP COLUMN c", AEL, ALTER_TABLE)
        .note("catalog-only: the column is hidden, its space reclaimed by later writes"),
    row(Form::AlterColumnDefault, "ALTER TABLE t ALTER COLUMN c SET DEFAULT / DROP DEFAULT", AEL, ALTER_TABLE)
        .note("affects future INSERTs only"),
    row(Form::SetNotNull, "ALTER TABLE t ALTER COLUMN c SET NOT NULL", AEL, ALTER_TABLE)
        .scans(Always)
        .note("the whole table is scanned to check for NULLs while the lock is held"),
    row(Form::SetNotNullWithValidatedCheck, "ALTER TABLE t ALTER COLUMN c SET NOT NULL (a validated CHECK (c IS NOT NULL) exists)", AEL, ALTER_TABLE)
        .scans(Before(12))
        .note("since PostgreSQL 12 a valid CHECK constraint that proves NOT NULL lets the scan be skipped"),
    row(Form::SetNotNullAlreadyNotNull, "ALTER TABLE t ALTER COLUMN c SET NOT NULL (c is NOT NULL already)", AEL, ALTER_TABLE)
        .note("the column is already NOT NULL, so there is nothing to check: no scan, the lock only for the catalog change"),
    row(Form::DropNotNull, "ALTER TABLE t ALTER COLUMN c DROP NOT NULL", AEL, ALTER_TABLE),
    row(Form::AlterColumnType, "ALTER TABLE t ALTER COLUMN c TYPE newtype (not binary-coercible)", AEL, ALTER_TABLE)
        .rewrites(Always)
        .related(Indexes, AccessExclusiveLock)
        .note("the table and all its indexes are rewritten; also assumed when the current type is not known"),
    row(Form::AlterColumnTypeCoercible, "ALTER TABLE t ALTER COLUMN c TYPE newtype (binary-coercible, e.g. varchar(n) -> varchar(m>n) or text)", AEL, ALTER_TABLE)
        .related(ColumnIndexes, AccessExclusiveLock)
        .note("no rewrite and no index rebuild when the old type is binary-coercible to the new one and no narrowing typmod; the indexes on the column are still locked AccessExclusiveLock"),
    row(Form::AlterColumnStatistics, "ALTER TABLE t ALTER COLUMN c SET STATISTICS n / SET (attribute_option)", Some(ShareUpdateExclusiveLock), ALTER_TABLE),
    row(Form::AlterColumnStorage, "ALTER TABLE t ALTER COLUMN c SET STORAGE / SET COMPRESSION", AEL, ALTER_TABLE)
        .note("affects future writes only"),
    row(Form::AlterColumnIdentity, "ALTER TABLE t ALTER COLUMN c ADD/SET/DROP IDENTITY, SET/DROP EXPRESSION", AEL, ALTER_TABLE),
    row(Form::AddForeignKey, "ALTER TABLE t ADD [CONSTRAINT n] FOREIGN KEY (c) REFERENCES r", Some(ShareRowExclusiveLock), ALTER_TABLE)
        .other(ShareRowExclusiveLock)
        .related(Indexes, AccessShareLock)
        .related(OtherIndexes, AccessShareLock)
        .scans(Always)
        .note("both tables are locked while every existing row is validated (a query that reads both, through their indexes)"),
    row(Form::AddForeignKeyNotValid, "ALTER TABLE t ADD CONSTRAINT n FOREIGN KEY (c) REFERENCES r NOT VALID", Some(ShareRowExclusiveLock), ALTER_TABLE)
        .other(ShareRowExclusiveLock)
        .note("existing rows are not checked; the lock is brief"),
    row(Form::AddCheck, "ALTER TABLE t ADD [CONSTRAINT n] CHECK (expr)", AEL, ALTER_TABLE)
        .scans(Always),
    row(Form::AddCheckNotValid, "ALTER TABLE t ADD CONSTRAINT n CHECK (expr) NOT VALID", AEL, ALTER_TABLE),
    row(Form::AddUnique, "ALTER TABLE t ADD [CONSTRAINT n] UNIQUE (c)", AEL, ALTER_TABLE)
        .scans(Always)
        .note("builds a unique index while holding AccessExclusiveLock"),
    row(Form::AddPrimaryKey, "ALTER TABLE t ADD [CONSTRAINT n] PRIMARY KEY (c)", AEL, ALTER_TABLE)
        .scans(Always)
        .note("builds a unique index, and scans for NULLs in columns not yet NOT NULL"),
    row(Form::AddExclude, "ALTER TABLE t ADD [CONSTRAINT n] EXCLUDE USING ...", AEL, ALTER_TABLE)
        .scans(Always),
    row(Form::AddConstraintUsingIndex, "ALTER TABLE t ADD CONSTRAINT n UNIQUE/PRIMARY KEY USING INDEX i", AEL, ALTER_TABLE)
        .other(ShareUpdateExclusiveLock)
        .other_before(12, AEL)
        .note("the index i is the second relation: ShareUpdateExclusiveLock since PostgreSQL 12, AccessExclusiveLock on 11 (seen on 11.22); reuses an existing index; brief (a PRIMARY KEY on nullable columns still scans for NULLs)"),
    row(Form::ValidateConstraint, "ALTER TABLE t VALIDATE CONSTRAINT n (a CHECK, or a constraint not known from this migration)", Some(ShareUpdateExclusiveLock), ALTER_TABLE)
        .scans(Always)
        .note("reads and writes continue during the scan; a foreign key also takes RowShareLock on the referenced table"),
    row(Form::ValidateForeignKey, "ALTER TABLE t VALIDATE CONSTRAINT fk (a foreign key declared earlier)", Some(ShareUpdateExclusiveLock), ALTER_TABLE)
        .other(RowShareLock)
        .related(Indexes, AccessShareLock)
        .related(OtherIndexes, AccessShareLock)
        .scans(Always)
        .note("reads and writes continue during the scan; the referenced table is locked RowShareLock by the validating query"),
    row(Form::DropConstraint, "ALTER TABLE t DROP CONSTRAINT n", AEL, ALTER_TABLE),
    row(Form::AlterConstraint, "ALTER TABLE t ALTER CONSTRAINT n [NOT] DEFERRABLE", AEL, ALTER_TABLE),
    row(Form::RenameColumn, "ALTER TABLE t RENAME COLUMN a TO b", AEL, ALTER_TABLE),
    row(Form::RenameTable, "ALTER TABLE t RENAME TO u", AEL, ALTER_TABLE),
    row(Form::RenameIndex, "ALTER INDEX i RENAME TO j", Some(ShareUpdateExclusiveLock), "https://www.postgresql.org/docs/current/sql-alterindex.html")
        .before(12, AEL),
    row(Form::RenameConstraint, "ALTER TABLE t RENAME CONSTRAINT a TO b", AEL, ALTER_TABLE),
    row(Form::RenameIndexConstraint, "ALTER TABLE t RENAME CONSTRAINT a_pkey/a_key/a_excl TO b (a constraint backed by an index)", AEL, ALTER_TABLE)
        .other(ShareUpdateExclusiveLock)
        .other_before(12, AEL)
        .note("the index behind the constraint (same name; the analyzer recognises PostgreSQL's default names ..._pkey, ..._key, ..._excl) is renamed too: ShareUpdateExclusiveLock on it since PostgreSQL 12, AccessExclusiveLock on 11 (seen on 11.22)"),
    row(Form::SetTablespace, "ALTER TABLE t SET TABLESPACE ts", AEL, ALTER_TABLE)
        .rewrites(Always)
        .note("the data files are copied to the new tablespace"),
    row(Form::SetLogged, "ALTER TABLE t SET LOGGED", AEL, ALTER_TABLE).rewrites(Always),
    row(Form::SetUnlogged, "ALTER TABLE t SET UNLOGGED", AEL, ALTER_TABLE)
        .rewrites(Always)
        .related(Indexes, AccessExclusiveLock),
    row(Form::SetAccessMethod, "ALTER TABLE t SET ACCESS METHOD am", AEL, ALTER_TABLE)
        .rewrites(Always)
        .related(Indexes, AccessExclusiveLock)
        .since(15),
    row(Form::SetStorageParameters, "ALTER TABLE t SET/RESET (storage_parameter ...)", Some(ShareUpdateExclusiveLock), ALTER_TABLE)
        .note("fillfactor, toast, autovacuum and planner parameters take ShareUpdateExclusiveLock; other parameters AccessExclusiveLock"),
    row(Form::ClusterOn, "ALTER TABLE t CLUSTER ON i / SET WITHOUT CLUSTER", Some(ShareUpdateExclusiveLock), ALTER_TABLE)
        .other(ShareUpdateExclusiveLock)
        .note("CLUSTER ON also locks the index i (the second relation) in ShareUpdateExclusiveLock"),
    row(Form::EnableDisableTrigger, "ALTER TABLE t ENABLE/DISABLE TRIGGER ...", Some(ShareRowExclusiveLock), ALTER_TABLE),
    row(Form::ChangeOwner, "ALTER TABLE t OWNER TO r", AEL, ALTER_TABLE)
        .related(Indexes, AccessExclusiveLock)
        .note("the table's indexes (and sequences) change owner with it"),
    row(Form::ReplicaIdentity, "ALTER TABLE t REPLICA IDENTITY ...", AEL, ALTER_TABLE),
    row(Form::RowSecurity, "ALTER TABLE t ENABLE/DISABLE/FORCE ROW LEVEL SECURITY", AEL, ALTER_TABLE),
    row(Form::AttachPartition, "ALTER TABLE parent ATTACH PARTITION p FOR VALUES ...", Some(ShareUpdateExclusiveLock), ALTER_TABLE)
        .before(12, AEL)
        .other(AccessExclusiveLock)
        .scans(Always)
        .note("the partition is scanned to check the bound unless a valid CHECK constraint implies it"),
    row(Form::DetachPartition, "ALTER TABLE parent DETACH PARTITION p", AEL, ALTER_TABLE)
        .other(AccessExclusiveLock)
        .other_before(14, Some(ShareUpdateExclusiveLock))
        .note("before PostgreSQL 14 the partition itself was opened with ShareUpdateExclusiveLock (the parent's AccessExclusiveLock covers it); seen on 11.22, 12.22, 13.23"),
    row(Form::DetachPartitionConcurrently, "ALTER TABLE parent DETACH PARTITION p CONCURRENTLY", Some(ShareUpdateExclusiveLock), ALTER_TABLE)
        .other(AccessExclusiveLock)
        .note("the parent stays readable and writable; the partition itself is locked in AccessExclusiveLock (observed on a real server while it waits behind a reader)")
        .no_transaction()
        .since(14),
    row(Form::InheritTable, "ALTER TABLE t [NO] INHERIT parent", AEL, ALTER_TABLE)
        .other(ShareUpdateExclusiveLock)
        .note("the parent is locked ShareUpdateExclusiveLock"),
    row(Form::NoInheritTable, "ALTER TABLE t NO INHERIT parent", AEL, ALTER_TABLE)
        .other(AccessShareLock)
        .note("the parent is locked AccessShareLock only"),
    row(Form::OtherAlterTable, "ALTER TABLE t <any other action>", AEL, ALTER_TABLE)
        .note("the docs: an ACCESS EXCLUSIVE lock is acquired unless explicitly noted"),
    row(Form::CreateTable, "CREATE TABLE t (...)", AEL, "https://www.postgresql.org/docs/current/sql-createtable.html")
        .note("the new table is invisible to other sessions until commit"),
    row(Form::CreateTableReferences, "CREATE TABLE t (... REFERENCES r ...)", AEL, "https://www.postgresql.org/docs/current/sql-createtable.html")
        .other(ShareRowExclusiveLock)
        .note("the referenced table is locked in ShareRowExclusiveLock to add the FK triggers"),
    row(Form::CreateTablePartitionOf, "CREATE TABLE p PARTITION OF parent FOR VALUES ...", AEL, "https://www.postgresql.org/docs/current/sql-createtable.html")
        .other(AccessExclusiveLock)
        .note("the parent is locked in AccessExclusiveLock; ATTACH PARTITION takes a weaker lock on it"),
    row(Form::CreateTableAs, "CREATE TABLE t AS SELECT ...", AEL, "https://www.postgresql.org/docs/current/sql-createtableas.html")
        .scans(Always)
        .note("the tables the query reads are locked as by a SELECT (see QuerySource)"),
    row(Form::DropTable, "DROP TABLE t / DROP SEQUENCE s", AEL, "https://www.postgresql.org/docs/current/sql-droptable.html")
        .related(Indexes, AccessExclusiveLock)
        .other(AccessExclusiveLock)
        .note("the tables t references by foreign key, and those referencing it, are locked AccessExclusiveLock too (their FK triggers are dropped); the statement does not name them"),
    row(Form::Truncate, "TRUNCATE t", AEL, "https://www.postgresql.org/docs/current/sql-truncate.html")
        .rewrites(Always)
        .related(Indexes, AccessExclusiveLock)
        .note("a new empty file replaces the table and its indexes"),
    row(Form::CreateIndex, "CREATE [UNIQUE] INDEX i ON t (...)", Some(ShareLock), CREATE_INDEX)
        .scans(Always)
        .note("writes are blocked for the whole index build; reads continue"),
    row(Form::CreateIndexConcurrently, "CREATE [UNIQUE] INDEX CONCURRENTLY i ON t (...)", Some(ShareUpdateExclusiveLock), CREATE_INDEX)
        .scans(Always)
        .no_transaction()
        .note("two table scans; waits for transactions that could use the index to finish"),
    row(Form::DropIndex, "DROP INDEX i", AEL, "https://www.postgresql.org/docs/current/sql-dropindex.html")
        .related(IndexTable, AccessExclusiveLock)
        .other(AccessExclusiveLock)
        .note("the docs: 'a normal DROP INDEX acquires an ACCESS EXCLUSIVE lock on the table'; the table is named when the migration created the index"),
    row(Form::DropIndexConcurrently, "DROP INDEX CONCURRENTLY i", Some(ShareUpdateExclusiveLock), "https://www.postgresql.org/docs/current/sql-dropindex.html")
        .related(IndexTable, ShareUpdateExclusiveLock)
        .other(ShareUpdateExclusiveLock)
        .briefly(AccessExclusiveLock)
        .no_transaction()
        .note("at the very end the index itself is locked AccessExclusiveLock, briefly: a transaction still reading through the index holds it up there (seen by the verification suite)"),
    row(Form::ReindexTable, "REINDEX TABLE t", Some(ShareLock), "https://www.postgresql.org/docs/current/sql-reindex.html")
        .rebuilds(Always)
        .related(Indexes, AccessExclusiveLock)
        .note("the table's indexes are rebuilt, each under AccessExclusiveLock: writes to the table and reads through those indexes block"),
    row(Form::ReindexIndex, "REINDEX INDEX i", AEL, "https://www.postgresql.org/docs/current/sql-reindex.html")
        .rebuilds(Always)
        .related(IndexTable, ShareLock)
        .note("the index's table is locked in ShareLock (writes blocked)"),
    row(Form::ReindexConcurrently, "REINDEX TABLE CONCURRENTLY t", Some(ShareUpdateExclusiveLock), "https://www.postgresql.org/docs/current/sql-reindex.html")
        .rebuilds(Always)
        .related(Indexes, ShareUpdateExclusiveLock)
        .no_transaction()
        .since(12)
        .note("new indexes (..._ccnew) are built beside the old ones, then swapped in and the old ones dropped; each phase waits for every transaction using the table. Sampling every granted lock of REINDEX INDEX CONCURRENTLY on a 2M-row table (12.22, 14.23, 18.4) showed only ShareUpdateExclusiveLock on the table and the index (RowExclusiveLock on the index while it is built), no AccessExclusiveLock on the index at the swap; AccessExclusiveLock appeared only on the new ..._ccnew index at its creation (12, 14), before other sessions can see it"),
    row(Form::ReindexIndexConcurrently, "REINDEX INDEX CONCURRENTLY i", Some(ShareUpdateExclusiveLock), "https://www.postgresql.org/docs/current/sql-reindex.html")
        .rebuilds(Always)
        .related(IndexTable, ShareUpdateExclusiveLock)
        .no_transaction()
        .since(12)
        .note("a new index is built beside the old one, swapped in, and the old one dropped; each phase waits for every transaction using the table (no AccessExclusiveLock on the index was seen at the swap: see REINDEX TABLE CONCURRENTLY)"),
    row(Form::ReindexSchemaOrDatabase, "REINDEX SCHEMA/DATABASE/SYSTEM x", None, "https://www.postgresql.org/docs/current/sql-reindex.html")
        .rebuilds(Always)
        .no_transaction()
        .note("every table in scope is locked in turn"),
    row(Form::CreateView, "CREATE VIEW v AS ...", AEL, "https://www.postgresql.org/docs/current/sql-createview.html")
        .note("the tables the query reads are locked AccessShareLock (see ViewSource)"),
    row(Form::ReplaceView, "CREATE OR REPLACE VIEW v AS ...", AEL, "https://www.postgresql.org/docs/current/sql-createview.html")
        .note("the tables the query reads are locked AccessShareLock (see ViewSource); replacing an existing view locks it against reads while the definition is swapped"),
    row(Form::DropView, "DROP VIEW v / DROP MATERIALIZED VIEW v", AEL, "https://www.postgresql.org/docs/current/sql-dropview.html")
        .related(Indexes, AccessExclusiveLock),
    row(Form::CreateMaterializedView, "CREATE MATERIALIZED VIEW m AS ...", AEL, "https://www.postgresql.org/docs/current/sql-creatematerializedview.html")
        .scans(Always)
        .note("the tables the query reads are locked as by a SELECT (see QuerySource)"),
    row(Form::RefreshMaterializedView, "REFRESH MATERIALIZED VIEW m", AEL, "https://www.postgresql.org/docs/current/sql-refreshmaterializedview.html")
        .rewrites(Always)
        .related(Indexes, AccessExclusiveLock)
        .other(AccessShareLock)
        .related(OtherIndexes, AccessShareLock)
        .note("the tables of the view's query (not named by the statement) are read: AccessShareLock on them and their indexes"),
    row(Form::RefreshMaterializedViewConcurrently, "REFRESH MATERIALIZED VIEW CONCURRENTLY m", Some(ExclusiveLock), "https://www.postgresql.org/docs/current/sql-refreshmaterializedview.html")
        .scans(Always)
        .related(Indexes, RowExclusiveLock)
        .other(AccessShareLock)
        .related(OtherIndexes, AccessShareLock)
        .note("reads continue; needs a unique index on the view; the tables of the view's query (not named) are read: AccessShareLock on them and their indexes"),
    row(Form::AlterEnumAddValue, "ALTER TYPE e ADD VALUE 'v'", None, "https://www.postgresql.org/docs/current/sql-altertype.html")
        .transaction(Since(12))
        .note("before PostgreSQL 12 it cannot run inside a transaction block; since 12 the new value cannot be used until the transaction commits"),
    row(Form::AlterDomainAddConstraint, "ALTER DOMAIN d ADD [CONSTRAINT n] CHECK (expr) / NOT NULL", None, ALTER_DOMAIN)
        .other(ShareLock)
        .scans(Always)
        .note("every column of type d in every table is checked; each such table is locked in ShareLock (writes blocked) for the scan (typecmds.c: get_rels_with_domain(..., ShareLock))"),
    row(Form::AlterDomainAddConstraintNotValid, "ALTER DOMAIN d ADD CONSTRAINT n CHECK (expr) NOT VALID", None, ALTER_DOMAIN)
        .note("existing values are not checked, so no table using the domain is locked; new values are checked from now on"),
    row(Form::CreateTrigger, "CREATE TRIGGER tr ... ON t", Some(ShareRowExclusiveLock), "https://www.postgresql.org/docs/current/sql-createtrigger.html"),
    row(Form::DropTrigger, "DROP TRIGGER tr ON t", AEL, "https://www.postgresql.org/docs/current/sql-droptrigger.html"),
    row(Form::Vacuum, "VACUUM [ANALYZE] t", Some(ShareUpdateExclusiveLock), "https://www.postgresql.org/docs/current/sql-vacuum.html")
        .scans(Always)
        .no_transaction(),
    row(Form::VacuumFull, "VACUUM FULL t", AEL, "https://www.postgresql.org/docs/current/sql-vacuum.html")
        .rewrites(Always)
        .no_transaction(),
    row(Form::Analyze, "ANALYZE t", Some(ShareUpdateExclusiveLock), "https://www.postgresql.org/docs/current/sql-analyze.html")
        .scans(Always)
        .related(Indexes, AccessShareLock)
        .note("reads a sample of the table"),
    row(Form::Cluster, "CLUSTER t [USING i]", AEL, "https://www.postgresql.org/docs/current/sql-cluster.html")
        .rewrites(Always)
        .related(Indexes, AccessExclusiveLock)
        .note("CLUSTER without a table name cannot run inside a transaction block"),
    row(Form::Comment, "COMMENT ON TABLE/COLUMN ...", Some(ShareUpdateExclusiveLock), "https://www.postgresql.org/docs/current/sql-comment.html"),
    row(Form::Grant, "GRANT / REVOKE ... ON t", Some(AccessShareLock), "https://www.postgresql.org/docs/current/sql-grant.html")
        .before(18, None)
        .note("updates the catalog row of t; since PostgreSQL 18 the table is locked in AccessShareLock while its ACL is updated (blocked only by AccessExclusiveLock); seen on 18.4"),
    row(Form::CreateSequence, "CREATE SEQUENCE s", AEL, "https://www.postgresql.org/docs/current/sql-createsequence.html")
        .note("the new sequence is invisible to other sessions until commit"),
    row(Form::AlterSequence, "ALTER SEQUENCE s ...", Some(ShareRowExclusiveLock), "https://www.postgresql.org/docs/current/sql-altersequence.html")
        .note("blocks nextval() of concurrent inserts (they take RowExclusiveLock on the sequence); some options give the sequence a new one-page file, which is instant and no table rewrite"),
    row(Form::Insert, "INSERT INTO t ...", Some(RowExclusiveLock), LOCKING)
        .other(RowShareLock)
        .related(OtherIndexes, RowShareLock)
        .related_before(OtherIndexes, 12, Some(AccessShareLock))
        .note("a table the new rows reference by foreign key (not named) is locked RowShareLock by the FK check, and its indexes RowShareLock (AccessShareLock before PostgreSQL 12, seen on 11.22)"),
    row(Form::UpdateOrDelete, "UPDATE t ... / DELETE FROM t ...", Some(RowExclusiveLock), LOCKING)
        .scans(Always)
        .related(Indexes, RowExclusiveLock)
        .note("row locks on every row changed: concurrent writers of those rows wait until commit"),
    row(Form::Select, "SELECT ... FROM t", Some(AccessShareLock), LOCKING)
        .related(Indexes, AccessShareLock)
        .note("the planner opens every index of t"),
    row(Form::SelectForUpdate, "SELECT ... FOR UPDATE/SHARE", Some(RowShareLock), LOCKING)
        .related(Indexes, RowShareLock)
        .related_before(Indexes, 12, Some(AccessShareLock))
        .note("the indexes of t are locked RowShareLock since PostgreSQL 12 (AccessShareLock on 11.22)"),
    row(Form::ViewSource, "a table a view's query reads (CREATE [OR REPLACE] VIEW)", Some(AccessShareLock), "https://www.postgresql.org/docs/current/sql-createview.html")
        .note("the query is parsed, not planned: its indexes are not opened"),
    row(Form::QuerySource, "a table a statement's query reads (CREATE TABLE AS, CREATE MATERIALIZED VIEW, INSERT ... SELECT, COPY (query))", Some(AccessShareLock), LOCKING)
        .related(Indexes, AccessShareLock)
        .note("the query is planned and run: the table and its indexes are locked AccessShareLock"),
    row(Form::CopyFrom, "COPY t FROM ...", Some(RowExclusiveLock), "https://www.postgresql.org/docs/current/sql-copy.html")
        .note("like INSERT"),
    row(Form::CopyTo, "COPY t TO ...", Some(AccessShareLock), "https://www.postgresql.org/docs/current/sql-copy.html")
        .scans(Always)
        .note("reads the whole table; COPY (query) TO locks the query's tables as a SELECT does (QuerySource); before PostgreSQL 13 the lock is released when the statement ends instead of at commit (11.22 and 12.22 show no lock after it, so the suite proves this row from 13 on)"),
    row(Form::Policy, "CREATE / ALTER / DROP POLICY p ON t", AEL, "https://www.postgresql.org/docs/current/sql-createpolicy.html")
        .note("the table's row security definition changes: every query of t waits"),
    row(Form::LikeSource, "CREATE TABLE t (LIKE s ...)", Some(AccessShareLock), "https://www.postgresql.org/docs/current/sql-createtable.html")
        .note("the table copied from"),
    row(Form::InheritsParent, "CREATE TABLE t (...) INHERITS (parent)", Some(ShareUpdateExclusiveLock), "https://www.postgresql.org/docs/current/sql-createtable.html")
        .note("the parent gains a child: concurrent schema changes of the parent wait"),
    row(Form::SequenceFunction, "nextval('s') / setval('s', n) in a query", Some(RowExclusiveLock), "https://www.postgresql.org/docs/current/functions-sequence.html")
        .note("the sequence is locked like a written table: ALTER SEQUENCE waits for it, and it waits for ALTER SEQUENCE"),
    row(Form::LockTable, "LOCK TABLE t IN <mode> MODE", AEL, "https://www.postgresql.org/docs/current/sql-lock.html")
        .note("takes the mode named in the statement (AccessExclusiveLock when none is named)"),
    row(Form::NoRelationLock, "SET, BEGIN/COMMIT, CREATE FUNCTION/SCHEMA/EXTENSION/TYPE, ...", None, LOCKING)
        .note("takes no lock on an existing table"),
    row(Form::Unmodelled, "any statement the model does not describe", None, LOCKING)
        .note("locks unknown: check the docs"),
];

/// The row for a form: the row at the form's number. Found with a search, the rows were
/// read through for every action, a few kilobytes a time (4.5 % of the data cache misses
/// linting 1,000 files, `callgrind --cache-sim=yes`).
pub fn entry(form: Form) -> &'static Entry {
    const { assert!(rows_follow_forms()) };
    &MODEL[form as usize]
}

/// Whether [`MODEL`] has a row per [`Form`], in the forms' order (checked as it compiles).
const fn rows_follow_forms() -> bool {
    let mut row = 0;
    while row < MODEL.len() {
        if MODEL[row].form as usize != row {
            return false;
        }
        row += 1;
    }
    row == Form::Unmodelled as usize + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_form_has_exactly_one_row_with_a_citation() {
        let mut seen = HashSet::new();
        for e in MODEL {
            assert!(seen.insert(e.form), "{:?} has two rows", e.form);
            assert!(
                e.docs.starts_with("https://www.postgresql.org/docs/"),
                "{:?}",
                e.form
            );
            assert!(
                e.since >= MIN_VERSION && e.since <= MAX_VERSION,
                "{:?}",
                e.form
            );
            // A form that never takes a relation lock cannot claim to rewrite a relation it names.
            // (ALTER DOMAIN locks the tables using the domain, which it does not name: `other`.)
            if e.lock.is_none() && e.form != Form::ReindexSchemaOrDatabase {
                assert_eq!(e.rewrite, When::Never, "{:?}", e.form);
            }
        }
        // The last variant of `Form`; if a form is added after it, this count changes too.
        assert_eq!(seen.len(), Form::Unmodelled as usize + 1);
    }

    #[test]
    fn conflict_table_is_symmetric() {
        for a in ALL_LOCK_MODES {
            for b in ALL_LOCK_MODES {
                assert_eq!(a.conflicts_with(b), b.conflicts_with(a), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn reads_and_writes_blocking() {
        assert!(AccessExclusiveLock.blocks_reads());
        assert!(!ExclusiveLock.blocks_reads() && ExclusiveLock.blocks_writes());
        assert!(ShareLock.blocks_writes() && !ShareLock.blocks_reads());
        assert!(ShareRowExclusiveLock.blocks_writes());
        assert!(!ShareUpdateExclusiveLock.blocks_writes());
        assert_eq!(LockMode::from_name("ShareLock"), Some(ShareLock));
        assert_eq!(LockMode::from_number(8), Some(AccessExclusiveLock));
    }

    #[test]
    fn version_dependent_rows() {
        assert!(entry(Form::AddColumnDefault).rewrite.at(10));
        assert!(!entry(Form::AddColumnDefault).rewrite.at(11));
        assert!(entry(Form::SetNotNullWithValidatedCheck).scan.at(11));
        assert!(!entry(Form::SetNotNullWithValidatedCheck).scan.at(12));
        assert_eq!(
            entry(Form::RenameIndex).lock_at(11),
            Some(AccessExclusiveLock)
        );
        assert_eq!(
            entry(Form::RenameIndex).lock_at(12),
            Some(ShareUpdateExclusiveLock)
        );
        assert_eq!(
            entry(Form::AttachPartition).lock_at(11),
            Some(AccessExclusiveLock)
        );
        assert!(!entry(Form::AlterEnumAddValue).in_transaction.at(11));
        assert!(entry(Form::AlterEnumAddValue).in_transaction.at(12));
        assert_eq!(entry(Form::DetachPartitionConcurrently).since, 14);
        assert_eq!(
            entry(Form::AlterDomainAddConstraint).other_lock,
            Some(ShareLock)
        );
        assert!(entry(Form::AlterDomainAddConstraint).scan.at(15));
        assert!(!entry(Form::AlterDomainAddConstraintNotValid).scan.at(15));
    }

    /// The differences between majors that the verification suite found on real servers.
    #[test]
    fn per_major_differences_seen_on_servers() {
        let detach = entry(Form::DetachPartition);
        assert_eq!(detach.other_lock_at(13), Some(ShareUpdateExclusiveLock));
        assert_eq!(detach.other_lock_at(14), Some(AccessExclusiveLock));
        assert_eq!(entry(Form::Grant).lock_at(17), None);
        assert_eq!(entry(Form::Grant).lock_at(18), Some(AccessShareLock));
        for form in [Form::AddConstraintUsingIndex, Form::RenameIndexConstraint] {
            assert_eq!(entry(form).other_lock_at(11), Some(AccessExclusiveLock));
            assert_eq!(
                entry(form).other_lock_at(12),
                Some(ShareUpdateExclusiveLock)
            );
        }
        let for_update = entry(Form::SelectForUpdate);
        assert_eq!(for_update.related_lock(Indexes, 11), Some(AccessShareLock));
        assert_eq!(for_update.related_lock(Indexes, 12), Some(RowShareLock));
        assert_eq!(
            entry(Form::Insert).related_lock(OtherIndexes, 11),
            Some(AccessShareLock)
        );
        // REINDEX rebuilds indexes; it does not rewrite the table.
        for form in [
            Form::ReindexTable,
            Form::ReindexIndex,
            Form::ReindexConcurrently,
        ] {
            assert!(entry(form).rebuild.at(15) && !entry(form).rewrite.at(15));
        }
        assert_eq!(
            entry(Form::DropIndexConcurrently).brief_lock,
            Some(AccessExclusiveLock)
        );
    }
}
