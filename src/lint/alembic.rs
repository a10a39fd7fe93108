//! The engine over an Alembic project: each revision's `upgrade()` (and `downgrade()` when
//! asked) is linted as the SQL Alembic's offline mode emits, as Alembic runs it (inside the
//! migration's transaction, autocommit blocks outside it), and every finding is mapped
//! back to the Python span of the `op` call that produced it. Revision checks run on each
//! revision file, graph checks once on the project's revision graph.

use std::ops::Range;

use rayon::prelude::*;

use super::history;
use super::{
    FileReport, Rendering, Session, StatementExtra, StatementReport, finish, lint_rendered_parsed,
    lint_rendered_sql,
};
use crate::alembic::offline::{RenderedSql, function_sql};
use crate::alembic::revision::ExistingColumn;
use crate::alembic::revision::RevisionFile;
use crate::alembic::{self, LoadedProject, LoadedRevision};
use crate::config::Config;
use crate::diagnostic::Finding;
use crate::facts::Relation;
use crate::facts::types::ColumnType;
use crate::parse::{self, Parsed};
use crate::rules::{self, Check, RevisionView};
use crate::source::{SourceFile, floor_char_boundary};
use crate::state::KnownColumn;
use crate::suppress;

/// Which function of a revision to lint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Upgrade,
    Downgrade,
}

/// Lints every revision of the project (in parallel; reports in the project's file order),
/// then checks the revision graph they form.
pub fn lint_project(loaded: &LoadedProject, config: &Config) -> Vec<FileReport> {
    let directions: &[Direction] = if config.downgrade {
        &[Direction::Upgrade, Direction::Downgrade]
    } else {
        &[Direction::Upgrade]
    };
    let session = session(loaded);
    let roundtrips = config.severity_of(&rules::downgrade_not_reversible::RULE);
    let mut linted: Vec<Option<(FileReport, Vec<Range<usize>>)>> =
        loaded.revisions.iter().map(|_| None).collect();
    let graph = loaded.graph();
    // Linted as the replay reaches them, on the parse the replay made.
    let done = history::alembic_replay(loaded, &graph, roundtrips.is_some(), |replayed| {
        let revision = &loaded.revisions[replayed.index];
        let differences = replayed.roundtrip(revision);
        let upgrade = Some((replayed.upgrade, replayed.parsed));
        let start = &replayed.start;
        let mut report = lint_revision(revision, &session, start, upgrade, config, directions);
        if let (Some(severity), Some(differences)) = (roundtrips, differences) {
            report
                .0
                .findings
                .extend(not_reversible(revision, &differences, severity));
        }
        report
    });
    for (index, report) in done {
        linted[index] = Some(report);
    }
    // Revisions outside the graph: no schema before them.
    let rest: Vec<_> = (linted.iter().enumerate())
        .filter(|(_, report)| report.is_none())
        .map(|(index, _)| index)
        .collect();
    let start = history::Start::default();
    let done: Vec<_> = rest
        .into_par_iter()
        .map(|index| {
            let revision = &loaded.revisions[index];
            let report = lint_revision(revision, &session, &start, None, config, directions);
            (index, report)
        })
        .collect();
    for (index, report) in done {
        linted[index] = Some(report);
    }
    let mut reports: Vec<(FileReport, Vec<Range<usize>>)> = linted.into_iter().flatten().collect();
    for rule in rules::ALL {
        let Check::Graph(check) = &rule.check else {
            continue;
        };
        for violation in check(&graph) {
            let Some(severity) = config.for_path(&violation.file).severity_of(rule) else {
                continue;
            };
            let name = violation.file.display().to_string();
            let Some((report, _)) = reports.iter_mut().find(|(r, _)| r.source.name == name) else {
                continue;
            };
            let span = report.source.line_span(violation.line.max(1));
            report.findings.push(Finding {
                rule,
                severity,
                message: violation.message,
                advice: violation.advice,
                span,
                statement: None,
            });
        }
    }
    reports
        .into_iter()
        .map(|(mut report, comments)| {
            finish(&mut report, &comments, config);
            report
        })
        .collect()
}

/// The `downgrade-not-reversible` finding, on the `def downgrade()` line, when the round
/// trip left differences.
fn not_reversible(
    revision: &LoadedRevision,
    differences: &[String],
    severity: rules::Severity,
) -> Option<Finding> {
    if differences.is_empty() {
        return None;
    }
    let span = (revision.rendered.as_ref().ok())
        .and_then(|r| r.downgrade.as_ref())
        .map_or(0..0, |d| d.def_span.clone());
    let (message, advice) = rules::downgrade_not_reversible::message(differences);
    Some(Finding {
        rule: &rules::downgrade_not_reversible::RULE,
        severity,
        message,
        advice,
        span,
        statement: None,
    })
}

