//! Split SQL into statements with exact byte spans and parse each once with the real
//! PostgreSQL parser (libpg_query). Every byte of the input is accounted for: it is part
//! of a statement, of a [`SyntaxError`]'s span, of a skipped psql meta-command or `COPY`
//! data block, or whitespace, comments and semicolons between them ([`uncovered`] checks
//! this). A statement that does not parse costs only itself: [`split`] resynchronises at
//! the next `;`.

mod deparse;
#[cfg(direct_tree)]
mod direct;
pub mod ident;
pub mod plpgsql;
pub mod split;
pub mod template;
mod texts;

use std::ops::Range;

use pg_query::NodeEnum;

pub use deparse::{deparse, deparse_expression};
use split::ChunkKind;
pub use texts::{
    ColumnClause, ColumnClauseAt, column_clauses, one_query_statements, statement_texts,
    table_element_clause,
};

/// One statement of the input. `span` covers the statement's text without the leading
/// comments/whitespace and without the terminating semicolon.
#[derive(Debug, Clone)]
pub struct Statement {
    pub span: Range<usize>,
    pub node: NodeEnum,
    /// The statement's SQL when the source bytes at `span` are not exactly it: a statement
    /// inside a quoted string, whose doubled quotes were undone.
    pub text: Option<String>,
    /// Where the statement's text starts in the text the parser read, from which the
    /// tree's `location`s count: a location minus this is an offset in the statement's
    /// text. `None` when `text` is set (the tree counts in a text of its own).
    pub tree_offset: Option<usize>,
    /// What a PL/pgSQL `DO` block runs.
    pub body: Option<Box<plpgsql::Body>>,
    /// A PL/pgSQL function or procedure it creates, whose body is parsed where it is called.
    pub function: Option<Box<plpgsql::Unparsed>>,
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
    /// psql meta-command lines (`\set ...`), skipped: psql runs them, the server never sees them.
    pub meta_commands: Vec<Range<usize>>,
    /// The inline rows of `COPY ... FROM stdin` (through the `\.` line): data, not SQL.
    pub copy_data: Vec<Range<usize>>,
}

/// Editors on Windows start files with one; PostgreSQL would read it as part of a token.
const BYTE_ORDER_MARK: char = '\u{FEFF}';

/// Where the SQL of a text starts: after its byte order mark, if it has one.
fn text_start(sql: &str) -> usize {
    if sql.starts_with(BYTE_ORDER_MARK) {
        BYTE_ORDER_MARK.len_utf8()
    } else {
        0
    }
}

/// Stack for the thread that parses: reading a parse tree into Rust recurses once per
/// level, and libpg_query accepts trees up to 10,000 protobuf levels deep: decoding that
/// needed about 32 MB in a debug build, far more than a default thread's stack. Only the
/// pages used are ever committed.
const PARSER_STACK: usize = 256 << 20;

pub fn parse_sql(sql: &str) -> Parsed {
    crate::stack::with_stack(PARSER_STACK, || parse_here(sql)).unwrap_or_else(|_| parse_here(sql))
}

fn parse_here(sql: &str) -> Parsed {
    let mut parsed = Parsed::default();
    for batch in Batches::new(sql) {
        parsed.statements.extend(batch.statements);
        parsed.errors.extend(batch.errors);
        parsed.meta_commands.extend(batch.meta_commands);
        parsed.copy_data.extend(batch.copy_data);
    }
    parsed
}

/// The statements of `sql` that can change what a schema catalog models: `CREATE`,
/// `ALTER` and `DROP` (and `SET search_path`, which decides where an unqualified name
/// lives), but not the routines, triggers, rules and policies whose bodies are
/// much of a migration's text. The rest (data changes, grants, DO blocks, functions) is
/// skipped without being parsed, and syntax errors are not reported: what replaying a
/// history needs, which the lint parses and reports in full.
pub fn parse_schema_changes(sql: &str) -> Parsed {
    Parsed {
        statements: schema_change_batches(sql)
            .flat_map(|batch| batch.statements)
            .collect(),
        ..Parsed::default()
    }
}

/// [`parse_schema_changes`] a batch at a time: what a caller applies and drops as it goes
/// holds one batch's parse trees, not a whole file's.
pub fn schema_change_batches(sql: &str) -> Batches<'_> {
    Batches {
        keep: Some(is_schema_change),
        ..Batches::new(sql)
    }
}

/// What a CREATE makes that [`is_schema_change`] leaves out: objects the catalog does not
/// model.
const NOT_SCHEMA_OBJECTS: [&str; 10] = [
    "function",
    "procedure",
    "trigger",
    "constraint",
    "rule",
    "policy",
    "aggregate",
    "role",
    "user",
    "group",
];

