//! Helpers shared by the replay's handlers: the strings of a name list, which
//! constraints own an index. (A name's key is the catalog's to say: the search path.)

use pg_query::{Node, NodeEnum};

use super::ConstraintKind;

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
