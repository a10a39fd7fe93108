//! Ordering and reachability: the topological order (Kahn's algorithm, ties by rank),
//! strongly connected components for what sits on a cycle, and closures along edges.

use super::{RevisionGraph, RevisionNode};

/// Sorts `list` by rank and drops repeats.
pub(super) fn sort_dedup(list: &mut Vec<usize>, rank: &[usize]) {
    list.sort_unstable_by_key(|&i| rank[i]);
    list.dedup();
}

/// Topological order by Kahn's algorithm with a stack (so a branch is followed to its end
/// before the next starts), ties by rank. Nodes left over sit on or below a cycle; they
/// are appended component by component. Returns the order and the cycles (each sorted by
/// rank, the list sorted by its first member's rank).
pub(super) fn order_nodes(
    up: &[Vec<usize>],
    children: &[Vec<usize>],
    rank: &[usize],
) -> (Vec<usize>, Vec<Vec<usize>>) {
    let n = up.len();
    let mut indegree: Vec<usize> = up.iter().map(Vec::len).collect();
    let mut roots: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    roots.sort_unstable_by_key(|&i| std::cmp::Reverse(rank[i]));
    let mut stack = roots;
    let mut order = Vec::with_capacity(n);
    let mut ready = Vec::new();
    while let Some(i) = stack.pop() {
        order.push(i);
        ready.clear();
        for &c in &children[i] {
            indegree[c] -= 1;
            if indegree[c] == 0 {
                ready.push(c);
            }
        }
        // `children` is sorted by rank: push in reverse so the smallest is taken next.
        stack.extend(ready.iter().rev());
    }
    if order.len() == n {
        return (order, Vec::new());
    }

    let left: Vec<bool> = indegree.iter().map(|&d| d > 0).collect();
    let mut starts: Vec<usize> = (0..n).filter(|&i| left[i]).collect();
    starts.sort_unstable_by_key(|&i| rank[i]);
    let mut components = strongly_connected(&starts, children, &left);
    for component in &mut components {
        component.sort_unstable_by_key(|&i| rank[i]);
    }
    // The same stack discipline over the components, each emitted whole (members by rank).
    let mut component_of = vec![usize::MAX; n];
    for (c, members) in components.iter().enumerate() {
        for &i in members {
            component_of[i] = c;
        }
    }
    let mut component_indegree = vec![0usize; components.len()];
    for (c, members) in components.iter().enumerate() {
        for &i in members {
            component_indegree[c] += up[i]
                .iter()
                .filter(|&&p| left[p] && component_of[p] != c)
                .count();
        }
    }
    let mut stack: Vec<usize> = (0..components.len())
        .filter(|&c| component_indegree[c] == 0)
        .collect();
    stack.sort_unstable_by_key(|&c| std::cmp::Reverse(rank[components[c][0]]));
    let mut cycles = Vec::new();
    while let Some(c) = stack.pop() {
        let members = &components[c];
        order.extend_from_slice(members);
        if members.len() > 1 || up[members[0]].contains(&members[0]) {
            cycles.push(members.clone());
        }
        let mut ready: Vec<usize> = Vec::new();
        for &i in members {
            for &child in &children[i] {
                let d = component_of[child];
                if left[child] && d != c {
                    component_indegree[d] -= 1;
                    if component_indegree[d] == 0 {
                        ready.push(d);
                    }
                }
            }
        }
        ready.sort_unstable_by_key(|&d| std::cmp::Reverse(rank[components[d][0]]));
        stack.extend(ready);
    }
    cycles.sort_unstable_by_key(|c| rank[c[0]]);
    (order, cycles)
}

/// Tarjan's algorithm, iterative, over the nodes marked in `include`.
fn strongly_connected(starts: &[usize], edges: &[Vec<usize>], include: &[bool]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut components = Vec::new();
    let mut next = 0;
    let mut calls: Vec<(usize, usize)> = Vec::new();
    for &start in starts {
        if index[start] != UNSEEN {
            continue;
        }
        index[start] = next;
        low[start] = next;
        next += 1;
        stack.push(start);
        on_stack[start] = true;
        calls.push((start, 0));
        while let Some(&(v, pos)) = calls.last() {
            if pos < edges[v].len() {
                calls.last_mut().expect("non-empty").1 += 1;
                let w = edges[v][pos];
                if !include[w] {
                    continue;
                }
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                calls.pop();
                if let Some(&(u, _)) = calls.last() {
                    low[u] = low[u].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut component = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    components.push(component);
                }
            }
        }
    }
    components
}

impl RevisionGraph {
    /// Every node, base first, heads last; cycles (and what hangs below them) at the end.
    pub fn topological_order(&self) -> Vec<&RevisionNode> {
        self.order.iter().map(|&i| &self.nodes[i]).collect()
    }

    /// Indices into [`RevisionGraph::nodes`] in topological order.
    pub fn order_indices(&self) -> &[usize] {
        &self.order
    }

    /// What must apply before node `i`: its `down_revision` parents and dependencies.
    pub fn requires(&self, i: usize) -> &[usize] {
        &self.up[i]
    }

    /// The nodes that require node `i`.
    pub fn required_by(&self, i: usize) -> &[usize] {
        &self.children[i]
    }

    /// Marks `start` and everything reachable from it along `edges`.
    pub(super) fn closure(&self, start: &[usize], edges: &[Vec<usize>]) -> Vec<bool> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack: Vec<usize> = start.to_vec();
        for &s in start {
            seen[s] = true;
        }
        while let Some(i) = stack.pop() {
            for &next in &edges[i] {
                if !seen[next] {
                    seen[next] = true;
                    stack.push(next);
                }
            }
        }
        seen
    }
}
