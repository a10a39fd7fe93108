//! Runs the pipeline over many inputs in parallel (rayon), keeping input order, with each
//! file linted inside a panic guard so one bad file cannot abort the run.

use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};

use rayon::prelude::*;

use crate::config::Config;
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

pub fn lint_paths(paths: &[String], config: &Config) -> RunResult {
    let (inputs, discover_errors) = discover::discover(paths, config);
    let mut result = RunResult {
        errors: discover_errors
            .into_iter()
            .map(|e| RunError {
                file: e.path,
                line: None,
                message: e.message,
            })
            .collect(),
        ..RunResult::default()
    };
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
    result
}
