//! Facts about one statement: what it does (actions), and for each action the lock it
//! takes, whether it rewrites or scans, and whether it may run in a transaction block.
//! The knowledge itself lives in [`lock_model`] (one table); [`analyze`] maps parse trees
//! onto its rows. Rules read [`Facts`]; they never decide a lock mode themselves.

mod alter_table;
mod analyze;
pub mod coverage;
pub mod lock_mode;
pub mod lock_model;
mod reads;
pub mod types;
pub mod volatility;

use crate::parse::ident::quoted_ident;
use pg_query::NodeEnum;
use pg_query::protobuf::RangeVar;
use serde::Serialize;

pub use analyze::{CASCADE, analyze};
pub use lock_model::{Form, LockMode, Related, entry};
use types::ColumnType;

/// What earlier statements of the migration established, as far as the analysis of the
/// next statement depends on it. The file state (the `state` module) implements it while it
/// walks a file; the analysis never sees more than this.
pub trait History {
    /// Target PostgreSQL major version.
    fn version(&self) -> u32;
    /// The column's type, when an earlier statement declared it.
    fn column_type(&self, table: &Relation, column: &str) -> Option<ColumnType>;
    /// A validated `CHECK (column IS NOT NULL)` is in force on the table.
    fn has_validated_not_null_check(&self, table: &Relation, column: &str) -> bool;
    /// The column is known to be NOT NULL already (as created, or set so earlier).
    fn column_is_not_null(&self, _table: &Relation, _column: &str) -> bool {
        false
    }
    /// The table a foreign key declared earlier references.
    fn foreign_key_target(&self, _table: &Relation, _constraint: &str) -> Option<Relation> {
        None
    }
    /// The table of an index created earlier in the migration.
    fn index_table(&self, index: &Relation) -> Option<Relation>;
}

/// A name as the schema catalog and the file state key objects by: inline up to 24 bytes,
/// where a `String` is an allocation each (a long history's catalog holds millions).
pub type Name = compact_str::CompactString;

/// A table, index or other relation as written in the SQL (names already case-folded by
/// the parser).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Relation {
    pub schema: Option<Name>,
    pub name: Name,
}

impl Relation {
    pub fn new(schema: Option<&str>, name: &str) -> Relation {
        Relation {
            schema: schema.filter(|s| !s.is_empty()).map(Name::from),
            name: Name::from(name),
        }
    }

    fn from_range_var(rv: &RangeVar) -> Relation {
        Relation::new(Some(&rv.schemaname), &rv.relname)
    }

    /// From a dotted name list such as `DROP INDEX app.idx` (`[app, idx]`).
    fn from_names(names: &[pg_query::Node]) -> Option<Relation> {
        let parts: Vec<&str> = names
            .iter()
            .filter_map(|n| match &n.node {
                Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
                _ => None,
            })
            .collect();
        match parts.as_slice() {
            [.., schema, name] => Some(Relation::new(Some(schema), name)),
            [name] => Some(Relation::new(None, name)),
            [] => None,
        }
    }

    /// Whether both name the same relation (`users` and `public.users` do), as their
    /// [`Relation::key`]s compare, without building them.
    pub fn same(&self, other: &Relation) -> bool {
        self.key_ref() == other.key_ref()
    }

    /// [`Relation::key`], borrowed: (schema, name), an unqualified name in `public`.
    pub fn key_ref(&self) -> (&str, &str) {
        (self.schema.as_deref().unwrap_or("public"), &self.name)
    }

    /// Identity for "is this the same table": unqualified names resolve to `public`.
    pub fn key(&self) -> (Name, Name) {
        let (schema, name) = self.key_ref();
        (schema.into(), name.into())
    }
}

impl Relation {
    /// As [`Display`](std::fmt::Display) prints it, to any writer: to a `String` without
    /// the formatting machinery of `write!` (every finding's label names its statement's
    /// relations).
    pub fn write_to(&self, out: &mut impl std::fmt::Write) -> std::fmt::Result {
        if let Some(schema) = &self.schema {
            out.write_str(&quoted_ident(schema))?;
            out.write_str(".")?;
        }
        out.write_str(&quoted_ident(&self.name))
    }
}

