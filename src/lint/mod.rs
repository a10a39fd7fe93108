//! The engine: runs the rules over what the front-ends produce. For SQL: parse → facts
//! (with the file state threaded through in order) → statement, transaction and file
//! checks → suppressions ([`lint_sql`]). For Alembic projects ([`alembic`]): the same over
//! each revision's rendered SQL, mapped back to the Python, plus revision and graph checks.
//! Output is plain data for the reporters.

pub mod alembic;
mod functions;
pub mod history;
mod report;
mod runner;
mod up_down;
mod walk;

use std::collections::HashMap;
use std::ops::Range;

use crate::config::Config;
use crate::convention::RunnerTransaction;
use crate::diagnostic::Finding;
use crate::facts;
use crate::parse;
use crate::rules::{self, FileView, StatementView, Violation};
use crate::source::{Language, SourceFile};
use crate::state::{FileState, KnownColumn};
use crate::suppress;
use functions::{Function, called_function};
pub use report::{FileReport, Rendering, StatementExtra, StatementReport};
use walk::{LetGo, Unit, Walked, merge_blocks, shed_facts};

/// Lints one SQL source: every enabled statement, transaction and file check, syntax
/// errors and suppressions.
pub fn lint_sql(source: SourceFile, config: &Config) -> FileReport {
    lint_sql_with(source, config, &Session::default(), &[], rules::ALL)
}

/// [`lint_sql`] run as `session` says (a section of a file, in the transaction its tool
/// runs it in).
pub fn lint_sql_in(source: SourceFile, config: &Config, session: &Session) -> FileReport {
    lint_sql_with(source, config, session, &[], rules::ALL)
}

/// [`lint_sql`] for a migration that runs after others: `catalog` is the schema they
/// built ([`history`]); `parsed`, when given, is `source`'s whole text parsed already.
pub fn lint_sql_after(
    source: SourceFile,
    parsed: Option<parse::Parsed>,
    config: &Config,
    catalog: crate::schema::Catalog,
) -> FileReport {
    let session = Session {
        catalog,
        ..Session::default()
    };
    lint_parsed_with(source, parsed, config, &session, &[], rules::ALL, None)
}

/// [`lint_sql_after`] for a huge file under `lint`: its findings are handed to `hand_on`
/// as soon as they are final, a few thousand at a time, rather than all kept to the end
/// (a 50 MiB migration has 170,000, with their texts and the facts they show), and the
/// statements walked up to there are let go. The report returned holds the findings not
/// handed on and the statements after the last part, counting the others
/// ([`FileReport::statements_let_go`]). Findings are final once their statement, or
/// their transaction block, was checked, unless the file has what makes findings at the
/// end (suppression comments, templates, DO blocks and called functions, psql
/// meta-commands, a statement a file check may flag): from there on they are kept.
pub fn lint_sql_handing_on(
    source: SourceFile,
    config: &Config,
    catalog: crate::schema::Catalog,
    hand_on: HandOn,
) -> FileReport {
    let session = Session {
        catalog,
        ..Session::default()
    };
    let all = rules::ALL;
    lint_parsed_with(source, None, config, &session, &[], all, Some(hand_on))
}

/// Where [`lint_sql_handing_on`] hands findings on.
pub struct HandOn<'a> {
    /// The findings handed on at a time, at least ([`HAND_ON_FINDINGS`] for a huge file).
    pub at_least: usize,
    pub to: &'a mut dyn FnMut(FileReport),
}

/// The findings a huge file hands on at a time, at least: a few hundred KiB with their
/// texts, rendered in parallel slices.
pub const HAND_ON_FINDINGS: usize = 4096;

/// What ran on the same connection before the file, which the file inherits (a
/// `lock_timeout`): Alembic's env.py settings.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// Statements, in order (`SET lock_timeout = 4000`).
    pub setup: Vec<String>,
    /// Where such settings were looked for, named in findings that miss one (`env.py`).
    pub looked_in: Option<String>,
    /// The file is one piece of a longer script (Alembic's offline SQL): the script's later
    /// pieces end a transaction it leaves open.
    pub piece_of_script: bool,
    /// The schema earlier migrations built ([`history`]), as far as this file names it.
    pub catalog: crate::schema::Catalog,
    /// The transaction the migration tool runs the file in, when the caller knows it (a
    /// section of a file, linted apart); else the file's own convention says, or the
    /// configuration.
    pub runner_transaction: Option<RunnerTransaction>,
}

/// [`lint_sql`] for SQL rendered from another source: it runs after `session`'s
/// statements, and `known` says what the source declares about columns before the
/// statement at each offset (Alembic's `existing_type`).
pub fn lint_rendered_sql(
    source: SourceFile,
    config: &Config,
    session: &Session,
    known: &[(usize, KnownColumn)],
) -> FileReport {
    lint_sql_with(source, config, session, known, rules::ALL)
}

