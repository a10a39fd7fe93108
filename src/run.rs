//! Runs the pipeline over many inputs in parallel (rayon), keeping input order, with each
//! file linted inside a panic guard so one bad file cannot abort the run.

use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};

use rayon::prelude::*;

use std::path::{Path, PathBuf};

use crate::alembic::{self, LoadedProject, project::AlembicProject};
use crate::config::{Config, Render};
use crate::discover::{self, Discovered, Input};
use crate::lint::{self, FileReport, alembic::Direction};
use crate::rules::Severity;
use crate::schema::Catalog;
use crate::source::{InputError, SourceFile};

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
}

impl RunResult {
    pub fn count(&self, severity: Severity) -> usize {
        self.files
            .iter()
            .flat_map(|f| &f.findings)
            .filter(|f| f.severity == severity)
            .count()
    }

    /// Statements no rule checked because they did not parse.
    pub fn unparsable_statements(&self) -> usize {
        self.files.iter().map(|f| f.unparsable_statements).sum()
    }

    /// 0 clean, 1 findings at or above `fail_on`, 2 when an input could not be read.
    pub fn exit_code(&self, fail_on: Severity) -> i32 {
        if !self.errors.is_empty() {
            2
        } else if self
            .files
            .iter()
            .flat_map(|f| &f.findings)
            .any(|f| f.severity >= fail_on)
        {
            1
        } else {
            0
        }
    }
}

pub fn read_input(input: &Input) -> Result<SourceFile, InputError> {
    let name = input.display_name();
    let result = match input {
        Input::File(path) => SourceFile::read(path, &name),
        Input::Stdin => {
            let mut bytes = Vec::new();
            match std::io::stdin().read_to_end(&mut bytes) {
                Ok(_) => SourceFile::from_bytes(&name, bytes),
                Err(e) => {
                    return Err(InputError {
                        file: name,
                        line: None,
                        message: format!("cannot read standard input: {e}"),
                    });
                }
            }
        }
    };
    result
}

/// What one command-line path is linted as.
enum Unit {
    Sql(String),
    Project(AlembicProject),
    /// Revision files named one by one, linted within their whole project (the revision
    /// graph needs it) but reported alone; all those of one project share one unit.
    Revisions(AlembicProject, Vec<PathBuf>),
    /// Reported in its place among the others.
    Error(InputError),
}

/// Lints every path in order: Alembic projects and revision files through the Alembic
/// front-end, everything else as SQL. A path in which nothing could be linted is an error.
pub fn lint_paths(paths: &[String], config: &Config) -> RunResult {
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
            Err(e) => units.push((path, Unit::Error(e.into()))),
        }
    }
    // Every SQL file of every path in one parallel pass (a pre-commit file list is many
    // paths of one file each), reports kept in input order.
    let discovered: Vec<Option<Discovered>> = units
        .iter()
        .map(|(_, unit)| match unit {
            Unit::Sql(path) => Some(discover::discover(std::slice::from_ref(path), &|p| {
                config.is_excluded(p)
            })),
            _ => None,
        })
        .collect();
    let mut linted = lint_inputs(
        discovered
            .iter()
            .flatten()
            .map(|d| d.inputs.iter().collect())
            .collect(),
        config,
    )
    .into_iter();
    for ((path, unit), found) in units.into_iter().zip(discovered) {
        let (files, errors) = (result.files.len(), result.errors.len());
        let skipped = match unit {
            Unit::Sql(_) => {
                let found = found.unwrap_or_default();
                result
                    .errors
                    .extend(found.errors.into_iter().map(InputError::from));
                for outcome in linted.by_ref().take(found.inputs.len()) {
                    match outcome {
                        Ok(report) => result.files.push(report),
                        Err(error) => result.errors.push(error),
                    }
                }
                Skipped {
                    files: found.skipped,
                    excluded: found.excluded,
                }
            }
            Unit::Project(project) => lint_alembic_project(project, None, config, &mut result),
            Unit::Revisions(project, files) => {
                lint_alembic_project(project, Some(&files), config, &mut result)
            }
            Unit::Error(error) => {
                result.errors.push(error);
                continue;
            }
        };
        let found_nothing = result.files.len() == files && result.errors.len() == errors;
        check_found(
            path,
            found_nothing,
            skipped,
            &mut result.errors,
            &mut result.warnings,
        );
    }
    result
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

/// The Alembic project `path` names, if any (`-` is standard input, never one).
fn find_project(path: &str) -> Result<Option<AlembicProject>, InputError> {
    if path == "-" {
        return Ok(None);
    }
    alembic::project::find_project(Path::new(path)).map_err(InputError::from)
}

fn unit_of(path: &str) -> Result<Unit, alembic::project::ProjectError> {
    if path == "-" {
        return Ok(Unit::Sql(path.to_string()));
    }
    let path_ref = Path::new(path);
    if path.ends_with(".py")
        && path_ref.is_file()
        && let Some((project, file)) = alembic::project::find_revision_project(path_ref)?
    {
        return Ok(Unit::Revisions(project, vec![file]));
    }
    Ok(match alembic::project::find_project(path_ref)? {
        Some(project) => Unit::Project(project),
        None => Unit::Sql(path.to_string()),
    })
}

