//! `.sql` inputs linted in parallel and handed on in input order: paths of one file each
//! in windows, two at a time, a directory's migrations as they are replayed in their
//! tool's order.

use std::panic::{AssertUnwindSafe, catch_unwind};

use rayon::prelude::*;

use super::read_input;
use crate::config::Config;
use crate::discover::Input;
use crate::lint::{
    self, FileReport,
    history::{ParsedChunk, ReplayedSql, SqlHistory, SqlReplay},
};
use crate::source::{InputError, SourceFile};

/// The outcomes of the SQL inputs, in input order, linted ahead on a thread of their own
/// ([`lint_ahead`]): while the caller renders one batch, the next is linted, so that
/// neither waits for the other's slowest file.
pub(super) struct Linted {
    outcomes: std::sync::mpsc::Receiver<Window>,
    ready: std::collections::VecDeque<Outcome>,
    /// Reports handed on so far (SQL and Alembic).
    pub(super) handed: usize,
    /// What the run warns about, as the windows bring it: take it after each batch.
    pub(super) warnings: Vec<InputError>,
}

/// The outcomes [`Ordered`] hands on at a time, and the warnings that came with them.
struct Window {
    outcomes: Vec<Outcome>,
    warnings: Vec<InputError>,
}

/// What the linting thread hands on for an input.
pub(super) enum Outcome {
    Linted(Result<FileReport, InputError>),
    /// A file of [`Config::hand_on_at`] bytes or more, read and not linted: the thread that
    /// reports lints it, taking its findings as they come ([`lint_handing_on`]).
    Big(Input, SourceFile),
}

impl Linted {
    /// The next at most `max` outcomes, in input order; none once all were taken.
    pub(super) fn next_batch(&mut self, max: usize) -> Vec<Outcome> {
        while self.ready.is_empty()
            && let Ok(window) = self.outcomes.recv()
        {
            self.ready.extend(window.outcomes);
            self.warnings.extend(window.warnings);
        }
        let take = max.min(self.ready.len());
        self.ready.drain(..take).collect()
    }
}

/// Runs `consume` with the outcomes of every input of `groups` (one group per
/// command-line path), linted ahead by [`Ordered`] on a thread of its own, a window or
/// two ahead of what `consume` took.
pub(super) fn lint_ahead<R>(
    groups: Vec<Vec<Input>>,
    config: &Config,
    consume: impl FnOnce(&mut Linted) -> R,
) -> R {
    std::thread::scope(|scope| {
        let (sender, outcomes) = std::sync::mpsc::sync_channel(1);
        // Windows of one-file paths are linted in the pool's scope, which ends when every
        // one did.
        let produce = move || {
            rayon::in_place_scope(|pool| {
                let mut ordered = Ordered::new(groups, config, pool);
                loop {
                    let outcomes = ordered.next_batch(usize::MAX);
                    let warnings = std::mem::take(&mut ordered.warnings);
                    if outcomes.is_empty() && warnings.is_empty() {
                        break;
                    }
                    if sender.send(Window { outcomes, warnings }).is_err() {
                        break;
                    }
                }
            })
        };
        // The lint is done in the pool (windows spawned there, a directory's stages joined
        // there); a worker's stack all the same, should any of it run here. As
        // `scope.spawn` would, fails only when the system cannot start a thread.
        crate::stack::spawn_scoped(scope, "locksmith-lint", produce)
            .expect("the system could not start a thread");
        consume(&mut Linted {
            outcomes,
            ready: Default::default(),
            handed: 0,
            warnings: Vec::new(),
        })
    })
}

/// SQL inputs linted in parallel and handed out in input order, holding few reports at a
/// time. Each group is one command-line path. Paths of one file each (a pre-commit file
/// list) are linted a few windows at a time ([`Alone`]); a directory's migrations are
/// linted in their tool's order as they are replayed ([`Directory`]), so that each file is
/// linted knowing the schema the ones before it built.
struct Ordered<'s, 'scope> {
    groups: std::iter::Peekable<std::vec::IntoIter<Vec<Input>>>,
    config: &'scope Config,
    /// The directory being replayed and linted, when one is.
    directory: Option<Directory>,
    alone: Alone<'s, 'scope>,
    ready: std::collections::VecDeque<Outcome>,
    warnings: Vec<InputError>,
}

