//! `locksmith sql` for Alembic: the offline script Alembic would print for a revision
//! range (`BEGIN;`, the `alembic_version` table when starting from base, `-- Running
//! upgrade A -> B` per revision with its statements and version bookkeeping, `COMMIT;`; one
//! transaction per migration when env.py sets `transaction_per_migration`), or one
//! revision file's own SQL.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::alembic::graph::{self, RevisionNode};
use rayon::prelude::*;

use crate::alembic::project::AlembicProject;
use crate::alembic::render::render_revision;
use crate::alembic::revision::RevisionFile;
use crate::config::Config;
use crate::discover::Input;
use crate::lint::lint_source;
use crate::run::{RunError, read_input};
use crate::source::SourceFile;

use super::{Preview, Unit};

const CREATE_VERSION_TABLE: &str = "CREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL, \n    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)";

/// The revision range to preview.
#[derive(Debug, Clone, Default)]
pub struct Range {
    pub from: Option<String>,
    pub to: Option<String>,
    pub downgrade: bool,
}

/// `single_file`: the user named one revision file, whose own SQL is printed without the
/// version bookkeeping of a range.
pub fn alembic_preview(
    project: &AlembicProject,
    range: &Range,
    single_file: bool,
    config: &Config,
) -> Preview {
    let mut preview = Preview::default();
    // Rendering is all the preview needs: each unit's SQL is linted once, below.
    let outcomes: Vec<Result<(String, RevisionFile), RunError>> = project
        .revision_files
        .par_iter()
        .map(|path| {
            let source = read_input(&Input::File(path.clone()))?;
            let revision = render_revision(&source.text).map_err(|e| RunError {
                line: Some(source.position(e.offset.min(source.text.len())).line),
                file: source.name.clone(),
                message: format!("invalid Python: {}", e.message),
            })?;
            Ok((source.name, revision))
        })
        .collect();
    let mut rendered = Vec::new();
    for outcome in outcomes {
        match outcome {
            Ok(pair) => rendered.push(pair),
            // Not placed in the graph: said, and the rest is still previewed.
            Err(error) => preview.errors.push(error),
        }
    }

    if single_file {
        if let Some((name, revision)) = rendered.first() {
            preview
                .units
                .push(revision_unit(name, revision, range.downgrade, None, config));
        }
        return preview;
    }

    let nodes: Vec<RevisionNode> = rendered
        .iter()
        .map(|(name, r)| RevisionNode {
            file: PathBuf::from(name),
            revision: r.revision.clone(),
            down_revision: r.down_revision.clone(),
            branch_labels: r.branch_labels.clone(),
            depends_on: r.depends_on.clone(),
            message: r.message.clone(),
            ..Default::default()
        })
        .collect();
    let graph = graph::build(nodes);
    // Where the range starts: None is base.
    let start = if range.downgrade {
        Some(range.from.as_deref().unwrap_or("heads"))
    } else {
        range.from.as_deref().filter(|f| *f != "base")
    };
    let path = if range.downgrade {
        let to = range.to.as_deref().filter(|t| *t != "base");
        graph.downgrade_path(start.unwrap_or("heads"), to)
    } else {
        graph.upgrade_path(start, range.to.as_deref().unwrap_or("heads"))
    };
    let path: Vec<String> = match path {
        Ok(nodes) => nodes.iter().filter_map(|n| n.revision.clone()).collect(),
        Err(error) => {
            preview.errors.push(RunError {
                file: project.root.display().to_string(),
                line: None,
                message: error.to_string(),
            });
            return preview;
        }
    };
    let by_id: BTreeMap<&str, (&str, &RevisionFile)> = rendered
        .iter()
        .filter_map(|(name, r)| Some((r.revision.as_deref()?, (name.as_str(), r))))
        .collect();

    // The heads before the first step: the start of the range.
    let mut heads: Vec<String> = match start.map(|start| graph.resolve(start)) {
        Some(Ok(graph::Resolved::Revisions(ids))) => ids,
        _ => Vec::new(),
    };
    let per_migration = project.transaction_per_migration;
    let starts_at_base = !range.downgrade && heads.is_empty();
    let mut preamble = String::new();
    if !per_migration {
        preamble.push_str("BEGIN;\n\n");
    }
    if starts_at_base {
        preamble.push_str(&format!("{CREATE_VERSION_TABLE};\n\n"));
    }
    if !preamble.is_empty() {
        preview.units.push(bookkeeping_unit(&preamble, config));
    }
    for id in &path {
        let Some((name, revision)) = by_id.get(id.as_str()) else {
            continue;
        };
        let (bookkeeping, marker) = version_step(revision, &mut heads, range.downgrade);
        let mut unit = revision_unit(name, revision, range.downgrade, Some(&bookkeeping), config);
        unit.heading = marker;
        if per_migration {
            let text = format!("BEGIN;\n\n{}COMMIT;\n\n", &unit.report.source.text);
            unit.report = lint_source(
                SourceFile::new(unit.file.clone(), text),
                &in_transaction(config),
            );
            unit.range = 0..unit.report.source.text.len();
        }
        preview.units.push(unit);
    }
    // Like Alembic, a downgrade to base leaves the (empty) alembic_version table in place.
    let mut closing = String::new();
    if !per_migration {
        closing.push_str("COMMIT;\n\n");
    }
    if !closing.is_empty() {
        preview.units.push(bookkeeping_unit(&closing, config));
    }
    preview
}

