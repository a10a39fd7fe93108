//! The schema model: the rendered SQL of every earlier migration replayed, in order, into
//! an in-memory catalog (schemas, tables, columns, indexes, constraints, enum types,
//! sequences, views). Rules read it to know what earlier migrations built; `locksmith
//! schema` prints it as DDL and `locksmith check-downgrade` compares two of them.
//!
//! Declared after `facts` (it reuses facts' column types) and before `state`, which
//! carries the catalog through a file: the catalog is plain data derived from parse
//! trees, and knows nothing of locks, rules or sources.
//!
//! What it does not model (functions, triggers, grants, DO blocks, data changes) is
//! counted as opaque and otherwise ignored: replay never fails.

mod apply;
mod check;
mod constraint;
pub mod ddl;
pub mod diff;
mod expr;
mod key_map;
mod keys;
mod names;
mod rename_drop;
mod search_path;

use std::borrow::Borrow;
use std::collections::BTreeSet;
use std::hash::Hash;
use std::sync::Arc;

use pg_query::NodeEnum;
use serde::Serialize;

pub use crate::facts::Name;
use crate::facts::Relation;
use crate::facts::types::ColumnType;

pub use key_map::KeyMap;
use search_path::SearchPath;

/// Names and keys are hashed for every word of every migration: aHash costs a fraction of
/// std's SipHash on short strings and is still keyed at random ([`FastState`]).
pub type FastMap<K, V> = std::collections::HashMap<K, V, FastState>;
pub type FastSet<T> = std::collections::HashSet<T, FastState>;

/// aHash keyed once per thread, at random: a new map copies the thread's keys. Keying each
/// map anew (`ahash::RandomState::new`, an atomic counter and a mix), for the fifteen maps
/// of each file's state and catalog, was 3 % of linting 3,200 one-statement files.
#[derive(Clone)]
pub struct FastState(ahash::RandomState);

impl Default for FastState {
    fn default() -> Self {
        thread_local! {
            static KEYS: ahash::RandomState = ahash::RandomState::new();
        }
        FastState(KEYS.with(Clone::clone))
    }
}

impl std::hash::BuildHasher for FastState {
    type Hasher = ahash::AHasher;

    fn build_hasher(&self) -> ahash::AHasher {
        self.0.build_hasher()
    }
}

/// The words a migration mentions ([`mentioned_names`]), what a copy of the schema is
/// narrowed to ([`Catalog::subset`]).
pub type NameSet = FastSet<Name>;

/// The most objects a copy without hints holds before it gets them
/// ([`Catalog::hint_when_grown`]).
const SCANNED_AT_MOST: usize = 512;

/// The tables a catalog holds before its equal columns are shared ([`Hints::columns`]): a
/// small file's few columns would pay for the hashing and save nothing.
const SHARED_COLUMNS_FROM: usize = 256;

/// (schema, name); an unqualified name's schema is the search path's ([`search_path`]):
/// `public` unless a migration set one.
pub type Key = (Name, Name);

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Catalog {
    /// Shared, like the tables: each migration's copy holds every schema.
    pub schemas: Arc<BTreeSet<String>>,
    /// Shared: each migration's narrowed copy of the catalog clones pointers, not columns
    /// (a table that every migration alters would make the copies quadratic).
    pub tables: KeyMap<Arc<Table>>,
    /// Shared like the tables, and a pointer a bucket: a hash table's spare buckets are
    /// written memory too (its entries are spread over all of it), and a 50 MiB file's
    /// catalog holds 85,000 indexes of 176 bytes and 66,000 sequences of 96.
    pub indexes: KeyMap<Arc<Index>>,
    pub enums: KeyMap<Vec<String>>,
    pub sequences: KeyMap<Arc<Sequence>>,
    pub views: KeyMap<View>,
    /// Relations and types known NOT to exist: dropped or renamed away during replay.
    #[serde(skip)]
    pub gone: BTreeSet<Key>,
    /// Statements replayed that the model does not represent.
    #[serde(skip)]
    pub opaque: usize,
    #[serde(skip)]
    hints: Hints,
    /// Where unqualified names live, as the migration being replayed set it.
    #[serde(skip)]
    search_path: SearchPath,
}

