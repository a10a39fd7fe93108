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
pub mod ddl;
pub mod diff;
mod keys;
mod names;
mod rename_drop;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use pg_query::NodeEnum;
use serde::Serialize;

use crate::facts::Relation;
use crate::facts::types::ColumnType;

/// (schema, name); the schema is `public` when the SQL does not name one.
pub type Key = (String, String);

pub fn key_of(relation: &Relation) -> Key {
    relation.key()
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Catalog {
    pub schemas: BTreeSet<String>,
    /// Shared: each migration's narrowed copy of the catalog clones pointers, not columns
    /// (a table that every migration alters would make the copies quadratic).
    pub tables: BTreeMap<Key, Arc<Table>>,
    pub indexes: BTreeMap<Key, Index>,
    pub enums: BTreeMap<Key, Vec<String>>,
    pub sequences: BTreeMap<Key, Sequence>,
    pub views: BTreeMap<Key, View>,
    /// Relations and types known NOT to exist: dropped or renamed away during replay.
    #[serde(skip)]
    pub gone: BTreeSet<Key>,
    /// Statements replayed that the model does not represent.
    #[serde(skip)]
    pub opaque: usize,
    /// The names of the indexes constraints own, kept as the tables change.
    #[serde(skip)]
    constraint_indexes: ConstraintIndexes,
}

/// The indexes that primary key, unique and exclusion constraints own, by (schema, name),
/// counted: their names share the relations' namespace, and scanning every table's
/// constraints for a name made a long replay quadratic. Derived from `tables`, so it
/// takes no part in comparisons.
#[derive(Debug, Clone, Default)]
struct ConstraintIndexes(std::collections::HashMap<Key, usize>);

impl PartialEq for ConstraintIndexes {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Table {
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    /// `PARTITION BY` clause (`RANGE (created_at)`), for a partitioned table.
    pub partition_by: Option<String>,
    /// The parent and the bound (`FOR VALUES FROM (...) TO (...)`), for a partition.
    pub partition_of: Option<(Key, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub name: String,
    #[serde(serialize_with = "display")]
    pub ty: ColumnType,
    pub not_null: bool,
    pub default: Option<String>,
    /// `ALWAYS` or `BY DEFAULT` for an identity column.
    pub identity: Option<String>,
    /// The expression of a stored generated column.
    pub generated: Option<String>,
}

fn display<S: serde::Serializer>(ty: &ColumnType, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&ddl::type_sql(ty))
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
    /// A foreign key's referenced table.
    pub references: Option<Key>,
    /// The column a `CHECK (col IS NOT NULL)` proves NOT NULL.
    pub not_null_of: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Index {
    pub table: Key,
    pub unique: bool,
    pub method: String,
    /// Key columns or parenthesised expressions, with ordering, as SQL.
    pub keys: Vec<String>,
    /// The plain columns the index depends on (keys, INCLUDE, predicate not counted).
    pub columns: Vec<String>,
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

impl Catalog {
    /// Takes table `key`'s constraint indexes out of the name index, before the table
    /// changes ([`Catalog::index_constraints`] after).
    fn unindex_constraints(&mut self, key: &Key) {
        let Some(table) = self.tables.get(key) else {
            return;
        };
        for c in table.constraints.iter().filter(|c| keys::has_index(c.kind)) {
            let name = (key.0.clone(), c.name.clone());
            if let Some(count) = self.constraint_indexes.0.get_mut(&name) {
                *count -= 1;
                if *count == 0 {
                    self.constraint_indexes.0.remove(&name);
                }
            }
        }
    }

    /// Puts table `key`'s constraint indexes (back) into the name index.
    fn index_constraints(&mut self, key: &Key) {
        let Some(table) = self.tables.get(key) else {
            return;
        };
        for c in table.constraints.iter().filter(|c| keys::has_index(c.kind)) {
            *self
                .constraint_indexes
                .0
                .entry((key.0.clone(), c.name.clone()))
                .or_default() += 1;
        }
    }

    /// Runs a change to table `key` with its constraint indexes re-indexed around it.
    fn changing_table<R>(&mut self, key: &Key, change: impl FnOnce(&mut Catalog) -> R) -> R {
        self.unindex_constraints(key);
        let result = change(self);
        self.index_constraints(key);
        result
    }

    /// A primary key, unique or exclusion constraint owns an index of that name.
    fn constraint_index_exists(&self, key: &Key) -> bool {
        let found = self.constraint_indexes.0.contains_key(key);
        debug_assert_eq!(
            found,
            self.tables
                .iter()
                .filter(|(k, _)| k.0 == key.0)
                .flat_map(|(_, t)| &t.constraints)
                .any(|c| c.name == key.1 && keys::has_index(c.kind)),
            "constraint index of {key:?} out of step"
        );
        found
    }

    /// Replays one parsed statement.
    pub fn apply(&mut self, node: &NodeEnum) -> Replayed {
        let replayed = apply::apply(self, node);
        if replayed == Replayed::Opaque {
            self.opaque += 1;
        }
        replayed
    }

    /// Replays every statement of a SQL text (statements that do not parse are skipped).
    pub fn apply_sql(&mut self, sql: &str) {
        for statement in crate::parse::parse_sql(sql).statements {
            self.apply(&statement.node);
        }
    }

    /// What the statement contradicts in the catalog as it is before it runs: renaming or
    /// dropping something known not to exist, creating something that already exists.
    /// Only what the catalog knows counts: an object it never saw is not reported.
    pub fn contradictions(&self, node: &NodeEnum) -> Vec<String> {
        check::contradictions(self, node)
    }

    pub fn table(&self, relation: &Relation) -> Option<&Table> {
        self.tables.get(&key_of(relation)).map(|t| &**t)
    }

    pub fn column(&self, relation: &Relation, column: &str) -> Option<&Column> {
        self.table(relation)?
            .columns
            .iter()
            .find(|c| c.name == column)
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

    pub fn is_partitioned(&self, relation: &Relation) -> bool {
        self.table(relation)
            .is_some_and(|t| t.partition_by.is_some())
    }

    /// The partitions of a partitioned table, in name order.
    pub fn partitions(&self, relation: &Relation) -> Vec<&Key> {
        let parent = key_of(relation);
        self.tables
            .iter()
            .filter(|(_, t)| t.partition_of.as_ref().is_some_and(|(p, _)| *p == parent))
            .map(|(k, _)| k)
            .collect()
    }

    /// An index by name, looked up like PostgreSQL does with the schema given (or in
    /// `public`).
    pub fn index(&self, schema: Option<&str>, name: &str) -> Option<&Index> {
        self.indexes
            .get(&(schema.unwrap_or("public").to_string(), name.to_string()))
    }

    /// A copy holding only the objects whose (bare) name is in `names`, with what hangs
    /// off them (an index's table, a partition's parent, a serial column's sequence; a
    /// table's other indexes only when named, since copying every index of a hot table
    /// for every migration was the replay's main cost): what one
    /// migration that names those objects needs to see. Everything it does not hold is
    /// unknown, not absent (`gone` is kept for the same names).
    pub fn subset(&self, names: &HashSet<String>) -> Catalog {
        self.subset_with(names, false)
    }

    /// [`Catalog::subset`], with every index of the tables kept when `table_indexes`
    /// (comparing schemas needs them: a dropped column takes its indexes along).
    pub fn subset_with(&self, names: &HashSet<String>, table_indexes: bool) -> Catalog {
        // Per schema, whichever is shorter is walked: the schema's objects (tested against
        // the names) or the names (looked up): a migration names a few dozen words, a long
        // history holds thousands of objects in dozens of schemas.
        let schemas: Vec<&str> = self
            .schemas
            .iter()
            .map(String::as_str)
            .chain(["public"])
            .collect();
        let pick = |map: &dyn Keyed| -> Vec<Key> { named_keys(map, &schemas, names) };
        let mut tables: BTreeSet<Key> = pick(&self.tables).into_iter().collect();
        for k in pick(&self.indexes) {
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
            for (k, t) in &self.tables {
                if t.partition_of
                    .as_ref()
                    .is_some_and(|(p, _)| tables.contains(p))
                {
                    tables.insert(k.clone());
                }
            }
        }
        let mut indexes: BTreeMap<Key, Index> = BTreeMap::new();
        for k in pick(&self.indexes) {
            indexes.insert(k.clone(), self.indexes[&k].clone());
        }
        if table_indexes && !tables.is_empty() {
            for (k, i) in &self.indexes {
                if tables.contains(&i.table) {
                    indexes.insert(k.clone(), i.clone());
                }
            }
        }
        let mut sequences: BTreeMap<Key, Sequence> = pick(&self.sequences)
            .into_iter()
            .map(|k| {
                let s = self.sequences[&k].clone();
                (k, s)
            })
            .collect();
        if !tables.is_empty() {
            for (k, s) in &self.sequences {
                if s.owned_by.as_ref().is_some_and(|(t, _)| tables.contains(t)) {
                    sequences.insert(k.clone(), s.clone());
                }
            }
        }
        let mut subset = Catalog {
            schemas: self.schemas.clone(),
            tables: tables
                .iter()
                .filter_map(|k| self.tables.get(k).map(|t| (k.clone(), t.clone())))
                .collect(),
            indexes,
            enums: pick(&self.enums)
                .into_iter()
                .map(|k| {
                    let v = self.enums[&k].clone();
                    (k, v)
                })
                .collect(),
            sequences,
            views: pick(&self.views)
                .into_iter()
                .map(|k| {
                    let v = self.views[&k].clone();
                    (k, v)
                })
                .collect(),
            gone: pick(&self.gone).into_iter().collect(),
            opaque: 0,
            constraint_indexes: ConstraintIndexes::default(),
        };
        let keys: Vec<Key> = subset.tables.keys().cloned().collect();
        for key in &keys {
            subset.index_constraints(key);
        }
        subset
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

/// A catalog map's keys, by schema.
trait Keyed {
    fn has(&self, key: &Key) -> bool;
    /// The keys in `schema`, in order.
    fn in_schema<'a>(&'a self, schema: &str) -> Box<dyn Iterator<Item = &'a Key> + 'a>;
}

fn schema_start(schema: &str) -> std::ops::RangeFrom<Key> {
    (schema.to_string(), String::new())..
}

impl<V> Keyed for BTreeMap<Key, V> {
    fn has(&self, key: &Key) -> bool {
        self.contains_key(key)
    }
    fn in_schema<'a>(&'a self, schema: &str) -> Box<dyn Iterator<Item = &'a Key> + 'a> {
        let schema = schema.to_string();
        Box::new(
            self.range(schema_start(&schema))
                .map(|(k, _)| k)
                .take_while(move |k| k.0 == schema),
        )
    }
}

impl Keyed for BTreeSet<Key> {
    fn has(&self, key: &Key) -> bool {
        self.contains(key)
    }
    fn in_schema<'a>(&'a self, schema: &str) -> Box<dyn Iterator<Item = &'a Key> + 'a> {
        let schema = schema.to_string();
        Box::new(
            self.range(schema_start(&schema))
                .take_while(move |k| k.0 == schema),
        )
    }
}

/// The keys of `map` in one of `schemas` whose name is one of `names`.
fn named_keys(map: &dyn Keyed, schemas: &[&str], names: &HashSet<String>) -> Vec<Key> {
    let mut out = Vec::new();
    for schema in schemas {
        let mut objects = map.in_schema(schema);
        let few: Vec<&Key> = objects.by_ref().take(names.len() + 1).collect();
        if few.len() <= names.len() {
            out.extend(few.into_iter().filter(|k| names.contains(&k.1)).cloned());
        } else {
            let keys = names.iter().map(|n| (schema.to_string(), n.clone()));
            out.extend(keys.filter(|k| map.has(k)));
        }
    }
    out
}

/// Every word of a migration's SQL that could name an object (what [`Catalog::subset`]
/// keeps for it): a superset of the names its statements use, found without walking every
/// kind of parse tree.
pub fn mentioned_names(sql: &str, out: &mut HashSet<String>) {
    for word in sql.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$')) {
        if !word.is_empty() {
            out.insert(word.to_string());
            out.insert(word.to_lowercase());
        }
    }
}

#[cfg(test)]
mod tests;
