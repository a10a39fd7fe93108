//! The schema earlier migrations built, for each migration: every migration's SQL
//! replayed into one catalog in the order its tool applies them (Alembic revisions in
//! graph order, `.sql` files in Flyway / golang-migrate / dbmate order), and each one
//! handed the part of the catalog its statements name (a narrowed copy, so that a
//! 2,000-revision project does not hold 2,000 copies of its whole schema).

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::alembic::graph::RevisionGraph;
use crate::alembic::offline::{RenderedSql, function_sql};
use crate::alembic::{LoadedProject, LoadedRevision};
use crate::parse::Parsed;
use crate::schema::{Catalog, NameSet};

mod sql;
pub use sql::*;

/// Migrations parsed in parallel at a time while a history is replayed.
const REPLAY_CHUNK: usize = 64;

/// The SQL a revision's upgrade renders to (Alembic's offline SQL).
pub fn upgrade_sql(revision: &LoadedRevision) -> Option<String> {
    let function = revision.rendered.as_ref().ok()?.upgrade.as_ref()?;
    Some(function_sql(Some(function)).text)
}

/// The SQL a revision's downgrade renders to.
pub fn downgrade_sql(revision: &LoadedRevision) -> Option<String> {
    let function = revision.rendered.as_ref().ok()?.downgrade.as_ref()?;
    Some(function_sql(Some(function)).text)
}

/// The names an upgrade's unrendered operations quote (`op.add_column("users", ...)` in
/// an `if` over runtime data: `users`): what they may have changed is unknown.
pub fn unrendered_names(revision: &LoadedRevision) -> NameSet {
    let mut names = NameSet::default();
    let Some(upgrade) = revision
        .rendered
        .as_ref()
        .ok()
        .and_then(|r| r.upgrade.as_ref())
    else {
        return names;
    };
    for unrendered in &upgrade.unrenderable {
        let text = revision
            .source
            .text
            .get(unrendered.span.clone())
            .unwrap_or_default();
        for (i, part) in text.split(['"', '\'']).enumerate() {
            // Odd parts are inside quotes (near enough: escapes are rare in names).
            let identifier = !part.is_empty()
                && part.len() <= 63
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !part.starts_with(|c: char| c.is_ascii_digit());
            if i % 2 == 1 && identifier {
                names.insert(part.to_ascii_lowercase().into());
            }
        }
    }
    names
}

/// Indexes into `loaded.revisions` in the order `alembic upgrade heads` applies them
/// (graph order, branches one after the other); revisions outside the graph are left out.
pub fn alembic_order(loaded: &LoadedProject) -> Vec<usize> {
    let by_path: HashMap<&std::path::Path, usize> = loaded
        .revisions
        .iter()
        .enumerate()
        .map(|(i, r)| (r.path.as_path(), i))
        .collect();
    loaded
        .graph()
        .topological_order()
        .into_iter()
        .filter_map(|node| by_path.get(node.file.as_path()).copied())
        .collect()
}

/// Where each direction of a migration starts from.
#[derive(Debug, Clone, Default)]
pub struct Start {
    pub upgrade: Catalog,
    pub downgrade: Catalog,
}

fn narrowed(catalog: &Catalog, sql: &str) -> Catalog {
    let mut names = NameSet::default();
    catalog.mentioned_names(sql, &mut names);
    catalog.subset(&names)
}

/// Where an Alembic replay stands: every revision sees exactly the schema its ancestors
/// build (a sibling branch's objects are not there). Graph nodes go in graph order, each
/// starting from its parent's catalog (moved along a line of single children, copied where
/// a branch starts; tables are shared, so a copy is cheap), and at a merge (or a
/// `depends_on`) the upgrades of the other parents' branches that the first one lacks are
/// replayed on top, in graph order.
struct Ancestry<'a> {
    loaded: &'a LoadedProject,
    graph: &'a RevisionGraph,
    /// Graph nodes in graph order, and each node's place in it.
    order: Vec<usize>,
    position: Vec<usize>,
    /// The index in `loaded.revisions` of each node's revision.
    revision_of: Vec<Option<usize>>,
    /// Children not replayed yet, and the schema after each node some still wait for.
    waiting: Vec<usize>,
    after: HashMap<usize, Catalog>,
}