/// What keeps a long replay linear: which tables ever had a constraint of a name, which
/// indexes were ever built on a relation, which tables ever referenced a table or were
/// its partitions, which sequences a table ever owned. Renames and drops then visit the
/// objects that hang off one relation instead of scanning every table, index and
/// sequence of the history (quadratic over a 50 MiB file). And what keeps it small: one
/// column for each distinct definition ([`Hints::columns`]). Append-only, so a superset of
/// what the catalog holds: every lookup checks the catalog after it. Not part of the
/// schema (two equal schemas may have different histories), hence always equal.
#[derive(Debug, Clone, Default)]
struct Hints {
    /// A small copy (what one migration is linted with, one for every migration of a
    /// history): nothing is hinted and lookups scan, which keeps copying cheap, until it
    /// grows ([`Catalog::hint_when_grown`]).
    scan: bool,
    /// Every bare name an object (table, index, type, sequence, view) ever had: most
    /// words a migration mentions name none, and need not be looked up in every map.
    names: NameSet,
    constraint_tables: FastMap<String, KeySet>,
    indexes_on: FastMap<Key, KeySet>,
    /// Tables with a foreign key to the table, and its partitions.
    dependents: FastMap<Key, KeySet>,
    owned_sequences: FastMap<Key, KeySet>,
    /// One column for every distinct definition, once the catalog is big: tables repeat
    /// their columns (`id bigint NOT NULL`, `created_at timestamptz`), and a long
    /// history's catalog holds every column. Shared like any column (`Arc::make_mut`
    /// copies one before a change).
    columns: FastSet<Arc<Column>>,
}

/// The keys hinted under one name, in order. Most names have one (a table's primary key,
/// the sequence of its serial column) or a few (a table's indexes): a `BTreeSet` keeps
/// even two keys in a node of eleven (over half a KiB), so it is kept for names with many.
#[derive(Debug, Clone)]
enum KeySet {
    One(Key),
    /// Sorted, at most [`KeySet::FEW`]: inserting shifts so few keys that it stays linear.
    Few(Vec<Key>),
    Many(BTreeSet<Key>),
}

impl KeySet {
    const FEW: usize = 16;

    #[cfg(test)]
    fn contains(&self, key: &Key) -> bool {
        match self {
            KeySet::One(one) => one == key,
            KeySet::Few(keys) => keys.binary_search(key).is_ok(),
            KeySet::Many(keys) => keys.contains(key),
        }
    }

    fn insert(&mut self, key: &Key) {
        match self {
            KeySet::One(one) if one == key => {}
            KeySet::One(one) => {
                let one = std::mem::take(one);
                let mut keys = vec![one, key.clone()];
                keys.sort_unstable();
                *self = KeySet::Few(keys);
            }
            KeySet::Few(keys) => match keys.binary_search(key) {
                Ok(_) => {}
                Err(at) if keys.len() < Self::FEW => keys.insert(at, key.clone()),
                Err(_) => {
                    let mut many: BTreeSet<Key> = std::mem::take(keys).into_iter().collect();
                    many.insert(key.clone());
                    *self = KeySet::Many(many);
                }
            },
            KeySet::Many(keys) if keys.contains(key) => {}
            KeySet::Many(keys) => {
                keys.insert(key.clone());
            }
        }
    }

    fn iter(&self) -> impl Iterator<Item = &Key> {
        let (few, many) = match self {
            KeySet::One(one) => (std::slice::from_ref(one), None),
            KeySet::Few(keys) => (keys.as_slice(), None),
            KeySet::Many(keys) => (&[][..], Some(keys)),
        };
        few.iter().chain(many.into_iter().flatten())
    }
}

impl PartialEq for Hints {
    fn eq(&self, _: &Hints) -> bool {
        true
    }
}

fn remember<K: Hash + Eq + Clone>(map: &mut FastMap<K, KeySet>, on: &K, key: &Key) {
    match map.get_mut(on) {
        Some(keys) => keys.insert(key),
        None => {
            map.insert(on.clone(), KeySet::One(key.clone()));
        }
    }
}

impl Hints {
    fn scanning() -> Hints {
        Hints {
            scan: true,
            ..Hints::default()
        }
    }

    fn name(&mut self, key: &Key) {
        // Hashed once: a name is short (inline, a copy), and most are new.
        if !self.scan {
            self.names.insert(key.1.clone());
        }
    }

