//! Runs the pipeline over many inputs in parallel (rayon), keeping input order, with each
//! file linted inside a panic guard so one bad file cannot abort the run.

use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};

use rayon::prelude::*;

use std::path::Path;

use crate::alembic::{self, LoadedProject, project::AlembicProject};
use crate::config::{Config, Render};
use crate::discover::{self, Input};
use crate::lint::{self, FileReport, lint_sql};
use crate::rules::Severity;
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

/// Lints every path in order: Alembic projects and revision files through the Alembic
/// front-end, everything else as SQL. A path in which nothing could be linted is an error.
pub fn lint_paths(paths: &[String], config: &Config) -> RunResult {
    let mut result = RunResult::default();
    for path in paths {
        let (files, errors) = (result.files.len(), result.errors.len());
        let skipped = match find_project(path) {
            Ok(Some(project)) => lint_alembic_project(project, config, &mut result),
            Ok(None) => lint_sql_paths(std::slice::from_ref(path), config, &mut result),
            Err(e) => {
                result.errors.push(e.into());
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

/// The Alembic project `path` names, if any (`-` is standard input, never one).
fn find_project(path: &str) -> Result<Option<AlembicProject>, InputError> {
    if path == "-" {
        return Ok(None);
    }
    alembic::project::find_project(Path::new(path)).map_err(InputError::from)
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

fn lint_alembic_project(
    project: AlembicProject,
    config: &Config,
    result: &mut RunResult,
) -> Skipped {
    let loaded = alembic::load_project(&project, |path| config.is_excluded(path));
    let skipped = Skipped {
        files: Vec::new(),
        excluded: project.revision_files.len() - loaded.revisions.len() - loaded.unreadable.len(),
    };
    result.errors.extend(loaded.unreadable.iter().cloned());
    if config.render == Render::Alembic {
        lint_with_real_alembic(&project, &loaded, config, result);
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

/// Returns what discovery skipped.
fn lint_sql_paths(paths: &[String], config: &Config, result: &mut RunResult) -> Skipped {
    let found = discover::discover(paths, &|p| config.is_excluded(p));
    result
        .errors
        .extend(found.errors.into_iter().map(InputError::from));
    let outcomes: Vec<Result<FileReport, InputError>> = found
        .inputs
        .par_iter()
        .map(|input| {
            let source = read_input(input)?;
            let name = source.name.clone();
            catch_unwind(AssertUnwindSafe(|| lint_sql(source, config))).map_err(|_| InputError {
                file: name,
                line: None,
                message: "internal error while linting this file (a bug in locksmith; please report it with the file)".into(),
            })
        })
        .collect();
    for outcome in outcomes {
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

/// `render: alembic`: the project's own `alembic upgrade heads --sql` (this RUNS the
/// project's env.py and revisions), split per revision and linted as SQL.
fn lint_with_real_alembic(
    project: &AlembicProject,
    loaded: &LoadedProject,
    config: &Config,
    result: &mut RunResult,
) {
    match alembic::external::real_offline_script(
        project,
        loaded,
        &config.alembic_command,
        config.downgrade,
    ) {
        Ok(units) => result.files.extend(
            units
                .iter()
                .map(|unit| lint::alembic::lint_rendered(&unit.file, &unit.sql, config)),
        ),
        Err(error) => result.errors.push(error),
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
