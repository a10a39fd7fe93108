//! `locksmith lint`.

use std::path::PathBuf;

use locksmith::config;
use locksmith::report;
use locksmith::rules::Severity;
use locksmith::run;

use super::{
    Common, FailOn, LintFormat, RenderChoice, load_config, print, terminal_width, use_color,
};

/// Where the report goes: `format` to stdout, or to `file` while stdout gets the human
/// output.
pub(crate) struct Output {
    pub format: LintFormat,
    pub file: Option<PathBuf>,
}

pub(crate) fn run(
    paths: &[String],
    common: &Common,
    output: Output,
    fail_on: Option<FailOn>,
    downgrade: bool,
    render: Option<RenderChoice>,
) -> u8 {
    let (mut config, config_error) = match load_config(common) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    if downgrade {
        config.downgrade = true;
    }
    match render {
        Some(RenderChoice::Static) => config.render = config::Render::Static,
        Some(RenderChoice::Alembic) => config.render = config::Render::Alembic,
        None => {}
    }
    let paths = match default_paths(paths) {
        Ok(paths) => paths,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    if let Some(fail_on) = fail_on {
        config.fail_on = match fail_on {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        };
    }
    let mut result = run::lint_paths(&paths, &config);
    // In `errors`, so every format reports it and the exit code is 2.
    result.errors.splice(0..0, config_error);
    eprint!("{}", report::human::render_errors(&result));
    let human = |color| {
        let style = report::human::Style {
            color,
            width: terminal_width(),
        };
        report::human::render(&result, &style)
    };
    let text = match output.format {
        LintFormat::Human => human(use_color(common.color) && output.file.is_none()),
        LintFormat::Json => report::json::render(&result),
        LintFormat::Github => report::github::render(&result),
        LintFormat::Sarif => report::sarif::render(&result),
        LintFormat::Markdown => report::markdown::render_lint(&result),
    };
    let Some(file) = output.file else {
        print(&text);
        return result.exit_code(config.fail_on) as u8;
    };
    if let Err(e) = std::fs::write(&file, text) {
        eprintln!("error: {}: cannot write the report: {e}", file.display());
        return 2;
    }
    print(&human(use_color(common.color)));
    result.exit_code(config.fail_on) as u8
}

pub(crate) fn default_paths(paths: &[String]) -> Result<Vec<String>, String> {
    if !paths.is_empty() {
        return Ok(paths.to_vec());
    }
    if std::path::Path::new("alembic.ini").is_file() {
        Ok(vec![".".into()])
    } else {
        Err("no PATH given and no alembic.ini in the current directory; pass migration files or directories (`-` for stdin)".into())
    }
}
