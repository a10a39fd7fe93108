//! Runs the pipeline over many inputs in parallel (rayon), keeping input order, with each
//! file linted inside a panic guard so one bad file cannot abort the run.

use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};

use std::path::{Path, PathBuf};

use crate::alembic::{self, LoadedProject, project::AlembicProject};
use crate::config::{Config, Render};
use crate::discover::{self, Discovered, Input};
use crate::lint::{self, FileReport, alembic::Direction};
use crate::rules::Severity;
use crate::source::{InputError, SourceFile};

mod sql;
use sql::Linted;

impl From<discover::DiscoverError> for InputError {
    fn from(e: discover::DiscoverError) -> InputError {
        InputError {
            file: e.path,
            line: None,
            message: e.message,
        }
    }
}

impl From<crate::alembic::project::ProjectError> for InputError {
    fn from(e: crate::alembic::project::ProjectError) -> InputError {
        InputError {
            file: e.path.display().to_string(),
            line: e.line,
            message: e.message,
        }
    }
}

#[derive(Debug, Default)]
pub struct RunResult {
    pub files: Vec<FileReport>,
    pub errors: Vec<InputError>,
    /// What was found and not linted, and why (stderr only: it does not change the exit code).
    pub warnings: Vec<InputError>,
    /// What a baseline hid, when one was applied (after the run: `Baseline::apply`).
    pub baseline: Option<crate::baseline::Applied>,
    /// With `grandfather_before`: how many migrations before it were not linted.
    pub grandfathered: Option<usize>,
}

impl RunResult {
    pub fn count(&self, severity: Severity) -> usize {
        self.tally().count(severity)
    }

    /// How much of the Alembic revisions linted was rendered; `None` when none was.
    pub fn rendering(&self) -> Option<crate::lint::Rendering> {
        self.tally().rendering
    }

    /// Statements no rule checked because they did not parse.
    pub fn unparsable_statements(&self) -> usize {
        self.tally().unparsable_statements
    }

    /// The counts of `files`.
    pub fn tally(&self) -> Tally {
        let mut tally = Tally::default();
        self.files.iter().for_each(|f| tally.add(f));
        tally
    }

    /// 0 clean, 1 findings at or above `fail_on`, 2 when an input could not be read.
    pub fn exit_code(&self, fail_on: Severity) -> i32 {
        self.tally().exit_code(&self.errors, fail_on)
    }
}

/// What the summaries count, kept as reports stream past.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub files: usize,
    pub statements: usize,
    pub unparsable_statements: usize,
    /// Findings by severity: info, warning, error.
    pub findings: [usize; 3],
    /// How much of the Alembic revisions was rendered; `None` while none was.
    pub rendering: Option<crate::lint::Rendering>,
}

impl Tally {
    pub fn add(&mut self, file: &FileReport) {
        // Findings handed on early count; their file is counted with the rest of it.
        if !file.partial {
            self.files += 1;
            self.statements += file.statements_let_go + file.statements.len();
            self.unparsable_statements += file.unparsable_statements;
        }
        for finding in &file.findings {
            self.findings[finding.severity as usize] += 1;
        }
        if let Some(rendering) = file.rendering {
            self.rendering.get_or_insert_default().add(rendering);
        }
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings[severity as usize]
    }

    pub fn total(&self) -> usize {
        self.findings.iter().sum()
    }

    /// 0 clean, 1 findings at or above `fail_on`, 2 when an input could not be read.
    pub fn exit_code(&self, errors: &[InputError], fail_on: Severity) -> i32 {
        let failing = [Severity::Info, Severity::Warning, Severity::Error]
            .into_iter()
            .any(|s| s >= fail_on && self.count(s) > 0);
        if !errors.is_empty() {
            2
        } else if failing {
            1
        } else {
            0
        }
    }
}

pub fn read_input(input: &Input) -> Result<SourceFile, InputError> {
    let name = input.display_name();

    match input {
        Input::File(path) => SourceFile::read(path, &name),
        Input::Stdin => {
            let mut bytes = Vec::new();
            match std::io::stdin().read_to_end(&mut bytes) {
                Ok(_) => SourceFile::from_bytes(&name, bytes),
                Err(e) => Err(InputError {
                    file: name,
                    line: None,
                    message: format!("cannot read standard input: {e}"),
                }),
            }
        }
    }
}