impl<'a> Ancestry<'a> {
    fn new(loaded: &'a LoadedProject, graph: &'a RevisionGraph) -> Ancestry<'a> {
        let by_path: HashMap<&std::path::Path, usize> = (loaded.revisions.iter().enumerate())
            .map(|(i, r)| (r.path.as_path(), i))
            .collect();
        let nodes = graph.nodes();
        let revision_of = (nodes.iter())
            .map(|n| by_path.get(n.file.as_path()).copied())
            .collect();
        let order = graph.order_indices().to_vec();
        let mut position = vec![usize::MAX; nodes.len()];
        for (at, &node) in order.iter().enumerate() {
            position[node] = at;
        }
        let waiting = (0..nodes.len())
            .map(|i| graph.required_by(i).len())
            .collect();
        Ancestry {
            loaded,
            graph,
            order,
            position,
            revision_of,
            waiting,
            after: HashMap::new(),
        }
    }

    fn upgrade(&self, node: usize) -> String {
        self.revision_of[node]
            .and_then(|i| upgrade_sql(&self.loaded.revisions[i]))
            .unwrap_or_default()
    }

    /// What a node's unrendered operations name: unknown before and after it.
    fn unknown(&self, node: usize) -> NameSet {
        self.revision_of[node]
            .map(|i| unrendered_names(&self.loaded.revisions[i]))
            .unwrap_or_default()
    }

    /// The schema before the node at `at` in graph order runs.
    fn before(&mut self, at: usize) -> Catalog {
        let node = self.order[at];
        // Parents replayed already (on a cycle one may not be).
        let parents: Vec<usize> = (self.graph.requires(node).iter().copied())
            .filter(|&p| self.position[p] < at)
            .collect();
        // The parent latest in graph order, usually the main line, is the base.
        let base = parents.iter().copied().max_by_key(|&p| self.position[p]);
        let mut catalog = match base {
            None => Catalog::default(),
            Some(p) if self.waiting[p] <= 1 => self.after.remove(&p).unwrap_or_default(),
            Some(p) => self.after.get(&p).cloned().unwrap_or_default(),
        };
        if parents.len() > 1 {
            let base = base.unwrap_or_default();
            let has = self.ancestors_of(&[base], at);
            let wanted = self.ancestors_of(&parents, at);
            let mut missing: Vec<usize> = (0..self.position.len())
                .filter(|&i| wanted[i] && !has[i])
                .collect();
            missing.sort_unstable_by_key(|&i| self.position[i]);
            for i in missing {
                catalog.apply_sql(&self.upgrade(i));
            }
        }
        for &p in &parents {
            self.waiting[p] = self.waiting[p].saturating_sub(1);
            if self.waiting[p] == 0 {
                self.after.remove(&p);
            }
        }
        catalog.forget(&self.unknown(node));
        catalog
    }

    /// Keeps the schema after `node` for the children that wait for it.
    fn keep(&mut self, node: usize, catalog: Catalog) {
        if self.waiting[node] > 0 {
            self.after.insert(node, catalog);
        }
    }

    /// `starts` and everything they require, among the nodes placed before `at`.
    fn ancestors_of(&self, starts: &[usize], at: usize) -> Vec<bool> {
        let mut seen = vec![false; self.position.len()];
        let mut stack = starts.to_vec();
        while let Some(i) = stack.pop() {
            if self.position[i] < at && !std::mem::replace(&mut seen[i], true) {
                stack.extend(self.graph.requires(i));
            }
        }
        seen
    }
}

/// One revision as the replay meets it, in graph order.
pub struct Replayed {
    /// Its index in `loaded.revisions`.
    pub index: usize,
    /// Its upgrade's SQL (empty when it has none), and that SQL parsed: parsed once for
    /// the replay and the rules.
    pub upgrade: RenderedSql,
    pub parsed: Parsed,
    pub start: Start,
    /// With round trips asked for and the revision comparable (see
    /// [`alembic_roundtrips`]): the part of the schema before it that its upgrade and
    /// downgrade name, to compare with what they leave ([`Replayed::roundtrip`]).
    pub roundtrip_base: Option<Catalog>,
}

impl Replayed {
    /// What the revision's downgrade leaves different from the schema its upgrade started
    /// from, when it was asked for ([`roundtrip`], on the parse already made).
    pub fn roundtrip(&self, revision: &LoadedRevision) -> Option<Vec<String>> {
        let before = self.roundtrip_base.as_ref()?;
        let mut after = before.clone();
        for statement in &self.parsed.statements {
            after.apply(&statement.node);
        }
        after.end_session();
        after.apply_sql(&downgrade_sql(revision).unwrap_or_default());
        Some(crate::schema::diff::differences(
            before,
            &after,
            "after downgrade",
        ))
    }
}

