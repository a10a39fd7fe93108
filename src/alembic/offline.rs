//! Alembic's offline SQL (`alembic upgrade --sql`), as text: a revision function's
//! statements with the Python span each came from ([`function_sql`]), and the whole script
//! for a revision range ([`offline_script`]): `BEGIN;`, the `alembic_version` table when
//! starting from base, `-- Running upgrade A -> B` per revision with its statements and
//! version bookkeeping, `COMMIT;` (one transaction per migration when env.py sets
//! `transaction_per_migration`), or one revision file's own SQL.

use std::collections::BTreeMap;
use std::ops::Range;

use super::graph;
use super::load::LoadedProject;
use super::render::quote::{qualified, quote};
use super::revision::{ExistingColumn, RenderedFunction, RevisionFile};
use crate::source::{InputError, SourceFile};

/// The table Alembic records applied revisions in: `alembic_version`, or env.py's
/// `version_table` in its `version_table_schema`.
struct VersionTable {
    /// Quoted and schema-qualified as the SQL names it.
    qualified: String,
    name: String,
}

impl VersionTable {
    fn of(loaded: &LoadedProject) -> VersionTable {
        let env = &loaded.env_settings;
        let name = env
            .version_table
            .clone()
            .unwrap_or_else(|| "alembic_version".into());
        VersionTable {
            qualified: qualified(env.version_table_schema.as_deref(), &name),
            name,
        }
    }

    fn create(&self) -> String {
        format!(
            "CREATE TABLE {} (\n    version_num VARCHAR(32) NOT NULL, \n    CONSTRAINT {} PRIMARY KEY (version_num)\n)",
            self.qualified,
            quote(&format!("{}_pkc", self.name))
        )
    }
}

/// A revision range, as `locksmith sql --from/--to [--downgrade]` names it.
#[derive(Debug, Clone, Default)]
pub struct RevisionRange {
    pub from: Option<String>,
    pub to: Option<String>,
    pub downgrade: bool,
}

impl RevisionRange {
    /// Where the range starts: `None` is base.
    pub fn start(&self) -> Option<&str> {
        if self.downgrade {
            Some(self.from.as_deref().unwrap_or("heads"))
        } else {
            self.from.as_deref().filter(|f| *f != "base")
        }
    }

    /// The revisions the range runs, in the order Alembic runs them.
    pub fn path<'g>(
        &self,
        graph: &'g graph::RevisionGraph,
    ) -> Result<Vec<&'g graph::RevisionNode>, graph::ResolveError> {
        if self.downgrade {
            let to = self.to.as_deref().filter(|t| *t != "base");
            graph.downgrade_path(self.start().unwrap_or("heads"), to)
        } else {
            graph.upgrade_path(self.start(), self.to.as_deref().unwrap_or("heads"))
        }
    }
}

/// SQL rendered from a revision, with the Python span each statement came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RenderedSql {
    pub text: String,
    /// (span in `text`, span of the `op` call in the revision file), one per statement.
    pub origins: Vec<(Range<usize>, Range<usize>)>,
    /// What op calls say about columns before they run, at the offset in `text` of the
    /// call's first statement.
    pub existing: Vec<(usize, ExistingColumn)>,
    /// Statements rendered approximately, at their offset in `text`, with what was unknown
    /// ([`super::revision::RenderedStatement::approximate`]).
    pub approximate: Vec<(usize, Vec<String>)>,
    /// The columns a statement's op call declares, at the statement's offset in `text`
    /// ([`super::revision::RenderedStatement::columns`]).
    pub columns: Vec<(usize, super::revision::DeclaredColumns)>,
}

impl RenderedSql {
    fn push_statement(&mut self, sql: &str, origin: Range<usize>) {
        let start = self.text.len();
        self.text.push_str(sql.trim_end());
        self.origins.push((start..self.text.len(), origin));
        self.text.push_str(";\n\n");
    }
}

/// A function's statements as Alembic offline mode prints them, autocommit blocks'
/// `COMMIT`/`BEGIN` included.
pub fn function_sql(function: Option<&RenderedFunction>) -> RenderedSql {
    let mut sql = RenderedSql::default();
    // offline_sql yields the rendered statements in order, autocommit blocks' COMMIT/BEGIN
    // between them: walk both together.
    let mut rendered = function.into_iter().flat_map(|f| &f.statements).peekable();
    for (statement, origin) in function
        .map(RenderedFunction::offline_sql)
        .unwrap_or_default()
    {
        let this = rendered.next_if(|s| s.origin == origin && s.sql == statement);
        if let Some(existing) = this.and_then(|s| s.existing.as_ref()) {
            sql.existing.push((sql.text.len(), existing.clone()));
        }
        if let Some(this) = this.filter(|s| !s.approximate.is_empty()) {
            sql.approximate
                .push((sql.text.len(), this.approximate.clone()));
        }
        if let Some(this) = this.filter(|s| !s.columns.is_empty()) {
            sql.columns.push((sql.text.len(), this.columns.clone()));
        }
        sql.push_statement(&statement, origin);
    }
    sql
}