impl std::fmt::Display for Relation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.write_to(f)
    }
}

/// One thing a statement does, resolved against the lock model for a PostgreSQL version.
#[derive(Debug, Clone)]
pub struct Action {
    pub form: Form,
    pub relation: Option<Relation>,
    /// The second relation the form locks (referenced table, partition, ...).
    pub other: Option<Relation>,
    pub column: Option<String>,
    /// The constraint it names, why the model chose its form, the column a CHECK proves
    /// NOT NULL ([`Action::constraint`], [`Action::detail`], [`Action::proves_not_null`]).
    notes: Option<Box<ActionNotes>>,
    pub lock: Option<LockMode>,
    pub other_lock: Option<LockMode>,
    /// Locks on relations found from `relation` (its indexes, an index's table, its
    /// sequences), as the model says.
    pub related: RelatedModes,
    /// Writes a new heap for the table (every index is rebuilt with it).
    pub rewrites: bool,
    /// Builds new index files without rewriting the table.
    pub rebuilds_indexes: bool,
    /// Reads the whole table.
    pub scans: bool,
    pub in_transaction: bool,
    /// False when the syntax does not exist in the target version.
    pub available: bool,
    /// For ADD COLUMN / ALTER COLUMN TYPE: the column's (new) type.
    pub column_type: Option<Box<ColumnType>>,
    /// Index of the ALTER TABLE subcommand this action came from ([`Action::subcommand`]):
    /// 32 bits keep an action in a smaller size class.
    subcommand: Option<u32>,
}

// With its column type and notes boxed and its subcommand in 32 bits (280 bytes before): a
// file keeps every statement's actions, each in mimalloc's 160-byte size class.
const _: () = assert!(std::mem::size_of::<Action>() <= 160);

/// What few actions have, boxed.
#[derive(Debug, Clone, Default)]
struct ActionNotes {
    constraint: Option<String>,
    /// Why the model chose the form, when it is not obvious from the SQL (the volatile
    /// function, the type change).
    detail: Option<String>,
    /// For a CHECK constraint: the column it proves NOT NULL (`CHECK (c IS NOT NULL)`).
    proves_not_null: Option<String>,
}

/// The lock an action takes on each kind of [`Related`] relation, if any: in place, where
/// a vector cost an allocation per action (every statement's facts are kept to the end
/// of its file).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelatedModes([Option<LockMode>; Related::ALL.len()]);

impl RelatedModes {
    pub fn set(&mut self, kind: Related, mode: Option<LockMode>) {
        self.0[kind as usize] = mode;
    }

    /// In [`Related::ALL`]'s order.
    pub fn iter(&self) -> impl Iterator<Item = (Related, LockMode)> + '_ {
        (Related::ALL.into_iter()).filter_map(|kind| Some((kind, self.0[kind as usize]?)))
    }
}

/// As the list of (kind, mode) pairs it stands for.
impl Serialize for RelatedModes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl Action {
    fn new(form: Form, relation: Option<Relation>, version: u32) -> Action {
        let row = entry(form);
        let mut related = RelatedModes::default();
        if relation.is_some() {
            for kind in Related::ALL {
                if kind != Related::OtherIndexes {
                    related.set(kind, row.related_lock(kind, version));
                }
            }
        }
        Action {
            form,
            relation,
            other: None,
            column: None,
            notes: None,
            lock: row.lock_at(version),
            other_lock: None,
            related,
            rewrites: row.rewrite.at(version),
            rebuilds_indexes: row.rebuild.at(version),
            scans: row.scan.at(version),
            in_transaction: row.in_transaction.at(version),
            available: version >= row.since,
            column_type: None,
            subcommand: None,
        }
    }

    fn with_other(mut self, other: Option<Relation>, version: u32) -> Action {
        self.other_lock = other.as_ref().and(entry(self.form).other_lock_at(version));
        if other.is_some()
            && let Some(mode) = entry(self.form).related_lock(Related::OtherIndexes, version)
        {
            self.related.set(Related::OtherIndexes, Some(mode));
        }
        self.other = other;
        self
    }