/// Lints the project, or with `named` only those of its revision files (the graph is
/// still the whole project's).
fn lint_alembic_project(
    project: AlembicProject,
    named: Option<&[PathBuf]>,
    config: &Config,
    result: &mut RunResult,
) -> Skipped {
    let skip = |path: &Path| config.is_excluded(path);
    let loaded = match named {
        Some(named) => alembic::load_named(&project, named, skip),
        None => alembic::load_project(&project, skip),
    };
    let wanted = named.map_or(project.revision_files.len(), <[PathBuf]>::len);
    let skipped = Skipped {
        files: Vec::new(),
        excluded: wanted.saturating_sub(loaded.revisions.len() + loaded.unreadable.len()),
    };
    result.errors.extend(loaded.unreadable.iter().cloned());
    if config.render == Render::Alembic {
        lint_with_real_alembic(&project, &loaded, named.is_some(), config, result);
        return skipped;
    }
    match catch_unwind(AssertUnwindSafe(|| lint::alembic::lint_project(&loaded, config))) {
        Ok(reports) => result.files.extend(reports),
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

/// Lints SQL inputs in parallel, each inside a panic guard; results in input order. Each
/// group is one command-line path: its migrations are replayed in their tool's order
/// first, so that each file is linted knowing the schema the ones before it built.
fn lint_inputs(groups: Vec<Vec<&Input>>, config: &Config) -> Vec<Result<FileReport, InputError>> {
    let read: Vec<Vec<Result<SourceFile, InputError>>> = groups
        .par_iter()
        .map(|group| group.par_iter().map(|input| read_input(input)).collect())
        .collect();
    let roundtrips = config
        .severity_of(&crate::rules::downgrade_not_reversible::RULE)
        .is_some();
    type Job = (Result<SourceFile, InputError>, Catalog, Option<Vec<String>>);
    let jobs: Vec<Job> = read
        .into_iter()
        .flat_map(|group| {
            let sources: Vec<&SourceFile> = group.iter().filter_map(|r| r.as_ref().ok()).collect();
            // Replay is best effort: a bug in it must not cost the lint.
            let mut starts = catch_unwind(AssertUnwindSafe(|| lint::history::sql_starts(&sources)))
                .unwrap_or_default()
                .into_iter();
            let mut trips = if roundtrips {
                catch_unwind(AssertUnwindSafe(|| lint::history::sql_roundtrips(&sources)))
                    .unwrap_or_default()
            } else {
                Vec::new()
            }
            .into_iter();
            group
                .into_iter()
                .map(|r| {
                    let (start, trip) = if r.is_ok() {
                        (starts.next(), trips.next().flatten())
                    } else {
                        (None, None)
                    };
                    (r, start.unwrap_or_default(), trip)
                })
                .collect::<Vec<_>>()
        })
        .collect();
    jobs.into_par_iter()
        .map(|(source, catalog, roundtrip)| {
            let source = source?;
            let name = source.name.clone();
            catch_unwind(AssertUnwindSafe(|| {
                let mut report = lint::lint_sql_after(source, config, catalog);
                if let Some(differences) = roundtrip.filter(|d| !d.is_empty()) {
                    lint::history::report_roundtrip(&mut report, &differences, config);
                }
                report
            }))
            .map_err(|_| InputError {
                file: name,
                line: None,
                message: "internal error while linting this file (a bug in locksmith; please report it with the file)".into(),
            })
        })
        .collect()
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
) {
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
        Err(error) => return result.errors.push(error),
    };
    let session = lint::alembic::session(loaded);
    for unit in units {
        let revision = loaded.revisions.iter().find(|r| r.source.name == unit.file);
        match revision {
            Some(revision) => result.files.push(lint::alembic::lint_real_step(
                revision, &unit.sql, direction, &session, config,
            )),
            // A step without a revision file of its own: shown under the step's name.
            None if !named => result.files.push(lint::alembic::lint_rendered(
                &unit.file, &unit.sql, &session, config,
            )),
            None => {}
        }
    }
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

/// Reads the paths as `lint` does: `.sql` files, directories, `-`, Alembic projects (each
/// revision read and rendered statically; Python syntax errors are input errors here).
pub fn load_inputs(paths: &[String], config: &Config) -> Loaded {
    let mut loaded = Loaded::default();
    for path in paths {
        let (inputs, errors) = (loaded.inputs.len(), loaded.errors.len());
        let skipped = match find_project(path) {
            Ok(Some(project)) => {
                let project_files = project.revision_files.len();
                let revisions = alembic::load_project(&project, |p| config.is_excluded(p));
                loaded.errors.extend(revisions.unreadable.iter().cloned());
                loaded
                    .errors
                    .extend(revisions.revisions.iter().filter_map(|r| r.python_error()));
                let excluded =
                    project_files - revisions.revisions.len() - revisions.unreadable.len();
                if !revisions.revisions.is_empty() {
                    loaded.inputs.push(LoadedInput::Alembic(revisions));
                }
                Skipped {
                    files: Vec::new(),
                    excluded,
                }
            }
            Ok(None) => {
                let found =
                    discover::discover(std::slice::from_ref(path), &|p| config.is_excluded(p));
                loaded
                    .errors
                    .extend(found.errors.into_iter().map(InputError::from));
                for input in &found.inputs {
                    match read_input(input) {
                        Ok(source) => loaded.inputs.push(LoadedInput::Sql(source)),
                        Err(error) => loaded.errors.push(error),
                    }
                }
                Skipped {
                    files: found.skipped,
                    excluded: found.excluded,
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