/// Lints one revision file; returns its report (not yet suppressed and sorted) and its `#`
/// comments that may suppress findings.
/// `upgrade`: the upgrade's SQL and its parse, when the replay made them.
fn lint_revision(
    loaded: &LoadedRevision,
    session: &Session,
    start: &history::Start,
    mut upgrade: Option<(RenderedSql, Parsed)>,
    config: &Config,
    directions: &[Direction],
) -> (FileReport, Vec<Range<usize>>) {
    if !config.lints(&loaded.source.name) {
        // Kept, empty, to carry the graph findings attached to it.
        return (FileReport::unlinted(loaded.source.clone()), Vec::new());
    }
    let config = &*config.for_path(&loaded.path);
    let comments = python_comments(&loaded.source.text);
    let mut report = FileReport::unlinted(loaded.source.clone());
    let revision = match &loaded.rendered {
        Ok(revision) => revision,
        Err(error) => {
            if let Some(severity) = config.severity_of(&rules::SYNTAX_ERROR) {
                let offset = floor_char_boundary(&report.source.text, error.offset);
                report.findings.push(Finding {
                    rule: &rules::SYNTAX_ERROR,
                    severity,
                    message: format!("invalid Python: {}", error.message),
                    advice: rules::Advice::sql(
                        "fix the revision file; locksmith parses it without running it",
                    ),
                    span: offset..offset,
                    statement: None,
                });
            }
            return (report, comments);
        }
    };
    for direction in directions {
        let function = match direction {
            Direction::Upgrade => revision.upgrade.as_ref(),
            Direction::Downgrade => revision.downgrade.as_ref(),
        };
        let session = Session {
            catalog: match direction {
                Direction::Upgrade => start.upgrade.clone(),
                Direction::Downgrade => start.downgrade.clone(),
            },
            ..session.clone()
        };
        let (rendered, sql) = match upgrade.take().filter(|_| *direction == Direction::Upgrade) {
            Some((rendered, parsed)) => {
                let sql = lint_rendered_knowing(
                    &report.source.name,
                    &rendered.text,
                    &rendered.existing,
                    Some(parsed),
                    &session,
                    config,
                );
                (rendered, sql)
            }
            None => {
                let rendered = function_sql(function);
                let sql = lint_rendered_knowing(
                    &report.source.name,
                    &rendered.text,
                    &rendered.existing,
                    None,
                    &session,
                    config,
                );
                (rendered, sql)
            }
        };
        append_mapped(&mut report, &sql, &rendered);
    }
    let approximate = report.statements.iter().filter(|s| !s.unknown().is_empty());
    let approximate = approximate.count();
    let not_rendered = directions.iter().filter_map(|direction| match direction {
        Direction::Upgrade => revision.upgrade.as_ref(),
        Direction::Downgrade => revision.downgrade.as_ref(),
    });
    report.rendering = Some(Rendering {
        exact: report.statements.len() - approximate,
        approximate,
        not_rendered: not_rendered.map(|f| f.unrenderable.len()).sum(),
    });
    report.findings.extend(revision_findings(
        revision,
        config,
        directions.contains(&Direction::Downgrade),
    ));
    (report, comments)
}

/// `--render alembic`: the SQL real Alembic printed for one step of `revision`, linted
/// and placed in the revision file like a static rendering: each statement on the `op`
/// call whose static rendering has the same fingerprint (in order, each used once),
/// otherwise on the `def` line of the function that ran.
pub fn lint_real_step(
    revision: &LoadedRevision,
    sql: &str,
    direction: Direction,
    session: &Session,
    config: &Config,
) -> FileReport {
    let mut report = FileReport::unlinted(revision.source.clone());
    let function = revision
        .rendered
        .as_ref()
        .ok()
        .and_then(|r| match direction {
            Direction::Upgrade => r.upgrade.as_ref(),
            Direction::Downgrade => r.downgrade.as_ref(),
        });
    let fallback = function.map_or(0..0, |f| f.def_span.clone());
    let mut ours: Vec<(u64, Range<usize>)> = function
        .map(|f| f.offline_sql())
        .unwrap_or_default()
        .into_iter()
        .flat_map(|(sql, origin)| {
            let pieces = parse::fingerprints(&sql);
            pieces.into_iter().map(move |print| (print, origin.clone()))
        })
        .collect();
    let linted = lint_rendered(&revision.source.name, sql, session, config);
    let origins = linted
        .statements
        .iter()
        .map(|statement| {
            let print = parse::fingerprints(&sql[statement.span.clone()])
                .first()
                .copied();
            let found = ours.iter().position(|(p, _)| Some(*p) == print);
            let origin = found.map_or(fallback.clone(), |i| ours.remove(i).1);
            (statement.span.clone(), origin)
        })
        .collect();
    let rendered = RenderedSql {
        text: sql.to_string(),
        origins,
        existing: Vec::new(),
        approximate: Vec::new(),
        columns: Vec::new(),
    };
    append_mapped(&mut report, &linted, &rendered);
    let comments = python_comments(&report.source.text);
    finish(&mut report, &comments, config);
    report
}

