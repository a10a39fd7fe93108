//! Validation: what is wrong with a revision graph, as [`GraphProblem`]s: revisions
//! alembic cannot load or place (broken revisions, cycles) and unmerged heads.

use std::collections::HashMap;

use super::names::close_candidates;
use super::{GraphProblem, GraphProblemKind, RevisionGraph, RevisionNode};

impl RevisionGraph {
    /// Problems, sorted by file, line, kind and message.
    pub fn problems(&self) -> Vec<GraphProblem> {
        self.problems.clone()
    }

    /// Everything wrong with a graph [`RevisionGraph::from_nodes`] just built, given the
    /// cycles its ordering found; sorted by file, line, kind and message.
    pub(super) fn find_problems(&self, cycles: &[Vec<usize>]) -> Vec<GraphProblem> {
        let nodes = &self.nodes;
        let mut problems = Vec::new();

        // Ids: missing, or declared by a file whose path sorts first (which keeps the id).
        for (i, node) in nodes.iter().enumerate() {
            match &node.revision {
                None => problems.push(GraphProblem {
                    kind: GraphProblemKind::BrokenRevision,
                    file: node.file.clone(),
                    line: node.revision_line.max(1),
                    message: "revision file has no `revision` identifier; alembic cannot load it"
                        .into(),
                }),
                Some(id) => {
                    let first = self.by_id[id];
                    if first != i {
                        problems.push(GraphProblem {
                            kind: GraphProblemKind::BrokenRevision,
                            file: node.file.clone(),
                            line: node.revision_line.max(1),
                            message: format!(
                                "duplicate revision id {id}: {} declares it too; give one of them a new id",
                                nodes[first].file.display()
                            ),
                        });
                    }
                }
            }
        }

        // Branch labels: the first declarer (by id, then file) keeps the label.
        for (i, node) in nodes.iter().enumerate() {
            for name in &node.branch_labels {
                let other = self.labels[self.label_ids[name]].declared_by;
                if other != i {
                    problems.push(GraphProblem {
                        kind: GraphProblemKind::BrokenRevision,
                        file: node.file.clone(),
                        line: node.revision_line.max(1),
                        message: format!(
                            "branch label {name} is already used by {}",
                            nodes[other].describe()
                        ),
                    });
                }
            }
        }

        // Edges naming nothing.
        for node in nodes {
            for parent in &node.down_revision {
                if !self.by_id.contains_key(parent) {
                    problems.push(GraphProblem {
                        kind: GraphProblemKind::BrokenRevision,
                        file: node.file.clone(),
                        line: node.down_revision_line.max(1),
                        message: format!(
                            "down_revision {parent} names no known revision{}",
                            did_you_mean(nodes, &self.by_id, parent)
                        ),
                    });
                }
            }
            for dep in &node.depends_on {
                if !self.by_id.contains_key(dep) && !self.label_ids.contains_key(dep) {
                    problems.push(GraphProblem {
                        kind: GraphProblemKind::BrokenRevision,
                        file: node.file.clone(),
                        line: node.down_revision_line.max(1),
                        message: format!(
                            "depends_on {dep} names no known revision or branch label{}",
                            did_you_mean(nodes, &self.by_id, dep)
                        ),
                    });
                }
            }
        }

        for cycle in cycles {
            let first = cycle[0];
            let members: Vec<String> = cycle.iter().map(|&i| nodes[i].describe()).collect();
            problems.push(GraphProblem {
                kind: GraphProblemKind::BrokenRevision,
                file: nodes[first].file.clone(),
                line: nodes[first].down_revision_line.max(1),
                message: if cycle.len() == 1 {
                    format!("revision {} names itself as its own ancestor", members[0])
                } else {
                    format!(
                        "revisions form a cycle through down_revision/depends_on: {}",
                        members.join(", ")
                    )
                },
            });
        }

        if self.heads.len() > 1 && !self.heads_are_labelled_branches() {
            let head_list: Vec<String> = self.heads.iter().map(|&h| nodes[h].describe()).collect();
            let first = &nodes[self.heads[0]];
            problems.push(GraphProblem {
                kind: GraphProblemKind::MultipleHeads,
                file: first.file.clone(),
                line: first.revision_line.max(1),
                message: format!(
                    "{} heads: {}; `alembic upgrade head` fails until they are joined with `alembic merge heads`",
                    self.heads.len(),
                    head_list.join(", ")
                ),
            });
        }

        // The key is every field, so the push order above does not matter.
        problems.sort_by(|a, b| {
            (&a.file, a.line, a.kind, &a.message).cmp(&(&b.file, b.line, b.kind, &b.message))
        });
        problems
    }

    /// Every head carries a branch label that no other head carries: independent
    /// labelled branches, reachable one by one as `label@head`.
    fn heads_are_labelled_branches(&self) -> bool {
        let mut heads_carrying: HashMap<usize, usize> = HashMap::new();
        for &h in &self.heads {
            for &l in &self.carried[h] {
                *heads_carrying.entry(l).or_default() += 1;
            }
        }
        self.heads
            .iter()
            .all(|&h| self.carried[h].iter().any(|l| heads_carrying[l] == 1))
    }
}

/// `; did you mean abc123 (file)` for an id naming nothing, or "".
fn did_you_mean(nodes: &[RevisionNode], by_id: &HashMap<String, usize>, id: &str) -> String {
    let close = close_candidates(id, by_id.keys().map(String::as_str));
    if close.is_empty() {
        return String::new();
    }
    let named: Vec<String> = close.iter().map(|c| nodes[by_id[c]].describe()).collect();
    format!("; did you mean {}", named.join(" or "))
}
