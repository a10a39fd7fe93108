//! `locksmith explain`.

use std::path::Path;

use locksmith::lint::{self, FileReport, lint_sql};
use locksmith::report;
use locksmith::rules;
use locksmith::run::{self, LoadedInput};
use locksmith::source::SourceFile;

use super::{Common, Format, load_config, print, use_color};

pub(crate) fn run(sql: &str, common: &Common, format: Format) -> u8 {
    let (config, config_error) = match load_config(common) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let mut loaded = if is_input(sql) {
        run::load_inputs(&[sql.to_string()], &config)
    } else {
        run::Loaded {
            inputs: vec![LoadedInput::Sql(SourceFile::new("<sql>", sql))],
            ..run::Loaded::default()
        }
    };
    loaded.errors.splice(0..0, config_error);
    let files: Vec<FileReport> = loaded
        .inputs
        .into_iter()
        .flat_map(|input| match input {
            LoadedInput::Sql(source) => vec![lint_sql(source, &config)],
            // Each statement is the SQL an op call renders to, at the op call's line.
            LoadedInput::Alembic(project) => lint::alembic::lint_project(&project, &config),
        })
        .collect();
    match format {
        Format::Human => {
            let color = use_color(common.color);
            print(
                &files
                    .iter()
                    .map(|file| report::explain::render_human(file, color))
                    .collect::<String>(),
            )
        }
        Format::Json => print(&report::explain::render_json_files(
            &files,
            config.postgres_version,
        )),
    }
    eprint!("{}", report::human::input_errors("error", &loaded.errors));
    eprint!(
        "{}",
        report::human::input_errors("warning", &loaded.warnings)
    );
    let has_syntax_error = files
        .iter()
        .flat_map(|f| &f.findings)
        .any(|f| *f.rule == rules::SYNTAX_ERROR);
    if !loaded.errors.is_empty() {
        2
    } else if has_syntax_error {
        1
    } else {
        0
    }
}

/// Whether the argument names an input rather than being SQL text: `-`, an existing path,
/// or one word that looks like a path (a missing file must be an I/O error, not SQL that
/// fails to parse at its `/`).
fn is_input(arg: &str) -> bool {
    let looks_like_path = !arg.contains(char::is_whitespace)
        && (arg.contains('/') || arg.ends_with(".sql") || arg.ends_with(".py"));
    arg == "-" || Path::new(arg).exists() || looks_like_path
}
