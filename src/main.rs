use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use locksmith::config::{self, Config};
use locksmith::diagnostic::Severity;
use locksmith::discover::Input;
use locksmith::lint::lint_source;
use locksmith::report;
use locksmith::rules;
use locksmith::run;
use locksmith::source::SourceFile;

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
    Trace(locksmith::trace::cli::TraceArgs),
}

#[derive(clap::Args)]
struct Common {
    /// Configuration file [default: lint.yaml in the current directory or a parent].
    #[arg(long)]
    config: Option<PathBuf>,
    /// Target PostgreSQL major version (10 to 18) [default: 15, or lint.yaml's postgres_version].
    #[arg(long)]
    postgres_version: Option<u32>,
    /// Treat each file as running inside one transaction (as many migration runners do).
    #[arg(long)]
    assume_in_transaction: bool,
    /// When to use colors in human output.
    #[arg(long, value_enum, default_value = "auto")]
    color: Color,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
}

/// Output formats of `lint`.
#[derive(Clone, Copy, ValueEnum)]
enum LintFormat {
    /// miette diagnostics for people (colors on a terminal unless NO_COLOR is set)
    Human,
    /// stable JSON, schema_version 1 (see README)
    Json,
    /// GitHub Actions workflow commands: annotations on the pull request
    Github,
    /// SARIF 2.1.0 for code scanning
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
enum RenderChoice {
    Static,
    Alembic,
}

/// Output formats of `sql`.
#[derive(Clone, Copy, ValueEnum)]
enum SqlFormat {
    /// the SQL itself (syntax-highlighted on a terminal)
    Sql,
    /// a summary for a pull-request comment: per migration, a table of statements and locks
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Color {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Lint {
            paths,
            downgrade,
            render,
            common,
            format,
            fail_on,
        } => lint(&paths, &common, format, fail_on, downgrade, render),
        Command::Explain {
            sql,
            common,
            format,
        } => explain(&sql, &common, format),
        Command::Sql {
            paths,
            downgrade,
            from,
            to,
            annotate,
            format,
            common,
        } => {
            let range = locksmith::preview::alembic::Range {
                from,
                to,
                downgrade,
            };
            preview_sql(&paths, &range, annotate, format, &common)
        }
        Command::Rules { format } => list_rules(format),
        Command::Rule { id } => show_rule(&id),
        Command::Trace(args) => locksmith::trace::cli::run(&args),
    };
    ExitCode::from(code)
}

fn load_config(common: &Common) -> Result<Config, String> {
    let path = match &common.config {
        Some(path) => Some(path.clone()),
        None => std::env::current_dir()
            .ok()
            .and_then(|dir| Config::discover(&dir)),
    };
    let mut config = match path {
        Some(path) => Config::load(&path).map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    if let Some(version) = common.postgres_version {
        config.postgres_version = config::check_version(version)?;
    }
    if common.assume_in_transaction {
        config.assume_in_transaction = true;
    }
    Ok(config)
}

fn use_color(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

fn print(text: &str) {
    // A closed pipe (`locksmith ... | head`) is not an error worth a panic.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn lint(
    paths: &[String],
    common: &Common,
    format: LintFormat,
    fail_on: Option<FailOn>,
    downgrade: bool,
    render: Option<RenderChoice>,
) -> u8 {
    let mut config = match load_config(common) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    if downgrade {
        config.downgrade = true;
    }
    match render {
        Some(RenderChoice::Static) => config.render = config::Render::Static,
        Some(RenderChoice::Alembic) => config.render = config::Render::Alembic,
        None => {}
    }
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
    let result = run::lint_paths(&paths, &config);
    eprint!("{}", report::human::render_errors(&result));
    match format {
        LintFormat::Human => {
            let style = report::human::Style {
                color: use_color(common.color),
                width: terminal_width(),
            };
            print(&report::human::render(&result, &style));
        }
        LintFormat::Json => print(&report::json::render(&result)),
        LintFormat::Github => print(&report::github::render(&result)),
        LintFormat::Sarif => print(&report::sarif::render(&result)),
    }
    result.exit_code(config.fail_on) as u8
}

/// With no PATH, the Alembic project in the current directory.
fn default_paths(paths: &[String]) -> Result<Vec<String>, String> {
    if !paths.is_empty() {
        return Ok(paths.to_vec());
    }
    if std::path::Path::new("alembic.ini").is_file() {
        Ok(vec![".".into()])
    } else {
        Err("no PATH given and no alembic.ini in the current directory; pass migration files or directories (`-` for stdin)".into())
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

fn explain(sql: &str, common: &Common, format: Format) -> u8 {
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
    let file = lint_source(source, &config);
    match format {
        Format::Human => print(&report::explain::render_human(&file)),
        Format::Json => print(&report::explain::render_json(
            &file,
            config.postgres_version,
        )),
    }
    let has_syntax_error = file
        .findings
        .iter()
        .any(|f| f.rule == rules::SYNTAX_ERROR.id);
    if has_syntax_error { 1 } else { 0 }
}

fn preview_sql(
    paths: &[String],
    range: &locksmith::preview::alembic::Range,
    annotate: bool,
    format: SqlFormat,
    common: &Common,
) -> u8 {
    let config = match load_config(common) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let paths = match default_paths(paths) {
        Ok(paths) => paths,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let preview = locksmith::preview::sql_preview(&paths, range, &config);
    for error in &preview.errors {
        match error.line {
            Some(line) => eprintln!("error: {}:{line}: {}", error.file, error.message),
            None => eprintln!("error: {}: {}", error.file, error.message),
        }
    }
    match format {
        SqlFormat::Sql => {
            let style = report::preview::PreviewStyle {
                annotate,
                color: use_color(common.color),
            };
            print(&report::preview::render(&preview.units, style));
        }
        SqlFormat::Markdown => print(&report::markdown::render(&preview.units)),
    }
    if preview.errors.is_empty() { 0 } else { 2 }
}

fn list_rules(format: Format) -> u8 {
    match format {
        Format::Human => print(&rules_table()),
        Format::Json => {
            let list: Vec<_> = rules::ALL
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id,
                        "severity": r.severity,
                        "category": r.category,
                        "summary": r.summary,
                        "doc": format!("rules/{}.md", r.id),
                    })
                })
                .collect();
            print(&format!(
                "{}\n",
                serde_json::to_string_pretty(&list).unwrap_or_default()
            ));
        }
    }
    0
}

fn rules_table() -> String {
    let width = rules::ALL.iter().map(|r| r.id.len()).max().unwrap_or(0);
    rules::ALL
        .iter()
        .map(|r| format!("{:width$}  {:7}  {}\n", r.id, r.severity.name(), r.summary))
        .collect()
}

fn show_rule(id: &str) -> u8 {
    match rules::doc(id) {
        Some(doc) => {
            print(doc);
            0
        }
        None => {
            eprintln!("error: {}", config::unknown_rule_message(id));
            2
        }
    }
}
