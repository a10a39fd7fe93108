//! What the engine walks and keeps of it: a unit per statement (a DO block's statements
//! follow their DO statement), the transaction checks run on each block as it closes, the
//! facts a statement lets go once no check reads them, and the merge of a DO block's
//! statements into its report.

use std::ops::Range;

use super::{StatementReport, place};
use crate::diagnostic::Finding;
use crate::facts::Facts;
use crate::rules::{self, CheckedStatement, TransactionView, Violation};
use crate::source::SourceFile;
use crate::state::FileState;

/// A statement the rules walk: a top-level one, or one a DO block (or a function it
/// calls) runs.
pub(super) struct Unit {
    /// The top-level statement it is, or whose DO block runs it (32 bits: a file has a
    /// unit per statement).
    pub(super) top: u32,
    pub(super) inner: bool,
    /// Run by a call of a function created earlier (not by a DO block).
    pub(super) called: bool,
    /// A top-level statement that runs a body (a DO block, a call of a function created
    /// earlier): its report takes in its body's.
    pub(super) runs: bool,
    /// It has a [`rules::Summary`]: a file check reads it after the walk.
    pub(super) summarized: bool,
}

/// What the walk made so far, as the transaction and file checks see it.
pub(super) struct Walked<'a> {
    /// From unit `let_go.first` on.
    pub(super) reports: &'a [StatementReport],
    /// Only the summaries that are not `Other`, by unit.
    pub(super) summaries: &'a [(usize, rules::Summary)],
    pub(super) let_go: &'a LetGo,
    pub(super) source: &'a SourceFile,
}

impl<'a> Walked<'a> {
    /// How many units were walked.
    pub(super) fn len(&self) -> usize {
        self.let_go.first + self.reports.len()
    }