    fn with_column(mut self, column: &str) -> Action {
        self.column = Some(column.to_string()).filter(|c| !c.is_empty());
        self
    }

    fn with_constraint(mut self, name: &str) -> Action {
        self.set_constraint(Some(name.to_string()).filter(|c| !c.is_empty()));
        self
    }

    fn with_detail(mut self, detail: String) -> Action {
        self.set_detail(Some(detail));
        self
    }

    /// The constraint it adds, validates or drops, when named.
    pub fn constraint(&self) -> Option<&str> {
        self.notes.as_ref()?.constraint.as_deref()
    }

    /// Why the model chose this form, when it is not obvious from the SQL (the volatile
    /// function, the type change).
    pub fn detail(&self) -> Option<&str> {
        self.notes.as_ref()?.detail.as_deref()
    }

    /// For a CHECK constraint: the column it proves NOT NULL (`CHECK (c IS NOT NULL)`).
    pub fn proves_not_null(&self) -> Option<&str> {
        self.notes.as_ref()?.proves_not_null.as_deref()
    }

    pub fn set_constraint(&mut self, constraint: Option<String>) {
        self.note(constraint, |notes| &mut notes.constraint);
    }

    pub fn set_detail(&mut self, detail: Option<String>) {
        self.note(detail, |notes| &mut notes.detail);
    }

    pub fn set_proves_not_null(&mut self, column: Option<String>) {
        self.note(column, |notes| &mut notes.proves_not_null);
    }

    /// Sets one note; the box is made when a first note is written.
    fn note(&mut self, value: Option<String>, field: fn(&mut ActionNotes) -> &mut Option<String>) {
        match (&mut self.notes, value) {
            (None, None) => {}
            (Some(notes), value) => *field(notes) = value,
            (notes @ None, value) => *field(notes.get_or_insert_default()) = value,
        }
    }

    /// The texts a template stand-in may be in: the column, the constraint, the detail.
    pub fn texts_mut(&mut self) -> impl Iterator<Item = &mut String> {
        let (constraint, detail) = match self.notes.as_deref_mut() {
            Some(notes) => (notes.constraint.as_mut(), notes.detail.as_mut()),
            None => (None, None),
        };
        self.column.iter_mut().chain(constraint).chain(detail)
    }
}

impl Action {
    /// Index of the ALTER TABLE subcommand this action came from.
    pub fn subcommand(&self) -> Option<usize> {
        self.subcommand.map(|i| i as usize)
    }

    /// No statement has 2^32 subcommands (libpg_query takes at most 1 GB of SQL).
    pub fn set_subcommand(&mut self, index: usize) {
        self.subcommand = u32::try_from(index).ok();
    }

    /// The lock on the relation it names, as messages say it: "AccessExclusiveLock on
    /// users (blocks reads and writes)".
    pub fn lock_phrase(&self) -> String {
        match (self.lock, &self.relation) {
            (Some(mode), Some(relation)) => {
                // "AccessExclusiveLock on users (blocks reads and writes)", in one allocation.
                let mut phrase = String::with_capacity(64);
                let _ = RelationLock::write(&mut phrase, relation, mode);
                phrase
            }
            (Some(mode), None) => format!("{} ({})", mode.name(), mode.blocks_description()),
            _ => "no table lock".into(),
        }
    }
}

/// The lock taken on one relation by a statement (the strongest, when several actions lock it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelationLock {
    pub relation: Relation,
    pub mode: LockMode,
}

impl RelationLock {
    /// As [`Display`](std::fmt::Display) prints it, to any writer ([`Relation::write_to`]).
    pub fn write_to(&self, out: &mut impl std::fmt::Write) -> std::fmt::Result {
        Self::write(out, &self.relation, self.mode)
    }

