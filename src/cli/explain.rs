//! `locksmith explain`.

use std::path::PathBuf;

use locksmith::discover::Input;
use locksmith::lint::lint_sql;
use locksmith::report;
use locksmith::rules;
use locksmith::run;
use locksmith::source::SourceFile;

use super::{Common, Format, load_config, print};

pub(crate) fn run(sql: &str, common: &Common, format: Format) -> u8 {
    let config = match load_config(common) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let source = if sql == "-" {
        run::read_input(&Input::Stdin)
    } else if std::path::Path::new(sql).is_file() {
        run::read_input(&Input::File(PathBuf::from(sql)))
    } else {
        Ok(SourceFile::new("<sql>", sql))
    };
    let source = match source {
        Ok(source) => source,
        Err(e) => {
            eprintln!("error: {}: {}", e.file, e.message);
            return 2;
        }
    };
    let file = lint_sql(source, &config);
    match format {
        Format::Human => print(&report::explain::render_human(&file)),
        Format::Json => print(&report::explain::render_json(
            &file,
            config.postgres_version,
        )),
    }
    let has_syntax_error = file.findings.iter().any(|f| *f.rule == rules::SYNTAX_ERROR);
    if has_syntax_error { 1 } else { 0 }
}
