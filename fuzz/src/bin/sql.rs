//! The SQL front-end: split, parse, facts, every rule and the help texts, through the
//! library's lint entry point (and the migration tool conventions a file's name selects).

use locksmith::config::Config;
use locksmith::lint::lint_sql;
use locksmith::source::SourceFile;

fn main() {
    let config = Config::default();
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        // Inputs under a Flyway name and a golang-migrate name too (their transactions are
        // read from the statements).
        let name = ["fuzz.sql", "V1__fuzz.sql", "000001_fuzz.up.sql"][data.len() % 3];
        let report = lint_sql(SourceFile::new(name, text), &config);
        for finding in &report.findings {
            let _ = finding.help(&report.source);
            let _ = report.source.range_positions(&finding.span);
        }
    });
}