fn lint_sql_with(
    source: SourceFile,
    config: &Config,
    session: &Session,
    known: &[(usize, KnownColumn)],
    all: &[&'static rules::Rule],
) -> FileReport {
    lint_parsed_with(source, None, config, session, known, all, None)
}

/// [`lint_rendered_sql`] for SQL already parsed (`parsed` is `source`'s text parsed): an
/// Alembic revision's upgrade is parsed once, for the schema replay and for the rules.
pub fn lint_rendered_parsed(
    source: SourceFile,
    parsed: parse::Parsed,
    config: &Config,
    session: &Session,
    known: &[(usize, KnownColumn)],
) -> FileReport {
    lint_parsed_with(
        source,
        Some(parsed),
        config,
        session,
        known,
        rules::ALL,
        None,
    )
}

fn lint_parsed_with(
    source: SourceFile,
    parsed: Option<parse::Parsed>,
    config: &Config,
    session: &Session,
    known: &[(usize, KnownColumn)],
    all: &[&'static rules::Rule],
    hand_on: Option<HandOn>,
) -> FileReport {
    let config = &*config.for_path(std::path::Path::new(&source.name));
    let down = match parsed.is_none() && source.language == Language::Sql {
        true => source.sections(true),
        false => Vec::new(),
    };
    let mut report = if down.is_empty() || source.sections(false).is_empty() {
        let runner = runner::transaction(&source, session, config, false);
        let running = Running { runner, hand_on };
        let (report, catalog) =
            lint_unfinished(source, parsed, config, session, known, all, running);
        crate::dropper::drop_for(catalog, report.source.text.len());
        report
    } else {
        up_down::lint_sections(source, &down, config, session, known, all)
    };
    let comments = match report.source.mentions().suppression {
        true => suppress::sql_comments(&report.source.text),
        false => Vec::new(),
    };
    finish(&mut report, &comments, config);
    report
}

/// How a source is run and reported ([`lint_unfinished`]).
struct Running<'a> {
    /// The transaction the migration tool runs it in, when a convention says.
    runner: Option<RunnerTransaction>,
    /// Where findings go as they are final ([`lint_sql_handing_on`]).
    hand_on: Option<HandOn<'a>>,
}

/// Lints one source, but for its suppressions and the order of its findings ([`finish`]),
/// and returns the schema it leaves (`session`'s catalog with its changes applied).
fn lint_unfinished(
    source: SourceFile,
    parsed: Option<parse::Parsed>,
    config: &Config,
    session: &Session,
    known: &[(usize, KnownColumn)],
    all: &[&'static rules::Rule],
    Running { runner, hand_on }: Running,
) -> (FileReport, crate::schema::Catalog) {
    // Parsed a batch at a time, each batch's trees dropped once walked: a huge file never
    // holds every statement's tree. SQL parsed already (an Alembic upgrade, parsed once for
    // the replay) is the one batch.
    // What the statements are parsed from (templates stood in for); a created function's
    // body is found in it too.
    let stood_in = parse::template::stood_in_mentioned(&source.text, source.mentions().template);
    let (ahead, batches) = match parsed {
        Some(parsed) => (Some(parsed), None),
        None => {
            let text = std::borrow::Cow::Borrowed(&*stood_in.text);
            (None, Some(parse::Batches::of_stood_in(text)))
        }
    };
    // A file of one statement that a one-query-string runner sends runs on its own: the
    // runner's transaction says so (`convention::one_query_transaction`).
    let runner_transaction = runner.map_or(config.assume_in_transaction, |r| r.inside);
    let mut state = FileState::new(config.postgres_version, runner_transaction)
        .with_catalog(session.catalog.clone());
    state.runner = runner;
    state.implicit_block = runner.is_some_and(|r| r.one_query);
    // What the team's runner sets on the connection before every migration (config).
    state.lock_timeout_set = config.runner_sets_lock_timeout;
    state.statement_timeout_set = config.runner_sets_statement_timeout;
    for sql in &session.setup {
        for statement in parse::parse_sql(sql).statements {
            let facts = facts::analyze(&statement.node, &state);
            state.record(&statement.node, &facts);
        }
    }
    state.session_settings_from = session.looked_in.clone();
    state.runner_commits |= session.piece_of_script;
    let mut findings = Vec::new();
    let language = source.language;
    let _alembic_shown = rules::AlembicShown::set(language != Language::Sql);
    let enabled = |rule: &&'static rules::Rule| config.severity_of(rule).map(|s| (*rule, s));
    let mut statement_checks = Vec::new();
    let mut transaction_checks = Vec::new();
    let mut file_checks = Vec::new();
    for (rule, severity) in all.iter().filter_map(enabled) {
        match rule.check {
            rules::Check::Statement(check) => statement_checks.push((rule, severity, check)),
            rules::Check::Transaction(check) => transaction_checks.push((rule, severity, check)),
            rules::Check::File(check) => file_checks.push((rule, severity, check)),
            _ => {}
        }
    }

    // What the rules walk: each statement, followed by the statements its DO block runs
    // (linted as if top-level, in the DO statement's transaction context).
    // A PL/pgSQL function created earlier in the file runs its statements where a plain
    // `SELECT f(...)` or `CALL f(...)` calls it.
    let mut functions: HashMap<String, Function> = HashMap::new();
    let mut units: Vec<Unit> = Vec::new();
    // Only the summaries that are not `Other`, by unit: most statements have none, and a
    // file's units are many.
    let mut summaries: Vec<(usize, rules::Summary)> = Vec::new();
    // Each top-level statement's unit (its span is its report's).
    let mut top_units: Vec<u32> = Vec::new();
    let mut bodies_run: Vec<(usize, Vec<parse::plpgsql::Opaque>, bool)> = Vec::new();
    let mut errors = Vec::new();
    let mut meta_commands = Vec::new();
    let mut reports = Vec::new();
    // The units before the vectors above start (a huge file lets go of what it handed on).
    let mut let_go = LetGo::default();
    let mut known = known.iter().peekable();
    // The transaction block being walked: its id, first unit, and the findings before it.
    let mut block: Option<(u32, usize, usize)> = None;
    // The findings before this are in their final order ([`sort_findings`]): each
    // statement's and block's are sorted as they close, so that `finish` finds them
    // sorted and a big file's 170,000 findings need no sort (nor its scratch) at the end.
    let mut sorted_before = 0;
    // `lint` reports findings only: a statement no finding names and no later check reads
    // lets its facts go once its block was checked ([`Summary`]). Not with suppression
    // comments, whose findings name statements when the file is done.
    let shed = config.findings_only && language == Language::Sql && !source.mentions().suppression;
    // Findings handed on as they are final ([`lint_sql_handing_on`]) need what shedding
    // needs (no suppression comments) and no templates, whose names are put back at the
    // end; what else makes findings only the end can place stops it below.
    let mut hand_on = hand_on.filter(|_| shed && !stood_in.any());
    let syntax_error = config.severity_of(&rules::SYNTAX_ERROR);
    // The syntax errors made findings so far: each goes in before the statement after it,
    // so that the findings stay in order as their statements close.
    let mut errors_placed = 0;
    // A file of many batches is parsed on a thread of its own, a batch or two ahead of
    // its lint.
    std::thread::scope(|scope| {
        let batches = batches.map(|batches| parse::ahead(scope, batches));
        let ahead = ahead.map(parse::AheadBatch::here);
        for mut batch in ahead.into_iter().chain(batches.into_iter().flatten()) {
            errors.append(&mut batch.errors);
            if !batch.meta_commands.is_empty() {
                // Their one finding is made at the end, where the first is.
                hand_on = None;
            }
            meta_commands.append(&mut batch.meta_commands);
            // A small file is one batch: its vectors grow once.
            let count = batch.statements.len();
            units.reserve(count);
            top_units.reserve(count);
            reports.reserve(count);
            for stmt in &batch.statements {
                while let Some(error) = errors.get(errors_placed)
                    && error.span.start < stmt.span.start
                {
                    if let Some(severity) = syntax_error {
                        findings.push(syntax_error_finding(&source.text, error, severity));
                    }
                    errors_placed += 1;
                }
                let top = let_go.first + top_units.len();
                top_units.push((let_go.first + units.len()) as u32);
                if let Some(created) = stmt.function.as_deref()
                    && let Some(name) = &created.function
                {
                    functions.insert(name.clone(), Function::Created(created.span()));
                }
                let runs = match stmt.body.as_deref() {
                    Some(body) => Some(body),
                    None => called_function(&stmt.node)
                        .and_then(|name| functions.get_mut(name))
                        .and_then(|function| function.body(&stood_in.text)),
                };
                if let Some(body) = runs {
                    bodies_run.push((top, body.opaque.clone(), body.function.is_some()));
                    // A body's findings are merged into its statement's at the end.
                    hand_on = None;
                }
                let called = stmt.body.is_none();
                let inner = runs.into_iter().flat_map(|body| &body.statements);
                for (stmt, inner) in std::iter::once((stmt, false)).chain(inner.map(|s| (s, true)))
                {
                    let index = let_go.first + units.len();
                    let summary = rules::Summary::of(&stmt.node);
                    units.push(Unit {
                        top: top as u32,
                        inner,
                        called: inner && called,
                        runs: !inner && runs.is_some(),
                        summarized: !matches!(summary, rules::Summary::Other),
                    });
                    if !matches!(summary, rules::Summary::Other) {
                        summaries.push((index, summary));
                    }
                    let findings_before = findings.len();
                    while let Some((_, column)) = known.next_if(|(at, _)| *at <= stmt.span.start) {
                        state.declare_column(column);
                    }
                    if !inner {
                        state.enter(&stmt.node);
                    }
                    let facts = facts::analyze(&stmt.node, &state);
                    if hand_on.is_some() && rules::file_checks_may_flag(&facts) {
                        hand_on = None;
                    }
                    // A DO block runs its statements inside a transaction of its own at least:
                    // what may not run in one (CONCURRENTLY) fails there too. The rules see
                    // the state so flagged, and it is put back after them: a copy of the
                    // state (its catalog) for each such statement made a file of many DO
                    // blocks after many tables quadratic.
                    let outside = (state.in_transaction, state.in_do_block);
                    if inner {
                        state.in_transaction = true;
                        state.in_do_block = true;
                    }
                    let view = StatementView {
                        sql: stmt
                            .text
                            .as_deref()
                            .unwrap_or_else(|| &source.text[stmt.span.clone()]),
                        node: &stmt.node,
                        facts: &facts,
                        state: &state,
                        typed: Default::default(),
                        clauses: Default::default(),
                        tree_offset: stmt.tree_offset,
                    };
                    for (rule, severity, check) in &statement_checks {
                        for violation in check(&view) {
                            let span = stmt.span.clone();
                            findings.push(place(rule, *severity, violation, index, span, language));
                        }
                    }
                    drop(view);
                    (state.in_transaction, state.in_do_block) = outside;
                    let in_transaction = state.in_transaction;
                    let locks_on_existing = state.locks_on_existing(&facts);
                    let blocks = locks_on_existing.iter().any(|l| l.mode.blocks_writes());
                    state.record_knowing(&stmt.node, &facts, blocks);
                    // BEGIN belongs to the block it opens, COMMIT to the one it closes.
                    let transaction = (in_transaction || state.in_transaction)
                        .then(|| state.transactions_started.saturating_sub(1) as u32);
                    reports.push(StatementReport {
                        span: stmt.span.clone(),
                        facts,
                        in_transaction,
                        transaction,
                        locks_on_existing: locks_on_existing.into_boxed_slice(),
                        extra: stmt.text.clone().map(|sql| {
                            Box::new(StatementExtra {
                                sql: Some(sql),
                                ..Default::default()
                            })
                        }),
                    });
                    // A block is checked as soon as it closes: its statements are all
                    // known. Then what no later check reads lets its facts go.
                    if let Some((id, first, before)) = block
                        && Some(id) != transaction
                    {
                        let walked = Walked {
                            reports: &reports,
                            summaries: &summaries,
                            let_go: &let_go,
                            source: &source,
                        };
                        let closed = first..index;
                        let checked =
                            walked.check_block(&transaction_checks, closed.clone(), &state);
                        findings.extend(checked);
                        if shed {
                            let (first, named) = (let_go.first, &findings[before..]);
                            shed_facts(&mut reports, &units, first, closed, named);
                        }
                        block = None;
                    }
                    match transaction {
                        Some(id) if block.is_none() => block = Some((id, index, findings_before)),
                        Some(_) => {}
                        None if shed => {
                            shed_facts(
                                &mut reports,
                                &units,
                                let_go.first,
                                index..index + 1,
                                &findings[findings_before..],
                            );
                        }
                        None => {}
                    }
                    if block.is_none() {
                        sort_findings(&mut findings[sorted_before..]);
                        sorted_before = findings.len();
                        if let Some(hand_on) = &mut hand_on
                            && findings.len() >= hand_on.at_least
                        {
                            let walked = Walked {
                                reports: &reports,
                                summaries: &summaries,
                                let_go: &let_go,
                                source: &source,
                            };
                            hand_on_findings(&mut *hand_on.to, &walked, &mut findings);
                            sorted_before = 0;
                            // Every unit walked is done with: what no file check reads
                            // goes.
                            let vectors = (&mut reports, &mut units, &mut top_units);
                            let_go.forget(vectors, &mut summaries);
                        }
                    }
                }
            }
        }
    });

    let walked = Walked {
        reports: &reports,
        summaries: &summaries,
        let_go: &let_go,
        source: &source,
    };
    // The block the file ends in keeps its facts: a file check reads it.
    if let Some((_, first, _)) = block {
        findings.extend(walked.check_block(&transaction_checks, first..walked.len(), &state));
    }
    if !file_checks.is_empty() {
        let statement = |i: usize| walked.statement(i);
        let file = FileView::new(walked.len(), &statement, &state);
        for (rule, severity, check) in &file_checks {
            for violation in check(&file) {
                let (index, span) = walked.at(violation.statement.unwrap_or(0));
                findings.push(place(rule, *severity, violation, index, span, language));
            }
        }
    }
    crate::dropper::drop_for(summaries, source.text.len());
    // Findings and reports are per top-level statement: a DO statement reports what its
    // block runs.
    // (Syntax errors, on no statement, are placed already.) Statements are let go only
    // while each is its own unit: one offset serves units and statements.
    let first = let_go.first;
    drop(let_go);
    for finding in findings.iter_mut().filter(|f| f.statement.is_some()) {
        on_char_boundaries(&source.text, &mut finding.span);
        let unit = finding
            .statement
            .and_then(|i| units.get(i.checked_sub(first)?));
        finding.statement = unit.map(|u| u.top as usize - first);
        // A function body's finding points into the body: say which call runs it.
        if let Some(unit) = unit.filter(|u| u.called) {
            let call = &reports[top_units[unit.top as usize - first] as usize - first].span;
            let line = source.position(call.start).line;
            finding.message = format!(
                "{} (run by `{}` at line {line})",
                finding.message,
                rules::excerpt(&source.text[call.clone()])
            );
        }
    }
    let mut statements = merge_blocks(&units, reports);
    if let Some(severity) = config.severity_of(&rules::DYNAMIC_SQL_NOT_LINTED) {
        for (top, opaques, function) in &bodies_run {
            let top = *top - first;
            for opaque in opaques {
                let mut violation = rules::dynamic_sql_not_linted(&opaque.reason);
                if *function {
                    let call = &statements[top].span;
                    violation.message = format!(
                        "{} (run by `{}` at line {})",
                        violation.message,
                        rules::excerpt(&source.text[call.clone()]),
                        source.position(call.start).line
                    );
                }
                findings.push(Finding {
                    rule: &rules::DYNAMIC_SQL_NOT_LINTED,
                    severity,
                    message: violation.message,
                    advice: violation.advice,
                    span: opaque.span.clone(),
                    statement: Some(top),
                });
            }
        }
    }

    if let Some(severity) = syntax_error {
        for error in &errors[errors_placed..] {
            findings.push(syntax_error_finding(&source.text, error, severity));
        }
    }
    if let (Some(first), Some(severity)) = (
        meta_commands.first(),
        config.severity_of(&rules::PSQL_META_COMMAND),
    ) {
        // One finding per file: the count says how many, the span shows the first.
        let violation =
            rules::psql_meta_command::violation(meta_commands.len(), &source.text[first.clone()]);
        findings.push(Finding {
            rule: &rules::PSQL_META_COMMAND,
            severity,
            message: violation.message,
            advice: violation.advice,
            span: first.clone(),
            statement: None,
        });
    }

    if stood_in.any() {
        restore_templates(&stood_in, &mut findings, &mut statements);
    }
    drop(stood_in);
    let catalog = std::mem::take(&mut state.catalog);
    crate::dropper::drop_for(state, source.text.len());
    let report = FileReport {
        source,
        statements,
        statements_let_go: first,
        findings,
        unparsable_statements: errors.len(),
        rendering: None,
        partial: false,
    };
    (report, catalog)
}

/// Hands `findings` (final and in order) on as part of the file's report, with copies of
/// the statements they name.
fn hand_on_findings(
    hand_on: &mut dyn FnMut(FileReport),
    walked: &Walked,
    findings: &mut Vec<Finding>,
) {
    let source = walked.source;
    let mut named: Vec<usize> = findings.iter().filter_map(|f| f.statement).collect();
    named.sort_unstable();
    named.dedup();
    let statements = named.iter().map(|&i| walked.report(i).clone()).collect();
    let mut handed = std::mem::take(findings);
    for finding in handed.iter_mut().filter(|f| f.statement.is_some()) {
        on_char_boundaries(&source.text, &mut finding.span);
        finding.statement = finding.statement.and_then(|i| named.binary_search(&i).ok());
    }
    hand_on(FileReport {
        source: source.clone(),
        statements,
        statements_let_go: 0,
        findings: handed,
        unparsable_statements: 0,
        rendering: None,
        partial: true,
    });
}

/// A sub-span inside a DO block's quoted statement is measured in its decoded text: kept
/// on the file's character boundaries.
fn on_char_boundaries(text: &str, span: &mut Range<usize>) {
    let start = crate::source::floor_char_boundary(text, span.start);
    let end = crate::source::floor_char_boundary(text, span.end);
    *span = start..end.max(start);
}

fn syntax_error_finding(
    text: &str,
    error: &parse::SyntaxError,
    severity: rules::Severity,
) -> Finding {
    let end = text[error.offset..]
        .find(|c: char| c.is_whitespace() || c == ';')
        .map_or(text.len(), |i| error.offset + i.max(1));
    Finding {
        rule: &rules::SYNTAX_ERROR,
        severity,
        message: error.message.clone(),
        advice: rules::Advice::sql(
            "fix the statement; the statements around it were still checked",
        ),
        span: error.offset..end.min(text.len()).max(error.offset),
        statement: None,
    }
}

/// Names and messages built from a parse of stood-in templates, with the templates put
/// back as the file writes them ([`parse::template`]).
fn restore_templates(
    stood_in: &parse::template::StoodIn,
    findings: &mut [Finding],
    statements: &mut [StatementReport],
) {
    let restore = |text: &mut String| stood_in.restore(text);
    let restore_name = |name: &mut facts::Name| {
        let mut text = name.to_string();
        restore(&mut text);
        *name = text.into();
    };
    let restore_relation = |relation: &mut facts::Relation| {
        relation.schema.iter_mut().for_each(restore_name);
        restore_name(&mut relation.name);
    };
    for finding in findings {
        restore(&mut finding.message);
        finding.advice.sql.iter_mut().for_each(restore);
        (finding.advice.fix.iter_mut()).for_each(|fix| restore(&mut fix.replacement));
    }
    for statement in statements {
        for action in &mut statement.facts.actions {
            (action.relation.iter_mut().chain(&mut action.other)).for_each(restore_relation);
            action.texts_mut().for_each(restore);
        }
        for lock in &mut statement.locks_on_existing {
            restore_relation(&mut lock.relation);
        }
        if let Some(extra) = &mut statement.extra {
            extra.sql.iter_mut().for_each(restore);
            restore_templates(stood_in, &mut [], &mut extra.inner);
        }
    }
}

/// A violation on statement `index`, whose span is `statement`, placed in the source.
fn place(
    rule: &'static rules::Rule,
    severity: rules::Severity,
    violation: Violation,
    index: usize,
    statement: Range<usize>,
    language: Language,
) -> Finding {
    let finding_severity = violation.severity_under(severity);
    let mut advice = violation.advice;
    // A `.sql` file's help never shows the Alembic advice, nor a revision's the SQL advice
    // where there is Alembic advice (and only a `.sql` file's findings carry a fix), and a
    // file's findings are kept to its end. Rules may leave out what is not shown
    // ([`rules::AlembicShown`]); what they built anyway goes here.
    match language {
        Language::Sql => advice.alembic = None,
        Language::Python if advice.alembic.is_some() => {
            advice.sql = None;
            advice.fix = None;
        }
        Language::Python => {}
    }
    // Kept to the file's end too: `format!` reserves about twice its literal text, and a
    // shrinking realloc that wastes less than half stays in place, so the text is copied
    // to an exact fit (a 50 MiB file's 170,000 findings held 30 MB of slack).
    let exact = |text: &mut String| {
        if text.capacity() > text.len() {
            *text = text.as_str().to_owned();
        }
    };
    let mut message = violation.message;
    exact(&mut message);
    if let Some(sql) = &mut advice.sql {
        exact(sql);
    }
    if let Some(fix) = &mut advice.fix {
        exact(&mut fix.replacement);
    }
    let span = match violation.span {
        Some(sub) => statement.start + sub.start..statement.start + sub.end,
        None => statement,
    };
    Finding {
        rule,
        severity: finding_severity,
        message,
        advice,
        span,
        statement: Some(index),
    }
}

/// The last step for any source: apply the `locksmith:ignore` comments among `comments`
/// and sort the findings by position, then rule id.
pub fn finish(report: &mut FileReport, comments: &[Range<usize>], config: &Config) {
    if !comments.is_empty() {
        let config = &*config.for_path(std::path::Path::new(&report.source.name));
        let spans: Vec<Range<usize>> = report.statements.iter().map(|s| s.span.clone()).collect();
        let enabled =
            |id: &str| rules::find(id).is_some_and(|rule| config.severity_of(rule).is_some());
        suppress::apply(
            &report.source,
            &spans,
            comments,
            &mut report.findings,
            suppress::Reporting {
                unused: config.severity_of(&rules::UNUSED_SUPPRESSION),
                invalid: config.severity_of(&rules::INVALID_SUPPRESSION),
            },
            enabled,
        );
    }
    sort_findings(&mut report.findings);
}

/// Sorts findings by position, then rule id, keeping the order they were found in among
/// equals. Sorting pieces of a list so, then the whole, orders it as one sort would; the
/// whole is usually sorted already, and then costs a pass (a stable sort's scratch is half
/// the list: 11 MB for a 50 MiB file's findings).
fn sort_findings(findings: &mut [Finding]) {
    let key = |f: &Finding| (f.span.start, f.rule.id);
    if !findings.is_sorted_by(|a, b| key(a) <= key(b)) {
        findings.sort_by(|a, b| key(a).cmp(&key(b)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(sql: &str) -> Vec<(&'static str, usize)> {
        let report = lint_sql(SourceFile::new("t.sql", sql), &Config::default());
        report
            .findings
            .iter()
            .map(|f| (f.rule.id, report.source.position(f.span.start).line))
            .collect()
    }

    /// Inside a statement, a comment covers the findings that start on the line below it
    /// (or on its own line, at the end of one), never the next statement.
    #[test]
    fn a_suppression_inside_a_statement_covers_its_line_there() {
        let sql = "SET lock_timeout = '1s';\n\
                   CREATE TABLE a (\n\
                     -- locksmith:ignore prefer-text-over-varchar: fixed-width codes\n\
                     x varchar(10),\n\
                     y varchar(10), -- locksmith:ignore prefer-text-over-varchar\n\
                     z varchar(10)\n\
                   );\n\
                   CREATE TABLE b (w varchar(10));\n";
        let varchar: Vec<_> = (ids(sql).into_iter())
            .filter(|(id, _)| *id == "prefer-text-over-varchar")
            .collect();
        assert_eq!(
            varchar,
            [
                ("prefer-text-over-varchar", 6),
                ("prefer-text-over-varchar", 8)
            ]
        );
        // A comment above a finding that starts elsewhere (the statement's first line)
        // suppresses nothing, and says so.
        let sql = "SET lock_timeout = '1s';\nALTER TABLE t\n  -- locksmith:ignore dropping-column\n  DROP COLUMN c;\n";
        assert_eq!(
            ids(sql),
            [("dropping-column", 2), ("unused-suppression", 3)]
        );
    }

    #[test]
    fn suppressions_on_the_line_before_and_at_the_end() {
        let sql = "SET lock_timeout = '1s';\n\
                   -- locksmith:ignore dropping-column: unused since v2\n\
                   ALTER TABLE users DROP COLUMN a;\n\
                   ALTER TABLE users DROP COLUMN b; -- locksmith:ignore dropping-column\n\
                   ALTER TABLE users DROP COLUMN c;\n";
        assert_eq!(ids(sql), vec![("dropping-column", 5)]);
    }

    /// `runner_sets_lock_timeout` / `runner_sets_statement_timeout`: the file starts with
    /// the timeouts in force, so the rules that look for them are silent, until the file
    /// turns one off.
    #[test]
    fn runner_set_timeouts_are_in_force_from_the_start() {
        let statement_timeout = crate::rules::find("missing-statement-timeout").unwrap();
        let config = |lock, statement| {
            Config {
                runner_sets_lock_timeout: lock,
                runner_sets_statement_timeout: statement,
                ..Config::default()
            }
            .enabling(statement_timeout)
        };
        let fired = |sql: &str, config: &Config| {
            crate::rules::cases::fired_with(sql, config)
                .into_iter()
                .filter(|id| id.starts_with("missing-"))
                .collect::<Vec<_>>()
        };
        let alter = "ALTER TABLE users ADD COLUMN age int;";
        assert_eq!(
            fired(alter, &config(false, false)),
            vec!["missing-lock-timeout", "missing-statement-timeout"]
        );
        assert_eq!(
            fired(alter, &config(true, false)),
            vec!["missing-statement-timeout"]
        );
        assert_eq!(
            fired(alter, &config(false, true)),
            vec!["missing-lock-timeout"]
        );
        assert!(fired(alter, &config(true, true)).is_empty());
        let turned_off = "SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN age int;";
        assert_eq!(
            fired(turned_off, &config(true, true)),
            vec!["missing-lock-timeout"]
        );
    }

    /// `overrides:` apply to the file by its name (the path it was found at).
    #[test]
    fn overrides_apply_to_the_file_linted() {
        let config = Config::parse(
            "overrides:\n  - paths: [\"legacy/**\"]\n    rules:\n      dropping-column: off\n      missing-lock-timeout: error\n",
            "lint.yaml",
        )
        .unwrap();
        let sql = "ALTER TABLE users DROP COLUMN a;\n";
        let found = |name: &str| {
            let report = lint_sql(SourceFile::new(name, sql), &config);
            report
                .findings
                .iter()
                .map(|f| (f.rule.id, f.severity))
                .collect::<Vec<_>>()
        };
        use crate::rules::Severity;
        assert_eq!(
            found("legacy/001.sql"),
            vec![("missing-lock-timeout", Severity::Error)]
        );
        assert_eq!(
            found("migrations/001.sql"),
            vec![
                ("dropping-column", Severity::Warning),
                ("missing-lock-timeout", Severity::Warning)
            ]
        );
        // A suppression of a rule the override turned off is not reported as unused.
        let ignored =
            "-- locksmith:ignore dropping-column: legacy\nALTER TABLE users DROP COLUMN a;\n";
        let report = lint_sql(SourceFile::new("legacy/002.sql", ignored), &config);
        assert!(
            report
                .findings
                .iter()
                .all(|f| f.rule.id != "unused-suppression"),
            "{:?}",
            report.findings
        );
    }

    /// An unknown id is invalid-suppression (it was unused-suppression before that rule).
    #[test]
    fn unused_and_unknown_suppressions_are_reported() {
        let sql = "-- locksmith:ignore renaming-table, no-such-rule: why\nALTER TABLE users ADD COLUMN a int NULL;\n";
        let found = ids(sql);
        assert!(found.contains(&("unused-suppression", 1)), "{found:?}");
        assert!(found.contains(&("invalid-suppression", 1)), "{found:?}");
        let count = |rule: &str| found.iter().filter(|(r, _)| *r == rule).count();
        assert_eq!(
            (count("unused-suppression"), count("invalid-suppression")),
            (1, 1)
        );
    }

    #[test]
    fn file_wide_suppression() {
        let sql = "-- locksmith:ignore-file missing-lock-timeout, dropping-column\n\
                   ALTER TABLE users DROP COLUMN a;\nALTER TABLE users DROP COLUMN b;\n";
        assert_eq!(ids(sql), vec![]);
    }

    #[test]
    fn ignore_text_inside_a_string_is_not_a_comment() {
        let sql = "SET lock_timeout = '1s';\nSELECT '-- locksmith:ignore dropping-column';\nALTER TABLE users DROP COLUMN a;\n";
        assert_eq!(ids(sql), vec![("dropping-column", 3)]);
    }

    /// Transaction and file checks see the right statements and their findings land on
    /// the statement they name.
    #[test]
    fn transaction_and_file_checks_are_called_per_block_and_per_file() {
        use crate::rules::{Advice, Category, Check, FileView, Rule, Severity, TransactionView};

        fn per_transaction(view: &TransactionView) -> Vec<Violation> {
            let last = view.statements.len() - 1;
            let texts: Vec<&str> = view.statements.iter().map(|s| s.sql).collect();
            vec![Violation::with(texts.join(" | "), Advice::default()).at_statement(last)]
        }
        fn per_file(view: &FileView) -> Vec<Violation> {
            let message = format!(
                "{} statements, {} blocks, ends in a transaction: {}",
                view.len(),
                view.transactions().count(),
                view.state.in_transaction
            );
            vec![Violation::with(message, Advice::default()).at_statement(1)]
        }
        static TRANSACTIONS: Rule = Rule {
            id: "test-transactions",
            severity: Severity::Info,
            default_enabled: true,
            category: Category::Meta,
            summary: "",
            check: Check::Transaction(per_transaction),
        };
        static FILE: Rule = Rule {
            id: "test-file",
            severity: Severity::Info,
            default_enabled: true,
            category: Category::Meta,
            summary: "",
            check: Check::File(per_file),
        };
        let sql = "SELECT 1;\nBEGIN;\nSELECT 2;\nCOMMIT;\nSELECT 3;\nBEGIN;\nSELECT 4;\n";
        let report = lint_sql_with(
            SourceFile::new("t.sql", sql),
            &Config::default(),
            &Session::default(),
            &[],
            &[&TRANSACTIONS, &FILE],
        );
        let found: Vec<(&str, usize, &str)> = report
            .findings
            .iter()
            .map(|f| {
                let line = report.source.position(f.span.start).line;
                (f.rule.id, line, f.message.as_str())
            })
            .collect();
        assert_eq!(
            found,
            vec![
                (
                    "test-file",
                    2,
                    "7 statements, 2 blocks, ends in a transaction: true"
                ),
                ("test-transactions", 4, "BEGIN | SELECT 2 | COMMIT"),
                ("test-transactions", 7, "BEGIN | SELECT 4"),
            ]
        );
        // With the file assumed in one transaction, the whole file is one block.
        let config = Config {
            assume_in_transaction: true,
            ..Config::default()
        };
        let report = lint_sql_with(
            SourceFile::new("t.sql", "SELECT 1;\nSELECT 2;\n"),
            &config,
            &Session::default(),
            &[],
            &[&TRANSACTIONS],
        );
        assert_eq!(report.findings[0].message, "SELECT 1 | SELECT 2");
    }

    #[test]
    fn syntax_errors_do_not_stop_the_file() {
        let sql = "SET lock_timeout = '1s';\nALTER TABLEE users DROP COLUMN a;\nALTER TABLE users DROP COLUMN b;\n";
        assert_eq!(ids(sql), vec![("syntax-error", 2), ("dropping-column", 3)]);
    }

    #[test]
    fn statements_after_an_unclosed_statement_are_linted_and_counted() {
        let sql = "SELECT 1;\nSELECT foo(1;\nALTER TABLE users ADD COLUMN email text NOT NULL;\n";
        let found = ids(sql);
        assert!(found.contains(&("syntax-error", 2)), "{found:?}");
        assert!(found.contains(&("adding-not-null-column", 3)), "{found:?}");
        let report = lint_sql(SourceFile::new("t.sql", sql), &Config::default());
        assert_eq!(
            (report.statements.len(), report.unparsable_statements),
            (2, 1)
        );
    }

    #[test]
    fn one_info_finding_for_the_psql_meta_commands_of_a_file() {
        let sql = "\\set ON_ERROR_STOP 1\nBEGIN;\n\\timing\nSET lock_timeout = '1s';\nDROP TABLE users;\nCOMMIT;\n";
        let report = lint_sql(SourceFile::new("t.sql", sql), &Config::default());
        let meta: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.rule.id == "psql-meta-command")
            .collect();
        assert_eq!(meta.len(), 1);
        assert_eq!(meta[0].severity, rules::Severity::Info);
        assert_eq!(&sql[meta[0].span.clone()], "\\set ON_ERROR_STOP 1");
        assert!(
            meta[0].message.starts_with("2 psql meta-commands"),
            "{}",
            meta[0].message
        );
        // BEGIN is not swallowed by the line before it: the DROP runs in its transaction.
        assert!(report.statements[2].in_transaction);
        assert!(ids(sql).contains(&("dropping-table", 5)));
    }

    #[test]
    fn copy_data_rows_are_not_linted_and_the_next_statement_is() {
        let sql = "SET lock_timeout = '1s';\nCOPY users (id, note) FROM stdin;\n1\tDROP TABLE users;\n\\.\nALTER TABLE users DROP COLUMN note;\n";
        assert_eq!(ids(sql), vec![("dropping-column", 5)]);
    }

    #[test]
    fn a_byte_order_mark_changes_nothing() {
        let sql = "\u{FEFF}ALTER TABLE users DROP COLUMN a;\n";
        let found = ids(sql);
        assert!(
            !found.iter().any(|(id, _)| *id == "syntax-error"),
            "{found:?}"
        );
        assert!(found.contains(&("dropping-column", 1)), "{found:?}");
    }
}