/// Lints a piece of Alembic's script as Alembic runs it: inside the migration's
/// transaction, unless the piece opens its own with the script's BEGIN (its first
/// transaction statement is a BEGIN, not the COMMIT of an autocommit block): the
/// preamble, `transaction_per_migration`, a revision wrapped for its autocommit blocks.
/// A transaction such a piece leaves open is closed by a later piece.
pub fn lint_rendered(name: &str, sql: &str, session: &Session, config: &Config) -> FileReport {
    let opens_own = parse::parse_sql(sql)
        .statements
        .iter()
        .find_map(|s| match &s.node {
            pg_query::NodeEnum::TransactionStmt(t) => Some(t.kind),
            _ => None,
        })
        .is_some_and(|kind| {
            kind == pg_query::protobuf::TransactionStmtKind::TransStmtBegin as i32
                || kind == pg_query::protobuf::TransactionStmtKind::TransStmtStart as i32
        });
    if !opens_own {
        return lint_rendered_knowing(name, sql, &[], None, session, config);
    }
    let config = Config {
        assume_in_transaction: false,
        ..config.clone()
    };
    let session = Session {
        piece_of_script: true,
        ..session.clone()
    };
    let source = SourceFile::new(name.to_string(), sql.to_string());
    lint_rendered_sql(source, &config, &session, &[])
}

/// [`lint_rendered`], with what op calls said about columns before they ran; `parsed`:
/// `sql` parsed, when it already is.
fn lint_rendered_knowing(
    name: &str,
    sql: &str,
    existing: &[(usize, ExistingColumn)],
    parsed: Option<Parsed>,
    session: &Session,
    config: &Config,
) -> FileReport {
    let mut config = config.clone();
    config.assume_in_transaction = alembic::RUNS_IN_TRANSACTION;
    let known = known_columns(existing);
    let source = SourceFile::new(name.to_string(), sql.to_string());
    match parsed {
        Some(parsed) => lint_rendered_parsed(source, parsed, &config, session, &known),
        None => lint_rendered_sql(source, &config, session, &known),
    }
}

/// What op calls say about columns before they run (`existing_type`, `existing_nullable`),
/// as the state takes it; types that do not parse are left unknown.
pub fn known_columns(existing: &[(usize, ExistingColumn)]) -> Vec<(usize, KnownColumn)> {
    existing
        .iter()
        .map(|(at, column)| {
            let known = KnownColumn {
                table: Relation::new(column.schema.as_deref(), &column.table),
                column: column.column.clone(),
                ty: column.type_sql.as_deref().and_then(ColumnType::parse),
                not_null: column.not_null,
            };
            (*at, known)
        })
        .collect()
}

/// What env.py runs on the connection before every migration of the project.
pub fn session(project: &LoadedProject) -> Session {
    Session {
        setup: project
            .env_settings
            .session
            .iter()
            .map(|s| s.sql.clone())
            .collect(),
        looked_in: project.env_py.as_ref().map(|p| p.display().to_string()),
        piece_of_script: false,
        catalog: Default::default(),
        runner_transaction: None,
    }
}

/// The revision checks' findings, in the revision file; `downgrade`: downgrade() is
/// linted too.
pub fn revision_findings(
    revision: &RevisionFile,
    config: &Config,
    downgrade: bool,
) -> Vec<Finding> {
    let view = RevisionView {
        revision,
        downgrade,
    };
    let mut findings = Vec::new();
    for rule in rules::ALL {
        let (Check::Revision(check), Some(severity)) = (&rule.check, config.severity_of(rule))
        else {
            continue;
        };
        findings.extend(check(&view).into_iter().map(|violation| Finding {
            rule,
            severity: violation.severity_under(severity),
            message: violation.message,
            advice: violation.advice,
            span: violation.span.unwrap_or(0..0),
            statement: None,
        }));
    }
    findings
}