/// Files of one-file paths linted in one parallel window, per thread: enough to keep
/// every thread busy, few enough that a window's reports stay small.
const WINDOW_PER_THREAD: usize = 32;

/// Windows in the pool at a time: while the slowest file of one is linted, the threads
/// done with theirs take the next one's files.
const WINDOWS_AHEAD: usize = 2;

impl<'s, 'scope> Ordered<'s, 'scope> {
    fn new(
        groups: Vec<Vec<Input>>,
        config: &'scope Config,
        pool: &'s rayon::Scope<'scope>,
    ) -> Self {
        Ordered {
            groups: groups.into_iter().peekable(),
            config,
            directory: None,
            alone: Alone::new(pool),
            ready: Default::default(),
            warnings: Vec::new(),
        }
    }

    /// The next at most `max` outcomes, in input order.
    fn next_batch(&mut self, max: usize) -> Vec<Outcome> {
        while self.ready.is_empty() {
            if let Some(directory) = &mut self.directory {
                match directory.next_reports(self.config, &mut self.warnings) {
                    Some(reports) => self.ready.extend(reports.into_iter().map(Outcome::Linted)),
                    None => self.directory = None,
                }
                continue;
            }
            self.start_alone();
            if self.alone.in_flight() > 0 {
                self.alone.receive(&mut self.ready);
                continue;
            }
            // Every file before it handed on: a directory is replayed next, if any.
            match self.groups.next() {
                None => break,
                Some(group) => self.directory = Some(Directory::start(group, self.config)),
            }
        }
        let take = max.min(self.ready.len());
        self.ready.drain(..take).collect()
    }

    /// Starts windows of the files of the one-file paths up to the next directory, as
    /// many as may be in the pool.
    fn start_alone(&mut self) {
        let window = WINDOW_PER_THREAD * rayon::current_num_threads();
        while self.alone.in_flight() < WINDOWS_AHEAD * window {
            let mut inputs = Vec::new();
            while inputs.len() < window
                && let Some(group) = self.groups.next_if(|g| !Directory::replays(g))
            {
                inputs.extend(group);
            }
            if inputs.is_empty() {
                break;
            }
            self.alone.start(inputs, self.config);
        }
    }
}

/// Windows of files of one-file paths linted in the worker pool, [`WINDOWS_AHEAD`] at a
/// time, their outcomes handed on in input order. One window at a time, the threads
/// waited for its slowest file and then for the next window; two at a time, 2 % less CPU
/// than one on 3,200 files (`scripts/ab.py` with the binaries of 2e45153 and 6f9f037;
/// docs/performance-history.md).
struct Alone<'s, 'scope> {
    pool: &'s rayon::Scope<'scope>,
    sender: std::sync::mpsc::Sender<(usize, Vec<Outcome>)>,
    windows: std::sync::mpsc::Receiver<(usize, Vec<Outcome>)>,
    /// Outcomes of a window done before one started earlier, from the `handed`th on.
    early: std::collections::VecDeque<Option<Outcome>>,
    started: usize,
    handed: usize,
}

impl<'s, 'scope> Alone<'s, 'scope> {
    fn new(pool: &'s rayon::Scope<'scope>) -> Self {
        let (sender, windows) = std::sync::mpsc::channel();
        Alone {
            pool,
            sender,
            windows,
            early: Default::default(),
            started: 0,
            handed: 0,
        }
    }

    /// Files started and not handed on.
    fn in_flight(&self) -> usize {
        self.started - self.handed
    }

    fn start(&mut self, inputs: Vec<Input>, config: &'scope Config) {
        let (first, sender) = (self.started, self.sender.clone());
        self.started += inputs.len();
        self.pool.spawn(move |_| {
            // Every file has an outcome: the thread waiting for the window would wait for ever.
            let outcomes = catch_unwind(AssertUnwindSafe(|| lint_alone(&inputs, config)))
                .unwrap_or_else(|_| inputs.iter().map(internal_error_of).collect());
            let _ = sender.send((first, outcomes));
        });
    }

