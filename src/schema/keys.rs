//! Keys shared by the replay's handlers: a RangeVar or a qualified name list
//! as a catalog key, which constraints own an index.

use pg_query::protobuf::RangeVar;
use pg_query::{Node, NodeEnum};

use super::{ConstraintKind, Key};

pub fn rel_key(rv: &RangeVar) -> Key {
    let schema = if rv.schemaname.is_empty() {
        "public"
    } else {
        &rv.schemaname
    };
    (schema.to_string(), rv.relname.clone())
}

/// `["s", "t"]` (a qualified name as a list of String nodes) as a key.
pub fn list_key(names: &[Node]) -> Option<Key> {
    let parts: Vec<String> = strings(names);
    match parts.as_slice() {
        [name] => Some(("public".into(), name.clone())),
        [.., schema, name] => Some((schema.clone(), name.clone())),
        [] => None,
    }
}

pub fn strings(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
        .collect()
}

/// An expression as SQL, printed by PostgreSQL's own deparser.
pub fn has_index(kind: ConstraintKind) -> bool {
    matches!(
        kind,
        ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion
    )
}
