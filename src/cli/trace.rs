//! `locksmith trace` on the command line: arguments, inputs, connection, output, exit code.

use std::io::Write;
use std::path::PathBuf;

use locksmith::alembic::offline::RevisionRange;
use locksmith::facts::lock_model::{MAX_VERSION, MIN_VERSION};
use locksmith::report;
use locksmith::run::{self, LoadedInput};
use locksmith::source::InputError;
use locksmith::trace::{
    Options, Timeout, TraceFile, TraceReport, alembic, db, sql_file, trace_file,
};

/// Run migrations against a staging or scratch database and report the locks each
/// statement really takes, beside the lock model's prediction.
///
/// Each file runs inside ONE transaction that is ALWAYS ROLLED BACK: trace never commits.
/// It still executes your statements for real (rewrites, index builds, row updates), holds
/// their locks until the rollback, and advances sequences, so point it at a staging or
/// scratch database, never at production. Statements that cannot run inside a transaction
/// block (CREATE INDEX CONCURRENTLY, VACUUM, ...) are reported and not executed.
///
/// Exit codes: 0 every statement ran and agreed with the model, 1 a disagreement or a
/// statement that failed or does not parse, 2 usage, connection or I/O error.
#[derive(clap::Args, Debug)]
pub struct TraceArgs {
    /// Files or directories of .sql migrations, Alembic projects (a directory, alembic.ini)
    /// or revision files (each revision's rendered upgrade() SQL, in graph order, reported
    /// at the Python line of each op call); `-` reads SQL from standard input.
    #[arg(required = true)]
    pub paths: Vec<String>,
    /// Alembic: the revision to start from, as `locksmith sql --from` [default: every
    /// revision, in graph order].
    #[arg(long, allow_hyphen_values = true)]
    pub from: Option<String>,
    /// Alembic: the revision to end at, as `locksmith sql --to`.
    #[arg(long, allow_hyphen_values = true)]
    pub to: Option<String>,
    /// Alembic: trace the downgrade() functions of the range, newest first (the database
    /// must have the schema the range's upgrades create). .sql files are traced as named.
    #[arg(long)]
    pub downgrade: bool,
    /// The database to trace against, e.g. postgresql://user:password@host:5432/staging or
    /// "host=/run/postgresql dbname=scratch". Required: no environment variable is read.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// SET LOCAL lock_timeout before each statement (ms, s, min, h).
    #[arg(long, default_value = "2s", value_parser = Timeout::parse)]
    pub lock_timeout: Timeout,
    /// SET LOCAL statement_timeout before each statement (ms, s, min, h).
    #[arg(long, default_value = "30s", value_parser = Timeout::parse)]
    pub statement_timeout: Timeout,
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Configuration file, for its `exclude` patterns [default: lint.yaml in the current
    /// directory or a parent].
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Format {
    Human,
    /// stable JSON (see README, `locksmith trace`)
    Json,
}

pub fn run(args: &TraceArgs) -> u8 {
    let Some(url) = args
        .database_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
    else {
        eprintln!(
            "error: trace needs --database-url URL (a staging or scratch database; no \
             environment variable is read). It runs every statement in a transaction that \
             is rolled back, but the statements do run there."
        );
        return 2;
    };
    let (config, config_error) = super::read_config(args.config.as_deref());
    let loaded = run::load_inputs(&args.paths, &config);
    let range = RevisionRange {
        from: args.from.clone(),
        to: args.to.clone(),
        downgrade: args.downgrade,
    };
    let mut errors: Vec<InputError> = config_error.into_iter().chain(loaded.errors).collect();
    let mut groups: Vec<Vec<TraceFile>> = Vec::new();
    for input in loaded.inputs {
        match input {
            LoadedInput::Sql(source) => groups.push(vec![sql_file(source)]),
            // A project's revisions in one transaction, in the order Alembic runs them: each
            // sees the tables the revisions before it created.
            LoadedInput::Alembic(project) => {
                let (files, range_errors) = alembic::revision_files(&project, &range);
                errors.extend(range_errors);
                if !files.is_empty() {
                    groups.push(files);
                }
            }
        }
    }
    let input_errors: Vec<(String, String)> = errors
        .into_iter()
        .map(|e| match e.line {
            Some(line) => (format!("{}:{line}", e.file), e.message),
            None => (e.file, e.message),
        })
        .collect();
    eprint!(
        "{}",
        report::human::input_errors("warning", &loaded.warnings)
    );

    let mut client = match db::connect(url) {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let (server_version, major) = match db::server_version(&mut client) {
        Ok(v) => v,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let tls = match db::encryption(&mut client) {
        Ok(tls) => tls,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let options = Options {
        lock_timeout: args.lock_timeout,
        statement_timeout: args.statement_timeout,
        model_version: major.clamp(MIN_VERSION, MAX_VERSION),
    };
    if options.model_version != major {
        eprintln!(
            "warning: the server is PostgreSQL {major}; comparing with the lock model for {}",
            options.model_version
        );
    }

    let mut report = TraceReport {
        server_version,
        tls,
        options,
        files: Vec::new(),
        input_errors,
    };
    for group in groups {
        let name = group
            .first()
            .map(|f| f.name().to_string())
            .unwrap_or_default();
        let traced = db::Session::begin(&mut client).and_then(|mut session| {
            let mut traced = Vec::new();
            let mut fatal = None;
            for file in group {
                match trace_file(&mut session, file, &options) {
                    Ok(file) => traced.push(file),
                    Err(error) => {
                        fatal = Some(error);
                        break;
                    }
                }
            }
            // Roll back also when tracing stopped half-way.
            let rolled_back = session.rollback();
            if let Some(fatal) = fatal {
                return Err(fatal);
            }
            rolled_back?;
            Ok(traced)
        });
        match traced {
            Ok(traced) => report.files.extend(traced),
            Err(fatal) => {
                // Whatever was traced so far is still worth showing.
                output(&report, args.format);
                eprintln!(
                    "error: {name}: {}; trace stopped (the transaction was not committed)",
                    fatal.0
                );
                return 2;
            }
        }
    }
    output(&report, args.format);
    for (file, message) in &report.input_errors {
        eprintln!("error: {file}: {message}");
    }
    report.exit_code()
}

fn output(report: &TraceReport, format: Format) {
    let text = match format {
        Format::Human => report::trace::render_human(report),
        Format::Json => report::trace::render_json(report),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