/// Replays the revisions in graph order, each on the schema its ancestors build
/// ([`Ancestry`]), and hands each, with the schema before it, to `each` (which lints it);
/// returns what `each` made, in graph order, with the revision's index. Revisions outside
/// the graph are not handed on; they start from an empty schema. `graph`: the project's
/// ([`LoadedProject::graph`]). `roundtrips`: fill [`Replayed::roundtrip_base`].
///
/// Pipelined a chunk at a time: while one chunk's upgrades are applied in order (the only
/// sequential part), the chunk before it goes through `each` and the one after is parsed,
/// both in parallel; at most three chunks' parse trees are held at once.
pub fn alembic_replay<T: Send>(
    loaded: &LoadedProject,
    graph: &RevisionGraph,
    roundtrips: bool,
    each: impl Fn(Replayed) -> T + Sync,
) -> Vec<(usize, T)> {
    let mut ancestry = Ancestry::new(loaded, graph);
    // Positions in graph order, a chunk at a time.
    let positions: Vec<usize> = (0..ancestry.order.len()).collect();
    let chunks: Vec<&[usize]> = positions.chunks(REPLAY_CHUNK).collect();
    let revision_at: Vec<Option<usize>> = (ancestry.order.iter())
        .map(|&node| ancestry.revision_of[node])
        .collect();
    let parse = |chunk: Option<&&[usize]>| -> Vec<(RenderedSql, Parsed)> {
        let chunk = chunk.map_or(&[][..], |c| *c);
        chunk
            .par_iter()
            .map(|&at| {
                let rendered = revision_at[at].map(|i| &loaded.revisions[i].rendered);
                let upgrade = match rendered {
                    Some(Ok(rendered)) => function_sql(rendered.upgrade.as_ref()),
                    _ => RenderedSql::default(),
                };
                let parsed = crate::parse::parse_sql(&upgrade.text);
                (upgrade, parsed)
            })
            .collect()
    };
    let finish = |replayed: Vec<Replayed>| -> Vec<(usize, T)> {
        replayed
            .into_par_iter()
            .map(|r| (r.index, each(r)))
            .collect()
    };
    let mut out = Vec::with_capacity(positions.len());
    let mut parsed = parse(chunks.first());
    let mut replayed = Vec::new();
    for (k, chunk) in chunks.iter().enumerate() {
        let (this, before) = (std::mem::take(&mut parsed), std::mem::take(&mut replayed));
        let apply = || apply_chunk(&mut ancestry, chunk, this, roundtrips);
        let (applied, (done, next)) = rayon::join(apply, || {
            rayon::join(|| finish(before), || parse(chunks.get(k + 1)))
        });
        out.extend(done);
        (replayed, parsed) = (applied, next);
    }
    out.extend(finish(replayed));
    out
}

/// Applies one chunk of parsed upgrades in graph order, noting where each revision starts.
fn apply_chunk(
    ancestry: &mut Ancestry,
    chunk: &[usize],
    parsed: Vec<(RenderedSql, Parsed)>,
    roundtrips: bool,
) -> Vec<Replayed> {
    let loaded = ancestry.loaded;
    let mut out = Vec::with_capacity(chunk.len());
    for (&at, (upgrade, parsed)) in chunk.iter().zip(parsed) {
        let node = ancestry.order[at];
        let mut catalog = ancestry.before(at);
        let Some(index) = ancestry.revision_of[node] else {
            ancestry.keep(node, catalog); // no revision file: nothing to replay
            continue;
        };
        let revision = &loaded.revisions[index];
        let roundtrip_base = (roundtrips && comparable(revision)).then(|| {
            let mut names = NameSet::default();
            catalog.mentioned_names(&upgrade.text, &mut names);
            catalog.mentioned_names(&downgrade_sql(revision).unwrap_or_default(), &mut names);
            catalog.subset_with(&names, true)
        });
        let mut start = Start {
            upgrade: narrowed(&catalog, &upgrade.text),
            downgrade: Catalog::default(),
        };
        for statement in &parsed.statements {
            catalog.apply(&statement.node);
        }
        catalog.end_session();
        catalog.forget(&ancestry.unknown(node));
        if let Some(downgrade) = downgrade_sql(revision) {
            start.downgrade = narrowed(&catalog, &downgrade);
        }
        ancestry.keep(node, catalog);
        out.push(Replayed {
            index,
            upgrade,
            parsed,
            start,
            roundtrip_base,
        });
    }
    out
}