    /// Waits for a window, then appends to `ready` the outcomes now in order.
    fn receive(&mut self, ready: &mut std::collections::VecDeque<Outcome>) {
        // Never fails: `self` holds a sender.
        let Ok((first, outcomes)) = self.windows.recv() else {
            return;
        };
        let at = first - self.handed;
        if self.early.len() < at + outcomes.len() {
            self.early.resize_with(at + outcomes.len(), || None);
        }
        for (slot, outcome) in self.early.range_mut(at..).zip(outcomes) {
            *slot = Some(outcome);
        }
        while let Some(Some(_)) = self.early.front() {
            ready.extend(self.early.pop_front().flatten());
            self.handed += 1;
        }
    }
}

/// One path's migrations (a directory), linted a chunk at a time in their tool's order,
/// in a pipeline of three stages on consecutive chunks, all in the worker pool: while one
/// chunk is linted and the chunk after the next is read and parsed (both in parallel), the
/// next one is applied to the schema (sequential: the pool's other threads keep the lint
/// and the parse going meanwhile). Each file is linted with the replay's parse of it; the
/// reports are handed on in input order. A bug in the replay costs the history, not the
/// lint: what it did not hand on is linted without one.
struct Directory {
    inputs: Vec<Input>,
    /// `None` once it handed on every chunk, or failed.
    replay: Option<SqlReplay>,
    /// The chunk parsed and not applied yet.
    parsed: Option<ParsedChunk>,
    /// The chunk replayed and not linted yet.
    replayed: Option<Vec<ReplayedSql>>,
    /// Which inputs the replay handed on, and the reports not handed on yet.
    received: Vec<bool>,
    linted: std::collections::HashMap<usize, Result<FileReport, InputError>>,
    /// The next input to hand on.
    next: usize,
}

impl Directory {
    /// Whether a group is replayed: two files or more (one has no history).
    fn replays(group: &[Input]) -> bool {
        group.len() >= 2 && group.iter().all(|input| matches!(input, Input::File(_)))
    }

    fn start(inputs: Vec<Input>, config: &Config) -> Directory {
        let names: Vec<String> = (inputs.iter())
            .map(|input| match input {
                Input::File(path) => path.to_string_lossy().into_owned(),
                Input::Stdin => String::new(),
            })
            .collect();
        // A file that is not linted (`--changed-since`) needs no whole parse, nor a schema
        // to start from.
        let replay = SqlReplay::new(&names, roundtrips(config), true)
            .linting_only(&names, |name| config.lints(name));
        Directory {
            replay: Some(replay),
            parsed: None,
            replayed: None,
            received: vec![false; inputs.len()],
            inputs,
            linted: Default::default(),
            next: 0,
        }
    }

    /// The reports that can be handed on after the next step of the pipeline (maybe none
    /// yet); `None` once every one was. A replay that failed is a warning.
    fn next_reports(
        &mut self,
        config: &Config,
        warnings: &mut Vec<InputError>,
    ) -> Option<Vec<Result<FileReport, InputError>>> {
        if self.next == self.inputs.len() {
            return None;
        }
        let Directory {
            inputs,
            replay,
            parsed,
            received,
            ..
        } = self;
        let read = |i: usize| read_input(&inputs[i]).ok();
        let read: &(dyn Fn(usize) -> Option<SourceFile> + Sync) = &read;
        let mut stages = replay.as_mut().map(SqlReplay::stages);
        // A stage that panics ends the replay.
        let mut failed = false;
        let mut to_apply = parsed.take();
        if to_apply.is_none()
            && let Some((parser, _)) = &mut stages
        {
            to_apply = guarded(|| parser.parse_next(read)).unwrap_or_else(|| {
                failed = true;
                None
            });
        }
        let jobs = match self.replayed.take() {
            Some(chunk) => chunk,
            None if to_apply.is_some() => Vec::new(),
            // The replay ended: whatever it did not hand on (a bug) has no history.
            None => {
                failed = true;
                let left: Vec<usize> = (0..inputs.len()).filter(|&i| !received[i]).collect();
                if let Some(&first) = left.first() {
                    warnings.push(replay_failed(&inputs[first]));
                }
                (left.into_iter())
                    .map(|index| ReplayedSql {
                        index,
                        source: None,
                        parsed: None,
                        history: SqlHistory::default(),
                    })
                    .collect()
            }
        };
        let (parser, applier) = match stages.filter(|_| !failed) {
            Some((parser, applier)) => (Some(parser), Some(applier)),
            None => (None, None),
        };
        let lint = || {
            (jobs.into_par_iter())
                .map(|job| {
                    let input = &inputs[job.index];
                    let report = lint_one(input, job.source, job.parsed, job.history, config, None);
                    (job.index, report)
                })
                .collect::<Vec<_>>()
        };
        let parse = || parser.map(|mut parser| guarded(|| parser.parse_next(read)));
        let apply = || {
            let (mut applier, chunk) = applier.zip(to_apply)?;
            Some(guarded(|| applier.apply(chunk, read)))
        };
        let ((reports, parsed_after), applied) = rayon::join(|| rayon::join(lint, parse), apply);
        // `Some(None)`: the stage panicked.
        failed |= matches!(parsed_after, Some(None)) || matches!(applied, Some(None));
        self.parsed = parsed_after.flatten().flatten();
        self.replayed = applied.flatten();
        if failed {
            self.replay = None;
            self.parsed = None;
        }
        for (index, report) in reports {
            self.received[index] = true;
            self.linted.insert(index, report);
        }
        let mut out = Vec::new();
        while let Some(report) = self.linted.remove(&self.next) {
            out.push(report);
            self.next += 1;
        }
        Some(out)
    }
}

