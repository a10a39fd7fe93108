//! Alembic revisions through the core pipeline: each revision's `upgrade()` (or
//! `downgrade()`) is rendered to the SQL Alembic's offline mode emits, that SQL is linted as
//! Alembic runs it (inside the migration's transaction, autocommit blocks outside it), and
//! every finding is mapped back to the Python span of the `op` call that produced it.
//! Revision-graph problems are reported on the revision files they concern.

use std::ops::Range;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::alembic::graph::{self, GraphProblemKind, RevisionNode};
use crate::alembic::render::render_revision;
use crate::alembic::revision::{RenderedFunction, RevisionFile};
use crate::config::Config;
use crate::diagnostic::Finding;
use crate::lint::{FileReport, StatementReport, finish, lint_source};
use crate::rules;
use crate::source::SourceFile;
use crate::suppress;

/// One revision file after rendering and linting.
#[derive(Debug)]
pub struct RevisionReport {
    /// Findings on the Python source (what `lint` reports).
    pub report: FileReport,
    /// The rendered SQL of the chosen direction with its own report (what `sql` prints);
    /// None when the file is not valid Python.
    pub sql: Option<FileReport>,
    pub revision: Option<RevisionFile>,
}

/// Which function of a revision to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Upgrade,
    Downgrade,
}

/// Renders and lints revision files (in parallel; output in input order), then checks
/// the revision graph they form.
pub fn lint_revisions(
    sources: Vec<(PathBuf, SourceFile)>,
    config: &Config,
    directions: &[Direction],
) -> Vec<RevisionReport> {
    let mut reports: Vec<(RevisionReport, Vec<Range<usize>>)> = sources
        .into_par_iter()
        .map(|(_, source)| lint_revision(source, config, directions))
        .collect();
    let nodes: Vec<RevisionNode> = reports
        .iter()
        .filter_map(|(r, _)| {
            let revision = r.revision.as_ref()?;
            let source = &r.report.source;
            let line = |span: &Option<Range<usize>>| {
                span.as_ref().map_or(1, |s| source.position(s.start).line)
            };
            Some(RevisionNode {
                file: PathBuf::from(&source.name),
                revision: revision.revision.clone(),
                down_revision: revision.down_revision.clone(),
                branch_labels: revision.branch_labels.clone(),
                depends_on: revision.depends_on.clone(),
                message: revision.message.clone(),
                revision_line: line(&revision.revision_span),
                down_revision_line: line(&revision.down_revision_span),
            })
        })
        .collect();
    if !nodes.is_empty() {
        let graph = graph::build(nodes);
        for problem in graph.problems() {
            let rule = match problem.kind {
                GraphProblemKind::MultipleHeads => &rules::ALEMBIC_MULTIPLE_HEADS,
                GraphProblemKind::BrokenRevision => &rules::ALEMBIC_BROKEN_REVISION,
            };
            let Some(severity) = config.severity_of(rule) else {
                continue;
            };
            let name = problem.file.display().to_string();
            if let Some((r, _)) = reports
                .iter_mut()
                .find(|(r, _)| r.report.source.name == name)
            {
                let span = r.report.source.line_span(problem.line.max(1));
                r.report.findings.push(Finding {
                    rule: rule.id,
                    severity,
                    message: problem.message.clone(),
                    help: Some(graph_help(problem.kind).into()),
                    span,
                    statement: None,
                });
            }
        }
    }
    reports
        .into_iter()
        .map(|(mut r, comments)| {
            finish(&mut r.report, &comments, config);
            r
        })
        .collect()
}

fn graph_help(kind: GraphProblemKind) -> &'static str {
    match kind {
        GraphProblemKind::MultipleHeads => {
            "join the heads with a merge revision: `alembic merge heads -m \"merge heads\"`"
        }
        GraphProblemKind::BrokenRevision => {
            "point down_revision/depends_on at existing revision ids (`alembic history` lists them) \
             and give every revision file its own `revision` id"
        }
    }
}

