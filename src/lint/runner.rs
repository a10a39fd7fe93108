//! The transaction a migration tool runs a file in: what the caller knows (a section of a
//! file, linted apart), else a convention of the file's name or text
//! ([`SourceFile::runner_transaction`]), else Flyway's rule, read from its statements, else
//! a tool's one query string (golang-migrate's, or the configuration's runner).

use crate::config::Config;
use crate::convention::{self, RunnerTransaction};
use crate::source::{Language, SourceFile};

use super::Session;

/// The transaction `source` (its down sections, with `down`) runs in; `None` when no tool
/// says and the configuration decides (`assume_in_transaction`).
pub(super) fn transaction(
    source: &SourceFile,
    session: &Session,
    config: &Config,
    down: bool,
) -> Option<RunnerTransaction> {
    (session.runner_transaction)
        .or_else(|| source.runner_transaction(down))
        .or_else(|| flyway(source, config))
        .or_else(|| one_query(source, config))
}

/// The transaction a file runs in when its tool sends it whole, as one query string:
/// golang-migrate (its name is golang-migrate's, and migrate does not run with
/// `x-multi-statement=true`, which `golang_migrate_multi_statement` would say), or the
/// runner the configuration describes (`single_statement_autocommit` with
/// `assume_in_transaction`: Prisma Migrate).
fn one_query(source: &SourceFile, config: &Config) -> Option<RunnerTransaction> {
    if source.language != Language::Sql {
        return None;
    }
    let golang = crate::order::is_golang_migrate(&source.name);
    let configured = config.assume_in_transaction && config.single_statement_autocommit;
    let tool = match (golang && !config.golang_migrate_multi_statement, configured) {
        (true, _) => convention::GOLANG_MIGRATE,
        (false, true) => convention::ONE_QUERY_RUNNER,
        (false, false) => return None,
    };
    // A psql script (meta-commands) is run by psql, a statement at a time.
    let statements = crate::parse::one_query_statements(&source.text)?;
    Some(convention::one_query_transaction(statements, tool))
}

/// The transaction Flyway runs a file in, when Flyway would run it (its name says so):
/// from its statements and its `<migration>.sql.conf` ([`convention::flyway_transaction`]).
/// The statements are split out of the text, not parsed: the lint parses them later, a
/// batch at a time, and the transaction must be known before the first.
fn flyway(source: &SourceFile, config: &Config) -> Option<RunnerTransaction> {
    if source.language != Language::Sql || !crate::order::is_flyway(&source.name) {
        return None;
    }
    let statements = crate::parse::statement_texts(&source.text);
    let conf = std::fs::read_to_string(format!("{}.conf", source.name)).ok();
    let version = config.postgres_version;
    Some(convention::flyway_transaction(
        statements,
        conf.as_deref(),
        version,
        config.flyway_mixed,
    ))
}
