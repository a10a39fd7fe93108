//! The Alembic revision graph: which revision follows which, what is broken about the
//! graph, the order revisions apply in, and the revisions a `--from X --to Y` range covers.
//!
//! Input is one [`RevisionNode`] per revision file, as read statically from its
//! `revision`, `down_revision`, `branch_labels` and `depends_on` variables. Nothing here
//! touches the file system or Python.
//!
//! # Semantics, and where they simplify Alembic's
//!
//! - **Edges.** `down_revision` and `depends_on` both mean "applies after"; ancestors,
//!   descendants and the topological order follow both. Heads, bases and branch labels
//!   follow `down_revision` only, as in Alembic: a revision that others merely
//!   `depends_on` is still a head. `depends_on` may name a revision id or a branch label
//!   (the revision declaring the label), never a prefix.
//! - **Order.** Kahn's algorithm with a stack: a revision is emitted once all its parents
//!   and dependencies are; ties (several bases, branch points) go to the smallest revision
//!   id, and a branch is followed to its end before the next one starts, so branches stay
//!   together as in Alembic's own ordering. Alembic breaks ties by file load order (which
//!   depends on the file system); ours depends only on the ids and file names. Time is
//!   O(N + E) plus sorting. Revisions on or downstream of a cycle are appended after the
//!   rest, strongly connected component by component (parents first, members by id).
//! - **Duplicates.** When two files declare the same id, the file whose path sorts first
//!   is the revision the id names; the other is still ordered (after its parents) and
//!   reported, but nothing can reach it by id.
//! - **Multiple heads.** Reported unless every head carries a branch label no other head
//!   carries: independent labelled branches (`label@head`) are a deliberate Alembic
//!   layout, not a forgotten merge. Labels propagate to descendants as in Alembic.
//! - **Resolution** ([`RevisionGraph::resolve`]): `base`, `head` (exactly one head),
//!   `heads`, a full revision id, a branch label (the revision that declares it), a unique
//!   prefix of at least one character (ambiguous → error listing the candidates), and
//!   `label@X` where X is `head`, `heads`, `base`, an id or a prefix restricted to that
//!   branch; `rev@head` / `rev@heads` is the head(s) descending from a revision. Relative forms `X+N`, `X-N`, `label@+N`, `+N`, `-N`: N steps along
//!   `down_revision` edges; a step with several choices is an error naming them, except
//!   `-1` from a merge point, which gives all its parents. A bare `+N` counts from the
//!   range's start (base when there is none) and a bare `-N` from the range's start (the
//!   single head when there is none), which is what offline `alembic upgrade X:+N --sql`
//!   does, since offline mode has no database to ask for the current revision.
//!   `label@base` is the state just before the branch's first revision: that revision's
//!   `down_revision`s, or base when it has none; downgrading to it from `heads` therefore
//!   removes everything above that state, not only the branch (pass `label@head` as the
//!   start to confine it).
//! - **Ranges.** An upgrade applies every ancestor of the target (dependencies included)
//!   that is not an ancestor of the start, in topological order, a merge once. A downgrade
//!   removes the descendants of the target that are ancestors of the start, heads first;
//!   revisions on other branches stay. A target entirely at or below the start (upgrade)
//!   or not below it (downgrade) is an error, as in Alembic.
//!
//! # Where things are
//!
//! This file holds the public types and [`build`]; each concern has its own file:
//! `build.rs` (ids, labels, edges, order, carried labels), `problems.rs` (validation),
//! `order.rs` (topological order, strongly connected components, closures),
//! `resolve.rs` (revision specs), `path.rs` (upgrade/downgrade ranges) and `names.rs`
//! (edit distance, "did you mean").

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

mod build;
mod names;
mod order;
mod path;
mod problems;
mod resolve;

/// One revision file, as read from its module-level variables. Lines are 1-based in the
/// `.py` file; 0 means unknown. `depends_on` problems are reported at
/// `down_revision_line`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevisionNode {
    pub file: PathBuf,
    pub revision: Option<String>,
    pub down_revision: Vec<String>,
    pub branch_labels: Vec<String>,
    pub depends_on: Vec<String>,
    pub message: Option<String>,
    pub revision_line: usize,
    pub down_revision_line: usize,
}

