//! Helpers shared by the replay's handlers: the strings of a name list, which
//! constraints own an index, whether a relation's name is taken. (A name's key is the
//! catalog's to say: the search path.)

use pg_query::{Node, NodeEnum};

use super::{Catalog, ConstraintKind, Key};

/// The strings of a name list (a constraint's columns), sized to the list: `collect`
/// through a filter would start at four, and a catalog keeps every constraint's list.
pub fn strings(nodes: &[Node]) -> Vec<String> {
    let mut strings = Vec::with_capacity(nodes.len());
    for node in nodes {
        if let Some(NodeEnum::String(s)) = &node.node {
            strings.push(s.sval.clone());
        }
    }
    strings
}

/// Whether a constraint of this kind owns an index (primary key, unique, exclusion).
pub fn has_index(kind: ConstraintKind) -> bool {
    matches!(
        kind,
        ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion
    )
}

/// A table, index, sequence or view of that name exists (they share one namespace).
pub fn relation_exists(catalog: &Catalog, key: &Key) -> bool {
    catalog.tables.contains_key(key)
        || catalog.indexes.contains_key(key)
        || catalog.sequences.contains_key(key)
        || catalog.views.contains_key(key)
        || constraint_index_exists(catalog, key)
}

/// A primary key, unique or exclusion constraint's index of that name.
fn constraint_index_exists(catalog: &Catalog, key: &Key) -> bool {
    let tables = catalog.constraint_tables(&key.1);
    tables.iter().filter(|k| k.0 == key.0).any(|k| {
        let constraints = &catalog.tables[k].constraints;
        constraints
            .iter()
            .any(|c| c.name == key.1 && has_index(c.kind))
    })
}
