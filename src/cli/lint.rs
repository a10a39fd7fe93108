//! `locksmith lint`.

use locksmith::config;
use locksmith::report;
use locksmith::rules::Severity;
use locksmith::run;

use super::{
    Common, FailOn, LintFormat, RenderChoice, load_config, print, terminal_width, use_color,
};

pub(crate) fn run(
    paths: &[String],
    common: &Common,
    format: LintFormat,
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
    match format {
        LintFormat::Human => {
            let style = report::human::Style {
                color: use_color(common.color),
                width: terminal_width(),
            };
            print(&report::human::render(&result, &style));
        }
        LintFormat::Json => print(&report::json::render(&result)),
        LintFormat::Github => print(&report::github::render(&result)),
        LintFormat::Sarif => print(&report::sarif::render(&result)),
    }
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