/// The warning of a replay that failed before it handed on `first`: the lint goes on
/// without the schema the earlier migrations built, which the user must know.
fn replay_failed(first: &Input) -> InputError {
    let file = match first {
        Input::File(path) => path.display().to_string(),
        Input::Stdin => "-".to_string(),
    };
    InputError {
        file,
        line: None,
        message: "internal error while replaying the migrations before this one (a bug in \
                  locksmith; please report it with the directory): this file and the ones \
                  after it were linted without the schema the earlier migrations build"
            .into(),
    }
}

/// A replay stage run inside a panic guard: `None` when it panicked.
fn guarded<T>(stage: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(stage)).ok()
}

/// Whether the run compares down migrations with their up migrations.
fn roundtrips(config: &Config) -> bool {
    config
        .severity_of(&crate::rules::downgrade_not_reversible::RULE)
        .is_some()
}

/// Lints paths of one file each (a pre-commit file list) in parallel, each inside a panic
/// guard; results in input order. A file alone has no history: only its own down
/// section, when it has one, is compared with its up part. A file of
/// [`Config::hand_on_at`] bytes or more is read and handed on unlinted ([`Outcome::Big`]).
fn lint_alone(inputs: &[Input], config: &Config) -> Vec<Outcome> {
    (inputs.par_iter())
        .map(|input| {
            catch_unwind(AssertUnwindSafe(|| lint_alone_one(input, config)))
                .unwrap_or_else(|_| internal_error_of(input))
        })
        .collect()
}

fn lint_alone_one(input: &Input, config: &Config) -> Outcome {
    let source = match read_input(input) {
        Ok(source) => source,
        Err(error) => return Outcome::Linted(Err(error)),
    };
    if !is_linted(input, &source, config) {
        return Outcome::Linted(Ok(FileReport::unlinted(source)));
    }
    if config.hand_on_at.is_some_and(|at| source.text.len() >= at) {
        return Outcome::Big(input.clone(), source);
    }
    let history = history_alone(input, &source, config);
    Outcome::Linted(lint_one(input, Some(source), None, history, config, None))
}

/// The outcome of a file whose lint panicked outside the lint's own guard.
fn internal_error_of(input: &Input) -> Outcome {
    Outcome::Linted(Err(internal_error(input.display_name())))
}

/// What a file alone has of a history: its own down section compared with its up part.
/// Best effort: a bug in the comparison must not cost the lint.
fn history_alone(input: &Input, source: &SourceFile, config: &Config) -> SqlHistory {
    match input {
        Input::File(_) => catch_unwind(AssertUnwindSafe(|| {
            lint::history::sql_history_alone(source, roundtrips(config))
        }))
        .unwrap_or_default(),
        Input::Stdin => SqlHistory::default(),
    }
}