/// Whether a statement's text (comments before it allowed) is one [`parse_schema_changes`]
/// keeps.
pub fn is_schema_change(text: &str) -> bool {
    // Called on every statement of every earlier file a directory's replay reads: the
    // words are compared where they are, not lower-cased into new strings.
    let mut first = [""; 4];
    let found = split::leading_words(text, &mut first);
    let words = &first[..found];
    let is = |i: usize, word: &str| words.get(i).is_some_and(|w| w.eq_ignore_ascii_case(word));
    if is(0, "create") {
        let what = if is(1, "or") && is(2, "replace") && words.len() == 4 {
            words[3]
        } else if words.len() >= 2 {
            words[1]
        } else {
            return false;
        };
        return !(NOT_SCHEMA_OBJECTS.iter()).any(|kind| what.eq_ignore_ascii_case(kind));
    }
    is(0, "alter")
        || is(0, "drop")
        || (is(0, "set") && is(1, "search_path"))
        || (is(0, "set") && (is(1, "session") || is(1, "local")) && is(2, "search_path"))
        || (is(0, "reset") && (is(1, "search_path") || is(1, "all")))
}

/// SQL parsed per batch, at most (unless one statement is longer): the parser's trees
/// take many times the text's size, so a huge file is parsed a bounded slice at a time,
/// each batch's trees dropped before the next is parsed. About five batches' trees are
/// alive at once ([`ahead`]: two handed on, one linted, one being parsed, those sent back
/// to be freed): 64 KiB batches held 17 MB of trees, 12 MiB more peak RSS on a 10 MiB
/// file than 16 KiB ones, which take no more instructions.
const PARSE_BATCH: usize = 16 << 10;

/// One step of parsing a text: consecutive SQL pieces parsed together, or a piece that is
/// not SQL.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Sql(Vec<Range<usize>>),
    MetaCommand(Range<usize>),
    CopyData(Range<usize>),
}

/// The statements of a text a batch at a time (about [`PARSE_BATCH`] bytes of SQL, in
/// order), so that a caller that is done with a batch's parse trees can drop them before
/// the next batch is parsed: [`parse_sql`] is all of them at once. The text is split as
/// the batches are taken, not before the first: on a thread of [`ahead`], a big file's
/// first batch is parsed while the rest is not yet split.
pub struct Batches<'a> {
    /// The text parsed: the file's, its templates stood in for ([`template`]).
    sql: std::borrow::Cow<'a, str>,
    splitter: split::Splitter,
    /// Which statements are parsed ([`schema_change_batches`]); all when `None`. A
    /// statement left out ends a batch, as a meta-command does: batches are of
    /// consecutive statements.
    keep: Option<fn(&str) -> bool>,
    /// The SQL pieces of the batch being gathered.
    run: Vec<Range<usize>>,
    /// What ended that batch: a meta-command or COPY data, taken after it.
    after_run: Option<Step>,
}

