//! The SQL front-end: split, parse, facts, every rule and the help texts, through the
//! library's lint entry point.

use locksmith::config::Config;
use locksmith::lint::lint_sql;
use locksmith::source::SourceFile;

fn main() {
    let config = Config::default();
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let report = lint_sql(SourceFile::new("fuzz.sql", text), &config);
        for finding in &report.findings {
            let _ = finding.help(&report.source);
            let _ = report.source.range_positions(&finding.span);
        }
    });
}