/// What one command-line path is linted as.
/// Projects are boxed: a pre-commit file list is thousands of `Sql` units, each the size
/// of the largest variant (half a KiB with a project inline).
enum Unit {
    /// The path's `.sql` files (a file, a directory, `-`), with its type of file (`None`
    /// for `-`) for the discovery.
    Sql(Option<std::fs::FileType>),
    Project(Box<AlembicProject>),
    /// Revision files named one by one, linted within their whole project (the revision
    /// graph needs it) but reported alone; all those of one project share one unit.
    Revisions(Box<AlembicProject>, Vec<PathBuf>),
    /// Reported in its place among the others. Boxed: a file list holds a unit a path.
    Error(Box<InputError>),
}

/// What the discovery of one SQL path found besides its files (handed to the lint as its
/// group): a count, and what few paths have, boxed. A file list holds one a path.
#[derive(Default)]
struct Found {
    inputs: usize,
    excluded: usize,
    /// Errors, files skipped, and the Alembic projects nested in a walked directory.
    rest: Option<Box<FoundRest>>,
}

type FoundRest = (
    Vec<discover::DiscoverError>,
    Vec<discover::DiscoverError>,
    Vec<AlembicProject>,
);

impl Found {
    fn new(inputs: usize, found: Discovered, nested: Vec<AlembicProject>) -> Found {
        let rest = (found.errors, found.skipped, nested);
        let empty = rest.0.is_empty() && rest.1.is_empty() && rest.2.is_empty();
        Found {
            inputs,
            excluded: found.excluded,
            rest: (!empty).then(|| Box::new(rest)),
        }
    }
}

/// Lints every path in order: Alembic projects and revision files through the Alembic
/// front-end, everything else as SQL. A path in which nothing could be linted is an error.
pub fn lint_paths(paths: &[String], config: &Config) -> RunResult {
    let mut files = Vec::new();
    let mut result = lint_paths_each(paths, config, &mut |batch| files.extend(batch));
    result.files = files;
    result
}

/// [`lint_paths`], handing the reports to `each` in input order, a batch at a time, as
/// soon as a batch is linted, and keeping none: memory does not grow with the number of
/// files. The result holds the errors and warnings; its `files` stays empty.
pub fn lint_paths_each(
    paths: &[String],
    config: &Config,
    each: &mut dyn FnMut(Vec<FileReport>),
) -> RunResult {
    let mut result = RunResult::default();
    let mut units: Vec<(&String, Unit)> = Vec::new();
    for path in paths {
        match unit_of(path) {
            Ok(Unit::Revisions(project, files)) => match units
                .iter_mut()
                .find(|(_, u)| matches!(u, Unit::Revisions(p, _) if *p == project))
            {
                Some((_, Unit::Revisions(_, group))) => group.extend(files),
                _ => units.push((path, Unit::Revisions(project, files))),
            },
            Ok(unit) => units.push((path, unit)),
            Err(e) => units.push((path, Unit::Error(Box::new(e.into())))),
        }
    }
    // Every SQL file of every path in one parallel pass (a pre-commit file list is many
    // paths of one file each), reports handed on in input order.
    let mut grandfather = config.grandfather_before.as_deref().map(Grandfather::new);
    // Each SQL path's files, linted together (below), and what else its discovery found,
    // kept apart: a pre-commit file list is thousands of paths of one file each.
    let mut groups = Vec::new();
    let discovered: Vec<Option<Found>> = units
        .iter()
        .map(|(path, unit)| match unit {
            Unit::Sql(kind) => {
                let mut found = discover::discover_typed(path, *kind, &|p| config.is_excluded(p));
                if let Some(grandfather) = &mut grandfather {
                    // Skipped on purpose, like `exclude`: not "nothing to lint".
                    found.excluded += grandfather.set_aside_sql(&mut found.inputs);
                }
                let nested = nested_projects(&mut found, &mut result.warnings);
                let inputs = std::mem::take(&mut found.inputs);
                let found = Found::new(inputs.len(), found, nested);
                groups.push(inputs);
                Some(found)
            }
            _ => None,
        })
        .collect();
    sql::lint_ahead(groups, config, |linted| {
        for ((path, unit), found) in units.into_iter().zip(discovered) {
            let (files, errors) = (linted.handed, result.errors.len());
            let skipped = match unit {
                Unit::Sql(_) => {
                    let found = found.unwrap_or_default();
                    let (discovery_errors, skipped_files, nested) =
                        found.rest.map(|rest| *rest).unwrap_or_default();
                    result
                        .errors
                        .extend(discovery_errors.into_iter().map(InputError::from));
                    let mut left = found.inputs;
                    while left > 0 {
                        let batch = linted.next_batch(left);
                        result.warnings.append(&mut linted.warnings);
                        if batch.is_empty() {
                            break; // only when the linting thread died (a bug)
                        }
                        left -= batch.len();
                        let mut reports = Vec::with_capacity(batch.len());
                        for outcome in batch {
                            let outcome = match outcome {
                                sql::Outcome::Linted(outcome) => outcome,
                                sql::Outcome::Big(input, source) => {
                                    // What came before it is reported first.
                                    if !reports.is_empty() {
                                        linted.handed += reports.len();
                                        each(std::mem::take(&mut reports));
                                    }
                                    let hand_on = &mut |part| each(vec![part]);
                                    sql::lint_handing_on(input, source, config, hand_on)
                                }
                            };
                            match outcome {
                                Ok(report) => reports.push(report),
                                Err(error) => result.errors.push(error),
                            }
                        }
                        linted.handed += reports.len();
                        each(reports);
                    }
                    let mut skipped = Skipped {
                        files: skipped_files,
                        excluded: found.excluded,
                    };
                    for project in nested {
                        let grandfather = grandfather.as_mut();
                        skipped.excluded += (lint_alembic_project(
                            project,
                            None,
                            config,
                            grandfather,
                            &mut result,
                            linted,
                            each,
                        ))
                        .excluded;
                    }
                    skipped
                }
                Unit::Project(project) => lint_alembic_project(
                    *project,
                    None,
                    config,
                    grandfather.as_mut(),
                    &mut result,
                    linted,
                    each,
                ),
                Unit::Revisions(project, files) => lint_alembic_project(
                    *project,
                    Some(&files),
                    config,
                    grandfather.as_mut(),
                    &mut result,
                    linted,
                    each,
                ),
                Unit::Error(error) => {
                    result.errors.push(*error);
                    continue;
                }
            };
            let found_nothing = linted.handed == files && result.errors.len() == errors;
            check_found(
                path,
                found_nothing,
                skipped,
                &mut result.errors,
                &mut result.warnings,
            );
        }
    });
    if let Some(grandfather) = grandfather {
        result.grandfathered = Some(grandfather.set_aside);
        if !grandfather.matched {
            result.warnings.push(InputError {
                file: config
                    .path
                    .as_ref()
                    .map_or_else(|| "configuration".into(), |p| p.display().to_string()),
                line: None,
                message: format!(
                    "grandfather_before `{}` names no Alembic revision and no .sql file in the linted paths, so nothing was skipped",
                    grandfather.spec
                ),
            });
        }
    }
    result
}