    /// "AccessExclusiveLock on users (blocks reads and writes)": the one place this phrase
    /// is built, piece by piece, not through `write!`'s padding of each argument.
    fn write(
        out: &mut impl std::fmt::Write,
        relation: &Relation,
        mode: LockMode,
    ) -> std::fmt::Result {
        out.write_str(mode.name())?;
        out.write_str(" on ")?;
        relation.write_to(out)?;
        out.write_str(" (")?;
        out.write_str(mode.blocks_description())?;
        out.write_str(")")
    }
}

impl std::fmt::Display for RelationLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.write_to(f)
    }
}

/// A lock on relations found from a named one: "AccessExclusiveLock on the indexes of
/// child (blocks reads and writes)".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelatedLock {
    pub of: Relation,
    pub kind: Related,
    pub mode: LockMode,
}

impl std::fmt::Display for RelatedLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} on {} ({})",
            self.mode.name(),
            self.kind.describe(&self.of.to_string()),
            self.mode.blocks_description()
        )
    }
}

#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub actions: Vec<Action>,
}

impl Facts {
    /// Strongest lock per relation, in the order relations first appear.
    pub fn locks(&self) -> Vec<RelationLock> {
        let pairs = || {
            self.actions.iter().flat_map(|a| {
                [
                    (a.relation.as_ref(), a.lock),
                    (a.other.as_ref(), a.other_lock),
                ]
            })
        };
        // Sized once: a statement's locks are kept with its report, boxed, and a vector
        // grown by a push is four locks long.
        let present = pairs().filter(|(r, m)| r.is_some() && m.is_some()).count();
        let mut locks: Vec<RelationLock> = Vec::with_capacity(present);
        for (relation, mode) in pairs() {
            let (Some(relation), Some(mode)) = (relation, mode) else {
                continue;
            };
            match locks.iter_mut().find(|l| l.relation.same(relation)) {
                Some(existing) => existing.mode = existing.mode.max(mode),
                None => locks.push(RelationLock {
                    relation: relation.clone(),
                    mode,
                }),
            }
        }
        locks
    }

    /// Locks on relations the statement does not name (the indexes of a table it names, an
    /// index's table, a table's sequences): the strongest per (relation, kind).
    pub fn related_locks(&self) -> Vec<RelatedLock> {
        let mut out: Vec<RelatedLock> = Vec::new();
        for action in &self.actions {
            for (kind, mode) in action.related.iter() {
                let of = match kind {
                    Related::OtherIndexes => &action.other,
                    _ => &action.relation,
                };
                let Some(of) = of else { continue };
                match out.iter_mut().find(|l| l.kind == kind && l.of.same(of)) {
                    Some(existing) => existing.mode = existing.mode.max(mode),
                    None => out.push(RelatedLock {
                        of: of.clone(),
                        kind,
                        mode,
                    }),
                }
            }
        }
        out
    }

    pub fn strongest_lock(&self) -> Option<LockMode> {
        self.actions
            .iter()
            .flat_map(|a| [a.lock, a.other_lock])
            .flatten()
            .chain(self.related_locks().iter().map(|l| l.mode))
            .max()
    }

    /// Writes a new heap for a table.
    pub fn rewrites(&self) -> bool {
        self.actions.iter().any(|a| a.rewrites)
    }

    /// Builds new index files while the table itself is kept (REINDEX).
    pub fn rebuilds_indexes(&self) -> bool {
        !self.rewrites() && self.actions.iter().any(|a| a.rebuilds_indexes)
    }

    /// "rewrites the table", "rebuilds indexes", "scans the table" or nothing: the heaviest
    /// work the statement does on existing data.
    pub fn work(&self) -> Option<&'static str> {
        if self.rewrites() {
            Some("rewrites the table")
        } else if self.rebuilds_indexes() {
            Some("rebuilds indexes")
        } else if self.scans() {
            Some("scans the table")
        } else {
            None
        }
    }

    pub fn scans(&self) -> bool {
        self.actions.iter().any(|a| a.scans)
    }

    pub fn in_transaction_allowed(&self) -> bool {
        self.actions.iter().all(|a| a.in_transaction)
    }

    pub fn modelled(&self) -> bool {
        self.actions.iter().all(|a| a.form != Form::Unmodelled)
    }
}
