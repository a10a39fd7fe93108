//! The schema earlier migrations built, for each migration: every migration's SQL
//! replayed into one catalog in the order its tool applies them (Alembic revisions in
//! graph order, `.sql` files in Flyway / golang-migrate / dbmate order), and each one
//! handed the part of the catalog its statements name (a narrowed copy, so that a
//! 2,000-revision project does not hold 2,000 copies of its whole schema).

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::alembic::offline::{RenderedSql, function_sql};
use crate::alembic::{LoadedProject, LoadedRevision};
use crate::order::{Kind, classify, migration_name, natural_cmp, section, upgrade_order};
use crate::parse::Parsed;
use crate::schema::{Catalog, mentioned_names};
use crate::source::SourceFile;

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
pub fn unrendered_names(revision: &LoadedRevision) -> HashSet<String> {
    let mut names = HashSet::new();
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
                names.insert(part.to_ascii_lowercase());
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
    let mut names = HashSet::new();
    mentioned_names(sql, &mut names);
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
    graph: crate::alembic::graph::RevisionGraph,
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
    fn new(loaded: &'a LoadedProject) -> Ancestry<'a> {
        let graph = loaded.graph();
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
    fn unknown(&self, node: usize) -> HashSet<String> {
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
/// the graph are not handed on; they start from an empty schema. `roundtrips`: fill
/// [`Replayed::roundtrip_base`].
///
/// Pipelined a chunk at a time: while one chunk's upgrades are applied in order (the only
/// sequential part), the chunk before it goes through `each` and the one after is parsed,
/// both in parallel; at most three chunks' parse trees are held at once.
pub fn alembic_replay<T: Send>(
    loaded: &LoadedProject,
    roundtrips: bool,
    each: impl Fn(Replayed) -> T + Sync,
) -> Vec<(usize, T)> {
    let mut ancestry = Ancestry::new(loaded);
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
            let mut names = HashSet::new();
            mentioned_names(&upgrade.text, &mut names);
            mentioned_names(&downgrade_sql(revision).unwrap_or_default(), &mut names);
            catalog.subset_with(&names, true)
        });
        let mut start = Start {
            upgrade: narrowed(&catalog, &upgrade.text),
            downgrade: Catalog::default(),
        };
        for statement in &parsed.statements {
            catalog.apply(&statement.node);
        }
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

/// The part of a `.sql` migration that upgrades (a dbmate file's `-- migrate:up` section).
pub fn up_sql(source: &SourceFile) -> &str {
    match section(&source.text, false) {
        Some(range) => &source.text[range],
        None => &source.text,
    }
}

/// The name that carries a source's version: its file name, or `DIR/FILE` in a directory
/// per migration.
fn file_name(source: &SourceFile) -> &str {
    migration_name(&source.name)
}

/// Positions of `sources` in their tool's upgrade order: up files (and dbmate files) by
/// version, repeatable ones last; down files after the up file of the same version.
pub fn sql_order(sources: &[&SourceFile]) -> Vec<usize> {
    let names: Vec<_> = sources.iter().map(|s| classify(file_name(s))).collect();
    order_of(&names)
}

/// [`sql_order`] of classified file names.
fn order_of(names: &[crate::order::MigrationName]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| {
        let down = |i: usize| names[i].kind == Kind::Down;
        let key = |i: usize| {
            let mut name = names[i].clone();
            name.kind = if down(i) { Kind::Up } else { name.kind };
            // A versioned down file pairs with the up file of its version, whatever its name.
            if name.version.is_some() {
                name.name.clear();
            }
            name
        };
        upgrade_order(&key(a), &key(b))
            .then(down(a).cmp(&down(b)))
            .then_with(|| natural_cmp(&names[a].name, &names[b].name))
    });
    order
}

/// The down part of the up migration at `order[at]`: the next file in order when it is
/// this version's down file, else a dbmate down section; with the file that holds it.
fn down_part<'a>(
    sources: &[&'a SourceFile],
    names: &[crate::order::MigrationName],
    order: &[usize],
    at: usize,
) -> Option<(usize, &'a str)> {
    let i = order[at];
    let source = sources[i];
    match paired_down(names, order, at) {
        Some(j) => Some((j, sources[j].text.as_str())),
        None => section(&source.text, true)
            .map(|range| (i, &source.text[range]))
            .filter(|(_, text)| !text.trim().is_empty()),
    }
}

/// The down file of the up migration at `order[at]`: the next file in order when it is
/// this version's down file.
fn paired_down(names: &[crate::order::MigrationName], order: &[usize], at: usize) -> Option<usize> {
    let i = order[at];
    order.get(at + 1).copied().filter(|&j| {
        names[j].kind == Kind::Down
            && names[j].version.is_some()
            && names[j].version == names[i].version
    })
}

/// One SQL migration in its tool's order, as the live round trip runs it: the up part
/// (index into `sources`) and, when it has one, the down part with the file holding it.
#[derive(Debug, Clone)]
pub struct SqlStep<'a> {
    pub up: usize,
    pub down: Option<(usize, &'a str)>,
}

/// The up migrations of `sources` in their tool's order, each with its down part paired
/// as `check-downgrade` pairs them.
pub fn sql_steps<'a>(sources: &[&'a SourceFile]) -> Vec<SqlStep<'a>> {
    let order = sql_order(sources);
    let names: Vec<_> = sources.iter().map(|s| classify(file_name(s))).collect();
    (0..order.len())
        .filter(|&at| names[order[at]].kind != Kind::Down)
        .map(|at| SqlStep {
            up: order[at],
            down: down_part(sources, &names, &order, at),
        })
        .collect()
}