/// `grandfather_before`: what it set aside so far, and whether any input knew it.
struct Grandfather {
    spec: String,
    set_aside: usize,
    matched: bool,
}

impl Grandfather {
    fn new(spec: &str) -> Grandfather {
        Grandfather {
            spec: spec.to_string(),
            set_aside: 0,
            matched: false,
        }
    }

    /// `.sql` files: in each directory holding a file named `spec` (or whose name starts
    /// with it, for `V0042` or `0042`), the files whose names sort before it, as the
    /// directory's migrations run. Files in other directories are kept. Returns how many
    /// were dropped from `inputs`.
    fn set_aside_sql(&mut self, inputs: &mut Vec<Input>) -> usize {
        let mut holds_spec: std::collections::HashMap<PathBuf, bool> = Default::default();
        let spec = self.spec.clone();
        let before = inputs.len();
        inputs.retain(|input| {
            let Input::File(path) = input else {
                return true;
            };
            let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
                return true;
            };
            let known = *holds_spec.entry(dir.to_path_buf()).or_insert_with(|| {
                let dir = if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                };
                std::fs::read_dir(dir).is_ok_and(|entries| {
                    entries.flatten().any(|e| {
                        e.file_name()
                            .as_encoded_bytes()
                            .starts_with(spec.as_bytes())
                    })
                })
            });
            !(known && name.as_encoded_bytes() < spec.as_bytes())
        });
        self.matched |= holds_spec.values().any(|&known| known);
        let dropped = before - inputs.len();
        self.set_aside += dropped;
        dropped
    }
}

/// What a path held that was not linted.
#[derive(Debug, Default)]
pub struct Skipped {
    /// Files not linted, with why.
    pub files: Vec<discover::DiscoverError>,
    /// Files the configuration's `exclude` skipped.
    pub excluded: usize,
}

/// Reports what a path's discovery skipped. When nothing in the path could be read (and
/// the configuration did not exclude it on purpose), that is an error: the user named it
/// expecting migrations to be checked.
pub fn check_found(
    path: &str,
    found_nothing: bool,
    skipped: Skipped,
    errors: &mut Vec<InputError>,
    warnings: &mut Vec<InputError>,
) {
    if !found_nothing || skipped.excluded > 0 {
        warnings.extend(skipped.files.into_iter().map(InputError::from));
        return;
    }
    let why = skipped
        .files
        .iter()
        .map(|s| format!("; {}", s.message))
        .collect::<String>();
    errors.push(InputError {
        file: path.to_string(),
        line: None,
        message: format!("nothing to lint: no .sql files or Alembic revisions found{why}"),
    });
}