/// Renders one revision and lints it; returns the report and the file's `#` comments.
pub fn lint_revision(
    source: SourceFile,
    config: &Config,
    directions: &[Direction],
) -> (RevisionReport, Vec<Range<usize>>) {
    let comments = python_comments(&source.text);
    let revision = match render_revision(&source.text) {
        Ok(revision) => revision,
        Err(error) => {
            let mut findings = Vec::new();
            if let Some(severity) = config.severity_of(&rules::SYNTAX_ERROR) {
                let offset = crate::source::floor_char_boundary(&source.text, error.offset);
                findings.push(Finding {
                    rule: rules::SYNTAX_ERROR.id,
                    severity,
                    message: format!("invalid Python: {}", error.message),
                    help: Some(
                        "fix the revision file; locksmith parses it without running it".into(),
                    ),
                    span: offset..offset,
                    statement: None,
                });
            }
            let report = FileReport {
                source,
                statements: Vec::new(),
                findings,
            };
            return (
                RevisionReport {
                    report,
                    sql: None,
                    revision: None,
                },
                comments,
            );
        }
    };
    let mut report = FileReport {
        source,
        statements: Vec::new(),
        findings: Vec::new(),
    };
    let mut sql_report = None;
    for direction in directions {
        let function = match direction {
            Direction::Upgrade => revision.upgrade.as_ref(),
            Direction::Downgrade => revision.downgrade.as_ref(),
        };
        let (sql, origins) = lint_rendered(&report.source.name, function, config);
        append_mapped(&mut report, &sql, &origins);
        sql_report.get_or_insert(sql);
        if let Some(severity) = config.severity_of(&rules::UNRENDERABLE_OPERATION) {
            for item in function.iter().flat_map(|f| &f.unrenderable) {
                report.findings.push(Finding {
                    rule: rules::UNRENDERABLE_OPERATION.id,
                    severity,
                    message: format!("not rendered: {}", item.message),
                    help: Some(
                        "locksmith renders revisions without running Python, so this part was not linted; \
                         write the SQL as a literal in op.execute(...), or lint with `--render alembic` \
                         (runs your real Alembic)"
                            .into(),
                    ),
                    span: item.span.clone(),
                    statement: None,
                });
            }
        }
    }
    if let (Some(severity), Some(upgrade), Some(downgrade)) = (
        config.severity_of(&rules::ALEMBIC_EMPTY_DOWNGRADE),
        &revision.upgrade,
        &revision.downgrade,
    ) {
        if downgrade.is_empty && !upgrade.statements.is_empty() {
            report.findings.push(Finding {
                rule: rules::ALEMBIC_EMPTY_DOWNGRADE.id,
                severity,
                message: "downgrade() is empty but upgrade() changes the schema: this revision cannot be rolled back".into(),
                help: Some("write the reverse operations in downgrade(), or raise an exception that says why it is irreversible".into()),
                span: downgrade.def_span.clone(),
                statement: None,
            });
        }
    }
    (
        RevisionReport {
            report,
            sql: sql_report,
            revision: Some(revision),
        },
        comments,
    )
}

/// Lints the function's offline SQL as one script inside Alembic's transaction. Returns
/// the report on the SQL and, per statement of that SQL, the Python span it came from.
fn lint_rendered(
    name: &str,
    function: Option<&RenderedFunction>,
    config: &Config,
) -> (FileReport, Vec<(Range<usize>, Range<usize>)>) {
    let mut text = String::new();
    // (span in the SQL text, span of the op call in the Python file)
    let mut pieces = Vec::new();
    for (sql, origin) in function
        .map(RenderedFunction::offline_sql)
        .unwrap_or_default()
    {
        let start = text.len();
        text.push_str(sql.trim_end());
        pieces.push((start..text.len(), origin));
        text.push_str(";\n\n");
    }
    let mut config = config.clone();
    // Alembic runs every migration inside a transaction on PostgreSQL.
    config.assume_in_transaction = true;
    let report = lint_source(SourceFile::new(name.to_string(), text), &config);
    (report, pieces)
}

/// Appends the SQL report re-anchored on the Python source: statements and findings take
/// the span of the op call that produced them; statements keep their rendered SQL.
fn append_mapped(
    report: &mut FileReport,
    sql: &FileReport,
    pieces: &[(Range<usize>, Range<usize>)],
) {
    let origin = |offset: usize| {
        pieces
            .iter()
            .find(|(sql_span, _)| sql_span.start <= offset && offset <= sql_span.end)
            .or_else(|| {
                pieces
                    .iter()
                    .rev()
                    .find(|(sql_span, _)| sql_span.start <= offset)
            })
            .map_or(0..0, |(_, py)| py.clone())
    };
    let first = report.statements.len();
    report
        .statements
        .extend(sql.statements.iter().map(|s| StatementReport {
            span: origin(s.span.start),
            sql: Some(sql.source.text[s.span.clone()].to_string()),
            ..s.clone()
        }));
    for finding in &sql.findings {
        let span = origin(finding.span.start);
        let help = if finding.rule == "concurrently-in-transaction" {
            Some(autocommit_help(&report.source.text, &span))
        } else {
            finding.help.clone()
        };
        report.findings.push(Finding {
            span,
            help,
            statement: finding.statement.map(|i| i + first),
            ..finding.clone()
        });
    }
}

/// The Alembic way out of `concurrently-in-transaction`: the same call inside an
/// autocommit block.
fn autocommit_help(python: &str, call: &Range<usize>) -> String {
    let text = python
        .get(call.clone())
        .unwrap_or("op.create_index(..., postgresql_concurrently=True)");
    // Re-indent the call one level under the `with`, keeping its own relative indentation.
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default().trim_start();
    let rest: Vec<&str> = lines.collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let common = rest
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| indent(l))
        .min()
        .unwrap_or(0);
    let mut body = vec![format!("    {first}")];
    body.extend(
        rest.iter()
            .map(|l| format!("    {}", l.get(common..).unwrap_or(l.trim_start()))),
    );
    format!(
        "Alembic runs the migration inside a transaction; run this operation outside it:\n\
         with op.get_context().autocommit_block():\n{}",
        body.join("\n")
    )
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
