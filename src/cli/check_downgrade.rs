//! `locksmith check-downgrade`: every migration's upgrade then downgrade replayed on the
//! schema model, which must come back to the schema the upgrade started from. It is
//! `lint` with only the rules about downgrades on, so formats and exit codes are lint's.
//! With `--database-url`, the same round trips also run on that (scratch) database first
//! (`locksmith::trace::roundtrip`), and their results are merged into the findings.

use std::collections::HashMap;
use std::path::PathBuf;

use locksmith::config::{Config, Level};
use locksmith::diagnostic::Finding;
use locksmith::lint::FileReport;
use locksmith::rules;
use locksmith::run::load_inputs;
use locksmith::trace::roundtrip::{self, Outcome, StepResult};

use super::lint::{Narrow, Output, default_paths, run_adjusted};
use super::{Common, FailOn, load_config};

/// The rules `check-downgrade` reports: a difference after the round trip, and why a
/// revision could not be compared (an empty downgrade, a part not rendered).
const RULES: &[&str] = &[
    "downgrade-not-reversible",
    "alembic-empty-downgrade",
    "unrenderable-operation",
];

/// The live round trip on a real database.
#[derive(clap::Args, Default)]
pub(crate) struct Live {
    /// Also run every round trip on this database (a postgresql:// URL or key=value string)
    /// and compare `pg_dump --schema-only` outputs. It CHANGES the database: give an empty,
    /// disposable scratch database.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// The pg_dump to run [default: pg_dump on PATH]; it must be as new as the server.
    #[arg(long, value_name = "PATH", requires = "database_url")]
    pg_dump: Option<PathBuf>,
    /// Run on a database that already holds objects (it cannot be rebuilt after a downgrade
    /// the upgrade cannot run over: the live check then stops there).
    #[arg(long, requires = "database_url")]
    allow_non_empty: bool,
}

pub(crate) fn run(
    paths: &[String],
    live: &Live,
    common: &Common,
    output: Output,
    fail_on: Option<FailOn>,
) -> u8 {
    let adjust = |config: &mut Config| {
        for rule in rules::ALL {
            if !RULES.contains(&rule.id) {
                config.rules.insert(rule.id.to_string(), Level::Off);
            }
        }
        let on = std::mem::take(config);
        *config = on.enabling(&rules::downgrade_not_reversible::RULE);
        // unrenderable-operation then reports downgrade() parts too.
        config.downgrade = true;
    };
    let results = match &live.database_url {
        Some(url) => match run_live(paths, url, live, common) {
            Ok(results) => results,
            Err(message) => {
                eprintln!("error: live check: {message}");
                return 2;
            }
        },
        None => roundtrip::LiveRun::default(),
    };
    for line in &results.log {
        eprintln!("live check: {line}");
    }
    let by_file: HashMap<&str, &StepResult> = results
        .results
        .iter()
        .map(|r| (r.file.as_str(), r))
        .collect();
    // Each file's live result beside its offline findings (none without --database-url).
    let amend = |report: &mut FileReport, config: &Config| {
        if let Some(result) = by_file.get(report.source.name.as_str()) {
            merge(report, result, config);
        }
    };
    let code = run_adjusted(
        paths,
        common,
        output,
        fail_on,
        &adjust,
        &Narrow::default(),
        Some(&amend),
    );
    match &results.stopped {
        Some(why) => {
            eprintln!("error: live check stopped: {why}");
            2
        }
        None => code,
    }
}

/// The migrations under `paths` (one Alembic project, or one set of `.sql` files) run on
/// the database.
fn run_live(
    paths: &[String],
    url: &str,
    live: &Live,
    common: &Common,
) -> Result<roundtrip::LiveRun, String> {
    let (config, _) = load_config(common)?;
    let paths = default_paths(paths)?;
    let loaded = load_inputs(&paths, &config);
    if let Some(error) = loaded.errors.first() {
        return Err(format!(
            "{}: {} (nothing was run on the database)",
            error.file, error.message
        ));
    }
    let (sources, projects) = loaded.sources_and_projects();
    let steps = match (projects.as_slice(), sources.is_empty()) {
        ([project], true) => roundtrip::alembic_steps(project),
        ([], false) => roundtrip::sql_steps(&sources),
        _ => {
            return Err(
                "give the migrations of one project (one Alembic project, or .sql files): \
                 they run on one database"
                    .into(),
            );
        }
    };
    roundtrip::run(
        &steps,
        &roundtrip::Options {
            url,
            pg_dump: live.pg_dump.as_deref(),
            allow_non_empty: live.allow_non_empty,
        },
    )
}

/// The live result of one migration beside the offline one: a note on the offline
/// finding (confirmed or not), or a finding of its own when only the live check found it.
fn merge(report: &mut FileReport, result: &StepResult, config: &Config) {
    let rule = &rules::downgrade_not_reversible::RULE;
    let Some(severity) = config.severity_of(rule) else {
        return;
    };
    let what = |outcome: &Outcome| match outcome {
        Outcome::Reversible => None,
        Outcome::Differs(differences) => Some(format!(
            "pg_dump --schema-only differs: {}",
            shown(differences)
        )),
        Outcome::DowngradeFailed(e) => Some(format!("the downgrade fails on the database: {e}")),
        Outcome::UpgradeFailsAgain(e) => Some(format!(
            "the schema comes back, but the upgrade then fails when run again: {e}"
        )),
    };
    let offline = report.findings.iter_mut().find(|f| f.rule.id == rule.id);
    match (offline, what(&result.outcome)) {
        (Some(finding), Some(live)) => {
            finding.message = format!("{} (live check: confirmed; {live})", finding.message)
        }
        (Some(finding), None) => {
            finding.message = format!(
                "{} (live check: NOT confirmed, pg_dump --schema-only shows the same schema \
                 before the upgrade and after the downgrade)",
                finding.message
            )
        }
        (None, Some(live)) => {
            let (_, advice) = rules::downgrade_not_reversible::message(&[]);
            report.findings.push(Finding {
                rule,
                severity,
                message: format!(
                    "the downgrade does not restore the schema the upgrade started from \
                     (found by the live check only): {live}"
                ),
                advice,
                span: result.span.clone(),
                statement: None,
            });
            report
                .findings
                .sort_by(|a, b| (a.span.start, a.rule.id).cmp(&(b.span.start, b.rule.id)));
        }
        (None, None) => {}
    }
}

/// The first differences, and how many more.
fn shown(differences: &[String]) -> String {
    let mut text = differences
        .iter()
        .take(6)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if differences.len() > 6 {
        text.push_str(&format!("; and {} more", differences.len() - 6));
    }
    text
}
