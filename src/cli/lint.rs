//! `locksmith lint`.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use locksmith::baseline::{self, Baseline};
use locksmith::changed::{self, ChangedFiles};
use locksmith::config;
use locksmith::lint::FileReport;
use locksmith::report;
use locksmith::report::stream::{Format, Stream};
use locksmith::rules::{Check, Severity};
use locksmith::run;
use locksmith::source::InputError;

use super::{Common, FailOn, LintFormat, RenderChoice, load_config, terminal_width, use_color};

/// Where the report goes: `format` to stdout, or to `file` while stdout gets the human
/// output.
pub(crate) struct Output {
    pub format: LintFormat,
    pub file: Option<PathBuf>,
}

/// Options that narrow what `lint` reports: to a branch's changes, or past a baseline.
#[derive(clap::Args, Default)]
pub(crate) struct Narrow {
    /// Report only the migrations added or modified since the merge base of HEAD and REF
    /// (committed, staged, unstaged or untracked); Alembic graph checks still cover the
    /// whole project.
    #[arg(long, value_name = "REF")]
    changed_since: Option<String>,
    /// Hide the findings recorded in this baseline file [default: lint.yaml's baseline].
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record every finding of this run in FILE, a baseline for --baseline, and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with = "changed_since")]
    write_baseline: Option<PathBuf>,
}

pub(crate) fn run(
    paths: &[String],
    common: &Common,
    output: Output,
    fail_on: Option<FailOn>,
    downgrade: bool,
    render: Option<RenderChoice>,
    narrow: &Narrow,
) -> u8 {
    let adjust = |config: &mut config::Config| {
        if downgrade {
            config.downgrade = true;
        }
        match render {
            Some(RenderChoice::Static) => config.render = config::Render::Static,
            Some(RenderChoice::Alembic) => config.render = config::Render::Alembic,
            None => {}
        }
    };
    run_adjusted(paths, common, output, fail_on, &adjust, narrow, None)
}

/// What a command adds to each file's report before it is reported.
pub(crate) type Amend<'a> = &'a dyn Fn(&mut FileReport, &config::Config);

/// `lint` with the loaded configuration adjusted by the command (`check-downgrade` runs
/// only its rules), and each file's report amended before it is reported (the live
/// check's findings), whole.
pub(crate) fn run_adjusted(
    paths: &[String],
    common: &Common,
    output: Output,
    fail_on: Option<FailOn>,
    adjust: &dyn Fn(&mut config::Config),
    narrow: &Narrow,
    amend: Option<Amend>,
) -> u8 {
    let (mut config, config_error) = match load_config(common) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    adjust(&mut config);
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
    // Both are checked before linting: a bad ref or baseline fails at once, rather than
    // after reporting everything they were meant to hide.
    let changed = match &narrow.changed_since {
        Some(reference) => match changed::changed_since(reference, Path::new(".")) {
            Ok(changed) => Some(std::sync::Arc::new(changed)),
            Err(message) => {
                eprintln!("error: {message}");
                return 2;
            }
        },
        None => None,
    };
    // The unchanged files are only replayed, not linted: their findings would be dropped.
    config.only_files = changed.clone();
    // Reported below: findings, with the facts of their statements only.
    config.findings_only = true;
    // Writing a baseline replaces the old one, which then needs no reading.
    let baseline_path = narrow.baseline.as_ref().or(config.baseline.as_ref());
    let baseline = match baseline_path.filter(|_| narrow.write_baseline.is_none()) {
        Some(path) => match Baseline::load(path) {
            Ok(baseline) => Some(baseline),
            Err(error) => {
                eprint!("{}", report::human::input_errors("error", &[error]));
                return 2;
            }
        },
        None => None,
    };
    if let Some(path) = &narrow.write_baseline {
        let mut result = run::lint_paths(&paths, &config);
        result.errors.splice(0..0, config_error);
        if let Some(changed) = &changed {
            keep_changed(&mut result.files, changed);
        }
        return write_baseline(path, &result);
    }
    // Streamed: each batch of reports is narrowed, rendered and dropped as it comes.
    let human_style = |color| report::human::Style {
        color,
        width: terminal_width(),
    };
    let format = match output.format {
        LintFormat::Human => Format::Human(human_style(
            use_color(common.color) && output.file.is_none(),
        )),
        LintFormat::Json => Format::Json,
        LintFormat::Github => Format::Github,
        LintFormat::Sarif => Format::Sarif,
        LintFormat::Markdown => Format::Markdown,
        LintFormat::Gitlab => Format::Gitlab,
    };
    // A big file's findings are reported as they are final, not all kept to its end,
    // unless something narrows or amends whole reports, or GitLab's fingerprints number
    // a file's findings.
    if amend.is_none()
        && changed.is_none()
        && baseline.is_none()
        && !matches!(format, Format::Gitlab)
    {
        config.hand_on_at = Some(hand_on_at());
    }
    // Block-buffered unless a terminal shows it as it comes: a file list streams one
    // report at a time, and a write per file was 3,000 system calls for 3,200 files.
    let mut stdout: Box<dyn Write> = {
        let stdout = std::io::stdout();
        if stdout.is_terminal() {
            Box::new(stdout.lock())
        } else {
            Box::new(std::io::BufWriter::with_capacity(1 << 16, stdout.lock()))
        }
    };
    let (mut main, mut human) = match output.file {
        None => (Stream::new(format, Some(&mut stdout)), None),
        Some(_) => (
            Stream::new(format, None),
            Some(Stream::new(
                Format::Human(human_style(use_color(common.color))),
                Some(&mut stdout),
            )),
        ),
    };
    let mut applying = baseline.as_ref().map(Baseline::applying);
    let mut tally = run::Tally::default();
    let mut result = run::lint_paths_each(&paths, &config, &mut |mut batch| {
        if let Some(amend) = amend {
            batch.iter_mut().for_each(|file| amend(file, &config));
        }
        if let Some(changed) = &changed {
            keep_changed(&mut batch, changed);
        }
        if let Some(applying) = &mut applying {
            applying.files(&mut batch);
        }
        batch.iter().for_each(|file| tally.add(file));
        main.files(&batch);
        if let Some(human) = &mut human {
            human.files(&batch);
        }
        // A big file's findings handed on early share its text, which they do not free.
        let whole = batch.iter().filter(|file| !file.partial);
        let size = whole.map(|file| file.source.text.len()).sum();
        locksmith::dropper::drop_for(batch, size);
    });
    // In `errors`, so every format reports it and the exit code is 2.
    result.errors.splice(0..0, config_error);
    if let (Some(baseline), Some(applying)) = (&baseline, applying) {
        let applied = applying.finish();
        result
            .warnings
            .extend(applied.stale.iter().map(|entry| InputError {
                file: baseline.name.clone(),
                line: None,
                message: format!(
                    "stale entry, no longer found (write the baseline again to drop it): {} {}: {}",
                    entry.file, entry.rule, entry.message
                ),
            }));
        result.baseline = Some(applied);
    }
    // What was written so far comes before the errors, as it did on the terminal.
    main.flush();
    if let Some(human) = &mut human {
        human.flush();
    }
    eprint!("{}", report::human::render_errors(&result));
    let exit = tally.exit_code(&result.errors, config.fail_on) as u8;
    let finished = main.finish(&result, &tally);
    let Some(file) = output.file else {
        // A closed pipe (`locksmith ... | head`) is not an error worth reporting.
        let _ = finished.write_to(&mut stdout);
        let _ = stdout.flush();
        return exit;
    };
    let written = std::fs::File::create(&file).and_then(|f| {
        let mut writer = std::io::BufWriter::new(f);
        finished.write_to(&mut writer)?;
        writer.flush()
    });
    if let Err(e) = written {
        eprintln!("error: {}: cannot write the report: {e}", file.display());
        return 2;
    }
    if let Some(human) = human {
        let _ = human.finish(&result, &tally).write_to(&mut stdout);
    }
    let _ = stdout.flush();
    exit
}

