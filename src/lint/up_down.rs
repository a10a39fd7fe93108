//! A file that holds both directions of a migration (dbmate, goose, sql-migrate): its up
//! and down sections linted apart, then put back together as one file's report.

use std::ops::Range;

use super::{FileReport, Running, Session, StatementReport, lint_unfinished, runner};
use crate::config::Config;
use crate::convention::{blanked, outside};
use crate::rules;
use crate::source::SourceFile;
use crate::state::KnownColumn;

/// A file that holds both directions (dbmate, goose, sql-migrate), its up and down
/// sections (`down`) linted apart: the down sections run on a later day, on the schema
/// the up sections left, in a transaction of their own. Each direction is linted in a copy
/// of the file with the other blanked, so that offsets and lines stay the file's.
pub(super) fn lint_sections(
    source: SourceFile,
    down: &[Range<usize>],
    config: &Config,
    session: &Session,
    known: &[(usize, KnownColumn)],
    all: &[&'static rules::Rule],
) -> FileReport {
    let up_part = SourceFile::new(source.name.clone(), blanked(&source.text, down));
    let running = Running {
        runner: runner::transaction(&source, session, config, false),
        hand_on: None,
    };
    let (up, mut catalog) = lint_unfinished(up_part, None, config, session, known, all, running);
    // The down part runs on another day, in a session of its own.
    catalog.end_session();
    let down_text = blanked(&source.text, &outside(down, source.text.len()));
    let down_part = SourceFile::new(source.name.clone(), down_text);
    let down_session = Session {
        catalog,
        ..session.clone()
    };
    let running = Running {
        runner: runner::transaction(&source, session, config, true),
        hand_on: None,
    };
    let (mut down, catalog) =
        lint_unfinished(down_part, None, config, &down_session, &[], all, running);
    crate::dropper::drop_for((catalog, down_session), source.text.len());
    // One file: the down part's transaction blocks are numbered on from the up part's,
    // and the statements of both are put in file order.
    let blocks = transaction_count(&up.statements);
    for statement in &mut down.statements {
        renumber_transactions(statement, blocks);
    }
    let mut order: Vec<(usize, bool, usize)> = (up.statements.iter().enumerate())
        .map(|(i, s)| (s.span.start, false, i))
        .chain((down.statements.iter().enumerate()).map(|(i, s)| (s.span.start, true, i)))
        .collect();
    order.sort();
    let mut new_index = [vec![0; up.statements.len()], vec![0; down.statements.len()]];
    for (at, &(_, is_down, i)) in order.iter().enumerate() {
        new_index[usize::from(is_down)][i] = at;
    }
    let mut parts =
        [up.statements, down.statements].map(|s| s.into_iter().map(Some).collect::<Vec<_>>());
    let statements = (order.iter())
        .filter_map(|&(_, is_down, i)| parts[usize::from(is_down)][i].take())
        .collect();
    let findings = [(up.findings, false), (down.findings, true)]
        .into_iter()
        .flat_map(|(findings, is_down)| {
            let renumber = &new_index[usize::from(is_down)];
            findings.into_iter().map(move |mut finding| {
                finding.statement = finding.statement.map(|i| renumber[i]);
                finding
            })
        })
        .collect();
    FileReport {
        source,
        statements,
        statements_let_go: 0,
        findings,
        unparsable_statements: up.unparsable_statements + down.unparsable_statements,
        rendering: None,
        partial: false,
    }
}

/// The transaction blocks `statements` number (numbered from 0).
fn transaction_count(statements: &[StatementReport]) -> usize {
    let numbers = statements
        .iter()
        .flat_map(|s| std::iter::once(s).chain(s.inner()));
    numbers
        .filter_map(|s| s.transaction)
        .max()
        .map_or(0, |n| n as usize + 1)
}

fn renumber_transactions(statement: &mut StatementReport, by: usize) {
    statement.transaction = statement.transaction.map(|n| n + by as u32);
    if let Some(extra) = &mut statement.extra {
        for inner in &mut extra.inner {
            renumber_transactions(inner, by);
        }
    }
}
