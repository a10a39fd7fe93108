//! The statements of a text without parsing them, as the splitter cuts them: what a
//! migration tool that matches or counts statements by their text sees (Flyway's
//! transaction patterns, a one-query-string runner's statement count).

use super::split::{self, ChunkKind};
use super::{text_start, trim_span};

/// The text of each SQL statement, as the splitter cuts it and without its leading
/// comments or trailing semicolon ([`trim_span`]); psql meta-commands and COPY data left
/// out. Nothing is parsed.
pub fn statement_texts(sql: &str) -> impl Iterator<Item = &str> {
    (split::split(sql, text_start(sql)).into_iter())
        .filter(|chunk| chunk.kind == ChunkKind::Sql)
        .map(|chunk| trim_span(sql, chunk.span))
        .filter(|span| !span.is_empty())
        .map(|span| &sql[span])
}

/// The statements of a text a tool sends whole, as one query string (golang-migrate); `None`
/// for a psql script (meta-commands, `COPY ... FROM stdin` data), which psql sends a
/// statement at a time. Nothing is parsed.
pub fn one_query_statements(sql: &str) -> Option<usize> {
    let mut statements = 0;
    for chunk in split::split(sql, text_start(sql)) {
        match chunk.kind {
            ChunkKind::Sql => statements += usize::from(!trim_span(sql, chunk.span).is_empty()),
            ChunkKind::MetaCommand | ChunkKind::CopyData => return None,
        }
    }
    Some(statements)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_texts_start_at_the_first_word() {
        let sql = "\u{FEFF}-- the index\n/* x */ CREATE INDEX CONCURRENTLY i ON t (c);\n\
                   \\set x 1\nVACUUM t;\n-- only a comment\n;";
        assert_eq!(
            statement_texts(sql).collect::<Vec<_>>(),
            ["CREATE INDEX CONCURRENTLY i ON t (c)", "VACUUM t"]
        );
    }

    #[test]
    fn one_query_statements_are_counted_unless_psql_runs_the_text() {
        let sql = "\u{FEFF}-- the index\nCREATE INDEX i ON t (c);\n-- only a comment\n;VACUUM t";
        assert_eq!(one_query_statements(sql), Some(2));
        assert_eq!(one_query_statements("-- nothing\n"), Some(0));
        assert_eq!(one_query_statements("\\set x 1\nSELECT :x;"), None);
        assert_eq!(one_query_statements("COPY t FROM stdin;\n1\n\\.\n"), None);
    }
}
