//! `locksmith sql`: the deploy plan, i.e. the migrations under a path as the ordered units
//! of SQL a deploy runs (Alembic's offline script, or `.sql` files in their tool's order),
//! each linted by the engine so reporters can annotate every statement.

// The tool order lives before the engine, which replays migrations in it.
pub use crate::order;

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use rayon::prelude::*;

use crate::alembic::offline::{RevisionRange, ScriptUnit, offline_script};
use crate::alembic::project::{AlembicProject, find_project};
use crate::alembic::{self, LoadedProject, LoadedRevision};
use crate::config::Config;
use crate::diagnostic::Finding;
use crate::discover::{self, Input};
use crate::lint::{self, FileReport, Rendering};
use crate::run::{Skipped, check_found, nested_projects, read_input};
use crate::source::{InputError, SourceFile};

use crate::convention::{blanked, outside};
use order::{Kind, upgrade_order};

/// One migration's SQL with its lint report.
#[derive(Debug)]
pub struct Unit {
    /// The comment line that heads the unit's SQL (the file name, or Alembic's
    /// `Running upgrade A -> B`).
    pub heading: String,
    /// The file it comes from, as shown to the user.
    pub file: String,
    /// The migration's description (Alembic's message), when it has one.
    pub message: Option<String>,
    /// The report's source is the unit's SQL; other parts of the file (the other
    /// direction's sections of a dbmate, goose or sql-migrate file) are blanked so that line
    /// numbers stay those of the file.
    pub report: FileReport,
    /// The part of `report.source.text` to print.
    pub range: Range<usize>,
    /// The part that is the migration's own statements (the rest: Alembic's transaction
    /// and version bookkeeping).
    pub own: Range<usize>,
    /// Findings about the revision file as a whole (an empty downgrade, a part not
    /// rendered), with their line in it: what `lint` reports beside the SQL's findings.
    pub revision_findings: Vec<(usize, Finding)>,
    /// What could not be rendered without running code, `<what> (file:line)`; the SQL
    /// has a comment at each.
    pub not_rendered: Vec<String>,
    /// Statements rendered approximately: offset in the report's text, with the values a
    /// placeholder stands for; the SQL has a comment above each.
    pub approximate: Vec<(usize, Vec<String>)>,
    /// For an Alembic revision: how much of it was rendered.
    pub rendering: Option<Rendering>,
}

impl Unit {
    /// What the statement starting at `offset` of the report's text was rendered without
    /// knowing; empty when it is exact.
    pub fn unknown_at(&self, offset: usize) -> &[String] {
        (self.approximate.iter())
            .find(|(at, _)| *at == offset)
            .map_or(&[], |(_, names)| names.as_slice())
    }
}

#[derive(Debug, Default)]
pub struct Plan {
    pub units: Vec<Unit>,
    pub errors: Vec<InputError>,
    /// What was found and not previewed, and why.
    pub warnings: Vec<InputError>,
}

impl Plan {
    /// The project's offline script for the range, one unit a revision step.
    fn add_project(
        &mut self,
        project: &AlembicProject,
        single_file: bool,
        range: &RevisionRange,
        config: &Config,
    ) {
        let loaded = alembic::load_project(project, |_| false);
        let script = offline_script(&loaded, range, single_file);
        (self.units).extend(alembic_units(
            script.units,
            &loaded,
            range.downgrade,
            config,
        ));
        self.errors.extend(script.errors);
    }
}

/// The migrations under `paths`: Alembic projects as Alembic's offline script for the
/// range, `.sql` migrations in their tool's order (reversed, down files only, for a
/// downgrade). A path naming a `.sql` file is always included as given.
pub fn plan_paths(paths: &[String], range: &RevisionRange, config: &Config) -> Plan {
    let downgrade = range.downgrade;
    let mut preview = Plan::default();
    let mut inputs = Vec::new();
    for path in paths {
        match find_project(Path::new(path)) {
            Ok(Some(project)) => {
                preview.add_project(&project, Path::new(path).is_file(), range, config);
                continue;
            }
            Ok(None) => {}
            Err(e) => {
                preview.errors.push(e.into());
                continue;
            }
        }
        let mut found = discover::discover(std::slice::from_ref(path), &|p| config.is_excluded(p));
        let nested = nested_projects(&mut found, &mut preview.warnings);
        for project in &nested {
            preview.add_project(project, false, range, config);
        }
        let found_nothing = found.inputs.is_empty() && found.errors.is_empty() && nested.is_empty();
        preview
            .errors
            .extend(found.errors.into_iter().map(InputError::from));
        let skipped = Skipped {
            files: found.skipped,
            excluded: found.excluded,
        };
        check_found(
            path,
            found_nothing,
            skipped,
            &mut preview.errors,
            &mut preview.warnings,
        );
        if Path::new(path).is_dir() {
            inputs.extend(in_tool_order(found.inputs, downgrade));
        } else {
            inputs.extend(found.inputs);
        }
    }
    // Classified together: a Sqitch plan is read once, not once per file.
    let paths: Vec<String> = inputs.iter().map(input_path).collect();
    let names = order::classify_paths(paths.iter().map(String::as_str));
    let outcomes: Vec<Result<Option<Unit>, InputError>> = (inputs.par_iter().zip(&names))
        .map(|(input, name)| unit_of(input, name.kind == Kind::Down, downgrade, config))
        .collect();
    for outcome in outcomes {
        match outcome {
            Ok(Some(unit)) => preview.units.push(unit),
            Ok(None) => {}
            Err(error) => preview.errors.push(error),
        }
    }
    preview
}