/// The Alembic projects inside what `found` walked (a monorepo's root, say). Configurations
/// that cannot be read are warnings: the walk goes on, and finds the script directories of
/// a multi-database ini on its own. When no project is found, the walk's `.py` files are
/// reported as not linted; otherwise they are the application's code.
pub fn nested_projects(
    found: &mut Discovered,
    warnings: &mut Vec<InputError>,
) -> Vec<AlembicProject> {
    let (projects, errors) = alembic::project::find_nested_projects(&found.project_dirs);
    warnings.extend(errors.into_iter().map(|e| InputError {
        message: format!("not read as an Alembic project: {}", e.message),
        ..e.into()
    }));
    if projects.is_empty() {
        found.skipped.append(&mut found.python_not_linted);
    }
    projects
}

/// The Alembic project `path` names, if any (`-` is standard input, never one).
fn find_project(path: &str) -> Result<Option<AlembicProject>, InputError> {
    if path == "-" {
        return Ok(None);
    }
    alembic::project::find_project(Path::new(path)).map_err(InputError::from)
}

fn unit_of(path: &str) -> Result<Unit, alembic::project::ProjectError> {
    if path == "-" {
        return Ok(Unit::Sql(None));
    }
    let path_ref = Path::new(path);
    if path.ends_with(".py")
        && path_ref.is_file()
        && let Some((project, file)) = alembic::project::find_revision_project(path_ref)?
    {
        return Ok(Unit::Revisions(Box::new(project), vec![file]));
    }
    Ok(match alembic::project::find_project_typed(path_ref)? {
        (Some(project), _) => Unit::Project(Box::new(project)),
        (None, kind) => Unit::Sql(Some(kind)),
    })
}

