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
    let config = match load_config(common) {
        Ok(config) => config,
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
    let preview = locksmith::plan::plan_paths(&paths, range, &config);
    for error in &preview.errors {
        match error.line {
            Some(line) => eprintln!("error: {}:{line}: {}", error.file, error.message),
            None => eprintln!("error: {}: {}", error.file, error.message),
        }
    }
    match format {
        SqlFormat::Sql => {
            let style = report::plan::PreviewStyle {
                annotate,
                color: use_color(common.color),
            };
            print(&report::plan::render(&preview.units, style));
        }
        SqlFormat::Markdown => print(&report::markdown::render(&preview.units)),
    }
    if preview.errors.is_empty() { 0 } else { 2 }
}