/// The size from which a file's findings are handed on as they are final
/// ([`config::Config::hand_on_at`]): 4 MiB, or `LOCKSMITH_HAND_ON_AT` bytes (the tests
/// hand on every file's, to compare the output with the whole report's).
fn hand_on_at() -> usize {
    std::env::var("LOCKSMITH_HAND_ON_AT")
        .ok()
        .and_then(|bytes| bytes.parse().ok())
        .unwrap_or(4 << 20)
}

/// The paths given, or `.` in an Alembic project (borrowed: a file list may be thousands).
pub(crate) fn default_paths(paths: &[String]) -> Result<Cow<'_, [String]>, String> {
    if !paths.is_empty() {
        return Ok(Cow::Borrowed(paths));
    }
    if std::path::Path::new("alembic.ini").is_file() {
        Ok(Cow::Owned(vec![".".into()]))
    } else {
        Err("no PATH given and no alembic.ini in the current directory; pass migration files or directories (`-` for stdin)".into())
    }
}

/// `--changed-since`: the changed files' reports. Graph findings (multiple heads, a broken
/// revision) are kept wherever they are attached: a new revision file can break the graph
/// at an old one, and that is the pull request's doing.
fn keep_changed(files: &mut Vec<FileReport>, changed: &ChangedFiles) {
    files.retain_mut(|file| {
        let name = &file.source.name;
        if name == "<stdin>" || changed.contains(Path::new(name)) {
            return true;
        }
        file.findings
            .retain(|f| matches!(f.rule.check, Check::Graph(_)));
        // Kept only to carry graph findings: its statements were not reported on.
        file.statements.clear();
        file.unparsable_statements = 0;
        !file.findings.is_empty()
    });
}

/// `--write-baseline`: every finding of the run, recorded. Not written when an input could
/// not be read (or lint.yaml is bad): the baseline would silently miss their findings.
fn write_baseline(path: &Path, result: &run::RunResult) -> u8 {
    eprint!("{}", report::human::render_errors(result));
    if !result.errors.is_empty() {
        eprintln!(
            "error: {}: baseline not written, since not every input could be linted",
            path.display()
        );
        return 2;
    }
    match baseline::write(path, &result.files) {
        Ok(count) => {
            eprintln!(
                "wrote {count} finding{} to the baseline {}",
                if count == 1 { "" } else { "s" },
                path.display()
            );
            0
        }
        Err(error) => {
            eprint!("{}", report::human::input_errors("error", &[error]));
            2
        }
    }
}