/// One piece of the offline script: the preamble, one revision step, or the closing.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptUnit {
    /// The comment that heads it (`Running upgrade A -> B`, or the file name); empty for
    /// the preamble and the closing.
    pub heading: String,
    /// The revision file, as shown to the user; empty for the preamble and the closing.
    pub file: String,
    /// The revision's message.
    pub message: Option<String>,
    pub sql: String,
    /// The part of `sql` that is the revision's own statements; the rest is Alembic's
    /// transaction and `alembic_version` bookkeeping.
    pub own: Range<usize>,
    /// What the SQL leaves out because it cannot be rendered without running Python,
    /// each `<what> (file:line)`; `sql` has a `-- locksmith: not rendered:` comment there.
    pub not_rendered: Vec<String>,
    /// Statements rendered approximately: offset in `sql` of each, with what was unknown;
    /// `sql` has a `-- locksmith: approximate (unknown: ...)` comment above each.
    pub approximate: Vec<(usize, Vec<String>)>,
}

#[derive(Debug, Default)]
pub struct Script {
    pub units: Vec<ScriptUnit>,
    pub errors: Vec<InputError>,
}

/// The offline script for `range`. `single_file`: the user named one revision file, whose
/// own SQL is given without the version bookkeeping of a range.
pub fn offline_script(loaded: &LoadedProject, range: &RevisionRange, single_file: bool) -> Script {
    let mut script = Script::default();
    // Files that are not valid Python are not placed in the graph: said, and the rest is
    // still previewed.
    script.errors.extend(loaded.unreadable.iter().cloned());
    script
        .errors
        .extend(loaded.revisions.iter().filter_map(|r| r.python_error()));
    let rendered: Vec<(&SourceFile, &RevisionFile)> = loaded
        .revisions
        .iter()
        .filter_map(|r| Some((&r.source, r.rendered.as_ref().ok()?)))
        .collect();

    if single_file {
        if let Some((source, revision)) = rendered.first() {
            let unit = revision_unit(source, revision, range.downgrade, None, &mut Vec::new());
            script.units.push(unit);
        }
        return script;
    }

    let graph = loaded.graph();
    // Alembic refuses to run a broken graph; what can still be ordered is previewed.
    script.errors.extend(
        graph
            .problems()
            .into_iter()
            .filter(|p| p.kind == graph::GraphProblemKind::BrokenRevision)
            .map(|p| InputError {
                file: p.file.display().to_string(),
                line: Some(p.line),
                message: p.message,
            }),
    );
    let start = range.start();
    let path: Vec<String> = match range.path(&graph) {
        Ok(nodes) => nodes.iter().filter_map(|n| n.revision.clone()).collect(),
        Err(error) => {
            script.errors.push(InputError {
                file: loaded.root.display().to_string(),
                line: None,
                message: error.to_string(),
            });
            return script;
        }
    };
    let by_id: BTreeMap<&str, (&SourceFile, &RevisionFile)> = rendered
        .iter()
        .filter_map(|(source, r)| Some((r.revision.as_deref()?, (*source, *r))))
        .collect();

    // The heads before the first step: the start of the range.
    let mut heads: Vec<String> = match start.map(|start| graph.resolve(start)) {
        Some(Ok(graph::Resolved::Revisions(ids))) => ids,
        _ => Vec::new(),
    };
    let per_migration = loaded.transaction_per_migration;
    let starts_at_base = !range.downgrade && heads.is_empty();
    let version_table = VersionTable::of(loaded);
    let mut preamble = String::new();
    // What env.py runs on the connection first, where the migrations will inherit it.
    for setting in &loaded.env_settings.session {
        let env_py = loaded
            .env_py
            .as_ref()
            .map_or("env.py".into(), |p| p.display().to_string());
        preamble.push_str(&format!(
            "-- locksmith: {env_py}:{} sets this for every migration\n{};\n\n",
            setting.line, setting.sql
        ));
    }
    if !per_migration {
        preamble.push_str("BEGIN;\n\n");
    }
    if starts_at_base {
        preamble.push_str(&format!("{};\n\n", version_table.create()));
    }
    if !preamble.is_empty() {
        script.units.push(bookkeeping_unit(preamble));
    }
    // The enum types `create_table` created so far in this run (one migration context).
    let mut created_types = Vec::new();
    for id in &path {
        let Some((source, revision)) = by_id.get(id.as_str()) else {
            continue;
        };
        let (bookkeeping, marker) =
            version_step(revision, &version_table, &mut heads, range.downgrade);
        let mut unit = revision_unit(
            source,
            revision,
            range.downgrade,
            Some(&bookkeeping),
            &mut created_types,
        );
        unit.heading = marker;
        if per_migration {
            const BEGIN: &str = "BEGIN;\n\n";
            unit.sql = format!("{BEGIN}{}COMMIT;\n\n", unit.sql);
            unit.own = unit.own.start + BEGIN.len()..unit.own.end + BEGIN.len();
        }
        script.units.push(unit);
    }
    // Like Alembic, a downgrade to base leaves the (empty) alembic_version table in place.
    if !per_migration {
        script.units.push(bookkeeping_unit("COMMIT;\n\n".into()));
    }
    script
}

