//! The transaction a migration tool runs a file in: what the caller knows (a section of a
//! file, linted apart), else a convention of the file's name or text
//! ([`SourceFile::runner_transaction`]), else Flyway's rule, read from its statements.

use crate::config::Config;
use crate::convention::{self, RunnerTransaction};
use crate::parse::split;
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
}

/// The transaction Flyway runs a file in, when Flyway would run it (its name says so):
/// from its statements and its `<migration>.sql.conf` ([`convention::flyway_transaction`]).
fn flyway(source: &SourceFile, config: &Config) -> Option<RunnerTransaction> {
    if source.language != Language::Sql || !crate::order::is_flyway(&source.name) {
        return None;
    }
    let start = (source.text.strip_prefix('\u{feff}')).map_or(0, |_| '\u{feff}'.len_utf8());
    let chunks = split::split(&source.text, start);
    let statements = (chunks.iter())
        .filter(|chunk| chunk.kind == split::ChunkKind::Sql)
        .map(|chunk| &source.text[chunk.span.clone()])
        .filter(|text| !split::is_blank(text));
    let conf = std::fs::read_to_string(format!("{}.conf", source.name)).ok();
    let version = config.postgres_version;
    Some(convention::flyway_transaction(
        statements,
        conf.as_deref(),
        version,
    ))
}