impl<'a> Batches<'a> {
    pub fn new(sql: &'a str) -> Batches<'a> {
        Batches::of_stood_in(template::stand_ins(sql))
    }

    /// The batches of a text whose templates were stood in for already
    /// ([`template::stood_in`]).
    pub fn of_stood_in(sql: std::borrow::Cow<'a, str>) -> Batches<'a> {
        Batches {
            splitter: split::Splitter::new(text_start(&sql)),
            sql,
            keep: None,
            run: Vec::new(),
            after_run: None,
        }
    }

    /// The next step: consecutive SQL pieces of about [`PARSE_BATCH`] bytes (at least
    /// one piece), cut where a piece that is not SQL (or not kept) comes between them.
    fn next_step(&mut self) -> Option<Step> {
        if let Some(step) = self.after_run.take() {
            return Some(step);
        }
        while let Some(chunk) = self.splitter.next_chunk(&self.sql) {
            let ended_by = match chunk.kind {
                ChunkKind::Sql
                    if self
                        .keep
                        .is_none_or(|keep| keep(&self.sql[chunk.span.clone()])) =>
                {
                    let full = (self.run.first())
                        .is_some_and(|first| chunk.span.end - first.start > PARSE_BATCH);
                    if full {
                        return Some(Step::Sql(std::mem::replace(
                            &mut self.run,
                            vec![chunk.span],
                        )));
                    }
                    self.run.push(chunk.span);
                    continue;
                }
                ChunkKind::Sql => None,
                // Parsed statements only: the rest of the text is not looked at.
                _ if self.keep.is_some() => None,
                ChunkKind::MetaCommand => Some(Step::MetaCommand(chunk.span)),
                ChunkKind::CopyData => Some(Step::CopyData(chunk.span)),
            };
            if self.run.is_empty() {
                match ended_by {
                    Some(step) => return Some(step),
                    None => continue,
                }
            }
            self.after_run = ended_by;
            return Some(Step::Sql(std::mem::take(&mut self.run)));
        }
        (!self.run.is_empty()).then(|| Step::Sql(std::mem::take(&mut self.run)))
    }
}

impl Iterator for Batches<'_> {
    type Item = Parsed;

    fn next(&mut self) -> Option<Parsed> {
        let mut parsed = Parsed::default();
        match self.next_step()? {
            Step::Sql(pieces) => {
                let sql: &str = &self.sql;
                let batch = || {
                    let mut parsed = Parsed::default();
                    parse_batch(sql, &pieces, &mut parsed);
                    parsed
                };
                parsed = crate::stack::with_stack(PARSER_STACK, batch).unwrap_or_else(|_| batch());
            }
            Step::MetaCommand(span) => parsed.meta_commands.push(span),
            Step::CopyData(span) => parsed.copy_data.push(span),
        }
        Some(parsed)
    }
}

/// Batches' worth of text a file must have for [`ahead`] to parse it on a thread of its
/// own: a thread costs more than parsing a small file does.
const AHEAD_FROM: usize = 16;

/// Parsed batches a thread of [`ahead`] may hold that the caller has not taken yet.
const AHEAD_HELD: usize = 2;

/// A batch handed on by [`ahead`]: the batch itself (`Deref`), and when it was parsed on
/// a thread of its own, the way back there. Dropping it sends it back, to be freed where
/// it was allocated: freed by the caller's thread, each of its blocks was queued for the
/// parsing thread to collect (mimalloc's delayed free), which was about a tenth of the
/// lint thread's time, and of the parsing thread's, on a 10 MB file (`perf record`).
pub struct AheadBatch {
    parsed: Parsed,
    home: Option<std::sync::mpsc::Sender<Parsed>>,
}

impl AheadBatch {
    /// A batch parsed on the caller's thread: dropped there.
    pub fn here(parsed: Parsed) -> AheadBatch {
        AheadBatch { parsed, home: None }
    }
}

impl std::ops::Deref for AheadBatch {
    type Target = Parsed;
    fn deref(&self) -> &Parsed {
        &self.parsed
    }
}

impl std::ops::DerefMut for AheadBatch {
    fn deref_mut(&mut self) -> &mut Parsed {
        &mut self.parsed
    }
}

impl Drop for AheadBatch {
    fn drop(&mut self) {
        if let Some(home) = &self.home {
            // Gone when its thread ended early (a panic): the batch is freed here then.
            let _ = home.send(std::mem::take(&mut self.parsed));
        }
    }
}

/// The rest of `batches`, parsed on a thread of `scope` a few batches ahead of the caller,
/// which lints one batch while the next is parsed; `batches` itself when it has too few
/// left for that to pay (or no thread can be started). The thread also frees the batches
/// the caller is done with ([`AheadBatch`]).
pub fn ahead<'scope, 'env: 'scope>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    batches: Batches<'env>,
) -> Box<dyn Iterator<Item = AheadBatch> + 'scope> {
    if batches.sql.len() < AHEAD_FROM * PARSE_BATCH {
        return Box::new(batches.map(AheadBatch::here));
    }
    let shared = std::sync::Arc::new(std::sync::Mutex::new(Some(batches)));
    let theirs = std::sync::Arc::clone(&shared);
    let (sender, parsed) = std::sync::mpsc::sync_channel(AHEAD_HELD);
    let (home, done) = std::sync::mpsc::channel::<Parsed>();
    let parse = move || {
        let batches = theirs.lock().ok().and_then(|mut b| b.take());
        // Stops when the caller is gone (it panicked).
        for batch in batches.into_iter().flatten() {
            // What the caller is done with, freed between two batches.
            done.try_iter().for_each(drop);
            if sender.send(batch).is_err() {
                break;
            }
        }
        drop(sender);
        // The last ones, until the caller has dropped every batch and the way back.
        done.into_iter().for_each(drop);
    };
    match crate::stack::spawn_scoped(scope, "locksmith-parse", parse) {
        // A panic while parsing ends the batches early, and the scope's end rethrows it.
        Ok(_) => Box::new(parsed.into_iter().map(move |parsed| AheadBatch {
            parsed,
            home: Some(home.clone()),
        })),
        Err(_) => Box::new(
            shared
                .lock()
                .ok()
                .and_then(|mut b| b.take())
                .into_iter()
                .flatten()
                .map(AheadBatch::here),
        ),
    }
}

/// SQL handed to one parser call within a batch, at most (unless one statement is
/// longer). A statement that does not parse costs its call twice over (the call fails
/// where it is, and each piece of the call is then parsed on its own): 64 KiB calls parsed
/// a big file with a syntax error every 60 KiB half as much again. A call costs little of
/// its own next to the parse of 4 KiB: SQL without errors takes as many instructions in
/// 4 KiB calls as in 64 KiB ones (docs/performance-history.md).
const PARSE_CALL: usize = 4 << 10;

/// Parses consecutive SQL pieces, about [`PARSE_CALL`] bytes per parser call: a bad
/// statement becomes one error and the others are still returned.
fn parse_batch(sql: &str, pieces: &[Range<usize>], parsed: &mut Parsed) {
    // About one statement a piece: the vector is not grown a call at a time.
    parsed.statements.reserve(pieces.len());
    let mut rest = pieces;
    while let Some(first) = rest.first() {
        let call = (rest.iter())
            .position(|piece| piece.end - first.start > PARSE_CALL)
            .unwrap_or(rest.len())
            .max(1);
        let (now, later) = rest.split_at(call);
        parse_call(sql, now, parsed);
        rest = later;
    }
}

