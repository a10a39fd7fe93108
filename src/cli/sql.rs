//! `locksmith sql`.

use locksmith::report;

use super::lint::default_paths;
use super::{Common, SqlFormat, load_config, print, use_color};

pub(crate) fn run(
    paths: &[String],
    range: &locksmith::alembic::offline::RevisionRange,
    annotate: bool,
    format: SqlFormat,
    common: &Common,
) -> u8 {
    let (config, config_error) = match load_config(common) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let paths = match default_paths(paths) {
        Ok(paths) => paths,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let mut preview = locksmith::plan::plan_paths(&paths, range, &config);
    preview.errors.splice(0..0, config_error);
    eprint!("{}", report::human::input_errors("error", &preview.errors));
    eprint!(
        "{}",
        report::human::input_errors("warning", &preview.warnings)
    );
    match format {
        SqlFormat::Sql => {
            let style = report::plan::PreviewStyle {
                annotate,
                color: use_color(common.color),
            };
            print(&report::plan::render(&preview.units, style));
        }
        SqlFormat::Markdown => print(&report::markdown::render(&preview.units)),
        SqlFormat::Json => print(&report::json::render_plan(&preview.units, &preview.errors)),
    }
    if preview.errors.is_empty() { 0 } else { 2 }
}
