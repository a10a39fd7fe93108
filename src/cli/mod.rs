//! The command line: arguments (clap), configuration loading, colors and output; one
//! file per command. The only code that knows about processes, exit codes and terminals,
//! apart from `trace`'s database connection.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use locksmith::config::{self, Config};
use locksmith::source::InputError;

mod check_downgrade;
mod explain;
mod lint;
mod rules;
mod schema;
mod sql;
mod trace;

/// Migration-safety linter and SQL previewer for PostgreSQL.
///
/// Exit codes: 0 no findings at or above the failure threshold, 1 findings at or above
/// it, 2 usage, configuration or I/O error.
#[derive(Parser)]
#[command(name = "locksmith", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint migrations: .sql files and directories, Alembic projects and revision files.
    Lint {
        /// Files or directories (.sql, or an Alembic project: a directory with alembic.ini or
        /// pyproject.toml, a versions/ directory, revision .py files); `-` reads SQL from
        /// standard input [default: the current directory, when it holds alembic.ini].
        paths: Vec<String>,
        /// Alembic: also lint each revision's downgrade().
        #[arg(long)]
        downgrade: bool,
        /// Alembic: `static` renders revisions without running them (default); `alembic` RUNS
        /// your project's `alembic upgrade heads --sql` (its env.py and revisions) and lints
        /// what it prints, for revisions that cannot be rendered statically.
        #[arg(long, value_enum)]
        render: Option<RenderChoice>,
        #[command(flatten)]
        common: Common,
        #[arg(long, value_enum, default_value = "human")]
        format: LintFormat,
        /// Exit 1 when a finding at or above this severity is reported [default: error, or lint.yaml's fail_on].
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
        /// Write the report (in --format) to FILE; the terminal still gets the human output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        narrow: lint::Narrow,
    },
    /// Show the locks each statement takes, what they block, rewrite/scan and transaction rules.
    Explain {
        /// SQL text, a file, or - for standard input.
        sql: String,
        #[command(flatten)]
        common: Common,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Preview the SQL a deploy will run, in migration order, optionally annotated with locks.
    ///
    /// A directory of .sql migrations is read in its tool's order (Flyway V/U/R files,
    /// golang-migrate .up/.down.sql, dbmate -- migrate:up/down sections, timestamps),
    /// each file headed by a comment with its name.
    Sql {
        /// Migration directories or files [default: the current directory].
        paths: Vec<String>,
        /// Preview the downgrade (down files and sections, newest first).
        #[arg(long)]
        downgrade: bool,
        /// Alembic: the revision to start from: an id or unique prefix, `base`, `heads`, a
        /// branch label, `label@head`, `X+N`/`X-N` [default: base, or heads with --downgrade].
        #[arg(long, allow_hyphen_values = true)]
        from: Option<String>,
        /// Alembic: the revision to end at [default: heads, or base with --downgrade].
        #[arg(long, allow_hyphen_values = true)]
        to: Option<String>,
        /// Put a comment with the lock facts and findings above every statement.
        #[arg(long)]
        annotate: bool,
        #[arg(long, value_enum, default_value = "sql")]
        format: SqlFormat,
        #[command(flatten)]
        common: Common,
    },
    /// List all rules with their default severity.
    Rules {
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Print a rule's documentation.
    Rule {
        /// A rule id, as listed by `locksmith rules`.
        id: String,
    },
    Trace(trace::TraceArgs),
    /// The schema the migrations build (replayed offline), as SQL DDL or JSON.
    Schema {
        paths: Vec<String>,
        /// A revision (Alembic spec) or migration file name (start of it) to stop at.
        #[arg(long, allow_hyphen_values = true)]
        at: Option<String>,
        #[arg(long, value_enum, default_value = "sql")]
        format: SchemaFormat,
        #[command(flatten)]
        common: Common,
    },
    /// Checks that every migration's downgrade restores the schema its upgrade started from.
    ///
    /// Offline by default: the round trip is replayed on the schema model. With
    /// --database-url it is also run on that database (which must be an empty, disposable
    /// scratch database): for each migration in order, pg_dump --schema-only, upgrade,
    /// dump, downgrade, dump compared with the one before the upgrade, upgrade again. A
    /// `downgrade-not-reversible` finding then says whether the live check confirmed it,
    /// and what only the live check found is reported as findings of the same rule.
    CheckDowngrade {
        paths: Vec<String>,
        #[command(flatten)]
        live: check_downgrade::Live,
        #[command(flatten)]
        common: Common,
        #[arg(long, value_enum, default_value = "human")]
        format: LintFormat,
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum SchemaFormat {
    Sql,
    Json,
}

#[derive(clap::Args)]
pub(crate) struct Common {
    /// Configuration file [default: lint.yaml in the current directory or a parent].
    #[arg(long)]
    pub(crate) config: Option<PathBuf>,
    /// Target PostgreSQL major version (10 to 18) [default: 15, or lint.yaml's postgres_version].
    #[arg(long)]
    pub(crate) postgres_version: Option<u32>,
    /// Treat each file as running inside one transaction (as many migration runners do).
    #[arg(long)]
    pub(crate) assume_in_transaction: bool,
    /// When to use colors in human output.
    #[arg(long, value_enum, default_value = "auto")]
    pub(crate) color: Color,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    Human,
    Json,
}

/// Output formats of `lint`.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum LintFormat {
    /// miette diagnostics for people (colors on a terminal unless NO_COLOR is set)
    Human,
    /// stable JSON, schema_version 1 (see README)
    Json,
    /// GitHub Actions workflow commands: annotations on the pull request
    Github,
    /// SARIF 2.1.0 for code scanning
    Sarif,
    /// a pull-request comment: counts, a table of findings, help collapsed
    Markdown,
    /// GitLab Code Quality JSON (fingerprints stable across runs and line shifts)
    Gitlab,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum RenderChoice {
    Static,
    Alembic,
}

/// Output formats of `sql`.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum SqlFormat {
    /// the SQL itself (syntax-highlighted on a terminal)
    Sql,
    /// a summary for a pull-request comment: per migration, a table of statements and locks
    Markdown,
    /// the statements as data: per migration, each statement's SQL, locks, findings and
    /// whether it was rendered approximately (stable schema, see the README)
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum Color {
    Auto,
    Always,
    Never,
}

/// Runs the command line; returns the exit code.
pub fn main() -> u8 {
    locksmith::stack::init_workers();
    let cli = Cli::parse();
    match cli.command {
        Command::Lint {
            paths,
            downgrade,
            render,
            common,
            format,
            fail_on,
            output,
            narrow,
        } => lint::run(
            &paths,
            &common,
            lint::Output {
                format,
                file: output,
            },
            fail_on,
            downgrade,
            render,
            &narrow,
        ),
        Command::Explain {
            sql,
            common,
            format,
        } => explain::run(&sql, &common, format),
        Command::Sql {
            paths,
            downgrade,
            from,
            to,
            annotate,
            format,
            common,
        } => {
            let range = locksmith::alembic::offline::RevisionRange {
                from,
                to,
                downgrade,
            };
            sql::run(&paths, &range, annotate, format, &common)
        }
        Command::Rules { format } => rules::list(format),
        Command::Rule { id } => rules::show(&id),
        Command::Trace(args) => trace::run(&args),
        Command::Schema {
            paths,
            at,
            format,
            common,
        } => schema::run(&paths, at.as_deref(), format, &common),
        Command::CheckDowngrade {
            paths,
            live,
            common,
            format,
            fail_on,
            output,
        } => check_downgrade::run(
            &paths,
            &live,
            &common,
            lint::Output {
                format,
                file: output,
            },
            fail_on,
        ),
    }
}

/// The configuration with the command-line flags applied. A bad configuration file does
/// not stop the run: it is returned as an input error (exit code 2) and the defaults are
/// used, so readable inputs are still checked. A bad flag is a usage error.
pub(crate) fn load_config(common: &Common) -> Result<(Config, Option<InputError>), String> {
    let (mut config, error) = read_config(common.config.as_deref());
    if let Some(version) = common.postgres_version {
        config.postgres_version = config::check_version(version)?;
    }
    if common.assume_in_transaction {
        config.assume_in_transaction = true;
    }
    Ok((config, error))
}

/// `path`, or lint.yaml in the current directory or a parent; the defaults when there is
/// none or it is invalid (then with the error).
pub(crate) fn read_config(path: Option<&Path>) -> (Config, Option<InputError>) {
    let path = match path {
        Some(path) => Some(path.to_path_buf()),
        None => std::env::current_dir()
            .ok()
            .and_then(|dir| Config::discover(&dir))
            .map(|(path, note)| {
                if let Some(note) = note {
                    eprintln!("note: {note}");
                }
                path
            }),
    };
    match path.map(|path| Config::load(&path)) {
        None => (Config::default(), None),
        Some(Ok(config)) => (config, None),
        Some(Err(e)) => (
            Config::default(),
            Some(InputError {
                file: e.file,
                line: e.line,
                message: e.message,
            }),
        ),
    }
}

pub(crate) fn use_color(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

pub(crate) fn print(text: &str) {
    // A closed pipe (`locksmith ... | head`) is not an error worth a panic.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// The width human output wraps at: `COLUMNS`, else 100.
pub(crate) fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}
