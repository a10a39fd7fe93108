//! Helpers shared by the replay's handlers: the strings of a name list, which
//! constraints own an index. (A name's key is the catalog's to say: the search path.)

use pg_query::{Node, NodeEnum};

use super::ConstraintKind;

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