/// Appends the SQL report re-anchored on the Python source: statements and findings take
/// the span of the op call that produced them; statements keep their rendered SQL.
fn append_mapped(report: &mut FileReport, sql: &FileReport, rendered: &RenderedSql) {
    let pieces = &rendered.origins;
    // The statement an offset of the rendered SQL falls in: pieces are in text order, and
    // an offset between two (a separator) belongs to the one before.
    let piece = |offset: usize| {
        let after = pieces.partition_point(|(sql_span, _)| sql_span.start <= offset);
        after.checked_sub(1).map(|i| &pieces[i])
    };
    let origin = |offset: usize| piece(offset).map_or(0..0, |(_, py)| py.clone());
    // What an approximately rendered op call's statements stand in for (raw SQL of one
    // call may hold several statements: each is in the call's piece).
    let unknown = |offset: usize| {
        let piece = piece(offset).filter(|(sql_span, _)| offset < sql_span.end)?;
        let (_, names) = (rendered.approximate.iter()).find(|(at, _)| *at == piece.0.start)?;
        Some(names.clone())
    };
    let first = report.statements.len();
    report.unparsable_statements += sql.unparsable_statements;
    report
        .statements
        .extend(sql.statements.iter().map(|s| StatementReport {
            span: origin(s.span.start),
            // Spans inside the rendered SQL mean nothing in the Python: no `inner`.
            extra: Some(Box::new(StatementExtra {
                sql: Some(sql.source.text[s.span.clone()].to_string()),
                inner: Vec::new(),
                unknown: unknown(s.span.start).unwrap_or_default(),
            })),
            ..s.clone()
        }));
    let mut columns = ColumnSpans::new(rendered, &report.source.text);
    for finding in &sql.findings {
        let span = (piece(finding.span.start))
            .and_then(|(sql_span, py)| columns.of(sql_span, py, &finding.span))
            .unwrap_or_else(|| origin(finding.span.start));
        report.findings.push(Finding {
            span,
            statement: finding.statement.map(|i| i + first),
            ..finding.clone()
        });
    }
}

/// Where in the revision a finding about one column of a rendered statement points: the
/// `sa.Column(...)` that declares it, when the op call wrote it among its arguments.
struct ColumnSpans<'a> {
    rendered: &'a RenderedSql,
    python: &'a str,
    /// The column clauses of the last statement asked about (findings come in statement
    /// order), by its start in the rendered text.
    clauses: Option<(usize, Vec<parse::ColumnClauseAt>)>,
}

impl<'a> ColumnSpans<'a> {
    fn new(rendered: &'a RenderedSql, python: &'a str) -> Self {
        ColumnSpans {
            rendered,
            python,
            clauses: None,
        }
    }

    /// The span of the `sa.Column(...)` call for a finding at `finding` (in the rendered
    /// text) inside the statement at `statement`, whose op call is at `call`; `None` when
    /// the finding is about the whole statement or its column was not written in the call.
    fn of(
        &mut self,
        statement: &Range<usize>,
        call: &Range<usize>,
        finding: &Range<usize>,
    ) -> Option<Range<usize>> {
        if *finding == *statement || finding.end > statement.end {
            return None;
        }
        let columns = &self.rendered.columns;
        let at = (columns.binary_search_by_key(&statement.start, |(at, _)| *at)).ok()?;
        let declared = &columns[at].1;
        let text = &self.rendered.text[statement.clone()];
        if self
            .clauses
            .as_ref()
            .is_none_or(|(at, _)| *at != statement.start)
        {
            self.clauses = Some((statement.start, parse::column_clauses(text)));
        }
        let (_, clauses) = self.clauses.as_ref()?;
        let relative = finding.start - statement.start..finding.end - statement.start;
        let clause = (clauses.iter())
            .find(|c| c.span.start <= relative.start && relative.end <= c.span.end)?;
        let (_, span) = declared.iter().find(|(name, _)| clause.names(text, name))?;
        // The span is the interpreter's: check it is a `Column(` call of this file, inside
        // the op call, before underlining it.
        let written = self.python.get(span.clone())?;
        let callee = written.split('(').next()?.trim_end();
        let is_column_call = callee.rsplit('.').next() == Some("Column") && written.ends_with(')');
        (is_column_call && call.start <= span.start && span.end <= call.end).then(|| span.clone())
    }
}

