//! Building a [`RevisionGraph`] from revision files: ids, branch labels, `down_revision`
//! and `depends_on` edges, the order, heads and the labels each revision carries.

use std::collections::HashMap;

use super::order::{order_nodes, sort_dedup};
use super::{Label, RevisionGraph, RevisionNode};

impl RevisionGraph {
    /// What [`super::build`] does. Input that names nothing is left out of the graph
    /// here; `problems.rs` reports it.
    pub(super) fn from_nodes(nodes: Vec<RevisionNode>) -> RevisionGraph {
        let n = nodes.len();

        // Tie-break order, and which file owns a duplicated id: sort by (id, file).
        let mut by_key: Vec<usize> = (0..n).collect();
        by_key.sort_by(|&a, &b| {
            let ka = (
                nodes[a].revision.as_deref().unwrap_or(""),
                &nodes[a].file,
                a,
            );
            let kb = (
                nodes[b].revision.as_deref().unwrap_or(""),
                &nodes[b].file,
                b,
            );
            ka.cmp(&kb)
        });
        let mut rank = vec![0; n];
        for (r, &i) in by_key.iter().enumerate() {
            rank[i] = r;
        }

        let mut by_id: HashMap<String, usize> = HashMap::with_capacity(n);
        for &i in &by_key {
            if let Some(id) = &nodes[i].revision {
                by_id.entry(id.clone()).or_insert(i);
            }
        }

        let mut label_ids: HashMap<String, usize> = HashMap::new();
        let mut labels: Vec<Label> = Vec::new();
        for &i in &by_key {
            for name in &nodes[i].branch_labels {
                if !label_ids.contains_key(name) {
                    label_ids.insert(name.clone(), labels.len());
                    labels.push(Label {
                        name: name.clone(),
                        declared_by: i,
                    });
                }
            }
        }

        let mut down_parents: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut up: Vec<Vec<usize>> = vec![Vec::new(); n];
        for i in 0..n {
            let node = &nodes[i];
            for parent in &node.down_revision {
                if let Some(&p) = by_id.get(parent) {
                    down_parents[i].push(p);
                    up[i].push(p);
                }
            }
            for dep in &node.depends_on {
                let target = by_id
                    .get(dep)
                    .copied()
                    .or_else(|| label_ids.get(dep).map(|&l| labels[l].declared_by));
                if let Some(d) = target {
                    up[i].push(d);
                }
            }
        }
        let mut down_children: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        for i in 0..n {
            sort_dedup(&mut down_parents[i], &rank);
            sort_dedup(&mut up[i], &rank);
            for &p in &down_parents[i] {
                down_children[p].push(i);
            }
            for &p in &up[i] {
                children[p].push(i);
            }
        }
        for i in 0..n {
            down_children[i].sort_unstable_by_key(|&c| rank[c]);
            children[i].sort_unstable_by_key(|&c| rank[c]);
        }

        let (order, cycles) = order_nodes(&up, &children, &rank);
        let mut position = vec![0; n];
        for (p, &i) in order.iter().enumerate() {
            position[i] = p;
        }

        // Labels reach descendants along down_revision edges; parents come first in `order`
        // except on cycles, where what reaches a member is partial (the cycle is reported).
        let mut carried: Vec<Vec<usize>> = vec![Vec::new(); n];
        if !labels.is_empty() {
            for &i in &order {
                let mut set: Vec<usize> = nodes[i]
                    .branch_labels
                    .iter()
                    .filter_map(|name| label_ids.get(name).copied())
                    .collect();
                for &p in &down_parents[i] {
                    set.extend_from_slice(&carried[p]);
                }
                set.sort_unstable();
                set.dedup();
                carried[i] = set;
            }
        }

        let mut heads: Vec<usize> = by_id
            .values()
            .copied()
            .filter(|&i| down_children[i].is_empty())
            .collect();
        heads.sort_unstable_by_key(|&i| rank[i]);

        let mut graph = RevisionGraph {
            nodes,
            by_id,
            label_ids,
            labels,
            down_parents,
            down_children,
            up,
            children,
            rank,
            order,
            position,
            heads,
            carried,
            problems: Vec::new(),
        };
        graph.problems = graph.find_problems(&cycles);
        graph
    }
}