/// Parses consecutive SQL pieces: all at once, or when that fails each on its own.
fn parse_call(sql: &str, pieces: &[Range<usize>], parsed: &mut Parsed) {
    let (Some(first), Some(last)) = (pieces.first(), pieces.last()) else {
        return;
    };
    let run = first.start..last.end;
    if split::is_blank(&sql[run.clone()]) {
        return;
    }
    if let Ok(result) = parse(&sql[run.clone()]) {
        return collect_statements(sql, run, result, parsed);
    }
    for piece in pieces {
        let text = &sql[piece.clone()];
        if split::is_blank(text) {
            continue;
        }
        if let Some(nul) = text.find('\0') {
            // libpg_query takes C strings: a NUL byte would silently truncate the input.
            parsed.errors.push(SyntaxError {
                offset: piece.start + nul,
                span: trim_span(sql, piece.clone()),
                message: "NUL byte in SQL text".into(),
            });
            continue;
        }
        match parse(&sql[piece.clone()]) {
            Ok(result) => collect_statements(sql, piece.clone(), result, parsed),
            Err(error) => parsed.errors.push(error_at(sql, piece.clone(), error)),
        }
    }
}

fn parse(sql: &str) -> Result<pg_query::protobuf::ParseResult, pg_query::Error> {
    #[cfg(direct_tree)]
    return direct::parse_tree(sql);
    #[cfg(not(direct_tree))]
    ffi::parse_tree(sql)
}

/// The spans of `sql` that no statement, syntax error, meta-command or COPY data block
/// covers and that hold more than whitespace, comments and semicolons; also any overlap
/// between two of those spans. Empty when every byte is accounted for.
pub fn uncovered(sql: &str, parsed: &Parsed) -> Vec<Range<usize>> {
    let mut spans: Vec<Range<usize>> = parsed
        .statements
        .iter()
        .map(|s| s.span.clone())
        .chain(parsed.errors.iter().map(|e| e.span.clone()))
        .chain(parsed.meta_commands.iter().cloned())
        .chain(parsed.copy_data.iter().cloned())
        .collect();
    spans.sort_by_key(|s| (s.start, s.end));
    let mut problems = Vec::new();
    let mut covered = text_start(sql);
    for span in spans
        .into_iter()
        .chain(std::iter::once(sql.len()..sql.len()))
    {
        if span.start < covered {
            problems.push(span.start..covered);
        } else if !split::is_blank(&sql[covered..span.start]) {
            problems.push(covered..span.start);
        }
        covered = covered.max(span.end);
    }
    problems
}

/// `within` is the part of `sql` that was parsed; statement locations are relative to it.
fn collect_statements(
    sql: &str,
    within: Range<usize>,
    result: pg_query::protobuf::ParseResult,
    parsed: &mut Parsed,
) {
    for raw in result.stmts {
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
        let span = trim_span(sql, start..end);
        let (mut body, mut function) = (None, None);
        match &node {
            NodeEnum::DoStmt(_) => body = plpgsql::do_block(sql, span.clone(), &node).map(Box::new),
            NodeEnum::CreateFunctionStmt(_) => {
                function = plpgsql::unparsed(span.clone(), &node).map(Box::new)
            }
            _ => {}
        }
        parsed.statements.push(Statement {
            tree_offset: Some(span.start - within.start),
            span,
            node,
            text: None,
            body,
            function,
        });
    }
}

