//! Runs the pipeline over many inputs in parallel (rayon), keeping input order, with each
//! file linted inside a panic guard so one bad file cannot abort the run.

use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};

use rayon::prelude::*;

use std::path::{Path, PathBuf};

use crate::alembic::lint::{self as alembic_lint, Direction};
use crate::alembic::{self, project::AlembicProject};
use crate::config::{Config, Render};
use crate::diagnostic::Severity;
use crate::discover::{self, Input};
use crate::lint::{FileReport, lint_source};
use crate::source::SourceFile;

/// An input that could not be linted: exit code 2, but the other inputs are reported.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl From<discover::DiscoverError> for RunError {
    fn from(e: discover::DiscoverError) -> RunError {
        RunError {
            file: e.path,
            line: None,
            message: e.message,
        }
    }
}

impl From<crate::alembic::project::ProjectError> for RunError {
    fn from(e: crate::alembic::project::ProjectError) -> RunError {
        RunError {
            file: e.path.display().to_string(),
            line: e.line,
            message: e.message,
        }
    }
}

#[derive(Debug, Default)]
pub struct RunResult {
    pub files: Vec<FileReport>,
    pub errors: Vec<RunError>,
}

impl RunResult {
    pub fn count(&self, severity: Severity) -> usize {
        self.files
            .iter()
            .flat_map(|f| &f.findings)
            .filter(|f| f.severity == severity)
            .count()
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

pub fn read_input(input: &Input) -> Result<SourceFile, RunError> {
    let name = input.display_name();
    let result = match input {
        Input::File(path) => SourceFile::read(path, &name),
        Input::Stdin => {
            let mut bytes = Vec::new();
            match std::io::stdin().read_to_end(&mut bytes) {
                Ok(_) => SourceFile::from_bytes(&name, bytes),
                Err(e) => {
                    return Err(RunError {
                        file: name,
                        line: None,
                        message: format!("cannot read standard input: {e}"),
                    });
                }
            }
        }
    };
    result.map_err(|e| RunError {
        file: e.name,
        line: e.line,
        message: e.message,
    })
}

/// Lints every path in order: Alembic projects and revision files through the Alembic
/// front-end, everything else as SQL.
pub fn lint_paths(paths: &[String], config: &Config) -> RunResult {
    let mut result = RunResult::default();
    for path in paths {
        let project = if path == "-" {
            Ok(None)
        } else {
            alembic::project::find_project(Path::new(path))
        };
        match project {
            Ok(Some(project)) => lint_alembic_project(&project, config, &mut result),
            Ok(None) => lint_sql_paths(std::slice::from_ref(path), config, &mut result),
            Err(e) => result.errors.push(e.into()),
        }
    }
    result
}

fn lint_alembic_project(project: &AlembicProject, config: &Config, result: &mut RunResult) {
    if config.render == Render::Alembic {
        return lint_with_real_alembic(project, config, result);
    }
    let files: Vec<PathBuf> = project
        .revision_files
        .iter()
        .filter(|path| !config.is_excluded(path))
        .cloned()
        .collect();
    let read: Vec<Result<(PathBuf, SourceFile), RunError>> = files
        .par_iter()
        .map(|path| Ok((path.clone(), read_input(&Input::File(path.clone()))?)))
        .collect();
    let mut sources = Vec::new();
    for outcome in read {
        match outcome {
            Ok(source) => sources.push(source),
            Err(error) => result.errors.push(error),
        }
    }
    let directions: &[Direction] = if config.downgrade {
        &[Direction::Upgrade, Direction::Downgrade]
    } else {
        &[Direction::Upgrade]
    };
    let names: Vec<String> = sources.iter().map(|(_, s)| s.name.clone()).collect();
    match catch_unwind(AssertUnwindSafe(|| {
        alembic_lint::lint_revisions(sources, config, directions)
    })) {
        Ok(reports) => result.files.extend(reports.into_iter().map(|r| r.report)),
        Err(_) => result.errors.push(RunError {
            file: names.join(", "),
            line: None,
            message: "internal error while linting these revisions (a bug in locksmith; please report it with the files)".into(),
        }),
    }
}

fn lint_sql_paths(paths: &[String], config: &Config, result: &mut RunResult) {
    let (inputs, discover_errors) = discover::discover(paths, config);
    result
        .errors
        .extend(discover_errors.into_iter().map(RunError::from));
    let outcomes: Vec<Result<FileReport, RunError>> = inputs
        .par_iter()
        .map(|input| {
            let source = read_input(input)?;
            let name = source.name.clone();
            catch_unwind(AssertUnwindSafe(|| lint_source(source, config))).map_err(|_| RunError {
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
}

/// `render: alembic`: the project's own `alembic upgrade heads --sql` (this RUNS the
/// project's env.py and revisions), split per revision and linted as SQL. Each step is
/// named after its revision file when the file's static metadata names the revision.
fn lint_with_real_alembic(project: &AlembicProject, config: &Config, result: &mut RunResult) {
    let config_file = project.ini.as_ref().or(project.pyproject.as_ref());
    let Some(config_file) = config_file else {
        result.errors.push(RunError {
            file: project.root.display().to_string(),
            line: None,
            message: "`render: alembic` needs an alembic.ini or pyproject.toml to run alembic with"
                .into(),
        });
        return;
    };
    let dir = config_file.parent().unwrap_or(Path::new("."));
    let (range, downgrade) = if config.downgrade {
        ("heads:base", true)
    } else {
        ("heads", false)
    };
    let script = match alembic::external::run_alembic(
        &config.alembic_command,
        dir,
        project
            .ini
            .as_deref()
            .map(|ini| Path::new(ini.file_name().unwrap_or_default())),
        range,
        downgrade,
    ) {
        Ok(script) => script,
        Err(message) => {
            result.errors.push(RunError {
                file: config_file.display().to_string(),
                line: None,
                message,
            });
            return;
        }
    };
    let files_by_revision: std::collections::HashMap<String, String> = project
        .revision_files
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            let revision = crate::alembic::render::render_revision(&text)
                .ok()?
                .revision?;
            Some((revision, path.display().to_string()))
        })
        .collect();
    let mut config = config.clone();
    config.assume_in_transaction = true;
    for step in alembic::external::split_steps(&script) {
        let target = if downgrade { &step.from } else { &step.to };
        let origin = files_by_revision
            .get(target.as_str())
            .cloned()
            .unwrap_or_else(|| format!("revision {target}"));
        let verb = if downgrade { "downgrade" } else { "upgrade" };
        let name = format!("{origin} [alembic {verb} {} -> {}]", step.from, step.to);
        result
            .files
            .push(lint_source(SourceFile::new(name, step.sql), &config));
    }
}