/// Lints the project, or with `named` only those of its revision files (the graph is
/// still the whole project's).
fn lint_alembic_project(
    project: AlembicProject,
    named: Option<&[PathBuf]>,
    config: &Config,
    grandfather: Option<&mut Grandfather>,
    result: &mut RunResult,
    linted: &mut Linted,
    each: &mut dyn FnMut(Vec<FileReport>),
) -> Skipped {
    let skip = |path: &Path| config.is_excluded(path);
    let mut loaded = match named {
        Some(named) => alembic::load_named(&project, named, skip),
        None => alembic::load_project(&project, skip),
    };
    if named.is_none() {
        let unlisted = alembic::project::unlisted_revisions(&project);
        if let Some(first) = unlisted.first() {
            result.warnings.push(InputError {
                file: first.display().to_string(),
                line: None,
                message: format!(
                    "{} revision file{} in subdirectories of the version directories {} not linted: Alembic reads them only with recursive_version_locations = true (or name each directory in version_locations)",
                    unlisted.len(),
                    if unlisted.len() == 1 { "" } else { "s" },
                    if unlisted.len() == 1 { "is" } else { "are" },
                ),
            });
        }
    }
    let wanted = named.map_or(project.revision_files.len(), <[PathBuf]>::len);
    let mut skipped = Skipped {
        files: Vec::new(),
        excluded: wanted.saturating_sub(loaded.revisions.len() + loaded.unreadable.len()),
    };
    // Set aside after loading: which revisions come before needs the whole graph.
    if let Some(grandfather) = grandfather
        && let Some(count) = loaded.set_aside_before(&grandfather.spec)
    {
        grandfather.matched = true;
        grandfather.set_aside += count;
        skipped.excluded += count;
    }
    result.errors.extend(loaded.unreadable.iter().cloned());
    if config.render == Render::Alembic {
        let reports = lint_with_real_alembic(&project, &loaded, named.is_some(), config, result);
        linted.handed += reports.len();
        each(reports);
        return skipped;
    }
    match catch_unwind(AssertUnwindSafe(|| lint::alembic::lint_project(&loaded, config))) {
        Ok(reports) => {
            linted.handed += reports.len();
            each(reports);
        }
        Err(_) => result.errors.push(InputError {
            file: loaded
                .revisions
                .iter()
                .map(|r| r.source.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            line: None,
            message: "internal error while linting these revisions (a bug in locksmith; please report it with the files)".into(),
        }),
    }
    skipped
}

/// `render: alembic`: the project's own `alembic upgrade heads --sql` (this RUNS the
/// project's env.py and revisions), split per revision, linted as SQL and placed in the
/// revision files. With `named`, only the steps of those files are reported.
fn lint_with_real_alembic(
    project: &AlembicProject,
    loaded: &LoadedProject,
    named: bool,
    config: &Config,
    result: &mut RunResult,
) -> Vec<FileReport> {
    let mut reports = Vec::new();
    let direction = if config.downgrade {
        Direction::Downgrade
    } else {
        Direction::Upgrade
    };
    let units = match alembic::external::real_offline_script(
        project,
        loaded,
        &config.alembic_command,
        config.downgrade,
    ) {
        Ok(units) => units,
        Err(error) => {
            result.errors.push(error);
            return reports;
        }
    };
    let session = lint::alembic::session(loaded);
    for unit in units {
        let revision = loaded.revisions.iter().find(|r| r.source.name == unit.file);
        match revision {
            Some(revision) => reports.push(lint::alembic::lint_real_step(
                revision, &unit.sql, direction, &session, config,
            )),
            // A step without a revision file of its own: shown under the step's name
            // (not a revision `grandfather_before` set aside).
            None if !named && !loaded.context.iter().any(|r| r.source.name == unit.file) => reports
                .push(lint::alembic::lint_rendered(
                    &unit.file, &unit.sql, &session, config,
                )),
            None => {}
        }
    }
    reports
}

/// One input read and, for Alembic, rendered: what `explain` and `trace` work on.
#[derive(Debug)]
pub enum LoadedInput {
    Sql(SourceFile),
    Alembic(LoadedProject),
}

/// The inputs under `paths`, as `lint` finds them.
#[derive(Debug, Default)]
pub struct Loaded {
    pub inputs: Vec<LoadedInput>,
    pub errors: Vec<InputError>,
    pub warnings: Vec<InputError>,
}

impl Loaded {
    /// Reads and renders the project's revisions into `inputs` (their Python syntax
    /// errors into `errors`); returns how many the configuration excluded.
    fn load_project(&mut self, project: &AlembicProject, config: &Config) -> usize {
        let revisions = alembic::load_project(project, |p| config.is_excluded(p));
        self.errors.extend(revisions.unreadable.iter().cloned());
        self.errors
            .extend(revisions.revisions.iter().filter_map(|r| r.python_error()));
        let excluded =
            project.revision_files.len() - revisions.revisions.len() - revisions.unreadable.len();
        if !revisions.revisions.is_empty() {
            self.inputs.push(LoadedInput::Alembic(revisions));
        }
        excluded
    }

    /// The `.sql` files and the Alembic projects among the inputs.
    pub fn sources_and_projects(&self) -> (Vec<&SourceFile>, Vec<&LoadedProject>) {
        let mut sources = Vec::new();
        let mut projects = Vec::new();
        for input in &self.inputs {
            match input {
                LoadedInput::Sql(source) => sources.push(source),
                LoadedInput::Alembic(project) => projects.push(project),
            }
        }
        (sources, projects)
    }
}

/// Reads the paths as `lint` does: `.sql` files, directories, `-`, Alembic projects (each
/// revision read and rendered statically; Python syntax errors are input errors here).
pub fn load_inputs(paths: &[String], config: &Config) -> Loaded {
    let mut loaded = Loaded::default();
    for path in paths {
        let (inputs, errors) = (loaded.inputs.len(), loaded.errors.len());
        let skipped = match find_project(path) {
            Ok(Some(project)) => Skipped {
                files: Vec::new(),
                excluded: loaded.load_project(&project, config),
            },
            Ok(None) => {
                let mut found =
                    discover::discover(std::slice::from_ref(path), &|p| config.is_excluded(p));
                let nested = nested_projects(&mut found, &mut loaded.warnings);
                loaded
                    .errors
                    .extend(found.errors.into_iter().map(InputError::from));
                for input in &found.inputs {
                    match read_input(input) {
                        Ok(source) => loaded.inputs.push(LoadedInput::Sql(source)),
                        Err(error) => loaded.errors.push(error),
                    }
                }
                let mut excluded = found.excluded;
                for project in &nested {
                    excluded += loaded.load_project(project, config);
                }
                Skipped {
                    files: found.skipped,
                    excluded,
                }
            }
            Err(error) => {
                loaded.errors.push(error);
                continue;
            }
        };
        let found_nothing = loaded.inputs.len() == inputs && loaded.errors.len() == errors;
        check_found(
            path,
            found_nothing,
            skipped,
            &mut loaded.errors,
            &mut loaded.warnings,
        );
    }
    loaded
}