/// Lints a big file ([`Outcome::Big`]) on a thread of its own, while this one takes its
/// findings as they are final (`hand_on`), so that they are reported and dropped as the
/// lint goes rather than all kept to its end. The report returned holds the rest.
pub(super) fn lint_handing_on(
    input: Input,
    source: SourceFile,
    config: &Config,
    hand_on: &mut dyn FnMut(FileReport),
) -> Result<FileReport, InputError> {
    std::thread::scope(|scope| {
        let (sender, parts) = std::sync::mpsc::sync_channel(1);
        let lint = move || {
            let history = history_alone(&input, &source, config);
            let mut send = |part| {
                let _ = sender.send(part);
            };
            let hand_on = lint::HandOn {
                at_least: lint::HAND_ON_FINDINGS,
                to: &mut send,
            };
            lint_one(&input, Some(source), None, history, config, Some(hand_on))
        };
        // As `scope.spawn` would, fails only when the system cannot start a thread.
        let lint = crate::stack::spawn_scoped(scope, "locksmith-big", lint)
            .expect("the system could not start a thread");
        // Until the lint is over, and its sender with it.
        for part in parts {
            hand_on(part);
        }
        (lint.join()).unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Whether an input is linted: stdin always, a file unless `--changed-since` leaves it out.
fn is_linted(input: &Input, source: &SourceFile, config: &Config) -> bool {
    matches!(input, Input::Stdin) || config.lints(&source.name)
}

/// Lints one SQL input (`source` and `parsed`: what was read and parsed of it already)
/// inside a panic guard; with `hand_on`, a file without a down section to compare hands
/// its findings on as they are final ([`lint::lint_sql_handing_on`]).
fn lint_one(
    input: &Input,
    source: Option<SourceFile>,
    parsed: Option<crate::parse::Parsed>,
    history: SqlHistory,
    config: &Config,
    hand_on: Option<lint::HandOn>,
) -> Result<FileReport, InputError> {
    let source = match source {
        Some(source) => source,
        None => read_input(input)?,
    };
    let name = source.name.clone();
    if !is_linted(input, &source, config) {
        return Ok(FileReport::unlinted(source));
    }
    catch_unwind(AssertUnwindSafe(|| {
        let differences = history.roundtrip.filter(|d| !d.is_empty());
        let mut report = match hand_on.filter(|_| differences.is_none() && parsed.is_none()) {
            Some(hand_on) => lint::lint_sql_handing_on(source, config, history.start, hand_on),
            None => lint::lint_sql_after(source, parsed, config, history.start),
        };
        if let Some(differences) = differences {
            lint::history::report_roundtrip(&mut report, &differences, config);
        }
        report
    }))
    .map_err(|_| internal_error(name))
}

/// The error of a file whose lint panicked.
fn internal_error(file: String) -> InputError {
    InputError {
        file,
        line: None,
        message: "internal error while linting this file (a bug in locksmith; please report it with the file)".into(),
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::history::FAILS_IN_REPLAY;

    /// A replay that panics costs the history, not the lint, and says so: every file is
    /// linted, and a warning names the first one linted without the schema before it.
    #[test]
    fn a_replay_that_fails_is_a_warning_and_every_file_is_still_linted() {
        let dir = std::env::temp_dir().join(format!("locksmith-replay-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let files = [
            (
                "001_create.sql",
                "CREATE TABLE t (id bigint);\n".to_string(),
            ),
            (
                &*format!("002_{FAILS_IN_REPLAY}.sql"),
                "ALTER TABLE t ADD COLUMN a text;\n".to_string(),
            ),
            ("003_drop.sql", "ALTER TABLE t DROP COLUMN a;\n".to_string()),
        ];
        for (name, sql) in &files {
            std::fs::write(dir.join(name), sql).unwrap();
        }
        let path = dir.to_string_lossy().into_owned();
        let result = super::super::lint_paths(&[path], &crate::config::Config::default());
        std::fs::remove_dir_all(&dir).unwrap();

        let linted: Vec<&str> = (result.files.iter())
            .map(|f| f.source.name.as_str())
            .collect();
        assert_eq!(linted.len(), 3, "{linted:?}");
        assert!(linted.iter().all(|name| name.ends_with(".sql")));
        assert!(result.errors.is_empty(), "{:?}", result.errors);
        let [warning] = &result.warnings[..] else {
            panic!("one warning expected: {:?}", result.warnings);
        };
        // The chunk that failed is handed on without history from its first file.
        assert!(warning.file.ends_with("001_create.sql"), "{warning:?}");
        assert!(warning.message.contains("internal error while replaying"));
        // Linted all the same: dropping a column is found without the history too.
        assert!(
            result.files[2]
                .findings
                .iter()
                .any(|f| f.rule.id == "dropping-column")
        );
    }
}