impl RevisionNode {
    /// `abc123 (versions/abc123_add_x.py)`, how messages name a revision.
    fn describe(&self) -> String {
        format!(
            "{} ({})",
            self.revision.as_deref().unwrap_or("<no revision>"),
            self.file.display()
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GraphProblemKind {
    /// More than one head: `alembic upgrade head` fails until they are merged.
    MultipleHeads,
    /// A revision alembic cannot load or place: no `revision`, a duplicate id, a
    /// `down_revision`/`depends_on` naming nothing, a duplicate branch label, a cycle.
    BrokenRevision,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphProblem {
    pub kind: GraphProblemKind,
    pub file: PathBuf,
    /// 1-based line in `file`.
    pub line: usize,
    pub message: String,
}

/// What a revision spec names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Before the first revision.
    Base,
    /// One or more revision ids (several for `heads`, or `-1` from a merge point), in
    /// topological order.
    Revisions(Vec<String>),
}

/// A revision spec that names nothing, or more than one thing where one was needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError {
    /// The spec as given.
    pub spec: String,
    /// Lowercase, no trailing period; names the candidates when there are any.
    pub message: String,
    /// Revision ids or branch labels the user may have meant, best first.
    pub candidates: Vec<String>,
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ResolveError {}

#[derive(Debug, Clone)]
pub struct RevisionGraph {
    nodes: Vec<RevisionNode>,
    /// Revision id → the node it names (the first file when duplicated).
    by_id: HashMap<String, usize>,
    /// Branch label → index into `labels`.
    label_ids: HashMap<String, usize>,
    labels: Vec<Label>,
    /// `down_revision` parents, resolved (unknown ids dropped), deduplicated, by rank.
    down_parents: Vec<Vec<usize>>,
    /// Reverse of `down_parents`.
    down_children: Vec<Vec<usize>>,
    /// Parents and dependencies: everything that must apply first.
    up: Vec<Vec<usize>>,
    /// Reverse of `up`.
    children: Vec<Vec<usize>>,
    /// Position of each node in the tie-break order (revision id, then file).
    rank: Vec<usize>,
    order: Vec<usize>,
    position: Vec<usize>,
    heads: Vec<usize>,
    /// Labels each node carries (declared on it or on a `down_revision` ancestor),
    /// sorted indices into `labels`.
    carried: Vec<Vec<usize>>,
    problems: Vec<GraphProblem>,
}

#[derive(Debug, Clone)]
struct Label {
    name: String,
    /// The node declaring it (the first, when several do).
    declared_by: usize,
}

/// Builds the graph and collects its problems. Never fails: a broken graph is still
/// ordered, and what is broken is in [`RevisionGraph::problems`].
pub fn build(nodes: Vec<RevisionNode>) -> RevisionGraph {
    RevisionGraph::from_nodes(nodes)
}

impl RevisionGraph {
    /// All nodes, in the order given to [`build`].
    pub fn nodes(&self) -> &[RevisionNode] {
        &self.nodes
    }

    /// The node a full revision id names.
    pub fn get(&self, revision: &str) -> Option<&RevisionNode> {
        self.by_id.get(revision).map(|&i| &self.nodes[i])
    }

    /// Revisions nothing names as `down_revision`, by revision id.
    pub fn heads(&self) -> Vec<&RevisionNode> {
        self.heads.iter().map(|&i| &self.nodes[i]).collect()
    }

    /// Revisions with no `down_revision`, by revision id.
    pub fn bases(&self) -> Vec<&RevisionNode> {
        self.bases_idx()
            .into_iter()
            .map(|i| &self.nodes[i])
            .collect()
    }

    /// The branch labels a revision carries: its own and those of its `down_revision`
    /// ancestors, sorted.
    pub fn branches_of(&self, revision: &str) -> Vec<&str> {
        let Some(&i) = self.by_id.get(revision) else {
            return Vec::new();
        };
        let mut names: Vec<&str> = self.carried[i]
            .iter()
            .map(|&l| self.labels[l].name.as_str())
            .collect();
        names.sort_unstable();
        names
    }

    /// Every revision that must be applied before `revision` (its `down_revision`
    /// ancestors and their dependencies, transitively), not itself; empty when the id is
    /// unknown.
    pub fn ancestors(&self, revision: &str) -> Vec<&RevisionNode> {
        let Some(&start) = self.by_id.get(revision) else {
            return Vec::new();
        };
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = self.up[start].clone();
        while let Some(i) = stack.pop() {
            if !std::mem::replace(&mut seen[i], true) {
                stack.extend(&self.up[i]);
            }
        }
        // A cycle through `revision` does not make it its own ancestor.
        seen[start] = false;
        (0..self.nodes.len())
            .filter(|&i| seen[i])
            .map(|i| &self.nodes[i])
            .collect()
    }

    fn bases_idx(&self) -> Vec<usize> {
        let mut bases: Vec<usize> = self
            .by_id
            .values()
            .copied()
            .filter(|&i| self.nodes[i].down_revision.is_empty())
            .collect();
        bases.sort_unstable_by_key(|&i| self.rank[i]);
        bases
    }
}

#[cfg(test)]
mod tests;