/// Where a `.sql` file's round-trip finding goes: its `-- migrate:down` line (dbmate),
/// else its first line.
pub fn roundtrip_span(source: &SourceFile) -> std::ops::Range<usize> {
    let line = match section(&source.text, true) {
        Some(range) => source.position(range.start).line.saturating_sub(1).max(1),
        None => 1,
    };
    source.line_span(line)
}

/// What one SQL migration is linted with: the schema the migrations before it built (a
/// down file: the schema its up file left), and for the file holding a down part, what
/// that down part leaves different from the schema its up part started from.
#[derive(Debug, Clone, Default)]
pub struct SqlHistory {
    pub start: Catalog,
    pub roundtrip: Option<Vec<String>>,
}

/// Migrations parsed in parallel at a time while a directory is replayed.
const REPLAY_CHUNK: usize = 64;

/// [`SqlHistory`] for every SQL migration of one directory (same index as `sources`), in
/// one replay in the tool's order. `roundtrips`: compare down parts with their up parts.
pub fn sql_history(sources: &[&SourceFile], roundtrips: bool) -> Vec<SqlHistory> {
    let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    sql_history_read(&names, &|i| Some(sources[i].clone()), roundtrips)
}

/// [`sql_history`] of the files called `names` (paths, whose last part carries the
/// version), read with `read` a chunk at a time in the tool's order, so that a big
/// directory is never held in memory whole. A file `read` cannot read is left out.
pub fn sql_history_read(
    names: &[String],
    read: &(dyn Fn(usize) -> Option<SourceFile> + Sync),
    roundtrips: bool,
) -> Vec<SqlHistory> {
    let mut out = vec![SqlHistory::default(); names.len()];
    let classified: Vec<_> = names.iter().map(|n| classify(migration_name(n))).collect();
    let order = order_of(&classified);
    // One file alone has no history; only its own down part can be compared.
    let many = names.len() >= 2;
    let mut catalog = Catalog::default();
    // Parsing is most of a replay: the up parts are read and parsed in parallel a chunk
    // at a time, then applied in order.
    let last = order.len().saturating_sub(1);
    for (chunk_at, chunk) in order.chunks(REPLAY_CHUNK).enumerate() {
        let first = chunk_at * REPLAY_CHUNK;
        let files: Vec<(Option<SourceFile>, Option<crate::parse::Parsed>)> = chunk
            .par_iter()
            .enumerate()
            .map(|(k, &i)| {
                let source = read(i);
                // What the last migration builds reaches no later one: no need to replay it.
                let replayed = classified[i].kind != Kind::Down && first + k < last;
                let parsed = source
                    .as_ref()
                    .filter(|_| replayed)
                    .map(|s| crate::parse::parse_schema_changes(up_sql(s)));
                (source, parsed)
            })
            .collect();
        for (k, (source, parsed)) in files.iter().enumerate() {
            let at = first + k;
            let i = order[at];
            let Some(source) = source else { continue };
            if many {
                out[i].start = narrowed(&catalog, &source.text);
            }
            if classified[i].kind == Kind::Down {
                continue;
            }
            if roundtrips {
                let down = match paired_down(&classified, &order, at) {
                    // The down file is the next one: in this chunk, or the next one's first.
                    Some(j) => match files.get(k + 1) {
                        Some((next, _)) => next.clone(),
                        None => read(j),
                    }
                    .map(|d| (j, d.text)),
                    None => section(&source.text, true)
                        .map(|range| (i, source.text[range].to_string()))
                        .filter(|(_, text)| !text.trim().is_empty()),
                };
                if let Some((holder, down)) = down {
                    out[holder].roundtrip = Some(roundtrip(&catalog, up_sql(source), &down));
                }
            }
            for statement in parsed.iter().flat_map(|p| &p.statements) {
                catalog.apply(&statement.node);
            }
        }
    }
    out
}