    /// Unit `i`'s report (a blank for one let go that no file check reads).
    pub(super) fn report(&self, i: usize) -> &'a StatementReport {
        match i.checked_sub(self.let_go.first) {
            Some(at) => &self.reports[at],
            None => self.let_go.report(i),
        }
    }

    /// Unit `i` as a check sees it.
    pub(super) fn statement(&self, i: usize) -> CheckedStatement<'a> {
        let report = self.report(i);
        let summary = match self.summaries.binary_search_by_key(&i, |(unit, _)| *unit) {
            Ok(at) => &self.summaries[at].1,
            Err(_) => &rules::Summary::Other,
        };
        CheckedStatement {
            sql: report.text(self.source),
            summary,
            facts: &report.facts,
            in_transaction: report.in_transaction,
            transaction: report.transaction.map(|n| n as usize),
            locks_on_existing: &report.locks_on_existing,
        }
    }

    /// Where a violation on unit `index` goes; one past the last walked means the last.
    pub(super) fn at(&self, index: usize) -> (usize, Range<usize>) {
        let index = index.min(self.len().saturating_sub(1));
        let span = (index < self.len()).then(|| self.report(index).span.clone());
        (index, span.unwrap_or(0..0))
    }

    /// The transaction checks' findings on the block of `units`, with `state` as it is
    /// once the block is over.
    pub(super) fn check_block(
        &self,
        checks: &[(&'static rules::Rule, rules::Severity, TransactionCheck)],
        units: Range<usize>,
        state: &FileState,
    ) -> Vec<Finding> {
        let mut findings = Vec::new();
        if checks.is_empty() {
            return findings;
        }
        let first = units.start;
        let statements: Vec<CheckedStatement> = units.map(|i| self.statement(i)).collect();
        let view = TransactionView {
            statements: &statements,
            state,
        };
        let language = self.source.language;
        for (rule, severity, check) in checks {
            for violation in check(&view) {
                let (index, span) = self.at(first + violation.statement.unwrap_or(0));
                findings.push(place(rule, *severity, violation, index, span, language));
            }
        }
        findings
    }
}

pub(super) type TransactionCheck = fn(&TransactionView) -> Vec<Violation>;

/// The units a huge file let go once their findings were handed on
/// ([`super::lint_sql_handing_on`]): the walk's vectors start at unit `first`. What a file
/// check reads after the walk is kept ([`rules::file_checks_read`]); to the checks the
/// others are statements with no facts.
pub(super) struct LetGo {
    /// Always a top-level statement's (units are let go only while each is one).
    pub(super) first: usize,
    /// By unit, in order.
    kept: Vec<(usize, StatementReport)>,
    /// What the others are to the checks.
    nothing: StatementReport,
}

impl Default for LetGo {
    fn default() -> LetGo {
        LetGo {
            first: 0,
            kept: Vec::new(),
            nothing: StatementReport::moved(),
        }
    }
}

impl LetGo {
    fn report(&self, unit: usize) -> &StatementReport {
        match self.kept.binary_search_by_key(&unit, |(at, _)| *at) {
            Ok(at) => &self.kept[at].1,
            Err(_) => &self.nothing,
        }
    }

    /// Lets go of every unit walked (each a top-level statement, all checked): their
    /// reports, summaries and places, but for what a file check reads.
    pub(super) fn forget(
        &mut self,
        (reports, units, top_units): (&mut Vec<StatementReport>, &mut Vec<Unit>, &mut Vec<u32>),
        summaries: &mut Vec<(usize, rules::Summary)>,
    ) {
        debug_assert!(units.len() == top_units.len() && units.iter().all(|u| !u.inner));
        let first = self.first;
        summaries.retain(|(unit, summary)| *unit < first || rules::file_checks_read(summary));
        let mut read = (summaries.iter().map(|(unit, _)| *unit))
            .filter(|&unit| unit >= first)
            .peekable();
        for (unit, report) in (first..).zip(reports.drain(..)) {
            if read.next_if_eq(&unit).is_some() {
                self.kept.push((unit, report));
            }
        }
        self.first += units.len();
        units.clear();
        top_units.clear();
    }
}

/// Lets go of the facts of the `units` that no finding among `findings` names and no
/// later step reads: the body a statement runs (merged into its report at the end), a
/// statement a file check reads ([`rules::Summary`]). `reports` and `units` start at unit
/// `first`.
pub(super) fn shed_facts(
    reports: &mut [StatementReport],
    units: &[Unit],
    first: usize,
    range: Range<usize>,
    findings: &[Finding],
) {
    let mut named: Vec<usize> = findings.iter().filter_map(|f| f.statement).collect();
    named.sort_unstable();
    for i in range {
        let unit = &units[i - first];
        if unit.inner || unit.runs || unit.summarized || named.binary_search(&i).is_ok() {
            continue;
        }
        let report = &mut reports[i - first];
        report.facts = Facts::default();
        report.locks_on_existing = Box::default();
    }
}

/// One report per top-level statement: a DO statement's facts are those of the statements
/// its block runs (the DO itself is not modelled), with their locks. Merged in place: a
/// merged copy would hold every report of a big file twice at once.
pub(super) fn merge_blocks(
    units: &[Unit],
    mut reports: Vec<StatementReport>,
) -> Vec<StatementReport> {
    if units.iter().all(|unit| !unit.inner) {
        return reports;
    }
    // Reports before `kept` are merged; those from `kept` up to the one read were moved
    // forward or into their DO statement, and are dropped at the end.
    let mut kept = 0;
    let mut block_started = false;
    for (read, unit) in units.iter().enumerate().take(reports.len()) {
        if !unit.inner {
            block_started = false;
            reports.swap(kept, read);
            kept += 1;
            continue;
        }
        if kept == 0 {
            continue;
        }
        let report = std::mem::replace(&mut reports[read], StatementReport::moved());
        let outer = &mut reports[kept - 1];
        if !block_started {
            outer
                .facts
                .actions
                .retain(|a| a.form != crate::facts::Form::Unmodelled);
            block_started = true;
        }
        outer
            .facts
            .actions
            .extend(report.facts.actions.iter().cloned());
        let mut locks = std::mem::take(&mut outer.locks_on_existing).into_vec();
        for lock in report.locks_on_existing.iter().cloned() {
            match locks.iter_mut().find(|l| l.relation.same(&lock.relation)) {
                Some(held) => held.mode = held.mode.max(lock.mode),
                None => locks.push(lock),
            }
        }
        outer.locks_on_existing = locks.into_boxed_slice();
        outer.extra_mut().inner.push(report);
    }
    reports.truncate(kept);
    reports
}
