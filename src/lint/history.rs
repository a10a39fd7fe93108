//! The schema earlier migrations built, for each migration: every migration's SQL
//! replayed into one catalog in the order its tool applies them (Alembic revisions in
//! graph order, `.sql` files in Flyway / golang-migrate / dbmate order), and each one
//! handed the part of the catalog its statements name (a narrowed copy, so that a
//! 2,000-revision project does not hold 2,000 copies of its whole schema).

use std::collections::{HashMap, HashSet};

use crate::alembic::offline::function_sql;
use crate::alembic::{LoadedProject, LoadedRevision};
use crate::order::{Kind, classify, natural_cmp, section, upgrade_order};
use crate::schema::{Catalog, mentioned_names};
use crate::source::SourceFile;

use super::alembic::Direction;

/// The SQL a revision's upgrade or downgrade renders to (Alembic's offline SQL).
pub fn revision_sql(revision: &LoadedRevision, direction: Direction) -> Option<String> {
    let rendered = revision.rendered.as_ref().ok()?;
    let function = match direction {
        Direction::Upgrade => rendered.upgrade.as_ref(),
        Direction::Downgrade => rendered.downgrade.as_ref(),
    }?;
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

/// For every revision (same index as `loaded.revisions`): the schema before its upgrade,
/// and after it (where its downgrade starts).
pub fn alembic_starts(loaded: &LoadedProject) -> Vec<Start> {
    let mut starts = vec![Start::default(); loaded.revisions.len()];
    let mut catalog = Catalog::default();
    for i in alembic_order(loaded) {
        let revision = &loaded.revisions[i];
        let upgrade = revision_sql(revision, Direction::Upgrade).unwrap_or_default();
        starts[i].upgrade = narrowed(&catalog, &upgrade);
        catalog.apply_sql(&upgrade);
        if let Some(downgrade) = revision_sql(revision, Direction::Downgrade) {
            starts[i].downgrade = narrowed(&catalog, &downgrade);
        }
    }
    starts
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

/// For every SQL migration of one directory (same index as `sources`): the schema the
/// migrations before it built. A down file starts from the schema its up file left.
pub fn sql_starts(sources: &[&SourceFile]) -> Vec<Catalog> {
    let mut starts = vec![Catalog::default(); sources.len()];
    if sources.len() < 2 {
        return starts;
    }
    let mut catalog = Catalog::default();
    for i in sql_order(sources) {
        let source = sources[i];
        if classify(file_name(source)).kind == Kind::Down {
            starts[i] = narrowed(&catalog, &source.text);
            continue;
        }
        let up = up_sql(source);
        starts[i] = narrowed(&catalog, &source.text);
        catalog.apply_sql(up);
    }
    starts
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
        let starts = sql_starts(&refs);
        let t = crate::facts::Relation::new(None, "t");
        assert_eq!(
            starts[0].column_type(&t, "a").unwrap().to_string(),
            "varchar(10)"
        );
        assert!(starts[1].tables.is_empty());
        assert!(starts[2].table(&t).is_some(), "U2 starts after V2");
    }
}
