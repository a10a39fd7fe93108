//! `locksmith trace` on the command line: arguments, inputs, connection, output, exit code.

use std::io::Write;
use std::path::PathBuf;

use locksmith::config::Config;
use locksmith::discover;
use locksmith::facts::lock_model::{MAX_VERSION, MIN_VERSION};
use locksmith::report;
use locksmith::run;
use locksmith::trace::{Options, Timeout, TraceReport, db, sql_file, trace_file};

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
    /// Files or directories of .sql migrations; `-` reads SQL from standard input.
    #[arg(required = true)]
    pub paths: Vec<String>,
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
    let config = match load_config(args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let (inputs, discover_errors) = discover::discover(&args.paths, &|p| config.is_excluded(p));
    let mut input_errors: Vec<(String, String)> = discover_errors
        .into_iter()
        .map(|e| (e.path, e.message))
        .collect();
    let mut files = Vec::new();
    for input in &inputs {
        match run::read_input(input) {
            Ok(source) => files.push(sql_file(source)),
            Err(e) => {
                let file = match e.line {
                    Some(line) => format!("{}:{line}", e.file),
                    None => e.file,
                };
                input_errors.push((file, e.message));
            }
        }
    }

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
        options,
        files: Vec::new(),
        input_errors,
    };
    for file in files {
        let name = file.source.name.clone();
        let traced = db::Session::begin(&mut client).and_then(|mut session| {
            let traced = trace_file(&mut session, file, &options);
            // Roll back also when tracing stopped half-way.
            let rolled_back = session.rollback();
            let traced = traced?;
            rolled_back?;
            Ok(traced)
        });
        match traced {
            Ok(traced) => report.files.push(traced),
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

fn load_config(args: &TraceArgs) -> Result<Config, String> {
    let path = match &args.config {
        Some(path) => Some(path.clone()),
        None => std::env::current_dir()
            .ok()
            .and_then(|dir| Config::discover(&dir)),
    };
    match path {
        Some(path) => Config::load(&path).map_err(|e| e.to_string()),
        None => Ok(Config::default()),
    }
}