    fn constraint(&mut self, table: &Key, constraint: &Constraint) {
        if self.scan {
            return;
        }
        remember(&mut self.constraint_tables, &constraint.name, table);
        if let Some(referenced) = &constraint.references {
            self.dependent(referenced, table);
        }
    }

    /// `table` references `on`, or is one of its partitions.
    fn dependent(&mut self, on: &Key, table: &Key) {
        if !self.scan {
            remember(&mut self.dependents, on, table);
        }
    }

    fn table(&mut self, key: &Key, table: &Table) {
        self.name(key);
        for c in &table.constraints {
            self.constraint(key, c);
        }
        if let Some((parent, _)) = &table.partition_of {
            self.dependent(parent, key);
        }
    }

    fn index(&mut self, key: &Key, index: &Index) {
        self.name(key);
        if !self.scan {
            remember(&mut self.indexes_on, &index.table, key);
        }
    }

    fn sequence(&mut self, key: &Key, sequence: &Sequence) {
        self.name(key);
        if let (Some((table, _)), false) = (&sequence.owned_by, self.scan) {
            remember(&mut self.owned_sequences, table, key);
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Table {
    /// Columns and constraints are shared, so that the copy a change to a shared table
    /// makes costs a pointer each.
    pub columns: Vec<Arc<Column>>,
    pub constraints: Vec<Arc<Constraint>>,
    /// `PARTITION BY` clause (`RANGE (created_at)`), for a partitioned table.
    pub partition_by: Option<String>,
    /// The parent and the bound (`FOR VALUES FROM (...) TO (...)`), for a partition.
    pub partition_of: Option<(Key, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: Name,
    pub ty: ColumnType,
    pub not_null: bool,
    pub default: Option<String>,
    /// What few columns have, boxed: a long history's catalog holds every column. `None`
    /// when it would be empty, so that equal columns compare equal.
    rare: Option<Box<RareParts>>,
}

// An `Arc<Column>` (two counters and the column) fits mimalloc's 128-byte size class: a
// long history's catalog holds one a column.
const _: () = assert!(std::mem::size_of::<Column>() + 16 <= 128);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct RareParts {
    type_schema: Option<String>,
    identity: Option<String>,
    generated: Option<String>,
}

impl Column {
    pub fn new(name: &str, ty: ColumnType, not_null: bool, default: Option<String>) -> Self {
        Column {
            name: name.into(),
            ty,
            not_null,
            default,
            rare: None,
        }
    }

    /// The schema of the column's type when it is a type of a schema other than `public`
    /// (`registry.mood`, written so or found through the search path).
    pub fn type_schema(&self) -> Option<&str> {
        self.rare.as_ref()?.type_schema.as_deref()
    }

    /// `ALWAYS` or `BY DEFAULT` for an identity column.
    pub fn identity(&self) -> Option<&str> {
        self.rare.as_ref()?.identity.as_deref()
    }

    /// The expression of a stored generated column.
    pub fn generated(&self) -> Option<&str> {
        self.rare.as_ref()?.generated.as_deref()
    }

    pub fn set_type_schema(&mut self, schema: Option<String>) {
        self.change_rare(|rare| rare.type_schema = schema);
    }

    pub fn set_identity(&mut self, kind: Option<String>) {
        self.change_rare(|rare| rare.identity = kind);
    }

    pub fn set_generated(&mut self, expression: Option<String>) {
        self.change_rare(|rare| rare.generated = expression);
    }

    fn change_rare(&mut self, change: impl FnOnce(&mut RareParts)) {
        let mut rare = self.rare.take().map(|rare| *rare).unwrap_or_default();
        change(&mut rare);
        self.rare = (rare != RareParts::default()).then(|| Box::new(rare));
    }

    /// The column's type as SQL, qualified when its schema is not `public`.
    pub fn type_sql(&self) -> String {
        match self.type_schema() {
            Some(schema) => format!(
                "{}.{}",
                crate::parse::ident::quoted_ident(schema),
                ddl::type_sql(&self.ty)
            ),
            None => ddl::type_sql(&self.ty),
        }
    }
}

/// By name and type name only, which tell most columns apart: the catalog's pool of
/// columns ([`Hints::columns`]) hashes every column a replay adds, and equality checks the
/// rest.
impl Hash for Column {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.ty.name.hash(state);
    }
}

/// A column in JSON: its type as SQL ([`Column::type_sql`]).
impl Serialize for Column {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut column = s.serialize_struct("Column", 6)?;
        column.serialize_field("name", &self.name)?;
        column.serialize_field("ty", &self.type_sql())?;
        column.serialize_field("not_null", &self.not_null)?;
        column.serialize_field("default", &self.default)?;
        column.serialize_field("identity", &self.identity())?;
        column.serialize_field("generated", &self.generated())?;
        column.end()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintKind {
    PrimaryKey,
    Unique,
    ForeignKey,
    Check,
    Exclusion,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Constraint {
    pub name: String,
    pub kind: ConstraintKind,
    pub columns: Vec<String>,
    /// The definition as SQL after `CONSTRAINT name` (`CHECK (total >= 0)`).
    pub definition: String,
    /// False for a constraint added NOT VALID and not validated since.
    pub validated: bool,
    /// A foreign key's referenced table. Boxed: most constraints are not foreign keys, and
    /// a long history's catalog holds every constraint (128 bytes with its `Arc`, not 176).
    pub references: Option<Box<Key>>,
    /// The column a `CHECK (col IS NOT NULL)` proves NOT NULL.
    pub not_null_of: Option<String>,
}

const _: () = assert!(std::mem::size_of::<Constraint>() + 16 <= 128);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Index {
    pub table: Key,
    pub unique: bool,
    pub method: Name,
    /// Key columns or parenthesised expressions, with ordering, as SQL. Inline names: a
    /// long history's catalog holds every index.
    pub keys: Vec<Name>,
    /// The plain columns the index depends on (keys, INCLUDE, predicate not counted).
    pub columns: Vec<Name>,
    pub include: Vec<String>,
    pub predicate: Option<String>,
    /// False for an index created `ON ONLY` a partitioned table (until its partitions'
    /// indexes are attached).
    pub valid: bool,
    /// Built with CONCURRENTLY.
    pub concurrently: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Sequence {
    /// `OWNED BY` table and column (serial columns).
    pub owned_by: Option<(Key, String)>,
    pub data_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct View {
    pub definition: String,
    pub materialized: bool,
}

/// What replaying one statement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replayed {
    /// The statement is one the catalog models (whether or not it changed anything).
    Modelled,
    /// Session and transaction control: nothing to model.
    Control,
    /// Not modelled (functions, triggers, data changes, ...).
    Opaque,
}

/// A relation of the catalog named as a migration names one: a table of the default schema
/// unqualified.
fn named((schema, name): &Key) -> Relation {
    let schema = Some(schema.as_str()).filter(|s| *s != "public");
    Relation::new(schema, name)
}

impl Catalog {
    /// Replays one parsed statement.
    pub fn apply(&mut self, node: &NodeEnum) -> Replayed {
        let replayed = apply::apply(self, node);
        if replayed == Replayed::Opaque {
            self.opaque += 1;
        }
        self.hint_when_grown();
        replayed
    }

    /// Replays every statement of a SQL text, one migration (statements that do not
    /// parse are skipped); the search path it sets ends with it.
    pub fn apply_sql(&mut self, sql: &str) {
        for statement in crate::parse::parse_sql(sql).statements {
            self.apply(&statement.node);
        }
        self.end_session();
    }

    /// What the statement contradicts in the catalog as it is before it runs: renaming or
    /// dropping something known not to exist, creating something that already exists.
    /// Only what the catalog knows counts: an object it never saw is not reported.
    /// Forgets what is known about the objects called `names` (tables, indexes, types,
    /// sequences, views, and that they were dropped): an operation that could not be
    /// rendered may have changed them, so they are unknown from here on, not wrong.
    pub fn forget(&mut self, names: &NameSet) {
        if names.is_empty() {
            return;
        }
        let named = |key: &Key| names.contains(&key.1);
        self.tables.retain(|k, _| !named(k));
        // A forgotten table's indexes go with it (a later DROP TABLE must not leave them).
        self.indexes.retain(|k, i| !named(k) && !named(&i.table));
        self.enums.retain(|k, _| !named(k));
        self.sequences.retain(|k, _| !named(k));
        self.views.retain(|k, _| !named(k));
        self.gone.retain(|k| !named(k));
    }

    pub fn contradictions(&self, node: &NodeEnum) -> Vec<String> {
        check::contradictions(self, node)
    }

    /// The key of a relation the facts name, found as PostgreSQL finds it.
    pub fn key_of(&self, relation: &Relation) -> Key {
        self.found(
            relation.schema.as_deref().unwrap_or_default(),
            &relation.name,
        )
    }

    pub fn table(&self, relation: &Relation) -> Option<&Table> {
        self.tables.get(&self.key_of(relation)).map(|t| &**t)
    }

    pub fn column(&self, relation: &Relation, column: &str) -> Option<&Column> {
        self.table(relation)?
            .columns
            .iter()
            .find(|c| c.name == column)
            .map(|c| &**c)
    }

    pub fn column_type(&self, relation: &Relation, column: &str) -> Option<ColumnType> {
        self.column(relation, column).map(|c| c.ty.clone())
    }

    /// A validated `CHECK (column IS NOT NULL)` on the table.
    pub fn has_validated_not_null_check(&self, relation: &Relation, column: &str) -> bool {
        self.table(relation).is_some_and(|t| {
            t.constraints
                .iter()
                .any(|c| c.validated && c.not_null_of.as_deref() == Some(column))
        })
    }

    /// A foreign key's referenced table, as the earlier migrations defined the constraint.
    pub fn foreign_key_target(&self, relation: &Relation, constraint: &str) -> Option<Relation> {
        let table = self.table(relation)?;
        let found = table.constraints.iter().find(|c| c.name == constraint)?;
        found.references.as_deref().map(named)
    }

    /// The table an index of the schema is on, named as a migration names it (see
    /// [`Self::index_table`]).
    pub fn index_table_name(&self, index: &Relation) -> Option<Relation> {
        let index = self.indexes.get(&self.key_of(index))?;
        self.tables
            .contains_key(&index.table)
            .then(|| named(&index.table))
    }

    /// The table an index of the schema is on (an index of earlier migrations, or of the
    /// file's earlier statements).
    pub fn index_table(&self, index: &Relation) -> Option<&Table> {
        let index = self.indexes.get(&self.key_of(index))?;
        self.tables.get(&index.table).map(|t| &**t)
    }

    pub fn is_partitioned(&self, relation: &Relation) -> bool {
        self.table(relation)
            .is_some_and(|t| t.partition_by.is_some())
    }

    /// The partitions of a partitioned table, in name order.
    pub fn partitions(&self, relation: &Relation) -> Vec<&Key> {
        let parent = self.key_of(relation);
        let partition = |t: &Arc<Table>| t.partition_of.as_ref().is_some_and(|(p, _)| *p == parent);
        let candidates = self.candidates(&self.hints.dependents, &self.tables, &parent, partition);
        (candidates.iter())
            .filter_map(|k| self.tables.get_key_value(k))
            .map(|(k, _)| k)
            .collect()
    }

    /// The keys of `map` hinted under `on` (or in a scanning copy, any) whose entry `keep`
    /// keeps, in order (a snapshot: the caller may change the catalog while it visits
    /// them).
    fn candidates<K: Borrow<Q> + Hash + Eq, Q: Hash + Eq + ?Sized, V>(
        &self,
        hints: &FastMap<K, KeySet>,
        map: &KeyMap<V>,
        on: &Q,
        keep: impl Fn(&V) -> bool,
    ) -> Vec<Key> {
        if self.hints.scan {
            let mut keys: Vec<Key> = (map.iter_any_order())
                .filter(|(_, v)| keep(v))
                .map(|(k, _)| k.clone())
                .collect();
            keys.sort_unstable();
            return keys;
        }
        (hints.get(on).into_iter().flat_map(KeySet::iter))
            .filter(|k| map.get(k).is_some_and(&keep))
            .cloned()
            .collect()
    }

    /// `column` as the catalog keeps it: shared with every equal column once the catalog
    /// is big ([`Hints::columns`]).
    fn shared_column(&mut self, column: Column) -> Arc<Column> {
        if self.hints.scan || self.tables.len() < SHARED_COLUMNS_FROM {
            return Arc::new(column);
        }
        let pool = &mut self.hints.columns;
        if let Some(shared) = pool.get(&column) {
            return shared.clone();
        }
        let shared = Arc::new(column);
        pool.insert(shared.clone());
        shared
    }

    /// Notes that the relation or type `key` no longer exists (dropped or renamed away).
    fn mark_gone(&mut self, key: Key) {
        self.hints.name(&key);
        self.gone.insert(key);
    }

    /// The indexes on a table or materialized view.
    fn indexes_on(&self, table: &Key) -> Vec<Key> {
        let on_table = |i: &Arc<Index>| i.table == *table;
        self.candidates(&self.hints.indexes_on, &self.indexes, table, on_table)
    }

    /// The tables that may reference the table or be its partitions (the caller checks
    /// which).
    fn dependents(&self, table: &Key) -> Vec<Key> {
        self.candidates(&self.hints.dependents, &self.tables, table, |_| true)
    }

    /// The sequences the table owns.
    fn owned_sequences(&self, table: &Key) -> Vec<Key> {
        let owned = |s: &Arc<Sequence>| s.owned_by.as_ref().is_some_and(|o| o.0 == *table);
        self.candidates(&self.hints.owned_sequences, &self.sequences, table, owned)
    }

    /// The tables with a constraint of that name.
    fn constraint_tables(&self, name: &str) -> Vec<Key> {
        let has = |t: &Arc<Table>| t.constraints.iter().any(|c| c.name == name);
        self.candidates(&self.hints.constraint_tables, &self.tables, name, has)
    }

    /// An index by name, looked up like PostgreSQL does with the schema given (or in
    /// `public`).
    pub fn index(&self, schema: Option<&str>, name: &str) -> Option<&Index> {
        let key = (schema.unwrap_or("public").into(), name.into());
        self.indexes.get(&key).map(Arc::as_ref)
    }

    /// A copy holding only the objects whose (bare) name is in `names`, with what hangs
    /// off them (an index's table, a partition's parent, a serial column's sequence; a
    /// table's other indexes only when named, since copying every index of a hot table
    /// for every migration was the replay's main cost): what one
    /// migration that names those objects needs to see. Everything it does not hold is
    /// unknown, not absent (`gone` is kept for the same names).
    pub fn subset(&self, names: &NameSet) -> Catalog {
        self.subset_with(names, false)
    }

    /// [`Catalog::subset`], with every index of the tables kept when `table_indexes`
    /// (comparing schemas needs them: a dropped column takes its indexes along).
    pub fn subset_with(&self, names: &NameSet, table_indexes: bool) -> Catalog {
        // Looked up by name rather than scanning the catalog: a migration names a few
        // dozen words, a long history holds thousands of objects. Only in the schemas the
        // migration names (unqualified names are `public`'s: keys.rs), not in every schema
        // the history created: that product grew with the history, quadratic over a directory.
        let objects: Vec<&Name> = (names.iter())
            .filter(|n| self.hints.scan || self.hints.names.contains(*n))
            .collect();
        // The schemas it names, looked up from the smaller side (a few dozen words, and
        // a few schemas or thousands of them).
        let named: Vec<&str> = if self.schemas.len() <= names.len() {
            (self.schemas.iter())
                .filter(|schema| names.contains(schema.as_str()))
                .map(String::as_str)
                .collect()
        } else {
            (names.iter())
                .filter(|name| self.schemas.contains(name.as_str()))
                .map(Name::as_str)
                .collect()
        };
        let keys: Vec<Key> = named
            .into_iter()
            .chain(["public"])
            .flat_map(|schema| objects.iter().map(move |n| (schema.into(), (*n).clone())))
            .collect();
        let pick = |map_has: &dyn Fn(&Key) -> bool| -> Vec<Key> {
            keys.iter().filter(|k| map_has(k)).cloned().collect()
        };
        let mut tables: BTreeSet<Key> =
            pick(&|k| self.tables.contains_key(k)).into_iter().collect();
        for k in pick(&|k| self.indexes.contains_key(k)) {
            tables.insert(self.indexes[&k].table.clone());
        }
        for k in tables.clone() {
            if let Some((parent, _)) = self.tables.get(&k).and_then(|t| t.partition_of.as_ref()) {
                tables.insert(parent.clone());
            }
        }
        let partitioned = tables
            .iter()
            .any(|k| self.tables.get(k).is_some_and(|t| t.partition_by.is_some()));
        if partitioned {
            // A partitioned table's partitions too (index plans name them).
            for parent in tables.clone() {
                for k in self.dependents(&parent) {
                    let t = &self.tables[&k];
                    if t.partition_of.as_ref().is_some_and(|(p, _)| *p == parent) {
                        tables.insert(k);
                    }
                }
            }
        }
        let mut indexes: KeyMap<Arc<Index>> = KeyMap::new();
        for k in pick(&|k| self.indexes.contains_key(k)) {
            indexes.insert(k.clone(), self.indexes[&k].clone());
        }
        if table_indexes {
            for table in &tables {
                for k in self.indexes_on(table) {
                    indexes.insert(k.clone(), self.indexes[&k].clone());
                }
            }
        }
        let mut sequences: KeyMap<Arc<Sequence>> = pick(&|k| self.sequences.contains_key(k))
            .into_iter()
            .map(|k| {
                let s = self.sequences[&k].clone();
                (k, s)
            })
            .collect();
        for table in &tables {
            for k in self.owned_sequences(table) {
                let s = self.sequences[&k].clone();
                sequences.insert(k, s);
            }
        }
        Catalog {
            schemas: self.schemas.clone(),
            tables: tables
                .iter()
                .filter_map(|k| self.tables.get(k).map(|t| (k.clone(), t.clone())))
                .collect(),
            indexes,
            enums: pick(&|k| self.enums.contains_key(k))
                .into_iter()
                .map(|k| {
                    let v = self.enums[&k].clone();
                    (k, v)
                })
                .collect(),
            sequences,
            views: pick(&|k| self.views.contains_key(k))
                .into_iter()
                .map(|k| {
                    let v = self.views[&k].clone();
                    (k, v)
                })
                .collect(),
            gone: pick(&|k| self.gone.contains(k)).into_iter().collect(),
            opaque: 0,
            hints: Hints::scanning(),
            search_path: SearchPath::default(),
        }
    }

    /// The hints cover what the catalog holds (checked after every replay in the tests).
    #[cfg(test)]
    fn hints_cover_the_catalog(&self) -> bool {
        let hinted = |map: &FastMap<Key, KeySet>, on: &Key, key: &Key| {
            map.get(on).is_some_and(|keys| keys.contains(key))
        };
        let h = &self.hints;
        let named = |k: &Key| h.names.contains(&k.1);
        let keys = (self.tables.keys()).chain(self.indexes.keys());
        let keys = keys.chain(self.enums.keys()).chain(self.sequences.keys());
        let mut keys = keys.chain(self.views.keys()).chain(&self.gone);
        h.scan
            || keys.all(named)
                && self.tables.iter().all(|(k, t)| {
                    t.constraints.iter().all(|c| {
                        h.constraint_tables
                            .get(&c.name)
                            .is_some_and(|t| t.contains(k))
                            && c.references
                                .as_deref()
                                .is_none_or(|r| hinted(&h.dependents, r, k))
                    }) && (t.partition_of.as_ref()).is_none_or(|(p, _)| hinted(&h.dependents, p, k))
                })
                && (self.indexes.iter()).all(|(k, i)| hinted(&h.indexes_on, &i.table, k))
                && self.sequences.iter().all(|(k, s)| match &s.owned_by {
                    Some((table, _)) => hinted(&h.owned_sequences, table, k),
                    None => true,
                })
    }

    /// A copy made by [`Catalog::subset`] has no lookup hints, and scans: a migration is
    /// linted on one, and most hold a few dozen objects, which scanning visits faster than
    /// hints are built. One that grows past [`SCANNED_AT_MOST`] objects (a file that
    /// builds thousands of its own, where each rename or drop would scan them all) is
    /// hinted from then on.
    fn hint_when_grown(&mut self) {
        let held = self.tables.len() + self.indexes.len() + self.sequences.len();
        let held = held + self.enums.len() + self.views.len() + self.gone.len();
        if self.hints.scan && held > SCANNED_AT_MOST {
            self.hints.scan = false;
            self.rebuild_hints();
        }
    }

    /// Hints built afresh from what the catalog holds (after a schema is renamed, which
    /// moves every key in it).
    fn rebuild_hints(&mut self) {
        let mut hints = Hints {
            scan: self.hints.scan,
            // Keys name no column: the columns stay shared as they were.
            columns: std::mem::take(&mut self.hints.columns),
            ..Hints::default()
        };
        for (k, t) in &self.tables {
            hints.table(k, t);
        }
        for (k, i) in &self.indexes {
            hints.index(k, i);
        }
        for (k, s) in &self.sequences {
            hints.sequence(k, s);
        }
        for k in (self.enums.keys())
            .chain(self.views.keys())
            .chain(&self.gone)
        {
            hints.name(k);
        }
        self.hints = hints;
    }

    /// Objects in the catalog (schemas, tables, columns, constraints, indexes, types,
    /// sequences, views): a size for messages and measurements.
    pub fn object_count(&self) -> usize {
        self.schemas.len()
            + self
                .tables
                .values()
                .map(|t| 1 + t.columns.len() + t.constraints.len())
                .sum::<usize>()
            + self.indexes.len()
            + self.enums.len()
            + self.sequences.len()
            + self.views.len()
    }
}

/// Every word of a migration's SQL that could name an object (what [`Catalog::subset`]
/// keeps for it): a superset of the names its statements use, found without walking every
/// kind of parse tree. A word is a run of alphanumeric characters, `_` and `$`; each is
/// kept as written and, when it has capitals or is not ASCII, lower-cased too.
pub fn mentioned_names(sql: &str, out: &mut NameSet) {
    // About one new word per 16 bytes of a typical migration: grown once or twice, not
    // rehashed from a few slots up (a big file's words repeat: it grows as it needs).
    out.reserve((sql.len() / 16).min(4096));
    words(sql, |word| {
        // Most words repeat (keywords, column names): allocate only for new ones.
        if !out.contains(word) {
            out.insert(word.into());
        }
    });
}

impl Catalog {
    /// The words of [`mentioned_names`] that [`Catalog::subset`] keeps something for:
    /// the names of its objects and schemas (every word while its hints scan). Most words
    /// of a migration name neither, and looking them up costs less than keeping them.
    pub fn mentioned_names(&self, sql: &str, out: &mut NameSet) {
        if self.hints.scan {
            return mentioned_names(sql, out);
        }
        words(sql, |word| {
            let names = self.hints.names.contains(word) || self.schemas.contains(word);
            if names && !out.contains(word) {
                out.insert(word.into());
            }
        });
    }
}

/// Each word of [`mentioned_names`], and its lower-case form when it differs.
fn words(sql: &str, mut each: impl FnMut(&str)) {
    // A byte at a time with a table for ASCII (most of SQL), a character at a time only
    // past it: half the instructions of splitting on a `char` predicate. The hashing
    // in `each` is most of what is left.
    let bytes = sql.as_bytes();
    // A word's lower-case form is built here, not in a new string per word: most words
    // with capitals are keywords seen before (`CREATE`, `NOT NULL`).
    let mut lower = String::new();
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let (mut upper, mut ascii) = (false, true);
        while let Some(&b) = bytes.get(at) {
            if b < 0x80 {
                if !WORD_BYTE[b as usize] {
                    break;
                }
                upper |= b.is_ascii_uppercase();
                at += 1;
            } else {
                let c = sql[at..].chars().next().expect("at a character boundary");
                if !c.is_alphanumeric() {
                    break;
                }
                ascii = false;
                at += c.len_utf8();
            }
        }
        if at == start {
            // Not a word character: skip it whole (it may be several bytes long).
            at += sql[at..].chars().next().map_or(1, char::len_utf8);
            continue;
        }
        let word = &sql[start..at];
        each(word);
        if upper || !ascii {
            lower.clear();
            match ascii {
                true => {
                    lower.push_str(word);
                    lower.make_ascii_lowercase();
                }
                false => lower.push_str(&word.to_lowercase()),
            }
            each(&lower);
        }
    }
}

/// ASCII bytes that belong to a word of [`mentioned_names`].
const WORD_BYTE: [bool; 128] = {
    let mut table = [false; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_' || c == b'$';
        b += 1;
    }
    table
};

#[cfg(test)]
mod tests;