fn in_transaction(config: &Config) -> Config {
    let mut config = config.clone();
    config.assume_in_transaction = true;
    config
}

fn bookkeeping_unit(sql: &str, config: &Config) -> Unit {
    let report = lint_source(
        SourceFile::new(String::new(), sql.to_string()),
        &in_transaction(config),
    );
    Unit {
        heading: String::new(),
        file: String::new(),
        message: None,
        range: 0..report.source.text.len(),
        report,
    }
}

/// A revision's statements (with `version` bookkeeping appended when given). A single
/// revision previewed on its own gets BEGIN/COMMIT only when it has autocommit blocks,
/// whose COMMIT/BEGIN need an enclosing transaction to be valid.
fn revision_unit(
    name: &str,
    revision: &RevisionFile,
    downgrade: bool,
    version: Option<&str>,
    config: &Config,
) -> Unit {
    let function = if downgrade {
        revision.downgrade.as_ref()
    } else {
        revision.upgrade.as_ref()
    };
    let mut text = String::new();
    let statements = function.map(|f| f.offline_sql()).unwrap_or_default();
    let wrap = version.is_none() && function.is_some_and(|f| !f.autocommit_blocks.is_empty());
    if wrap {
        text.push_str("BEGIN;\n\n");
    }
    for (sql, _) in &statements {
        text.push_str(sql.trim_end());
        text.push_str(";\n\n");
    }
    if let Some(version) = version {
        text.push_str(version);
    }
    if wrap {
        text.push_str("COMMIT;\n\n");
    }
    let report = lint_source(
        SourceFile::new(name.to_string(), text),
        &in_transaction(config),
    );
    Unit {
        heading: name.to_string(),
        file: name.to_string(),
        message: revision.message.clone(),
        range: 0..report.source.text.len(),
        report,
    }
}

/// The `alembic_version` statements of one step and its `-- Running ...` marker text.
fn version_step(
    revision: &RevisionFile,
    heads: &mut Vec<String>,
    downgrade: bool,
) -> (String, String) {
    let id = revision.revision.clone().unwrap_or_default();
    let quote = |s: &str| s.replace('\'', "''");
    let mut sql = String::new();
    let downs = revision.down_revision.clone();
    if !downgrade {
        let replaced: Vec<&String> = downs.iter().filter(|d| heads.contains(d)).collect();
        match replaced.split_last() {
            None => sql.push_str(&format!(
                "INSERT INTO alembic_version (version_num) VALUES ('{}') RETURNING alembic_version.version_num;\n\n",
                quote(&id)
            )),
            Some((last, others)) => {
                for other in others {
                    sql.push_str(&format!(
                        "DELETE FROM alembic_version WHERE alembic_version.version_num = '{}';\n\n",
                        quote(other)
                    ));
                }
                sql.push_str(&format!(
                    "UPDATE alembic_version SET version_num='{}' WHERE alembic_version.version_num = '{}';\n\n",
                    quote(&id),
                    quote(last)
                ));
            }
        }
        heads.retain(|h| !downs.contains(h));
        heads.push(id.clone());
        let marker = format!("Running upgrade {} -> {id}", downs.join(", "));
        (sql, marker)
    } else {
        // Parents another head still stands on are not re-inserted.
        let restore: Vec<&String> = downs.iter().filter(|d| !heads.contains(d)).collect();
        match restore.split_first() {
            None => sql.push_str(&format!(
                "DELETE FROM alembic_version WHERE alembic_version.version_num = '{}';\n\n",
                quote(&id)
            )),
            Some((first, others)) => {
                sql.push_str(&format!(
                    "UPDATE alembic_version SET version_num='{}' WHERE alembic_version.version_num = '{}';\n\n",
                    quote(first),
                    quote(&id)
                ));
                for other in others {
                    sql.push_str(&format!(
                        "INSERT INTO alembic_version (version_num) VALUES ('{}') RETURNING alembic_version.version_num;\n\n",
                        quote(other)
                    ));
                }
            }
        }
        heads.retain(|h| *h != id);
        heads.extend(restore.into_iter().cloned());
        let marker = format!("Running downgrade {id} -> {}", downs.join(", "));
        (sql, marker)
    }
}
