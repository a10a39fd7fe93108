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
        // Looked up by name in every schema rather than scanning the catalog: a migration
        // names a few dozen words, a long history holds thousands of objects.
        let keys: Vec<Key> = self
            .schemas
            .iter()
            .map(String::as_str)
            .chain(["public"])
            .flat_map(|schema| names.iter().map(move |n| (schema.to_string(), n.clone())))
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
        for k in pick(&|k| self.indexes.contains_key(k)) {
            indexes.insert(k.clone(), self.indexes[&k].clone());
        }
        if table_indexes && !tables.is_empty() {
            for (k, i) in &self.indexes {
                if tables.contains(&i.table) {
                    indexes.insert(k.clone(), i.clone());
                }
            }
        }
        let mut sequences: BTreeMap<Key, Sequence> = pick(&|k| self.sequences.contains_key(k))
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
        }
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
