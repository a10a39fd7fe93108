//! Split SQL into statements with exact byte spans and parse each once with the real
//! PostgreSQL parser (libpg_query). A statement that does not parse becomes a
//! [`SyntaxError`]; the statements around it are still returned.

use std::ops::Range;

use pg_query::NodeEnum;

/// One statement of the input. `span` covers the statement's text without the leading
/// comments/whitespace and without the terminating semicolon.
#[derive(Debug, Clone)]
pub struct Statement {
    pub span: Range<usize>,
    pub node: NodeEnum,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset of the token the parser stopped at.
    pub offset: usize,
    /// The statement (or the rest of the input) that failed to parse.
    pub span: Range<usize>,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Parsed {
    pub statements: Vec<Statement>,
    pub errors: Vec<SyntaxError>,
}

pub fn parse_sql(sql: &str) -> Parsed {
    if let Some(nul) = sql.find('\0') {
        // libpg_query takes C strings; a NUL byte would silently truncate the input.
        let mut parsed = parse_sql(&sql[..nul]);
        parsed.errors.push(SyntaxError {
            offset: nul,
            span: nul..sql.len(),
            message: "NUL byte in SQL text; the rest of the input was not parsed".into(),
        });
        return parsed;
    }
    let mut parsed = Parsed::default();
    match pg_query::parse(sql, pg_query::ParserOptions::DEFAULT) {
        Ok(result) => collect_statements(sql, 0..sql.len(), result, &mut parsed),
        Err(_) => parse_piecewise(sql, &mut parsed),
    }
    parsed
}

/// The whole input failed to parse: split it with the scanner (which tolerates bad
/// statements) and parse each piece on its own, so one bad statement costs only itself.
fn parse_piecewise(sql: &str, parsed: &mut Parsed) {
    let pieces = match pg_query::split_with_scanner(sql) {
        Ok(pieces) => pieces,
        Err(_) => {
            // The scanner itself failed (an unterminated string, quoted identifier, dollar
            // quote or comment): nothing after that token can be split. Keep the statements
            // before the one it starts in, and report the error at the token.
            let error = error_at(sql, 0..sql.len());
            let prefix = &sql[..error.offset];
            if let Ok(mut before) = pg_query::split_with_scanner(prefix) {
                before.pop(); // the statement the bad token is in
                if let Some(last) = before.last() {
                    let end = last.as_ptr() as usize - sql.as_ptr() as usize + last.len();
                    parse_piecewise(&sql[..end], parsed);
                }
            }
            parsed.errors.push(error);
            return;
        }
    };
    for piece in pieces {
        let start = piece.as_ptr() as usize - sql.as_ptr() as usize;
        let piece_span = start..start + piece.len();
        match pg_query::parse(piece, pg_query::ParserOptions::DEFAULT) {
            Ok(result) => collect_statements(sql, piece_span.clone(), result, parsed),
            Err(_) => parsed.errors.push(error_at(sql, piece_span)),
        }
    }
    if parsed.statements.is_empty() && parsed.errors.is_empty() {
        parsed.errors.push(error_at(sql, 0..sql.len()));
    }
}

/// `within` is the part of `sql` that was parsed; statement locations are relative to it.
fn collect_statements(
    sql: &str,
    within: Range<usize>,
    result: pg_query::ParseResult,
    parsed: &mut Parsed,
) {
    for raw in result.protobuf.stmts {
        let start = (within.start + raw.stmt_location.max(0) as usize).min(within.end);
        // A length of 0 means "to the end of the parsed text".
        let end = if raw.stmt_len == 0 {
            within.end
        } else {
            (start + raw.stmt_len as usize).min(within.end)
        };
        let Some(node) = raw.stmt.and_then(|n| n.node) else {
            continue;
        };
        parsed.statements.push(Statement {
            span: trim_span(sql, start..end),
            node,
        });
    }
}

fn error_at(sql: &str, span: Range<usize>) -> SyntaxError {
    let text = &sql[span.clone()];
    let (message, cursor) = ffi::parse_error(text);
    // The parser reports a 1-based character position inside `text`.
    let offset = match cursor {
        Some(pos) if pos > 0 => text
            .char_indices()
            .nth(pos - 1)
            .map_or(text.len(), |(i, _)| i),
        _ => trim_span(sql, span.clone()).start - span.start,
    };
    SyntaxError {
        offset: span.start + offset.min(text.len()),
        span: trim_span(sql, span),
        message,
    }
}

/// The statements of `sql` (split by PostgreSQL's scanner) by their fingerprint: equal
/// for statements that differ only in whitespace, comments, quoting or constants.
/// Statements that do not parse are left out.
pub fn fingerprints(sql: &str) -> Vec<u64> {
    let options = pg_query::FingerprintOptions::FULL_RELNAME;
    let pieces = pg_query::split_with_scanner(sql).unwrap_or_default();
    pieces
        .into_iter()
        .filter_map(|piece| {
            pg_query::fingerprint(piece, pg_query::ParserOptions::DEFAULT, options).ok()
        })
        .map(|fingerprint| fingerprint.value)
        .collect()
}

/// Narrows a span to the statement proper: drops leading whitespace and comments, and
/// trailing whitespace, semicolons and comments.
pub fn trim_span(sql: &str, span: Range<usize>) -> Range<usize> {
    let bytes = sql.as_bytes();
    let mut start = span.start;
    let end = span.end;
    loop {
        while start < end && bytes[start].is_ascii_whitespace() {
            start += 1;
        }
        if sql[start..end].starts_with("--") {
            start = sql[start..end].find('\n').map_or(end, |i| start + i + 1);
        } else if sql[start..end].starts_with("/*") {
            start = skip_block_comment(sql, start, end);
        } else {
            break;
        }
    }
    let mut trimmed_end = end;
    while trimmed_end > start
        && (bytes[trimmed_end - 1].is_ascii_whitespace() || bytes[trimmed_end - 1] == b';')
    {
        trimmed_end -= 1;
    }
    start..trimmed_end.max(start)
}

/// Block comments nest in PostgreSQL.
fn skip_block_comment(sql: &str, start: usize, end: usize) -> usize {
    let bytes = sql.as_bytes();
    let (mut depth, mut i) = (0usize, start);
    while i + 1 < end {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    end
}

/// The `pg_query` crate drops the parser's cursor position from its errors; this asks
/// libpg_query (already linked through that crate) directly, on the error path only.
mod ffi {
    use std::ffi::{CStr, CString, c_char, c_int};

    #[repr(C)]
    struct PgQueryError {
        message: *mut c_char,
        funcname: *mut c_char,
        filename: *mut c_char,
        lineno: c_int,
        cursorpos: c_int,
        context: *mut c_char,
    }

    #[repr(C)]
    struct PgQueryParseResult {
        parse_tree: *mut c_char,
        stderr_buffer: *mut c_char,
        error: *mut PgQueryError,
    }

    unsafe extern "C" {
        fn pg_query_parse(input: *const c_char) -> PgQueryParseResult;
        fn pg_query_free_parse_result(result: PgQueryParseResult);
    }

    /// The parser's message and 1-based character cursor for `sql`, which must fail to parse.
    pub fn parse_error(sql: &str) -> (String, Option<usize>) {
        let Ok(input) = CString::new(sql) else {
            return ("NUL byte in SQL text".into(), None);
        };
        // SAFETY: `input` is a valid NUL-terminated string that outlives the call; the
        // result is only read before being handed back to libpg_query's own free function.
        unsafe {
            let result = pg_query_parse(input.as_ptr());
            let answer = if result.error.is_null() {
                ("statement could not be parsed".to_string(), None)
            } else {
                let error = &*result.error;
                let message = CStr::from_ptr(error.message).to_string_lossy().into_owned();
                let cursor = usize::try_from(error.cursorpos).ok().filter(|&c| c > 0);
                (message, cursor)
            };
            pg_query_free_parse_result(result);
            answer
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<&str> {
        parse_sql(sql)
            .statements
            .iter()
            .map(|s| &sql[s.span.clone()])
            .collect()
    }

    #[test]
    fn spans_skip_comments_and_semicolons() {
        let sql = "-- head\nSELECT 1;\n\n/* a /* nested */ b */ SELECT ';' ;\nSELECT $$ ; $$";
        assert_eq!(texts(sql), vec!["SELECT 1", "SELECT ';'", "SELECT $$ ; $$"]);
    }

    #[test]
    fn function_bodies_stay_whole() {
        let sql = "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; SELECT 2 $body$;\nSELECT 3;";
        let t = texts(sql);
        assert_eq!(t.len(), 2);
        assert!(t[0].ends_with("$body$"));
    }

    #[test]
    fn a_bad_statement_does_not_hide_the_others() {
        let sql = "SELECT 1;\nALTER TABLEE t ADD COLUMN x int;\nSELECT 2;";
        let parsed = parse_sql(sql);
        assert_eq!(parsed.statements.len(), 2);
        assert_eq!(&sql[parsed.statements[0].span.clone()], "SELECT 1");
        assert_eq!(&sql[parsed.statements[1].span.clone()], "SELECT 2");
        assert_eq!(parsed.errors.len(), 1);
        let err = &parsed.errors[0];
        assert_eq!(&sql[err.offset..err.offset + 7], "TABLEE ");
        assert!(err.message.contains("syntax error"), "{}", err.message);
    }

    #[test]
    fn cursor_counts_characters_not_bytes() {
        let sql = "SELECT 'é' FROMM t";
        let err = &parse_sql(sql).errors[0];
        assert_eq!(&sql[err.offset..], "t");
    }

    #[test]
    fn nul_bytes_and_unterminated_strings_are_errors_not_panics() {
        assert_eq!(parse_sql("SELECT 1;\0SELECT 2").errors.len(), 1);
        let parsed = parse_sql("SELECT 1; SELECT 2; SELECT 'open");
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(
            parsed.statements.len(),
            2,
            "statements before the unterminated string are kept"
        );
        assert_eq!(parsed.errors[0].offset, 27);
    }
}