/// The pieces of Alembic's offline script, linted in parallel (in order) as Alembic runs
/// them, each with the findings about its revision file.
fn alembic_units(
    units: Vec<ScriptUnit>,
    loaded: &LoadedProject,
    downgrade: bool,
    config: &Config,
) -> Vec<Unit> {
    let session = lint::alembic::session(loaded);
    let by_file: HashMap<&str, &LoadedRevision> = loaded
        .revisions
        .iter()
        .map(|r| (r.source.name.as_str(), r))
        .collect();
    units
        .into_par_iter()
        .map(|unit| {
            let revision = by_file.get(unit.file.as_str()).copied();
            alembic_unit(unit, revision, &session, downgrade, config)
        })
        .collect()
}

fn alembic_unit(
    unit: ScriptUnit,
    revision: Option<&LoadedRevision>,
    session: &lint::Session,
    downgrade: bool,
    config: &Config,
) -> Unit {
    let report = lint::alembic::lint_rendered(&unit.file, &unit.sql, session, config);
    let revision_findings = revision
        .and_then(|r| Some((r, r.rendered.as_ref().ok()?)))
        .map(|(loaded, rendered)| {
            lint::alembic::revision_findings(rendered, config, downgrade)
                .into_iter()
                .map(|f| (loaded.source.position(f.span.start).line, f))
                .collect()
        })
        .unwrap_or_default();
    // Alembic's BEGIN/COMMIT and version bookkeeping (units without a file) are not the
    // revisions' rendering.
    let rendering = (!unit.file.is_empty()).then(|| {
        let own = report
            .statements
            .iter()
            .filter(|s| unit.own.contains(&s.span.start));
        let (approximate, exact): (Vec<_>, Vec<_>) =
            own.partition(|s| unit.approximate.iter().any(|(at, _)| *at == s.span.start));
        Rendering {
            exact: exact.len(),
            approximate: approximate.len(),
            not_rendered: unit.not_rendered.len(),
        }
    });
    Unit {
        heading: unit.heading,
        file: unit.file,
        message: unit.message,
        range: 0..report.source.text.len(),
        own: unit.own,
        report,
        revision_findings,
        not_rendered: unit.not_rendered,
        approximate: unit.approximate,
        rendering,
    }
}

fn in_tool_order(inputs: Vec<Input>, downgrade: bool) -> Vec<Input> {
    let paths: Vec<String> = inputs.iter().map(input_path).collect();
    let names = order::classify_paths(paths.iter().map(String::as_str));
    let mut named: Vec<_> = names.into_iter().zip(inputs).collect();
    named.sort_by(|(a, _), (b, _)| upgrade_order(a, b));
    // Upgrades run up files (dbmate files hold both); downgrades run down files and
    // dbmate down sections, newest first. Which dbmate files have a section is decided
    // when the file is read.
    let keep = |m: &order::MigrationName| match m.kind {
        Kind::Up | Kind::Repeatable => !downgrade || m.kind == Kind::Up,
        Kind::Down => downgrade,
        Kind::NotApplied => false,
    };
    let mut kept: Vec<Input> = named
        .into_iter()
        .filter(|(m, _)| keep(m))
        .map(|(_, input)| input)
        .collect();
    if downgrade {
        kept.reverse();
    }
    kept
}

/// An input's path as its migration is named by ([`order::classify_paths`]).
fn input_path(input: &Input) -> String {
    match input {
        Input::File(path) => path.to_string_lossy().into_owned(),
        Input::Stdin => String::new(),
    }
}

/// One input's unit of the preview (`is_down_file`: a downgrade file, as its tool names
/// it); `None` when it has nothing of the direction previewed.
fn unit_of(
    input: &Input,
    is_down_file: bool,
    downgrade: bool,
    config: &Config,
) -> Result<Option<Unit>, InputError> {
    let source = read_input(input)?;
    let mut ranges = source.sections(downgrade);
    // A section after the first keeps its marker line (a comment): the preview shows where
    // the sections of one direction meet rather than a line of blanks.
    for range in ranges.iter_mut().skip(1) {
        let marker = source.text[..range.start - 1]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        range.start = marker;
    }
    let (range, text) = match (ranges.first(), ranges.last()) {
        (Some(first), Some(last)) => {
            let text = blanked(&source.text, &outside(&ranges, source.text.len()));
            (first.start..last.end, text)
        }
        _ if !source.sections(!downgrade).is_empty() || (downgrade && !is_down_file) => {
            // A file of sections without one of this direction, or an up file on a downgrade.
            return Ok(None);
        }
        _ => (0..source.text.len(), source.text.to_string()),
    };
    let name = source.name.clone();
    // The first marker is blanked with the rest: the section's transaction is read here.
    let session = lint::Session {
        runner_transaction: source.runner_transaction(downgrade),
        ..lint::Session::default()
    };
    let report = lint::lint_sql_in(SourceFile::new(name.clone(), text), config, &session);
    Ok(Some(Unit {
        heading: name.clone(),
        file: name,
        message: None,
        report,
        own: range.clone(),
        range,
        revision_findings: Vec::new(),
        not_rendered: Vec::new(),
        approximate: Vec::new(),
        rendering: None,
    }))
}