fn bookkeeping_unit(sql: String) -> ScriptUnit {
    ScriptUnit {
        heading: String::new(),
        file: String::new(),
        message: None,
        sql,
        own: 0..0,
        not_rendered: Vec::new(),
        approximate: Vec::new(),
    }
}

/// A revision's statements (with `version` bookkeeping appended when given). A single
/// revision previewed on its own gets BEGIN/COMMIT only when it has autocommit blocks,
/// whose COMMIT/BEGIN need an enclosing transaction to be valid.
fn revision_unit(
    source: &SourceFile,
    revision: &RevisionFile,
    downgrade: bool,
    version: Option<&str>,
    created_types: &mut Vec<String>,
) -> ScriptUnit {
    let function = if downgrade {
        revision.downgrade.as_ref()
    } else {
        revision.upgrade.as_ref()
    };
    let function = function.map(|f| without_created_types(f, created_types));
    let function = function.as_ref();
    let wrap = version.is_none() && function.is_some_and(|f| !f.autocommit_blocks.is_empty());
    let mut sql = String::new();
    if wrap {
        sql.push_str("BEGIN;\n\n");
    }
    let FunctionScript {
        text: body,
        not_rendered,
        approximate,
    } = function_script(function, source);
    let own = sql.len()..sql.len() + body.len();
    let approximate = (approximate.into_iter())
        .map(|(at, unknown)| (own.start + at, unknown))
        .collect();
    sql.push_str(&body);
    if let Some(version) = version {
        sql.push_str(version);
    }
    if wrap {
        sql.push_str("COMMIT;\n\n");
    }
    ScriptUnit {
        heading: source.name.clone(),
        file: source.name.clone(),
        message: revision.message.clone(),
        sql,
        own,
        not_rendered,
        approximate,
    }
}

/// A function's part of the preview ([`function_script`]).
struct FunctionScript {
    text: String,
    /// The `not rendered` notes, in order.
    not_rendered: Vec<String>,
    /// Each statement rendered with placeholders: its offset in `text`, and what was
    /// unknown.
    approximate: Vec<(usize, Vec<String>)>,
}

/// The function's SQL with a `-- locksmith: not rendered: <what> (file:line)` comment
/// where each part that cannot be rendered statically would have run, so the preview never
/// silently leaves code out, and a `-- locksmith: approximate (unknown: ...)` comment above
/// each statement rendered with placeholders.
fn function_script(function: Option<&RenderedFunction>, source: &SourceFile) -> FunctionScript {
    let notes: Vec<(usize, String)> = function
        .map(|f| f.unrenderable.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|u| {
            let line = source.position(u.span.start.min(source.text.len())).line;
            (
                u.span.start,
                format!("{} ({}:{line})", u.message, source.name),
            )
        })
        .collect();
    let mut pending = notes.iter().peekable();
    let mut text = String::new();
    // One line, so the comment cannot end early and the output stays valid SQL.
    let one_line = |note: &str| note.replace(['\n', '\r'], " ");
    let comment = |text: &mut String, note: &str| {
        text.push_str(&format!(
            "-- locksmith: not rendered: {}\n\n",
            one_line(note)
        ));
    };
    let rendered = function_sql(function);
    let mut approximate = Vec::new();
    for (span, origin) in &rendered.origins {
        while let Some((_, note)) = pending.next_if(|(at, _)| *at < origin.start) {
            comment(&mut text, note);
        }
        if let Some((_, unknown)) = rendered
            .approximate
            .iter()
            .find(|(at, _)| *at == span.start)
        {
            text.push_str(&format!(
                "-- locksmith: approximate (unknown: {})\n",
                one_line(&unknown.join(", "))
            ));
            approximate.push((text.len(), unknown.clone()));
        }
        text.push_str(&rendered.text[span.clone()]);
        text.push_str(";\n\n");
    }
    for (_, note) in pending {
        comment(&mut text, note);
    }
    FunctionScript {
        text,
        not_rendered: notes.into_iter().map(|(_, note)| note).collect(),
        approximate,
    }
}