/// Spans of `#` comments that mention `locksmith:ignore`, from the Python lexer (a `#`
/// inside a string is not a comment).
fn python_comments(text: &str) -> Vec<Range<usize>> {
    use rustpython_parser::{Mode, Tok, lexer::lex};
    if !text.contains(suppress::MARKER) {
        return Vec::new();
    }
    lex(text, Mode::Module)
        .map_while(Result::ok)
        .filter(|(tok, _)| matches!(tok, Tok::Comment(c) if c.contains(suppress::MARKER)))
        .map(|(_, range)| usize::from(range.start())..usize::from(range.end()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alembic::external::split_steps;

    #[test]
    fn real_alembic_statements_map_onto_their_op_calls_in_order() {
        let source = "revision = 'a1'\ndown_revision = None\nfrom alembic import op\n\ndef upgrade():\n    op.execute('CREATE INDEX ix1 ON t (a)')\n    op.execute('CREATE INDEX ix2 ON t (a)')\n";
        let project = LoadedProject::from_sources(
            ".".into(),
            vec![SourceFile::new("a1.py".to_string(), source.to_string())],
        );
        let script = "BEGIN;\n\n-- Running upgrade  -> a1\n\nCREATE INDEX ix2 ON t (a);\n\nCREATE INDEX ix1 ON t (a);\n\nDROP TABLE t;\n\nCOMMIT;\n\n";
        let step = &split_steps(script)[0];
        let report = lint_real_step(
            &project.revisions[0],
            &step.sql,
            Direction::Upgrade,
            &Session::default(),
            &Config::default(),
        );
        let lines: Vec<usize> = report
            .statements
            .iter()
            .map(|s| report.source.position(s.span.start).line)
            .collect();
        // Each call is used once, in order of the names (fingerprints keep relation names);
        // a statement the static rendering lacks lands on `def upgrade()`.
        assert_eq!(lines, [7, 6, 5]);
    }

    #[test]
    fn a_finding_about_one_column_points_at_its_column_call() {
        let source = "revision = 'a1'\ndown_revision = None\nfrom alembic import op\nimport sqlalchemy as sa\n\n\
def created():\n    return sa.Column('created', sa.DateTime())\n\n\
def upgrade():\n    op.create_table('t',\n        sa.Column('id', sa.BigInteger(), primary_key=True),\n        \
sa.Column('name', sa.String(20)),\n        created(),\n    )\n    for name in ['a', 'b']:\n        \
op.add_column('t', sa.Column(name, sa.CHAR(2)))\n";
        let project = LoadedProject::from_sources(
            ".".into(),
            vec![SourceFile::new("a1.py".to_string(), source.to_string())],
        );
        let report = &lint_project(&project, &Config::default())[0];
        let at = |id: &str| -> Vec<(usize, usize)> {
            (report.findings.iter())
                .filter(|f| f.rule.id == id)
                .map(|f| {
                    let position = report.source.position(f.span.start);
                    (position.line, position.column)
                })
                .collect()
        };
        // Written in the call: its `sa.Column(...)`, also for a name only known per loop
        // turn; built by a helper elsewhere: the whole call.
        assert_eq!(at("prefer-text-over-varchar"), [(12, 9)]);
        assert_eq!(at("prefer-timestamptz"), [(10, 5)]);
        assert_eq!(at("banned-char-type"), [(16, 28), (16, 28)]);
    }

    /// A `# locksmith:ignore` above a column written in the call covers that column's
    /// findings, not the next op call's.
    #[test]
    fn an_ignore_above_a_column_covers_that_column() {
        let source = "revision = 'a1'\ndown_revision = None\nfrom alembic import op\nimport sqlalchemy as sa\n\n\
def upgrade():\n    op.create_table('t',\n        # locksmith:ignore prefer-text-over-varchar: fixed codes\n        \
sa.Column('code', sa.String(3)),\n        sa.Column('name', sa.String(20)),\n    )\n    \
op.create_table('u', sa.Column('v', sa.String(5)))\n";
        let project = LoadedProject::from_sources(
            ".".into(),
            vec![SourceFile::new("a1.py".to_string(), source.to_string())],
        );
        let report = &lint_project(&project, &Config::default())[0];
        let lines: Vec<_> = (report.findings.iter())
            .filter(|f| {
                f.rule.id.ends_with("-suppression") || f.rule.id == "prefer-text-over-varchar"
            })
            .map(|f| (f.rule.id, report.source.position(f.span.start).line))
            .collect();
        assert_eq!(
            lines,
            [
                ("prefer-text-over-varchar", 10),
                ("prefer-text-over-varchar", 12)
            ]
        );
    }
}
