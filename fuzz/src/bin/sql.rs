//! The SQL front-end: split, parse, facts, every rule and the help texts, through the
//! library's lint entry point (and the migration tool conventions a file's name selects).
//!
//! Differential too: `lint` lets a statement's facts go once no check reads them
//! (`Config::findings_only`), which must change nothing it reports. Each input is linted
//! both ways, every rule enabled, and the findings and each finding's facts compared.

use locksmith::config::Config;
use locksmith::lint::{FileReport, lint_sql};
use locksmith::rules;
use locksmith::source::SourceFile;

/// Each finding as the reporters see it: its rule, place, text, help and its statement's
/// facts.
fn reported(report: &FileReport) -> Vec<String> {
    (report.findings.iter())
        .map(|finding| {
            let statement = report.statement_of(finding);
            let facts = statement.map(|s| (&s.facts.actions, &s.locks_on_existing));
            format!(
                "{} {:?} {:?} {} | {:?} | {facts:?}",
                finding.rule.id,
                finding.severity,
                finding.span,
                finding.message,
                finding.help(&report.source),
            )
        })
        .collect()
}

fn main() {
    let every_rule = rules::ALL.iter().fold(Config::default(), |c, r| c.enabling(r));
    let mut shedding = every_rule.clone();
    shedding.findings_only = true;
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        // Inputs under a Flyway name and a golang-migrate name too (their transactions are
        // read from the statements).
        let name = ["fuzz.sql", "V1__fuzz.sql", "000001_fuzz.up.sql"][data.len() % 3];
        let kept = lint_sql(SourceFile::new(name, text), &every_rule);
        for finding in &kept.findings {
            let _ = kept.source.range_positions(&finding.span);
        }
        let shed = lint_sql(SourceFile::new(name, text), &shedding);
        assert_eq!(reported(&kept), reported(&shed), "findings_only changed the findings");
        assert_eq!(kept.statements.len(), shed.statements.len());
    });
}
