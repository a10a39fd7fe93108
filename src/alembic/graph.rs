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

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

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

impl GraphProblemKind {
    /// The diagnostic rule this problem is reported under.
    pub fn rule_id(self) -> &'static str {
        match self {
            GraphProblemKind::MultipleHeads => "alembic-multiple-heads",
            GraphProblemKind::BrokenRevision => "alembic-broken-revision",
        }
    }
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
    let n = nodes.len();
    let mut problems = Vec::new();

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
        let node = &nodes[i];
        match &node.revision {
            None => problems.push(GraphProblem {
                kind: GraphProblemKind::BrokenRevision,
                file: node.file.clone(),
                line: node.revision_line.max(1),
                message: "revision file has no `revision` identifier; alembic cannot load it"
                    .into(),
            }),
            Some(id) => match by_id.get(id) {
                Some(&first) => problems.push(GraphProblem {
                    kind: GraphProblemKind::BrokenRevision,
                    file: node.file.clone(),
                    line: node.revision_line.max(1),
                    message: format!(
                        "duplicate revision id {id}: {} declares it too; give one of them a new id",
                        nodes[first].file.display()
                    ),
                }),
                None => {
                    by_id.insert(id.clone(), i);
                }
            },
        }
    }

    let mut label_ids: HashMap<String, usize> = HashMap::new();
    let mut labels: Vec<Label> = Vec::new();
    for &i in &by_key {
        for name in &nodes[i].branch_labels {
            if let Some(&l) = label_ids.get(name) {
                let other = labels[l].declared_by;
                if other != i {
                    problems.push(GraphProblem {
                        kind: GraphProblemKind::BrokenRevision,
                        file: nodes[i].file.clone(),
                        line: nodes[i].revision_line.max(1),
                        message: format!(
                            "branch label {name} is already used by {}",
                            nodes[other].describe()
                        ),
                    });
                }
            } else {
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
            match by_id.get(parent) {
                Some(&p) => {
                    down_parents[i].push(p);
                    up[i].push(p);
                }
                None => problems.push(GraphProblem {
                    kind: GraphProblemKind::BrokenRevision,
                    file: node.file.clone(),
                    line: node.down_revision_line.max(1),
                    message: format!(
                        "down_revision {parent} names no known revision{}",
                        did_you_mean(&nodes, &by_id, parent)
                    ),
                }),
            }
        }
        for dep in &node.depends_on {
            let target = by_id
                .get(dep)
                .copied()
                .or_else(|| label_ids.get(dep).map(|&l| labels[l].declared_by));
            match target {
                Some(d) => up[i].push(d),
                None => problems.push(GraphProblem {
                    kind: GraphProblemKind::BrokenRevision,
                    file: node.file.clone(),
                    line: node.down_revision_line.max(1),
                    message: format!(
                        "depends_on {dep} names no known revision or branch label{}",
                        did_you_mean(&nodes, &by_id, dep)
                    ),
                }),
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
        problems,
    };
    if graph.heads.len() > 1 && !graph.heads_are_labelled_branches() {
        let head_list: Vec<String> = graph
            .heads
            .iter()
            .map(|&h| graph.nodes[h].describe())
            .collect();
        let first = &graph.nodes[graph.heads[0]];
        graph.problems.push(GraphProblem {
            kind: GraphProblemKind::MultipleHeads,
            file: first.file.clone(),
            line: first.revision_line.max(1),
            message: format!(
                "{} heads: {}; `alembic upgrade head` fails until they are joined with `alembic merge heads`",
                graph.heads.len(),
                head_list.join(", ")
            ),
        });
    }
    graph.problems.sort_by(|a, b| {
        (&a.file, a.line, a.kind, &a.message).cmp(&(&b.file, b.line, b.kind, &b.message))
    });
    graph
}

fn sort_dedup(list: &mut Vec<usize>, rank: &[usize]) {
    list.sort_unstable_by_key(|&i| rank[i]);
    list.dedup();
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

/// Topological order by Kahn's algorithm with a stack (so a branch is followed to its end
/// before the next starts), ties by rank. Nodes left over sit on or below a cycle; they
/// are appended component by component. Returns the order and the cycles (each sorted by
/// rank, the list sorted by its first member's rank).
fn order_nodes(
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

/// Up to five ids or labels close to `wanted`: by edit distance to the whole candidate or
/// to its prefix of the same length (a mistyped prefix), best first.
fn close_candidates<'a>(wanted: &str, pool: impl Iterator<Item = &'a str>) -> Vec<String> {
    let wanted_chars: Vec<char> = wanted.chars().collect();
    let limit = 1 + wanted_chars.len() / 4;
    let mut scored: Vec<(usize, &str)> = pool
        .filter_map(|candidate| {
            let chars: Vec<char> = candidate.chars().collect();
            let whole = edit_distance(&wanted_chars, &chars);
            let prefix = if chars.len() > wanted_chars.len() {
                edit_distance(&wanted_chars, &chars[..wanted_chars.len()])
            } else {
                whole
            };
            let d = whole.min(prefix);
            (d <= limit).then_some((d, candidate))
        })
        .collect();
    scored.sort_unstable();
    scored.dedup();
    scored
        .into_iter()
        .take(5)
        .map(|(_, c)| c.to_string())
        .collect()
}

fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The state a relative step starts from, and the branch it is confined to.
enum Position {
    Base,
    At(Vec<usize>),
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

    /// Problems, sorted by file, line, kind and message.
    pub fn problems(&self) -> Vec<GraphProblem> {
        self.problems.clone()
    }

    /// Every node, base first, heads last; cycles (and what hangs below them) at the end.
    pub fn topological_order(&self) -> Vec<&RevisionNode> {
        self.order.iter().map(|&i| &self.nodes[i]).collect()
    }

    /// What `spec` names; see the module documentation for the accepted forms.
    pub fn resolve(&self, spec: &str) -> Result<Resolved, ResolveError> {
        let position = self.resolve_at(spec, None)?;
        Ok(self.to_resolved(&position))
    }

    /// The revisions `alembic upgrade FROM:TO --sql` applies, in order. `from` is `None`
    /// for base; a relative `to` (`+2`) counts from `from`.
    pub fn upgrade_path(
        &self,
        from: Option<&str>,
        to: &str,
    ) -> Result<Vec<&RevisionNode>, ResolveError> {
        let start = match from {
            None => Position::Base,
            Some(spec) => self.resolve_at(spec, None)?,
        };
        let target = self.resolve_at(to, Some(&start))?;
        let applied = match &start {
            Position::Base => vec![false; self.nodes.len()],
            Position::At(revs) => self.closure(revs, &self.up),
        };
        let targets = match &target {
            Position::Base => {
                return match start {
                    Position::Base => Ok(Vec::new()),
                    Position::At(_) => Err(self.error(
                        to,
                        format!(
                            "base is below {}; use a downgrade to go back",
                            from.unwrap_or("")
                        ),
                        Vec::new(),
                    )),
                };
            }
            Position::At(revs) => revs,
        };
        if let Position::At(start_revs) = &start {
            let mut same_a = start_revs.clone();
            let mut same_b = targets.clone();
            same_a.sort_unstable();
            same_b.sort_unstable();
            // A target entirely at or below the start is a downgrade, as Alembic says.
            if same_a != same_b && targets.iter().all(|&t| applied[t]) {
                return Err(self.error(
                    to,
                    format!(
                        "{} is already below {}; it is not an upgrade target (use a downgrade)",
                        self.list(targets),
                        from.unwrap_or("")
                    ),
                    Vec::new(),
                ));
            }
        }
        let wanted = self.closure(targets, &self.up);
        Ok(self
            .order
            .iter()
            .filter(|&&i| wanted[i] && !applied[i])
            .map(|&i| &self.nodes[i])
            .collect())
    }

    /// The revisions `alembic downgrade FROM:TO --sql` removes, in order (heads first).
    /// `to` is `None` for base; a relative `to` (`-1`) counts from `from`.
    pub fn downgrade_path(
        &self,
        from: &str,
        to: Option<&str>,
    ) -> Result<Vec<&RevisionNode>, ResolveError> {
        let start = self.resolve_at(from, None)?;
        let target = match to {
            None => Position::Base,
            Some(spec) => self.resolve_at(spec, Some(&start))?,
        };
        let start_revs = match &start {
            Position::Base => {
                return match target {
                    Position::Base => Ok(Vec::new()),
                    Position::At(_) => Err(self.error(
                        to.unwrap_or(""),
                        "nothing is applied at base, so there is nothing to downgrade".into(),
                        Vec::new(),
                    )),
                };
            }
            Position::At(revs) => revs,
        };
        let applied = self.closure(start_revs, &self.up);
        let remove: Vec<bool> = match &target {
            Position::Base => applied,
            Position::At(targets) => {
                if let Some(&outside) = targets.iter().find(|&&t| !applied[t]) {
                    return Err(self.error(
                        to.unwrap_or(""),
                        format!(
                            "{} is not below {from}; it is not a downgrade target (use an upgrade)",
                            self.nodes[outside].describe()
                        ),
                        Vec::new(),
                    ));
                }
                // What goes is what was built on top of a target: its down_revision
                // children and everything after them, dependants included. Revisions that
                // merely depend on a target stay with it.
                let kept = self.closure(targets, &self.up);
                let roots: Vec<usize> = targets
                    .iter()
                    .flat_map(|&t| self.down_children[t].iter().copied())
                    .collect();
                let above = self.closure(&roots, &self.children);
                (0..self.nodes.len())
                    .map(|i| applied[i] && above[i] && !kept[i])
                    .collect()
            }
        };
        Ok(self
            .order
            .iter()
            .rev()
            .filter(|&&i| remove[i])
            .map(|&i| &self.nodes[i])
            .collect())
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

    fn to_resolved(&self, position: &Position) -> Resolved {
        match position {
            Position::Base => Resolved::Base,
            Position::At(revs) => {
                let mut revs = revs.clone();
                revs.sort_unstable_by_key(|&i| self.position[i]);
                Resolved::Revisions(
                    revs.iter()
                        .map(|&i| self.nodes[i].revision.clone().unwrap_or_default())
                        .collect(),
                )
            }
        }
    }

    /// Marks `start` and everything reachable from it along `edges`.
    fn closure(&self, start: &[usize], edges: &[Vec<usize>]) -> Vec<bool> {
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

    fn error(&self, spec: &str, message: String, candidates: Vec<String>) -> ResolveError {
        ResolveError {
            spec: spec.to_string(),
            message,
            candidates,
        }
    }

    fn list(&self, revs: &[usize]) -> String {
        revs.iter()
            .map(|&i| self.nodes[i].describe())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn ids(&self, revs: &[usize]) -> Vec<String> {
        revs.iter()
            .filter_map(|&i| self.nodes[i].revision.clone())
            .collect()
    }

    fn on_branch(&self, i: usize, label: Option<usize>) -> bool {
        match label {
            None => true,
            Some(l) => self.carried[i].binary_search(&l).is_ok(),
        }
    }

    /// Resolves `spec`; a bare relative spec counts from `anchor` (base for `+N` and the
    /// single head for `-N` when there is none).
    fn resolve_at(&self, spec: &str, anchor: Option<&Position>) -> Result<Position, ResolveError> {
        let text = spec.trim();
        if text.is_empty() {
            return Err(self.error(spec, "empty revision".into(), Vec::new()));
        }
        let (label, rest) = match text.split_once('@') {
            Some((name, rest)) => match self.label_ids.get(name) {
                Some(&l) => (Some(l), rest),
                // `ae10@head`: the head of the line a revision is on.
                None if matches!(rest, "head" | "heads")
                    && self.by_id.keys().any(|id| id.starts_with(name)) =>
                {
                    return self.heads_above(spec, name, rest == "head");
                }
                None => {
                    let candidates =
                        close_candidates(name, self.labels.iter().map(|l| l.name.as_str()));
                    let mut known: Vec<&str> =
                        self.labels.iter().map(|l| l.name.as_str()).collect();
                    known.sort_unstable();
                    let hint = if !candidates.is_empty() {
                        format!("; did you mean {}", candidates.join(" or "))
                    } else if known.is_empty() {
                        "; no revision declares branch_labels".to_string()
                    } else {
                        format!("; known labels: {}", known.join(", "))
                    };
                    return Err(self.error(
                        spec,
                        format!("no branch label {name} in {spec}{hint}"),
                        candidates,
                    ));
                }
            },
            None => (None, text),
        };
        // An exact id or label wins over reading the spec as relative ("2024-01-01").
        if let Some(position) = self.exact(rest, label) {
            return Ok(position);
        }
        if let Some((base, sign, steps)) = split_relative(rest) {
            let start = if base.is_empty() {
                match anchor {
                    Some(Position::At(revs)) => Position::At(revs.clone()),
                    // `label@+N` from base starts where the branch starts.
                    Some(Position::Base) | None if sign > 0 => self.named(spec, "base", label)?,
                    Some(Position::Base) => Position::Base,
                    None => self.named(spec, "head", label)?,
                }
            } else {
                self.named(spec, base, label)?
            };
            return self.walk(spec, start, sign, steps, label);
        }
        self.named(spec, rest, label)
    }

    /// The heads descending from revision `name` (an id or prefix); exactly one if `one`.
    fn heads_above(&self, spec: &str, name: &str, one: bool) -> Result<Position, ResolveError> {
        let Position::At(start) = self.named(spec, name, None)? else {
            return Ok(Position::Base);
        };
        let above = self.closure(&start, &self.down_children);
        let heads: Vec<usize> = self.heads.iter().copied().filter(|&h| above[h]).collect();
        if one && heads.len() > 1 {
            return Err(self.error(
                spec,
                format!(
                    "{spec} is ambiguous: {} has {} heads above it: {}; name one of them",
                    self.nodes[start[0]].describe(),
                    heads.len(),
                    self.list(&heads)
                ),
                self.ids(&heads),
            ));
        }
        Ok(Position::At(heads))
    }

    /// An exact revision id (on the branch, when one is named) or, without a branch, a
    /// branch label.
    fn exact(&self, name: &str, label: Option<usize>) -> Option<Position> {
        if let Some(&i) = self.by_id.get(name)
            && self.on_branch(i, label)
        {
            return Some(Position::At(vec![i]));
        }
        if label.is_none()
            && let Some(&l) = self.label_ids.get(name)
        {
            return Some(Position::At(vec![self.labels[l].declared_by]));
        }
        None
    }

    /// `base`, `head`, `heads`, an id, a label or a prefix, on the branch when one is named.
    fn named(
        &self,
        spec: &str,
        name: &str,
        label: Option<usize>,
    ) -> Result<Position, ResolveError> {
        let label_name = label.map(|l| self.labels[l].name.as_str());
        match name {
            "base" => {
                let Some(l) = label else {
                    return Ok(Position::Base);
                };
                let declared = self.labels[l].declared_by;
                let parents = self.down_parents[declared].clone();
                return Ok(if parents.is_empty() {
                    Position::Base
                } else {
                    Position::At(parents)
                });
            }
            "heads" => {
                let heads: Vec<usize> = self
                    .heads
                    .iter()
                    .copied()
                    .filter(|&h| self.on_branch(h, label))
                    .collect();
                return Ok(if heads.is_empty() {
                    Position::Base
                } else {
                    Position::At(heads)
                });
            }
            "head" => {
                let heads: Vec<usize> = self
                    .heads
                    .iter()
                    .copied()
                    .filter(|&h| self.on_branch(h, label))
                    .collect();
                return match heads.len() {
                    0 if label.is_none() => Ok(Position::Base),
                    0 => Err(self.error(
                        spec,
                        format!("branch {} has no head", label_name.unwrap_or("")),
                        Vec::new(),
                    )),
                    1 => Ok(Position::At(heads)),
                    _ => {
                        let what = match label_name {
                            Some(l) => format!("branch {l} has"),
                            None => "there are".to_string(),
                        };
                        Err(self.error(
                            spec,
                            format!(
                                "{spec} is ambiguous: {what} {} heads: {}; name one of them, use <label>@head, or `heads` for all of them (`alembic merge heads` joins them)",
                                heads.len(),
                                self.list(&heads)
                            ),
                            self.ids(&heads),
                        ))
                    }
                };
            }
            _ => {}
        }
        if let Some(position) = self.exact(name, label) {
            return Ok(position);
        }
        let mut matches: Vec<usize> = self
            .by_id
            .iter()
            .filter(|(id, _)| id.starts_with(name))
            .map(|(_, &i)| i)
            .filter(|&i| self.on_branch(i, label))
            .collect();
        matches.sort_unstable_by_key(|&i| self.rank[i]);
        match matches.len() {
            1 => Ok(Position::At(matches)),
            0 => {
                let pool = self.by_id.keys().map(String::as_str).chain(
                    if label.is_none() {
                        Some(self.labels.iter().map(|l| l.name.as_str()))
                    } else {
                        None
                    }
                    .into_iter()
                    .flatten(),
                );
                let candidates = close_candidates(name, pool);
                let where_ = match label_name {
                    Some(l) => format!(" on branch {l}"),
                    None => String::new(),
                };
                let hint = if candidates.is_empty() {
                    let heads = self.list(&self.heads);
                    if heads.is_empty() {
                        String::new()
                    } else {
                        format!("; heads: {heads}")
                    }
                } else {
                    let named: Vec<String> = candidates
                        .iter()
                        .map(|c| match self.by_id.get(c) {
                            Some(&i) => self.nodes[i].describe(),
                            None => format!("{c} (branch label)"),
                        })
                        .collect();
                    format!("; did you mean {}", named.join(" or "))
                };
                Err(self.error(
                    spec,
                    format!("no revision or branch label {name}{where_}{hint}"),
                    candidates,
                ))
            }
            _ => {
                let shown = &matches[..matches.len().min(10)];
                let more = if matches.len() > shown.len() {
                    format!(" and {} more", matches.len() - shown.len())
                } else {
                    String::new()
                };
                Err(self.error(
                    spec,
                    format!(
                        "revision prefix {name} is ambiguous: it matches {}{more}; give more characters",
                        self.list(shown)
                    ),
                    self.ids(&matches),
                ))
            }
        }
    }

    /// `steps` steps up (`sign` > 0) or down from `start`, along `down_revision` edges,
    /// staying on `label`'s branch when one is named.
    fn walk(
        &self,
        spec: &str,
        start: Position,
        sign: i32,
        steps: usize,
        label: Option<usize>,
    ) -> Result<Position, ResolveError> {
        let mut current = start;
        for taken in 0..steps {
            let next: Vec<usize> = if sign > 0 {
                let mut up: Vec<usize> = match &current {
                    Position::Base => self.bases_idx(),
                    Position::At(revs) => revs
                        .iter()
                        .flat_map(|&r| self.down_children[r].iter().copied())
                        .collect(),
                };
                up.retain(|&c| self.on_branch(c, label));
                sort_dedup(&mut up, &self.rank);
                up
            } else {
                match &current {
                    Position::Base => {
                        return Err(self.error(
                            spec,
                            format!("{spec} goes below base after {taken} of {steps} steps"),
                            Vec::new(),
                        ));
                    }
                    Position::At(revs) if revs.len() > 1 => {
                        return Err(self.error(
                            spec,
                            format!(
                                "{spec} is ambiguous: after {taken} steps it is at {}, and each goes down a different branch; name a revision instead",
                                self.list(revs)
                            ),
                            self.ids(revs),
                        ));
                    }
                    Position::At(revs) => {
                        let mut down = self.down_parents[revs[0]].clone();
                        if label.is_some() && down.len() > 1 {
                            let on: Vec<usize> = down
                                .iter()
                                .copied()
                                .filter(|&p| self.on_branch(p, label))
                                .collect();
                            if !on.is_empty() {
                                down = on;
                            }
                        }
                        down
                    }
                }
            };
            current = match next.len() {
                0 if sign > 0 => {
                    let at = match &current {
                        Position::Base => "base".to_string(),
                        Position::At(revs) => self.list(revs),
                    };
                    return Err(self.error(
                        spec,
                        format!("{spec} goes past the head: after {taken} of {steps} steps it is at {at}"),
                        Vec::new(),
                    ));
                }
                0 => Position::Base,
                1 => Position::At(next),
                _ if sign < 0 => Position::At(next),
                _ => {
                    let at = match &current {
                        Position::Base => "base".to_string(),
                        Position::At(revs) => self.list(revs),
                    };
                    return Err(self.error(
                        spec,
                        format!(
                            "{spec} is ambiguous: {at} is followed by {}; name a branch (<label>@+N) or a revision",
                            self.list(&next)
                        ),
                        self.ids(&next),
                    ));
                }
            };
        }
        Ok(current)
    }
}

/// `abc+2` → ("abc", 1, 2); `-1` → ("", -1, 1); `label@head-1` is split by the caller.
/// The base part is a word (letters, digits, `_`), as in Alembic.
fn split_relative(text: &str) -> Option<(&str, i32, usize)> {
    let at = text.rfind(['+', '-'])?;
    let (base, rest) = text.split_at(at);
    let digits = &rest[1..];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !base.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let steps: usize = digits.parse().ok()?;
    let sign = if rest.starts_with('+') { 1 } else { -1 };
    Some((base, sign, steps))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(id: &str, down: &[&str]) -> RevisionNode {
        RevisionNode {
            file: PathBuf::from(format!("versions/{id}_change.py")),
            revision: Some(id.to_string()),
            down_revision: down.iter().map(|s| s.to_string()).collect(),
            message: Some(format!("change {id}")),
            revision_line: 10,
            down_revision_line: 11,
            ..RevisionNode::default()
        }
    }

    fn labelled(id: &str, down: &[&str], labels: &[&str]) -> RevisionNode {
        RevisionNode {
            branch_labels: labels.iter().map(|s| s.to_string()).collect(),
            ..rev(id, down)
        }
    }

    fn ids(nodes: &[&RevisionNode]) -> Vec<String> {
        nodes
            .iter()
            .map(|n| n.revision.clone().unwrap_or_default())
            .collect()
    }

    fn revs(list: &[&str]) -> Resolved {
        Resolved::Revisions(list.iter().map(|s| s.to_string()).collect())
    }

    fn chain() -> RevisionGraph {
        // Given out of order, and with ids that do not sort in chain order.
        build(vec![
            rev("c3", &["b2"]),
            rev("a1", &[]),
            rev("b2", &["a1"]),
            rev("0d4", &["c3"]),
        ])
    }

    #[test]
    fn linear_chain_orders_base_to_head_and_has_no_problems() {
        let g = chain();
        assert_eq!(ids(&g.topological_order()), ["a1", "b2", "c3", "0d4"]);
        assert_eq!(ids(&g.heads()), ["0d4"]);
        assert_eq!(ids(&g.bases()), ["a1"]);
        assert!(g.problems().is_empty(), "{:?}", g.problems());
    }

    #[test]
    fn linear_chain_resolves_names_prefixes_and_relative_steps() {
        let g = chain();
        assert_eq!(g.resolve("head").unwrap(), revs(&["0d4"]));
        assert_eq!(g.resolve("heads").unwrap(), revs(&["0d4"]));
        assert_eq!(g.resolve("base").unwrap(), Resolved::Base);
        assert_eq!(g.resolve("c").unwrap(), revs(&["c3"]));
        assert_eq!(g.resolve(" b2 ").unwrap(), revs(&["b2"]));
        assert_eq!(g.resolve("+2").unwrap(), revs(&["b2"]));
        assert_eq!(g.resolve("a1+2").unwrap(), revs(&["c3"]));
        assert_eq!(g.resolve("-1").unwrap(), revs(&["c3"]));
        assert_eq!(g.resolve("head-3").unwrap(), revs(&["a1"]));
        assert_eq!(g.resolve("-4").unwrap(), Resolved::Base);
        assert_eq!(g.resolve("base+1").unwrap(), revs(&["a1"]));
        let past_base = g.resolve("-5").unwrap_err();
        assert!(past_base.message.contains("below base"), "{past_base}");
        let past_head = g.resolve("b2+3").unwrap_err();
        assert!(past_head.message.contains("past the head"), "{past_head}");
    }

    #[test]
    fn linear_chain_paths() {
        let g = chain();
        assert_eq!(
            ids(&g.upgrade_path(None, "head").unwrap()),
            ["a1", "b2", "c3", "0d4"]
        );
        assert_eq!(
            ids(&g.upgrade_path(Some("a1"), "c3").unwrap()),
            ["b2", "c3"]
        );
        assert_eq!(
            ids(&g.upgrade_path(Some("base"), "b").unwrap()),
            ["a1", "b2"]
        );
        assert_eq!(
            ids(&g.upgrade_path(Some("a1"), "+2").unwrap()),
            ["b2", "c3"]
        );
        assert_eq!(ids(&g.upgrade_path(None, "+1").unwrap()), ["a1"]);
        assert!(g.upgrade_path(Some("c3"), "c3").unwrap().is_empty());
        assert!(g.upgrade_path(None, "base").unwrap().is_empty());
        let backwards = g.upgrade_path(Some("c3"), "a1").unwrap_err();
        assert!(backwards.message.contains("downgrade"), "{backwards}");

        assert_eq!(
            ids(&g.downgrade_path("head", None).unwrap()),
            ["0d4", "c3", "b2", "a1"]
        );
        assert_eq!(
            ids(&g.downgrade_path("0d4", Some("a1")).unwrap()),
            ["0d4", "c3", "b2"]
        );
        assert_eq!(ids(&g.downgrade_path("c3", Some("-1")).unwrap()), ["c3"]);
        assert_eq!(
            ids(&g.downgrade_path("c3", Some("base")).unwrap()),
            ["c3", "b2", "a1"]
        );
        let forwards = g.downgrade_path("a1", Some("c3")).unwrap_err();
        assert!(
            forwards.message.contains("not a downgrade target"),
            "{forwards}"
        );
    }

    fn branch_and_merge(with_merge: bool) -> RevisionGraph {
        let mut nodes = vec![
            rev("aa", &[]),
            rev("bb1", &["aa"]),
            rev("bb2", &["bb1"]),
            rev("cc1", &["aa"]),
            rev("cc2", &["cc1"]),
        ];
        if with_merge {
            nodes.push(rev("mm", &["bb2", "cc2"]));
        }
        build(nodes)
    }

    #[test]
    fn branch_and_merge_keeps_each_branch_together() {
        let g = branch_and_merge(true);
        assert_eq!(
            ids(&g.topological_order()),
            ["aa", "bb1", "bb2", "cc1", "cc2", "mm"]
        );
        assert_eq!(ids(&g.heads()), ["mm"]);
        assert!(g.problems().is_empty(), "{:?}", g.problems());
        // The merge point is applied once, after both of its parents.
        assert_eq!(
            ids(&g.upgrade_path(Some("bb2"), "head").unwrap()),
            ["cc1", "cc2", "mm"]
        );
        assert_eq!(
            ids(&g.upgrade_path(Some("bb1"), "cc2").unwrap()),
            ["cc1", "cc2"]
        );
        // -1 from a merge point is both of its parents; one more step is ambiguous.
        assert_eq!(g.resolve("mm-1").unwrap(), revs(&["bb2", "cc2"]));
        let two_down = g.resolve("mm-2").unwrap_err();
        assert!(two_down.message.contains("ambiguous"), "{two_down}");
        // Going up from a branch point needs a branch.
        let fork = g.resolve("aa+1").unwrap_err();
        assert!(
            fork.message.contains("bb1") && fork.message.contains("cc1"),
            "{fork}"
        );
        assert_eq!(fork.candidates, ["bb1", "cc1"]);
        assert_eq!(g.resolve("bb2+1").unwrap(), revs(&["mm"]));
        assert_eq!(g.resolve("cc1@head").unwrap(), revs(&["mm"]));
    }

    #[test]
    fn downgrading_to_one_side_of_a_merge_keeps_the_other_branch() {
        let g = branch_and_merge(true);
        assert_eq!(ids(&g.downgrade_path("head", Some("bb2")).unwrap()), ["mm"]);
        assert_eq!(
            ids(&g.downgrade_path("head", Some("bb1")).unwrap()),
            ["mm", "bb2"]
        );
        assert_eq!(
            ids(&g.downgrade_path("head", Some("aa")).unwrap()),
            ["mm", "cc2", "cc1", "bb2", "bb1"]
        );
    }

    #[test]
    fn two_heads_are_an_error_naming_both_and_the_fix() {
        let g = branch_and_merge(false);
        let problems = g.problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        let p = &problems[0];
        assert_eq!(p.kind, GraphProblemKind::MultipleHeads);
        assert_eq!(p.kind.rule_id(), "alembic-multiple-heads");
        assert_eq!(p.file, PathBuf::from("versions/bb2_change.py"));
        assert_eq!(p.line, 10);
        assert_eq!(
            p.message,
            "2 heads: bb2 (versions/bb2_change.py), cc2 (versions/cc2_change.py); \
             `alembic upgrade head` fails until they are joined with `alembic merge heads`"
        );
        let head = g.resolve("head").unwrap_err();
        assert!(head.message.contains("2 heads"), "{head}");
        assert_eq!(head.candidates, ["bb2", "cc2"]);
        assert_eq!(g.resolve("heads").unwrap(), revs(&["bb2", "cc2"]));
        assert_eq!(
            ids(&g.upgrade_path(None, "heads").unwrap()),
            ["aa", "bb1", "bb2", "cc1", "cc2"]
        );
        assert_eq!(
            ids(&g.downgrade_path("heads", Some("aa")).unwrap()),
            ["cc2", "cc1", "bb2", "bb1"]
        );
        // From one head to all of them: the other branch.
        assert_eq!(
            ids(&g.upgrade_path(Some("bb2"), "heads").unwrap()),
            ["cc1", "cc2"]
        );
        assert!(g.upgrade_path(Some("heads"), "bb2").is_err());
        // A revision names the line it is on: `X@head`.
        assert_eq!(g.resolve("bb1@head").unwrap(), revs(&["bb2"]));
        assert_eq!(g.resolve("cc1@heads").unwrap(), revs(&["cc2"]));
        let from_fork = g.resolve("aa@head").unwrap_err();
        assert_eq!(from_fork.candidates, ["bb2", "cc2"]);
        assert_eq!(g.resolve("aa@heads").unwrap(), revs(&["bb2", "cc2"]));
    }

    fn labelled_branches() -> RevisionGraph {
        build(vec![
            rev("t1", &[]),
            labelled("n1", &["t1"], &["networking"]),
            rev("n2", &["n1"]),
            labelled("s1", &["t1"], &["shop"]),
            rev("s2", &["s1"]),
            labelled("x1", &[], &["extra"]),
        ])
    }

    #[test]
    fn branch_labels_resolve_and_excuse_their_heads() {
        let g = labelled_branches();
        assert!(g.problems().is_empty(), "{:?}", g.problems());
        assert_eq!(ids(&g.heads()), ["n2", "s2", "x1"]);
        assert_eq!(g.branches_of("n2"), ["networking"]);
        assert!(g.branches_of("t1").is_empty());
        assert_eq!(g.resolve("networking@head").unwrap(), revs(&["n2"]));
        assert_eq!(g.resolve("shop@head").unwrap(), revs(&["s2"]));
        assert_eq!(g.resolve("shop@heads").unwrap(), revs(&["s2"]));
        assert_eq!(g.resolve("networking").unwrap(), revs(&["n1"]));
        assert_eq!(g.resolve("networking@base").unwrap(), revs(&["t1"]));
        assert_eq!(g.resolve("extra@base").unwrap(), Resolved::Base);
        assert_eq!(g.resolve("shop@s").unwrap_err().candidates, ["s1", "s2"]);
        assert_eq!(g.resolve("extra@x").unwrap(), revs(&["x1"]));
        assert_eq!(g.resolve("shop@+1").unwrap(), revs(&["s1"]));
        assert_eq!(g.resolve("shop@head-1").unwrap(), revs(&["s1"]));
        let wrong_branch = g.resolve("shop@n1").unwrap_err();
        assert!(
            wrong_branch.message.contains("on branch shop"),
            "{wrong_branch}"
        );
        let unknown = g.resolve("shopp@head").unwrap_err();
        assert_eq!(unknown.candidates, ["shop"]);
        assert!(unknown.message.contains("did you mean shop"), "{unknown}");
        // A bare `head` is still ambiguous: the branches are not merged.
        assert!(g.resolve("head").is_err());

        assert_eq!(
            ids(&g.upgrade_path(None, "networking@head").unwrap()),
            ["t1", "n1", "n2"]
        );
        assert_eq!(ids(&g.upgrade_path(None, "shop@+1").unwrap()), ["t1", "s1"]);
        assert_eq!(
            ids(&g
                .upgrade_path(Some("networking@head"), "shop@head")
                .unwrap()),
            ["s1", "s2"]
        );
        assert_eq!(
            ids(&g
                .downgrade_path("networking@head", Some("networking@base"))
                .unwrap()),
            ["n2", "n1"]
        );
        assert_eq!(
            ids(&g.downgrade_path("extra@head", Some("extra@base")).unwrap()),
            ["x1"]
        );
    }

    #[test]
    fn heads_sharing_a_label_are_still_reported() {
        let g = build(vec![
            labelled("t1", &[], &["main"]),
            rev("a2", &["t1"]),
            rev("b2", &["t1"]),
        ]);
        let problems = g.problems();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, GraphProblemKind::MultipleHeads);
        assert!(
            g.resolve("main@head")
                .unwrap_err()
                .message
                .contains("branch main has 2 heads")
        );
    }

    #[test]
    fn duplicate_branch_label_is_broken() {
        let g = build(vec![
            labelled("a1", &[], &["x"]),
            labelled("b1", &["a1"], &["x"]),
        ]);
        let problems = g.problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].kind, GraphProblemKind::BrokenRevision);
        assert_eq!(problems[0].file, PathBuf::from("versions/b1_change.py"));
        assert_eq!(
            problems[0].message,
            "branch label x is already used by a1 (versions/a1_change.py)"
        );
    }

    #[test]
    fn depends_on_orders_and_pulls_in_dependencies() {
        let mut b2 = rev("b2", &["b1"]);
        b2.depends_on = vec!["a2".into()];
        let mut c1 = labelled("c1", &["t0"], &["gamma"]);
        c1.depends_on = vec!["alpha".into()]; // a branch label: the revision declaring it
        let g = build(vec![
            rev("t0", &[]),
            labelled("a1", &["t0"], &["alpha"]),
            rev("a2", &["a1"]),
            labelled("b1", &["t0"], &["beta"]),
            b2,
            c1,
        ]);
        assert!(g.problems().is_empty(), "{:?}", g.problems());
        // Being depended on does not stop a revision from being a head.
        assert_eq!(ids(&g.heads()), ["a2", "b2", "c1"]);
        let order = ids(&g.topological_order());
        let at = |id: &str| order.iter().position(|x| x == id).unwrap();
        assert!(at("a2") < at("b2") && at("a1") < at("c1"), "{order:?}");
        assert_eq!(
            ids(&g.upgrade_path(None, "beta@head").unwrap()),
            ["t0", "a1", "a2", "b1", "b2"]
        );
        assert_eq!(
            ids(&g.upgrade_path(Some("b1"), "b2").unwrap()),
            ["a1", "a2", "b2"]
        );
        // Removing a2 removes what depends on it; b1 and c1 stay.
        assert_eq!(
            ids(&g.downgrade_path("heads", Some("a1")).unwrap()),
            ["b2", "a2"]
        );
    }

    #[test]
    fn depends_on_naming_nothing_is_broken() {
        let mut b = rev("bbbb", &["aaaa"]);
        b.depends_on = vec!["zzzz".into()];
        let g = build(vec![rev("aaaa", &[]), b]);
        let problems = g.problems();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 11);
        assert_eq!(
            problems[0].message,
            "depends_on zzzz names no known revision or branch label"
        );
    }

    #[test]
    fn prefixes_must_be_unique() {
        let g = build(vec![
            rev("abc111", &[]),
            rev("abc222", &["abc111"]),
            rev("abd333", &["abc222"]),
        ]);
        assert_eq!(g.resolve("abd").unwrap(), revs(&["abd333"]));
        assert_eq!(g.resolve("abc2").unwrap(), revs(&["abc222"]));
        let ambiguous = g.resolve("abc").unwrap_err();
        assert_eq!(ambiguous.candidates, ["abc111", "abc222"]);
        assert_eq!(
            ambiguous.message,
            "revision prefix abc is ambiguous: it matches abc111 (versions/abc111_change.py), \
             abc222 (versions/abc222_change.py); give more characters"
        );
        assert_eq!(g.resolve("a").unwrap_err().candidates.len(), 3);
        let typo = g.resolve("abc112").unwrap_err();
        assert_eq!(typo.candidates[0], "abc111");
        assert!(
            typo.message
                .starts_with("no revision or branch label abc112; did you mean abc111"),
            "{typo}"
        );
        let far = g.resolve("zzzzzz").unwrap_err();
        assert!(far.candidates.is_empty());
        assert_eq!(
            far.message,
            "no revision or branch label zzzzzz; heads: abd333 (versions/abd333_change.py)"
        );
        assert!(g.resolve("").is_err());
        assert!(g.upgrade_path(Some("abc"), "head").is_err());
    }

    #[test]
    fn ids_containing_dashes_resolve_exactly_before_relative_parsing() {
        let g = build(vec![
            rev("2024-01-01", &[]),
            rev("2024-02-01", &["2024-01-01"]),
        ]);
        assert_eq!(g.resolve("2024-01-01").unwrap(), revs(&["2024-01-01"]));
        assert_eq!(g.resolve("2024-02-01").unwrap(), revs(&["2024-02-01"]));
    }

    #[test]
    fn cycles_are_reported_and_ordered_last_without_hanging() {
        let g = build(vec![
            rev("zz", &[]),
            rev("aa", &["cc"]),
            rev("bb", &["aa"]),
            rev("cc", &["bb"]),
            rev("dd", &["cc"]),
            rev("ee", &["ee"]),
        ]);
        assert_eq!(
            ids(&g.topological_order()),
            ["zz", "aa", "bb", "cc", "dd", "ee"]
        );
        let problems = g.problems();
        // The cycle, the self-reference, and two heads (dd and the unrelated zz).
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert_eq!(problems[1].kind, GraphProblemKind::MultipleHeads);
        assert_eq!(problems[0].file, PathBuf::from("versions/aa_change.py"));
        assert_eq!(problems[0].line, 11);
        assert_eq!(
            problems[0].message,
            "revisions form a cycle through down_revision/depends_on: aa (versions/aa_change.py), \
             bb (versions/bb_change.py), cc (versions/cc_change.py)"
        );
        assert_eq!(
            problems[2].message,
            "revision ee (versions/ee_change.py) names itself as its own ancestor"
        );
        // Ranges over a cycle terminate too.
        assert_eq!(g.upgrade_path(None, "dd").unwrap().len(), 4);
        assert_eq!(ids(&g.downgrade_path("dd", Some("aa")).unwrap()), ["dd"]);
    }

    #[test]
    fn cycle_through_depends_on_is_found() {
        let mut a = rev("aa", &[]);
        a.depends_on = vec!["bb".into()];
        let g = build(vec![a, rev("bb", &["aa"])]);
        assert_eq!(g.topological_order().len(), 2);
        assert!(
            g.problems()[0]
                .message
                .starts_with("revisions form a cycle"),
            "{:?}",
            g.problems()
        );
    }

    #[test]
    fn duplicate_ids_name_both_files_and_both_stay_ordered() {
        let mut second = rev("dup1", &["base0"]);
        second.file = PathBuf::from("versions/zz_copy.py");
        let g = build(vec![
            second,
            rev("base0", &[]),
            rev("dup1", &["base0"]),
            rev("next", &["dup1"]),
        ]);
        let problems = g.problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].kind, GraphProblemKind::BrokenRevision);
        assert_eq!(problems[0].kind.rule_id(), "alembic-broken-revision");
        assert_eq!(problems[0].file, PathBuf::from("versions/zz_copy.py"));
        assert_eq!(
            problems[0].message,
            "duplicate revision id dup1: versions/dup1_change.py declares it too; give one of them a new id"
        );
        let order: Vec<PathBuf> = g
            .topological_order()
            .iter()
            .map(|n| n.file.clone())
            .collect();
        assert_eq!(order.len(), 4);
        assert_eq!(order[0], PathBuf::from("versions/base0_change.py"));
        assert_eq!(
            g.get("dup1").unwrap().file,
            PathBuf::from("versions/dup1_change.py")
        );
        assert_eq!(ids(&g.heads()), ["next"]);
    }

    #[test]
    fn missing_parent_and_missing_revision_are_broken() {
        let mut anonymous = rev("x", &["a1b2c3"]);
        anonymous.revision = None;
        anonymous.revision_line = 0;
        anonymous.file = PathBuf::from("versions/anon.py");
        let g = build(vec![
            rev("a1b2c3", &[]),
            rev("d4e5f6", &["a1b2c4"]),
            anonymous,
        ]);
        let problems = g.problems();
        // Two problems, not three: anon.py still names a1b2c3, so that is no second head.
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].file, PathBuf::from("versions/anon.py"));
        assert_eq!(problems[0].line, 1);
        assert_eq!(
            problems[0].message,
            "revision file has no `revision` identifier; alembic cannot load it"
        );
        assert_eq!(problems[1].file, PathBuf::from("versions/d4e5f6_change.py"));
        assert_eq!(problems[1].line, 11);
        assert_eq!(
            problems[1].message,
            "down_revision a1b2c4 names no known revision; did you mean a1b2c3 (versions/a1b2c3_change.py)"
        );
        assert_eq!(g.topological_order().len(), 3);
    }

    #[test]
    fn result_does_not_depend_on_input_order() {
        let nodes = vec![
            rev("aa", &[]),
            rev("bb1", &["aa"]),
            rev("cc1", &["aa"]),
            rev("bb2", &["bb1", "nope"]),
            rev("cc2", &["cc1"]),
            rev("cc2", &["cc1"]),
        ];
        let mut reversed = nodes.clone();
        reversed.reverse();
        let a = build(nodes);
        let b = build(reversed);
        assert_eq!(ids(&a.topological_order()), ids(&b.topological_order()));
        assert_eq!(a.problems(), b.problems());
    }

    #[test]
    fn long_chain_of_two_thousand_revisions() {
        const N: usize = 2000;
        // Ids sort against the chain order, and the input is shuffled, so neither the tie
        // break nor the input order can produce the right answer by accident.
        let id = |i: usize| format!("r{:05}", N - i);
        let mut nodes: Vec<RevisionNode> = (0..N)
            .map(|i| {
                let down = if i == 0 { Vec::new() } else { vec![id(i - 1)] };
                RevisionNode {
                    file: PathBuf::from(format!("versions/{}.py", id(i))),
                    revision: Some(id(i)),
                    down_revision: down,
                    revision_line: 1,
                    down_revision_line: 2,
                    ..RevisionNode::default()
                }
            })
            .collect();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in (1..nodes.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            nodes.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let g = build(nodes);
        assert!(g.problems().is_empty());
        let expected: Vec<String> = (0..N).map(id).collect();
        assert_eq!(ids(&g.topological_order()), expected);
        assert_eq!(ids(&g.heads()), [id(N - 1)]);
        assert_eq!(g.upgrade_path(None, "head").unwrap().len(), N);
        assert_eq!(
            ids(&g.upgrade_path(Some(&id(10)), "+5").unwrap()),
            expected[11..16]
        );
        assert_eq!(g.downgrade_path("head", Some(&id(0))).unwrap().len(), N - 1);
        assert_eq!(g.resolve("-1999").unwrap(), revs(&[&id(0)]));
    }
}
