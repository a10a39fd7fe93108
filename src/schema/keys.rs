//! Helpers shared by the replay's handlers: the strings of a name list, which
//! constraints own an index. (A name's key is the catalog's to say: the search path.)

use pg_query::{Node, NodeEnum};

use super::ConstraintKind;

/// Sized to the list: `collect` through a filter would start at four, and a catalog keeps
/// the list of every constraint.
pub fn strings(nodes: &[Node]) -> Vec<String> {
    let mut strings = Vec::with_capacity(nodes.len());
    for node in nodes {
        if let Some(NodeEnum::String(s)) = &node.node {
            strings.push(s.sval.clone());
        }
    }
    strings
}

/// An expression as SQL, printed by PostgreSQL's own deparser.
pub fn has_index(kind: ConstraintKind) -> bool {
    matches!(
        kind,
        ConstraintKind::PrimaryKey | ConstraintKind::Unique | ConstraintKind::Exclusion
    )
}