/// The function without the `CREATE TYPE`s of enum types an earlier revision of the same
/// run already created: SQLAlchemy notes each type `create_table` creates in the DDL
/// runner's memo, which Alembic keeps for the whole migration context, i.e. for a whole
/// `alembic upgrade --sql` run. Notes the types this function creates.
fn without_created_types(
    function: &RenderedFunction,
    created: &mut Vec<String>,
) -> RenderedFunction {
    let mut kept = function.clone();
    kept.statements.clear();
    let mut new_index = Vec::with_capacity(function.statements.len() + 1);
    for statement in &function.statements {
        new_index.push(kept.statements.len());
        match &statement.creates_type {
            Some(key) if created.contains(key) => continue,
            Some(key) => created.push(key.clone()),
            None => {}
        }
        kept.statements.push(statement.clone());
    }
    new_index.push(kept.statements.len());
    for block in &mut kept.autocommit_blocks {
        block.statements = new_index[block.statements.start]..new_index[block.statements.end];
    }
    kept
}

/// The `alembic_version` statements of one step and its `-- Running ...` marker text.
fn version_step(
    revision: &RevisionFile,
    table: &VersionTable,
    heads: &mut Vec<String>,
    downgrade: bool,
) -> (String, String) {
    let id = revision.revision.clone().unwrap_or_default();
    let t = &table.qualified;
    let quote = |s: &str| s.replace('\'', "''");
    let mut sql = String::new();
    let downs = revision.down_revision.clone();
    if !downgrade {
        let replaced: Vec<&String> = downs.iter().filter(|d| heads.contains(d)).collect();
        match replaced.split_last() {
            None => sql.push_str(&format!(
                "INSERT INTO {t} (version_num) VALUES ('{}') RETURNING {t}.version_num;\n\n",
                quote(&id)
            )),
            Some((last, others)) => {
                for other in others {
                    sql.push_str(&format!(
                        "DELETE FROM {t} WHERE {t}.version_num = '{}';\n\n",
                        quote(other)
                    ));
                }
                sql.push_str(&format!(
                    "UPDATE {t} SET version_num='{}' WHERE {t}.version_num = '{}';\n\n",
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
                "DELETE FROM {t} WHERE {t}.version_num = '{}';\n\n",
                quote(&id)
            )),
            Some((first, others)) => {
                sql.push_str(&format!(
                    "UPDATE {t} SET version_num='{}' WHERE {t}.version_num = '{}';\n\n",
                    quote(first),
                    quote(&id)
                ));
                for other in others {
                    sql.push_str(&format!(
                        "INSERT INTO {t} (version_num) VALUES ('{}') RETURNING {t}.version_num;\n\n",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(id: &str, down: &str, table: &str) -> SourceFile {
        SourceFile::new(
            format!("{id}.py"),
            format!(
                "from alembic import op\nimport sqlalchemy as sa\nrevision = '{id}'\ndown_revision = {down}\n\ndef upgrade():\n    op.create_table('{table}', sa.Column('s', sa.Enum('a', 'b', name='status')))\n\ndef downgrade():\n    op.drop_table('{table}')\n"
            ),
        )
    }

    /// Alembic keeps the types `create_table` created in its migration context, which
    /// lives for a whole `alembic upgrade --sql` run (checked against Alembic 1.20.1):
    /// `status` is created once over `base:head`, and by a2 when the run starts after a1.
    #[test]
    fn enum_types_are_created_once_per_run() {
        let loaded = LoadedProject::from_sources(
            ".".into(),
            vec![revision("a1", "None", "t1"), revision("a2", "'a1'", "t2")],
        );
        let creates = |from: Option<&str>| -> Vec<String> {
            let range = RevisionRange {
                from: from.map(str::to_string),
                ..RevisionRange::default()
            };
            let script = offline_script(&loaded, &range, false);
            (script.units.iter())
                .filter(|u| u.sql.contains("CREATE TYPE"))
                .map(|u| u.file.clone())
                .collect()
        };
        assert_eq!(creates(None), ["a1.py"]);
        assert_eq!(creates(Some("a1")), ["a2.py"]);
    }
}
