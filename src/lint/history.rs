//! The schema earlier migrations built, for each migration: every migration's SQL
//! replayed into one catalog in the order its tool applies them (Alembic revisions in
//! graph order, `.sql` files in Flyway / golang-migrate / dbmate order), and each one
//! handed the part of the catalog its statements name (a narrowed copy, so that a
//! 2,000-revision project does not hold 2,000 copies of its whole schema).

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::alembic::offline::{RenderedSql, function_sql};
use crate::alembic::{LoadedProject, LoadedRevision};
use crate::order::{Kind, classify, natural_cmp, section, upgrade_order};
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

/// Replays the revisions in graph order and hands each, with the schema before it, to
/// `each` (which lints it); returns what `each` made, in graph order, with the revision's
/// index. Revisions outside the graph are not handed on; they start from an empty schema.
/// `roundtrips`: fill [`Replayed::roundtrip_base`].
///
/// Pipelined a chunk at a time: while one chunk's upgrades are applied in order (the only
/// sequential part), the chunk before it goes through `each` and the one after is parsed,
/// both in parallel; at most three chunks' parse trees are held at once.
pub fn alembic_replay<T: Send>(
    loaded: &LoadedProject,
    roundtrips: bool,
    each: impl Fn(Replayed) -> T + Sync,
) -> Vec<(usize, T)> {
    let order = alembic_order(loaded);
    let chunks: Vec<&[usize]> = order.chunks(REPLAY_CHUNK).collect();
    let parse = |chunk: Option<&&[usize]>| -> Vec<(RenderedSql, Parsed)> {
        let chunk = chunk.map_or(&[][..], |c| *c);
        chunk
            .par_iter()
            .map(|&i| {
                let upgrade = match &loaded.revisions[i].rendered {
                    Ok(rendered) => function_sql(rendered.upgrade.as_ref()),
                    Err(_) => RenderedSql::default(),
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
    let mut catalog = Catalog::default();
    let mut out = Vec::with_capacity(order.len());
    let mut parsed = parse(chunks.first());
    let mut replayed = Vec::new();
    for (k, chunk) in chunks.iter().enumerate() {
        let (this, before) = (std::mem::take(&mut parsed), std::mem::take(&mut replayed));
        let apply = || apply_chunk(loaded, &mut catalog, chunk, this, roundtrips);
        let (applied, (done, next)) = rayon::join(apply, || {
            rayon::join(|| finish(before), || parse(chunks.get(k + 1)))
        });
        out.extend(done);
        (replayed, parsed) = (applied, next);
    }
    out.extend(finish(replayed));
    out
}

/// Applies one chunk of parsed upgrades in order, noting where each revision starts.
fn apply_chunk(
    loaded: &LoadedProject,
    catalog: &mut Catalog,
    chunk: &[usize],
    parsed: Vec<(RenderedSql, Parsed)>,
    roundtrips: bool,
) -> Vec<Replayed> {
    chunk
        .iter()
        .zip(parsed)
        .map(|(&index, (upgrade, parsed))| {
            let revision = &loaded.revisions[index];
            let roundtrip_base = (roundtrips && comparable(revision)).then(|| {
                let mut names = HashSet::new();
                mentioned_names(&upgrade.text, &mut names);
                mentioned_names(&downgrade_sql(revision).unwrap_or_default(), &mut names);
                catalog.subset_with(&names, true)
            });
            let mut start = Start {
                upgrade: narrowed(catalog, &upgrade.text),
                downgrade: Catalog::default(),
            };
            for statement in &parsed.statements {
                catalog.apply(&statement.node);
            }
            if let Some(downgrade) = downgrade_sql(revision) {
                start.downgrade = narrowed(catalog, &downgrade);
            }
            Replayed {
                index,
                upgrade,
                parsed,
                start,
                roundtrip_base,
            }
        })
        .collect()
}

/// The part of a `.sql` migration that upgrades (a dbmate file's `-- migrate:up` section).
pub fn up_sql(source: &SourceFile) -> &str {
    match section(&source.text, false) {
        Some(range) => &source.text[range],
        None => &source.text,
    }
}

/// The bare file name of a source, which carries its version.
fn file_name(source: &SourceFile) -> &str {
    source
        .name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(&source.name)
}

/// Positions of `sources` in their tool's upgrade order: up files (and dbmate files) by
/// version, repeatable ones last; down files after the up file of the same version.
pub fn sql_order(sources: &[&SourceFile]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sources.len()).collect();
    let names: Vec<_> = sources.iter().map(|s| classify(file_name(s))).collect();
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
    let mut out = vec![SqlHistory::default(); sources.len()];
    let order = sql_order(sources);
    let names: Vec<_> = sources.iter().map(|s| classify(file_name(s))).collect();
    // One file alone has no history; only its own down part can be compared.
    let many = sources.len() >= 2;
    let mut catalog = Catalog::default();
    // Parsing is most of a replay: the up parts are parsed in parallel a chunk at a time,
    // then applied in order.
    let last = order.len().saturating_sub(1);
    for (chunk_at, chunk) in order.chunks(REPLAY_CHUNK).enumerate() {
        let first = chunk_at * REPLAY_CHUNK;
        let parsed: Vec<Option<crate::parse::Parsed>> = chunk
            .par_iter()
            .enumerate()
            .map(|(k, &i)| {
                // What the last migration builds reaches no later one: no need to replay it.
                let replayed = names[i].kind != Kind::Down && first + k < last;
                replayed.then(|| crate::parse::parse_sql(up_sql(sources[i])))
            })
            .collect();
        for ((k, &i), parsed) in chunk.iter().enumerate().zip(parsed) {
            let at = first + k;
            let source = sources[i];
            if many {
                out[i].start = narrowed(&catalog, &source.text);
            }
            if names[i].kind == Kind::Down {
                continue;
            }
            if roundtrips {
                let up = up_sql(source);
                // The down part: the next file in order when it is this version's down
                // file, else a dbmate down section.
                let paired = order.get(at + 1).copied().filter(|&j| {
                    names[j].kind == Kind::Down
                        && names[j].version.is_some()
                        && names[j].version == names[i].version
                });
                let down = match paired {
                    Some(j) => Some((j, sources[j].text.as_str())),
                    None => section(&source.text, true)
                        .map(|range| (i, &source.text[range]))
                        .filter(|(_, text)| !text.trim().is_empty()),
                };
                if let Some((holder, down)) = down {
                    out[holder].roundtrip = Some(roundtrip(&catalog, up, down));
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
fn comparable(revision: &LoadedRevision) -> bool {
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
    let source = &report.source;
    let line = match section(&source.text, true) {
        Some(range) => source.position(range.start).line.saturating_sub(1).max(1),
        None => 1,
    };
    let (message, advice) = crate::rules::downgrade_not_reversible::message(differences);
    report.findings.push(crate::diagnostic::Finding {
        rule,
        severity,
        message,
        advice,
        span: source.line_span(line),
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