/// What a downgrade leaves different from the schema its upgrade started from, for every
/// revision (same index as `loaded.revisions`). None where there is nothing to compare:
/// the revision did not render, its downgrade is empty or missing, or part of either
/// function could not be rendered (other rules report those).
pub fn alembic_roundtrips(loaded: &LoadedProject) -> Vec<Option<Vec<String>>> {
    let mut out = vec![None; loaded.revisions.len()];
    let graph = loaded.graph();
    let found = alembic_replay(loaded, &graph, true, |r| {
        r.roundtrip(&loaded.revisions[r.index])
    });
    for (index, differences) in found {
        out[index] = differences;
    }
    out
}

/// Whether a revision's round trip can be compared: it rendered, with a downgrade that
/// is not empty, and every statement of both functions rendered.
pub fn comparable(revision: &LoadedRevision) -> bool {
    revision.rendered.as_ref().is_ok_and(|r| {
        let complete = |f: &Option<crate::alembic::revision::RenderedFunction>| {
            f.as_ref().is_some_and(|f| f.unrenderable.is_empty())
        };
        complete(&r.upgrade)
            && complete(&r.downgrade)
            && r.downgrade.as_ref().is_some_and(|d| !d.is_empty)
    })
}

/// Replays `upgrade` then `downgrade` on the part of `before` they name and compares.
pub fn roundtrip(before: &Catalog, upgrade: &str, downgrade: &str) -> Vec<String> {
    let mut names = NameSet::default();
    before.mentioned_names(upgrade, &mut names);
    before.mentioned_names(downgrade, &mut names);
    let before = before.subset_with(&names, true);
    let mut after = before.clone();
    after.apply_sql(upgrade);
    after.apply_sql(downgrade);
    crate::schema::diff::differences(&before, &after, "after downgrade")
}

/// Adds the `downgrade-not-reversible` finding to the report of the `.sql` file holding a
/// down part: on its first down marker line (dbmate, goose, sql-migrate), else on its
/// first line.
pub fn report_roundtrip(
    report: &mut super::FileReport,
    differences: &[String],
    config: &crate::config::Config,
) {
    let rule = &crate::rules::downgrade_not_reversible::RULE;
    let Some(severity) = config.severity_of(rule) else {
        return;
    };
    let (message, advice) = crate::rules::downgrade_not_reversible::message(differences);
    report.findings.push(crate::diagnostic::Finding {
        rule,
        severity,
        message,
        advice,
        span: roundtrip_span(&report.source),
        statement: None,
    });
    report
        .findings
        .sort_by(|a, b| (a.span.start, a.rule.id).cmp(&(b.span.start, b.rule.id)));
}

/// The schema an Alembic project has at `at` (any revision spec Alembic accepts: an id,
/// `head`, `heads`, `base`, a label; default `heads`): the revisions up to it, with their
/// ancestors only, replayed in graph order.
pub fn alembic_schema_at(loaded: &LoadedProject, at: Option<&str>) -> Result<Catalog, String> {
    let graph = loaded.graph();
    let targets = match graph.resolve(at.unwrap_or("heads")) {
        Ok(crate::alembic::graph::Resolved::Base) => Vec::new(),
        Ok(crate::alembic::graph::Resolved::Revisions(ids)) => ids,
        Err(error) => return Err(error.to_string()),
    };
    // The targets and everything they stand on.
    let mut wanted: HashSet<String> = HashSet::new();
    let mut stack = targets;
    while let Some(id) = stack.pop() {
        if !wanted.insert(id.clone()) {
            continue;
        }
        if let Some(node) = graph.get(&id) {
            stack.extend(node.down_revision.iter().cloned());
            stack.extend(node.depends_on.iter().cloned());
        }
    }
    let mut catalog = Catalog::default();
    for i in alembic_order(loaded) {
        let revision = &loaded.revisions[i];
        let id = revision
            .rendered
            .as_ref()
            .ok()
            .and_then(|r| r.revision.clone());
        if id.is_some_and(|id| wanted.contains(&id)) {
            catalog.apply_sql(&upgrade_sql(revision).unwrap_or_default());
        }
    }
    Ok(catalog)
}