/// What a downgrade leaves different from the schema its upgrade started from, for every
/// revision (same index as `loaded.revisions`). None where there is nothing to compare:
/// the revision did not render, its downgrade is empty or missing, or part of either
/// function could not be rendered (other rules report those).
pub fn alembic_roundtrips(loaded: &LoadedProject) -> Vec<Option<Vec<String>>> {
    let mut out = vec![None; loaded.revisions.len()];
    let found = alembic_replay(loaded, true, |r| r.roundtrip(&loaded.revisions[r.index]));
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
    let mut names = HashSet::new();
    mentioned_names(upgrade, &mut names);
    mentioned_names(downgrade, &mut names);
    let before = before.subset_with(&names, true);
    let mut after = before.clone();
    after.apply_sql(upgrade);
    after.apply_sql(downgrade);
    crate::schema::diff::differences(&before, &after, "after downgrade")
}

/// Adds the `downgrade-not-reversible` finding to the report of the `.sql` file holding a
/// down part: on its `-- migrate:down` line (dbmate), else on its first line.
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

/// The schema `.sql` migrations build, up to and including the file `at` names (its
/// file name, or the start of it: `V3`, `000003`), in their tool's order.
pub fn sql_schema_at(sources: &[&SourceFile], at: Option<&str>) -> Result<Catalog, String> {
    let mut catalog = Catalog::default();
    for i in sql_order(sources) {
        let source = sources[i];
        if classify(file_name(source)).kind == Kind::Down {
            continue;
        }
        catalog.apply_sql(up_sql(source));
        if at.is_some_and(|at| file_name(source).starts_with(at)) {
            return Ok(catalog);
        }
    }
    match at {
        Some(at) => Err(format!("no migration file named {at}")),
        None => Ok(catalog),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_files_replay_in_tool_order_and_down_files_follow_their_up_file() {
        let files = [
            SourceFile::new("m/V10__b.sql", "ALTER TABLE t ALTER COLUMN a TYPE text;"),
            SourceFile::new("m/V2__a.sql", "CREATE TABLE t (a varchar(10));"),
            SourceFile::new("m/U2__a.sql", "DROP TABLE t;"),
        ];
        let refs: Vec<&SourceFile> = files.iter().collect();
        assert_eq!(sql_order(&refs), [1, 2, 0]);
        let starts: Vec<Catalog> = sql_history(&refs, false)
            .into_iter()
            .map(|h| h.start)
            .collect();
        let t = crate::facts::Relation::new(None, "t");
        assert_eq!(
            starts[0].column_type(&t, "a").unwrap().to_string(),
            "varchar(10)"
        );
        assert!(starts[1].tables.is_empty());
        assert!(starts[2].table(&t).is_some(), "U2 starts after V2");
    }

    #[test]
    fn a_down_file_read_in_the_next_chunk_is_still_paired() {
        // One lone up file first: the 32nd pair's up file ends the first chunk of 64 and
        // its down file starts the second.
        let mut files = vec![SourceFile::new(
            "m/000000_x.up.sql",
            "CREATE TABLE x (a int);",
        )];
        for k in 1..=40 {
            files.push(SourceFile::new(
                format!("m/{k:06}_t.up.sql"),
                format!("CREATE TABLE t{k} (a int);"),
            ));
            let down = if k == 32 {
                "SELECT 1;".to_string()
            } else {
                format!("DROP TABLE t{k};")
            };
            files.push(SourceFile::new(format!("m/{k:06}_t.down.sql"), down));
        }
        let refs: Vec<&SourceFile> = files.iter().collect();
        assert_eq!(sql_order(&refs)[63], 63, "the 32nd up file is the 64th");
        let found: Vec<_> = sql_history(&refs, true)
            .into_iter()
            .map(|h| h.roundtrip)
            .collect();
        assert_eq!(
            found[64],
            Some(vec!["table t32 is left over after downgrade".to_string()])
        );
        assert_eq!(found[62], Some(vec![]));
        assert_eq!(found[66], Some(vec![]));
    }

    #[test]
    fn paired_down_files_and_dbmate_sections_are_compared() {
        let files = [
            SourceFile::new("m/000001_init.up.sql", "CREATE TABLE t (a int);"),
            SourceFile::new("m/000001_init.down.sql", "DROP TABLE t;"),
            SourceFile::new(
                "m/000002_idx.up.sql",
                "CREATE INDEX t_a ON t (a); ALTER TABLE t ALTER COLUMN a TYPE bigint;",
            ),
            SourceFile::new("m/000002_idx.down.sql", "SELECT 1;"),
            SourceFile::new(
                "m/20240101_x.sql",
                "-- migrate:up\nALTER TABLE t ADD COLUMN b int NOT NULL;\n-- migrate:down\nALTER TABLE t DROP COLUMN b;\n",
            ),
        ];
        let refs: Vec<&SourceFile> = files.iter().collect();
        let found: Vec<_> = sql_history(&refs, true)
            .into_iter()
            .map(|h| h.roundtrip)
            .collect();
        assert_eq!(found[0], None);
        assert_eq!(found[1], Some(vec![]));
        assert_eq!(found[2], None);
        assert_eq!(
            found[3],
            Some(vec![
                "column t.a: integer before, bigint after".to_string(),
                "index t_a is left over after downgrade".to_string()
            ])
        );
        assert_eq!(found[4], Some(vec![]));
    }
}