/// The syntax error of the piece `span`, which `pg_query::parse` rejected with `error`.
fn error_at(sql: &str, span: Range<usize>, error: pg_query::Error) -> SyntaxError {
    let text = &sql[span.clone()];
    // The JSON entry point accepts some trees the protobuf one refuses (nesting limits).
    let (message, cursor) = ffi::parse_error(text).unwrap_or_else(|| {
        let message = match error {
            pg_query::Error::Parse(message) => message,
            other => other.to_string(),
        };
        (message, None)
    });
    let message = explain_limit(message);
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

/// Valid SQL can still exceed a parser limit: say that it is a limit, not a typo.
fn explain_limit(message: String) -> String {
    if message.starts_with("stack depth limit exceeded") || message.starts_with("memory exhausted")
    {
        format!("statement nests deeper than PostgreSQL's parser allows ({message})")
    } else if message.contains("nested too deeply") {
        format!("statement nests deeper than locksmith's parser (libpg_query) allows ({message})")
    } else {
        message
    }
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
            start = split::block_comment_end(&sql.as_bytes()[..end], start);
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

pub use ffi::encoded_tree;

/// `sql`'s parse tree as libpg_query encodes it to protobuf and prost decodes it: what
/// tests/direct_tree.rs compares the tree read directly with.
#[doc(hidden)]
pub fn tree_through_protobuf(
    sql: &str,
) -> Result<pg_query::protobuf::ParseResult, pg_query::Error> {
    ffi::parse_tree(sql)
}

/// `sql`'s parse tree read straight from libpg_query's C nodes; `None` in a build where
/// build/direct.rs found no source to generate from.
#[doc(hidden)]
pub fn tree_read_directly(
    sql: &str,
) -> Option<Result<pg_query::protobuf::ParseResult, pg_query::Error>> {
    #[cfg(direct_tree)]
    return Some(direct::parse_tree(sql));
    #[cfg(not(direct_tree))]
    None
}

/// libpg_query (linked through the `pg_query` crate) called directly, where the crate's
/// own entry points do more than locksmith needs or less: its `parse` walks every tree it
/// returns to list the tables, functions and aliases in hashed sets (12.8 M of the 733 M
/// instructions of linting 1 MB of DDL, callgrind), and its errors drop the parser's
/// cursor position.
mod ffi {
    use std::ffi::{CStr, CString, c_char, c_int};

    use prost::Message;

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

    #[repr(C)]
    struct PgQueryProtobuf {
        len: usize,
        data: *mut c_char,
    }

    #[repr(C)]
    struct PgQueryProtobufParseResult {
        parse_tree: PgQueryProtobuf,
        stderr_buffer: *mut c_char,
        error: *mut PgQueryError,
    }

    unsafe extern "C" {
        fn pg_query_parse(input: *const c_char) -> PgQueryParseResult;
        fn pg_query_free_parse_result(result: PgQueryParseResult);
        fn pg_query_parse_protobuf_opts(
            input: *const c_char,
            parser_options: c_int,
        ) -> PgQueryProtobufParseResult;
        fn pg_query_free_protobuf_parse_result(result: PgQueryProtobufParseResult);
    }

    /// `sql`'s parse tree as libpg_query encodes it (default parser options), handed to
    /// `read` before libpg_query frees it; errors as `pg_query::parse` gives them.
    pub fn encoded_tree<T>(sql: &str, read: impl FnOnce(&[u8]) -> T) -> Result<T, pg_query::Error> {
        let input = CString::new(sql)?;
        // SAFETY: `input` is a valid NUL-terminated string that outlives the call; the
        // result is only read before being handed back to libpg_query's own free function,
        // and its tree is `len` bytes at `data` when there is no error.
        unsafe {
            let result = pg_query_parse_protobuf_opts(input.as_ptr(), 0);
            let tree = if result.error.is_null() {
                let tree = &result.parse_tree;
                Ok(read(std::slice::from_raw_parts(
                    tree.data as *const u8,
                    tree.len,
                )))
            } else {
                let message = CStr::from_ptr((*result.error).message);
                Err(pg_query::Error::Parse(
                    message.to_string_lossy().into_owned(),
                ))
            };
            pg_query_free_protobuf_parse_result(result);
            tree
        }
    }

    /// `sql`'s parse tree, as `pg_query::parse` decodes it, with nothing computed from it.
    pub fn parse_tree(sql: &str) -> Result<pg_query::protobuf::ParseResult, pg_query::Error> {
        let decode = |bytes: &[u8]| pg_query::protobuf::ParseResult::decode(bytes);
        encoded_tree(sql, decode)?.map_err(pg_query::Error::Decode)
    }

    /// The parser's message and 1-based character cursor for `sql`; `None` if it parses.
    pub fn parse_error(sql: &str) -> Option<(String, Option<usize>)> {
        let Ok(input) = CString::new(sql) else {
            return Some(("NUL byte in SQL text".into(), None));
        };
        // SAFETY: `input` is a valid NUL-terminated string that outlives the call; the
        // result is only read before being handed back to libpg_query's own free function.
        unsafe {
            let result = pg_query_parse(input.as_ptr());
            let answer = (!result.error.is_null()).then(|| {
                let error = &*result.error;
                let message = CStr::from_ptr(error.message).to_string_lossy().into_owned();
                let cursor = usize::try_from(error.cursorpos).ok().filter(|&c| c > 0);
                (message, cursor)
            });
            pg_query_free_parse_result(result);
            answer
        }
    }
}

/// The statements of `sql` by their fingerprint: equal for statements that differ only in
/// whitespace, comments, quoting or constants. Statements that do not parse are left out.
pub fn fingerprints(sql: &str) -> Vec<u64> {
    let options = pg_query::FingerprintOptions::FULL_RELNAME;
    // Templates stood in for, as they are parsed (the same text each time).
    let sql = &*template::stand_ins(sql);
    parse_sql(sql)
        .statements
        .iter()
        .filter_map(|statement| {
            pg_query::fingerprint(
                &sql[statement.span.clone()],
                pg_query::ParserOptions::DEFAULT,
                options,
            )
            .ok()
        })
        .map(|fingerprint| fingerprint.value)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::take;

    fn texts(sql: &str) -> Vec<&str> {
        parse_sql(sql)
            .statements
            .iter()
            .map(|s| &sql[s.span.clone()])
            .collect()
    }

    #[test]
    fn batches_parsed_ahead_on_a_thread_are_the_batches_in_order() {
        // Enough batches for a thread of their own, with errors, a meta-command and COPY
        // data between them.
        let mut sql = String::new();
        for i in 0..(AHEAD_FROM * PARSE_BATCH / 40) {
            sql.push_str(&format!("CREATE INDEX i{i} ON t (c{i});\n"));
            if i % 997 == 0 {
                sql.push_str("SELEC oops;\n\\set x 1\nCOPY t FROM stdin;\n1\n\\.\n");
            }
        }
        let summary = |batches: &mut dyn Iterator<Item = AheadBatch>| -> Vec<_> {
            batches
                .map(|mut b| {
                    let spans: Vec<_> = b.statements.iter().map(|s| s.span.clone()).collect();
                    let b = &mut *b;
                    (
                        spans,
                        take(&mut b.errors),
                        take(&mut b.meta_commands),
                        take(&mut b.copy_data),
                    )
                })
                .collect()
        };
        let inline = summary(&mut Batches::new(&sql).map(AheadBatch::here));
        assert!(inline.len() > AHEAD_FROM);
        let threaded = std::thread::scope(|scope| summary(&mut ahead(scope, Batches::new(&sql))));
        assert_eq!(threaded, inline);
        let statements: usize = inline.iter().map(|b| b.0.len()).sum();
        assert_eq!(statements, parse_sql(&sql).statements.len());
    }

    /// The batches as they were cut before the text was split lazily: the whole text
    /// split first, then each run of kept SQL pieces cut at [`PARSE_BATCH`] bytes.
    fn eager_steps(sql: &str, keep: Option<fn(&str) -> bool>) -> Vec<Step> {
        let mut steps = Vec::new();
        let mut run: Vec<Range<usize>> = Vec::new();
        let cut = |run: &mut Vec<Range<usize>>, steps: &mut Vec<Step>| {
            let mut rest = &take(run)[..];
            while let Some(first) = rest.first() {
                let count = (rest.iter())
                    .position(|p| p.end - first.start > PARSE_BATCH)
                    .unwrap_or(rest.len())
                    .max(1);
                steps.push(Step::Sql(rest[..count].to_vec()));
                rest = &rest[count..];
            }
        };
        for chunk in split::split(sql, text_start(sql)) {
            let kept = keep.is_none_or(|keep| keep(&sql[chunk.span.clone()]));
            if chunk.kind == ChunkKind::Sql && kept {
                run.push(chunk.span);
                continue;
            }
            cut(&mut run, &mut steps);
            match (chunk.kind, keep) {
                (ChunkKind::MetaCommand, None) => steps.push(Step::MetaCommand(chunk.span)),
                (ChunkKind::CopyData, None) => steps.push(Step::CopyData(chunk.span)),
                _ => {}
            }
        }
        cut(&mut run, &mut steps);
        steps
    }

    /// Splitting as the batches are taken cuts the same batches as splitting first, on
    /// texts of every mix: long and short statements, statements longer than a batch,
    /// meta-commands, COPY data, statements that are not schema changes.
    #[test]
    fn lazy_batches_are_the_batches_of_the_whole_text_split_first() {
        let statements = [
            "CREATE INDEX i ON t (c);\n",
            "ALTER TABLE t ADD COLUMN c int;\n",
            "INSERT INTO t VALUES (1);\n",
            "-- a comment\n",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\n",
            "SELEC oops;\n",
        ];
        let not_sql = ["\\set x 1\n", "COPY t FROM stdin;\n1\n2\n\\.\n"];
        let long = format!("CREATE VIEW v AS SELECT '{}';\n", "x".repeat(PARSE_BATCH));
        let mut random = crate::test_rng::seeded(12);
        for round in 0..40 {
            let mut sql = String::new();
            let target = [10, 1_000, 3 * PARSE_BATCH, 9 * PARSE_BATCH][round % 4];
            // Half the texts are long runs of statements, cut by size alone.
            let odds = if round % 8 < 4 { 4 } else { 2_000 };
            while sql.len() < target {
                match random(odds) {
                    0 if random(2) == 0 => sql.push_str(&long),
                    0 => sql.push_str(not_sql[random(not_sql.len())]),
                    _ => sql.push_str(statements[random(statements.len())]),
                }
            }
            if round % 5 == 0 {
                sql.push_str("SELECT 1 -- no semicolon at the end");
            }
            for keep in [None, Some(is_schema_change as fn(&str) -> bool)] {
                let lazy: Vec<Step> = {
                    let mut batches = Batches {
                        keep,
                        ..Batches::of_stood_in(std::borrow::Cow::Borrowed(&sql))
                    };
                    std::iter::from_fn(|| batches.next_step()).collect()
                };
                let spans = lazy.iter().map(|step| match step {
                    Step::Sql(pieces) => pieces[0].start..pieces[pieces.len() - 1].end,
                    Step::MetaCommand(span) | Step::CopyData(span) => span.clone(),
                });
                let starts_and_ends: Vec<_> = spans.flat_map(|s| [s.start, s.end]).collect();
                assert!(starts_and_ends.is_sorted(), "in text order");
                // The old order put a meta-command before the batch it ended; the new one
                // keeps text order. Each kind's own order is what the lint reads.
                let (sql_steps, other): (Vec<_>, Vec<_>) = eager_steps(&sql, keep)
                    .into_iter()
                    .partition(|s| matches!(s, Step::Sql(_)));
                let (lazy_sql, lazy_other): (Vec<_>, Vec<_>) =
                    lazy.into_iter().partition(|s| matches!(s, Step::Sql(_)));
                assert_eq!(
                    lazy_sql,
                    sql_steps,
                    "round {round}, keep {}",
                    keep.is_some()
                );
                assert_eq!(lazy_other, other, "round {round}");
            }
        }
    }

    /// A batch parsed ahead goes back to its thread when dropped, whole; one parsed here
    /// is dropped here.
    #[test]
    fn a_batch_parsed_ahead_goes_home_when_dropped() {
        let (home, returned) = std::sync::mpsc::channel();
        let parsed = parse_sql("CREATE TABLE t (a int); SELEC oops;");
        let (statements, errors) = (parsed.statements.len(), parsed.errors.len());
        assert_eq!((statements, errors), (1, 1));
        drop(AheadBatch {
            parsed,
            home: Some(home),
        });
        let back = returned.try_recv().expect("sent back on drop");
        assert_eq!(
            (back.statements.len(), back.errors.len()),
            (statements, errors)
        );
        drop(AheadBatch::here(parse_sql("SELECT 1")));
        assert!(returned.try_recv().is_err(), "nothing else came back");
    }

    #[test]
    fn spans_skip_comments_and_semicolons() {
        let sql = "-- head\nSELECT 1;\n\n/* a /* nested */ b */ SELECT ';' ;\nSELECT $$ ; $$";
        assert_eq!(texts(sql), vec!["SELECT 1", "SELECT ';'", "SELECT $$ ; $$"]);
    }

    #[test]
    fn schema_changes_are_parsed_the_rest_skipped() {
        let sql = "\u{FEFF}CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\n\
                   -- why\nALTER TABLE t ADD b int; DROP INDEX i;\n\
                   CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n\
                   CREATE OR REPLACE VIEW v AS SELECT 1; DO $$ BEGIN NULL; END $$;\n\
                   CREATE TRIGGER g AFTER INSERT ON t EXECUTE FUNCTION f(); GRANT SELECT ON t TO r;\n\
                   ALTER TABLEE t; create unique index j on t (a)";
        let changes = parse_schema_changes(sql);
        let kept: Vec<&str> = (changes.statements.iter())
            .map(|s| &sql[s.span.clone()])
            .collect();
        assert_eq!(
            kept,
            [
                "CREATE TABLE t (a int)",
                "ALTER TABLE t ADD b int",
                "DROP INDEX i",
                "CREATE OR REPLACE VIEW v AS SELECT 1",
                "create unique index j on t (a)",
            ]
        );
        // The same statements, spans and trees as a full parse gives.
        let full = parse_sql(sql);
        for statement in &changes.statements {
            assert!(
                (full.statements.iter())
                    .any(|f| f.span == statement.span && f.node == statement.node)
            );
        }
    }

    /// What the replay of earlier files keeps, by the statement's first words in any case.
    #[test]
    fn schema_changes_are_told_by_their_first_words() {
        let kept = [
            "CREATE TABLE t (a int)",
            "create or replace view v as select 1",
            "/* c */ -- c\n  Create Unique Index i ON t (a)",
            "CREATE OR REPLACE",
            "CREATE SCHEMA s",
            "alter table t add b int",
            "DROP FUNCTION f",
            "SET search_path TO app",
            "set LOCAL search_path = app",
            "SET SESSION search_path TO app",
            "RESET search_path",
            "reset ALL",
        ];
        let skipped = [
            "CREATE FUNCTION f() RETURNS int AS 'SELECT 1' LANGUAGE sql",
            "create or replace PROCEDURE p() AS $$ $$ LANGUAGE sql",
            "CREATE OR REPLACE TRIGGER g AFTER INSERT ON t EXECUTE FUNCTION f()",
            "CREATE ROLE r",
            "CREATE",
            "CREATE \"table\" t",
            "INSERT INTO t VALUES (1)",
            "SET lock_timeout = '2s'",
            "SET LOCAL statement_timeout = 0",
            "RESET lock_timeout",
            "GRANT SELECT ON t TO r",
            "-- only a comment",
            "",
        ];
        for text in kept {
            assert!(is_schema_change(text), "{text}");
        }
        for text in skipped {
            assert!(!is_schema_change(text), "{text}");
        }
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

#[cfg(test)]
mod regressions {
    use super::*;

    fn texts(sql: &str) -> Vec<&str> {
        parse_sql(sql)
            .statements
            .iter()
            .map(|s| &sql[s.span.clone()])
            .collect()
    }

    #[test]
    fn unbalanced_parentheses_do_not_hide_the_next_statements() {
        let sql = "SELECT 1;\nSELECT foo(1;\nALTER TABLE users ADD COLUMN email text NOT NULL;\n";
        let parsed = parse_sql(sql);
        assert_eq!(
            texts(sql),
            vec![
                "SELECT 1",
                "ALTER TABLE users ADD COLUMN email text NOT NULL"
            ]
        );
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(&sql[parsed.errors[0].span.clone()], "SELECT foo(1");
        assert!(uncovered(sql, &parsed).is_empty());
    }

    #[test]
    fn a_misspelt_keyword_is_an_error_not_silence() {
        let sql = "SELECT 1;\nSELEC 2;";
        let parsed = parse_sql(sql);
        assert_eq!(parsed.statements.len(), 1);
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(&sql[parsed.errors[0].offset..], "SELEC 2;");
    }

    #[test]
    fn deep_but_valid_trees_parse() {
        for sql in [
            format!("SELECT {}", vec!["'a'"; 48].join(" || ")),
            format!("SELECT {}1{}", "abs(".repeat(50), ")".repeat(50)),
            format!("SELECT {}", vec!["'a'"; 700].join(" || ")),
        ] {
            let parsed = parse_sql(&sql);
            assert_eq!(
                (parsed.statements.len(), parsed.errors.len()),
                (1, 0),
                "{:?}",
                parsed.errors
            );
        }
    }

    #[test]
    fn too_deep_trees_are_a_named_limit_not_a_crash() {
        // 1,000 levels fit in the parser's stack limit when libpg_query is optimised
        // (`cargo test --release`: smaller C frames) and not in a debug build: parsed or
        // a named limit, never a crash. 10,000 and more are past it in both.
        for depth in [1_000, 10_000, 100_000] {
            for sql in [
                format!("SELECT {}", vec!["'a'"; depth].join(" || ")),
                format!("SELECT {}1{}", "abs(".repeat(depth), ")".repeat(depth)),
            ] {
                let parsed = parse_sql(&format!("{sql};\nSELECT 2;"));
                if depth > 1_000 || !parsed.errors.is_empty() {
                    check_limit(parsed);
                } else {
                    assert_eq!(parsed.statements.len(), 2);
                }
            }
        }
        // Parentheses alone add no tree levels; the grammar's own stack stops them.
        let parens = format!("SELECT {}1{}", "(".repeat(10_001), ")".repeat(10_001));
        check_limit(parse_sql(&format!("{parens};\nSELECT 2;")));
        fn check_limit(parsed: Parsed) {
            assert_eq!(parsed.statements.len(), 1, "SELECT 2 is still parsed");
            assert_eq!(parsed.errors.len(), 1);
            let message = &parsed.errors[0].message;
            assert!(
                message.starts_with("statement nests deeper than"),
                "{message}"
            );
        }
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_statement() {
        let sql = "\u{FEFF}ALTER TABLE users ADD COLUMN a int;\nSELECT 1;";
        let parsed = parse_sql(sql);
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.statements[0].span.start, 3);
        assert_eq!(texts(sql)[0], "ALTER TABLE users ADD COLUMN a int");
        assert!(uncovered(sql, &parsed).is_empty());
    }

    #[test]
    fn psql_meta_commands_are_skipped_not_merged_into_the_next_statement() {
        let sql = "\\set ON_ERROR_STOP 1\nBEGIN;\n\\i other.sql\nSELECT 1;\nCOMMIT;\n";
        let parsed = parse_sql(sql);
        assert_eq!(texts(sql), vec!["BEGIN", "SELECT 1", "COMMIT"]);
        assert!(parsed.errors.is_empty());
        let meta: Vec<&str> = parsed
            .meta_commands
            .iter()
            .map(|m| &sql[m.clone()])
            .collect();
        assert_eq!(meta, vec!["\\set ON_ERROR_STOP 1", "\\i other.sql"]);
        assert!(uncovered(sql, &parsed).is_empty());
    }

    #[test]
    fn copy_from_stdin_data_is_not_sql() {
        let sql = "COPY users (id, note) FROM stdin;\n1\tDROP TABLE users;\n2\tx\n\\.\nSELECT 1;\n";
        let parsed = parse_sql(sql);
        assert_eq!(
            texts(sql),
            vec!["COPY users (id, note) FROM stdin", "SELECT 1"]
        );
        assert!(parsed.errors.is_empty());
        assert_eq!(
            &sql[parsed.copy_data[0].clone()],
            "1\tDROP TABLE users;\n2\tx\n\\.\n"
        );
        assert!(uncovered(sql, &parsed).is_empty());
    }

    #[test]
    fn uncovered_finds_gaps_and_overlaps() {
        let sql = "SELECT 1; SELECT 2;";
        let mut parsed = parse_sql(sql);
        assert!(uncovered(sql, &parsed).is_empty());
        parsed.statements.pop();
        assert_eq!(uncovered(sql, &parsed), vec![8..19]);
        parsed.errors.push(SyntaxError {
            offset: 0,
            span: 0..12,
            message: String::new(),
        });
        assert!(uncovered(sql, &parsed).contains(&(0..8)));
    }
}
