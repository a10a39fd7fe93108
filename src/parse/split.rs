//! Splits a SQL script into the stretches a script runner sees: statements (each up to and
//! including its `;`), psql meta-command lines, and the inline data of `COPY ... FROM
//! stdin`. It knows only what decides where a statement ends: quoted strings ('', E'',
//! ""), dollar quotes, comments (`--` and nested `/* */`) and, as psql does, the `BEGIN ...
//! END` body of a `CREATE FUNCTION`/`PROCEDURE`. It never fails: a bad statement ends at
//! the next `;`, so one syntax error cannot hide the statements after it.

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkKind {
    /// SQL text up to and including its terminating `;` (or the end of the input); may be
    /// only whitespace and comments.
    Sql,
    /// A psql meta-command line (`\set ...`), without its newline.
    MetaCommand,
    /// The data rows of `COPY ... FROM stdin`, up to and including the `\.` line.
    CopyData,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub kind: ChunkKind,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Token {
    Space,
    Comment,
    Semicolon,
    Word,
    /// A quoted string, quoted identifier or dollar-quoted string (maybe unterminated).
    Quoted,
    Other,
}

/// Splits `sql[from..]` into consecutive chunks that together cover it exactly.
pub fn split(sql: &str, from: usize) -> Vec<Chunk> {
    let mut splitter = Splitter::new(from);
    std::iter::from_fn(|| splitter.next_chunk(sql)).collect()
}

/// [`split`] a chunk at a time, so that a caller can start on the first statements of a
/// big file before the splitter has read the rest. It borrows no text: each call is given
/// the same one, which lets a caller that owns the text keep the splitter beside it.
#[derive(Default)]
pub struct Splitter {
    statement: StatementState,
    piece_start: usize,
    line_blank: bool,
    copy_data_pending: bool,
    pos: usize,
    /// The chunk found with the one returned last (a meta-command or COPY data after the
    /// SQL before it).
    pending: Option<Chunk>,
    done: bool,
}

impl Splitter {
    pub fn new(from: usize) -> Splitter {
        Splitter {
            piece_start: from,
            line_blank: true,
            pos: from,
            ..Splitter::default()
        }
    }

    /// The next chunk of `sql` (the same text on every call), or `None` at its end.
    pub fn next_chunk(&mut self, sql: &str) -> Option<Chunk> {
        if let Some(chunk) = self.pending.take() {
            return Some(chunk);
        }
        while !self.done {
            let Some((token, end)) = next_token(sql, self.pos) else {
                self.done = true;
                let rest = self.piece_start..sql.len();
                return (!rest.is_empty()).then_some(sql_chunk(rest));
            };
            let start = self.pos;
            self.pos = end;
            let mut skipped = None;
            match token {
                Token::Space => {
                    // A byte loop: most spaces are a byte or two, too short for memchr.
                    let newline = sql.as_bytes()[start..end].iter().position(|&b| b == b'\n');
                    if let Some(newline) = newline {
                        self.line_blank = true;
                        let data = start + newline + 1;
                        if self.copy_data_pending && data < sql.len() {
                            skipped = Some((ChunkKind::CopyData, data..copy_data_end(sql, data)));
                        }
                    }
                }
                Token::Other
                    if sql.as_bytes()[start] == b'\\'
                        && self.line_blank
                        && self.statement.empty() =>
                {
                    // psql reads a line starting with a backslash as a meta-command, not SQL.
                    let end = sql[start..].find('\n').map_or(sql.len(), |i| start + i);
                    self.copy_data_pending = is_copy_from_stdin_meta(&sql[start..end]);
                    skipped = Some((ChunkKind::MetaCommand, start..end));
                }
                Token::Semicolon if self.statement.begin_depth == 0 => {
                    let span = self.piece_start..end;
                    self.piece_start = end;
                    self.copy_data_pending = self.statement.copy_from_stdin;
                    self.statement = StatementState::default();
                    return Some(sql_chunk(span));
                }
                // goose and sql-migrate end a statement at their `StatementEnd` line,
                // semicolon or not: so does the lint, or the next statement would run into it.
                Token::Comment
                    if self.line_blank
                        && !self.statement.empty()
                        && is_statement_end(&sql[start..end]) =>
                {
                    let span = self.piece_start..start;
                    self.piece_start = start;
                    self.statement = StatementState::default();
                    self.line_blank = false;
                    return Some(sql_chunk(span));
                }
                Token::Comment | Token::Semicolon => self.line_blank = false,
                Token::Word | Token::Quoted | Token::Other => {
                    self.line_blank = false;
                    self.statement.see(token, &sql[start..end]);
                }
            }
            if let Some((kind, span)) = skipped {
                let before = self.piece_start..span.start;
                self.pos = span.end;
                self.piece_start = span.end;
                self.line_blank = kind == ChunkKind::CopyData;
                self.copy_data_pending &= kind == ChunkKind::MetaCommand;
                let chunk = Chunk { kind, span };
                if before.is_empty() {
                    return Some(chunk);
                }
                self.pending = Some(chunk);
                return Some(sql_chunk(before));
            }
        }
        None
    }
}

fn sql_chunk(span: Range<usize>) -> Chunk {
    Chunk {
        kind: ChunkKind::Sql,
        span,
    }
}

/// goose's `-- +goose StatementEnd` (any case, as goose reads it) and sql-migrate's
/// `-- +migrate StatementEnd`.
fn is_statement_end(comment: &str) -> bool {
    if comment.contains("+goose") {
        let annotation = crate::convention::goose_annotation(comment);
        annotation.is_some_and(|a| a.eq_ignore_ascii_case("StatementEnd"))
    } else {
        comment.trim_end() == "-- +migrate StatementEnd"
    }
}

/// Whether `text` holds no SQL: only whitespace, comments and semicolons.
pub fn is_blank(text: &str) -> bool {
    let mut pos = 0;
    while let Some((token, end)) = next_token(text, pos) {
        if !matches!(token, Token::Space | Token::Comment | Token::Semicolon) {
            return false;
        }
        pos = end;
    }
    true
}

/// What the splitter must know about the statement so far. Nothing is allocated: the
/// splitter runs over every byte of a file.
#[derive(Default)]
struct StatementState {
    /// What the first words make the statement.
    opening: Opening,
    tokens: usize,
    paren_depth: usize,
    /// Open `BEGIN`/`CASE` blocks of a routine body: `;` inside them does not end it.
    begin_depth: usize,
    /// The last word was `FROM`.
    after_from: bool,
    copy_from_stdin: bool,
}

/// The statement's first words, as far as they decide where it ends: a routine
/// (`CREATE [OR REPLACE] FUNCTION|PROCEDURE`), whose body may hold `;`, or a `COPY`, whose
/// data may follow it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Opening {
    #[default]
    Nothing,
    Create,
    CreateOr,
    CreateOrReplace,
    Routine,
    Copy,
    Other,
}

impl Opening {
    fn then(self, word: &str) -> Opening {
        // Decided by the first words: every later word of the statement comes here.
        if matches!(self, Opening::Routine | Opening::Copy | Opening::Other) {
            return self;
        }
        let is = |w: &str| word.eq_ignore_ascii_case(w);
        let routine = is("function") || is("procedure");
        match self {
            Opening::Nothing if is("create") => Opening::Create,
            Opening::Nothing if is("copy") => Opening::Copy,
            Opening::Create | Opening::CreateOrReplace if routine => Opening::Routine,
            Opening::Create if is("or") => Opening::CreateOr,
            Opening::CreateOr if is("replace") => Opening::CreateOrReplace,
            Opening::Routine | Opening::Copy | Opening::Other => self,
            _ => Opening::Other,
        }
    }
}

impl StatementState {
    fn empty(&self) -> bool {
        self.tokens == 0
    }

    fn see(&mut self, token: Token, text: &str) {
        self.tokens += 1;
        match (token, text) {
            (Token::Other, "(") => self.paren_depth += 1,
            (Token::Other, ")") => self.paren_depth = self.paren_depth.saturating_sub(1),
            (Token::Word, _) => self.see_word(text),
            _ => {}
        }
    }

    /// Words are compared without case, not lower-cased into a new string each.
    fn see_word(&mut self, word: &str) {
        let top_level = self.paren_depth == 0;
        // psql's heuristic (psqlscan.l) for SQL-standard routine bodies: the words after
        // the routine's opening ones.
        if top_level && self.opening == Opening::Routine {
            let opens = word.eq_ignore_ascii_case("begin")
                || (word.eq_ignore_ascii_case("case") && self.begin_depth > 0);
            if opens {
                self.begin_depth += 1;
            } else if word.eq_ignore_ascii_case("end") {
                self.begin_depth = self.begin_depth.saturating_sub(1);
            }
        }
        if top_level && self.opening == Opening::Copy && self.after_from {
            self.copy_from_stdin |= word.eq_ignore_ascii_case("stdin");
        }
        self.opening = self.opening.then(word);
        // Only a COPY asks (above, at the next word).
        self.after_from = self.opening == Opening::Copy && word.eq_ignore_ascii_case("from");
    }
}

/// `\copy ... from stdin` reads its rows from the script too.
fn is_copy_from_stdin_meta(line: &str) -> bool {
    let words: Vec<String> = line
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    words.first().is_some_and(|w| w == "\\copy")
        && words.windows(2).any(|w| w[0] == "from" && w[1] == "stdin")
}

/// The end of COPY data starting at `start`: after the `\.` line, or the end of the input.
fn copy_data_end(sql: &str, start: usize) -> usize {
    let mut line_start = start;
    for line in sql[start..].split_inclusive('\n') {
        line_start += line.len();
        if line.trim_end_matches(['\n', '\r']) == "\\." {
            return line_start;
        }
    }
    sql.len()
}

/// The first words of a statement's text, after its leading comments, as written (so
/// compare them ignoring case): as many as `words` holds, fewer when something other than
/// a word comes first. Returns how many it found.
pub fn leading_words<'a>(text: &'a str, words: &mut [&'a str]) -> usize {
    let mut found = 0;
    let mut pos = 0;
    while found < words.len()
        && let Some((token, end)) = next_token(text, pos)
    {
        match token {
            Token::Space | Token::Comment => {}
            Token::Word => {
                words[found] = &text[pos..end];
                found += 1;
            }
            _ => break,
        }
        pos = end;
    }
    found
}

/// In the words [`with_keyword_after`] looks for: a parenthesized option list
/// (`REINDEX (VERBOSE) TABLE`).
pub const OPTION_LIST: &str = "(...)";

/// `text` with `keyword` written after its leading words when they are `after` (compared
/// ignoring case, after leading comments; [`OPTION_LIST`] stands for a parenthesized
/// list), in the case the last of them is written in (`index concurrently` after
/// `index`): the user's statement, edited where a keyword goes. `None` when the words
/// differ, or when the text ends in a `--` comment, which a `;` appended to the statement
/// would fall into.
pub fn with_keyword_after(text: &str, after: &[&str], keyword: &str) -> Option<String> {
    let mut pos = 0;
    let mut expected = after.iter();
    let mut word = "";
    let mut wanted = expected.next();
    while let Some(want) = wanted
        && let Some((token, end)) = next_token(text, pos)
    {
        match token {
            Token::Space | Token::Comment => {}
            Token::Word if text[pos..end].eq_ignore_ascii_case(want) => {
                word = &text[pos..end];
                wanted = expected.next();
            }
            Token::Other if *want == OPTION_LIST && &text[pos..end] == "(" => {
                pos = list_end(text, end)?;
                wanted = expected.next();
                continue;
            }
            _ => return None,
        }
        pos = end;
    }
    if wanted.is_some() || word.is_empty() {
        return None;
    }
    let mut last = Token::Space;
    let mut scan = 0;
    while let Some((token, end)) = next_token(text, scan) {
        if token != Token::Space {
            last = token;
        }
        scan = end;
    }
    if last == Token::Comment && !text.trim_end().ends_with("*/") {
        return None;
    }
    // `word` is a slice of `text`: where it ends in it.
    let end = word.as_ptr() as usize - text.as_ptr() as usize + word.len();
    let keyword = match word.bytes().any(|b| b.is_ascii_uppercase()) {
        true => keyword.to_ascii_uppercase(),
        false => keyword.to_ascii_lowercase(),
    };
    Some(format!("{} {keyword}{}", &text[..end], &text[end..]))
}

/// Where the parenthesized list whose `(` ends at `pos` ends (after its `)`); `None` when
/// it is not closed.
fn list_end(text: &str, mut pos: usize) -> Option<usize> {
    let mut depth = 1;
    while let Some((token, end)) = next_token(text, pos) {
        if token == Token::Other {
            match &text[pos..end] {
                "(" => depth += 1,
                ")" if depth == 1 => return Some(end),
                ")" => depth -= 1,
                _ => {}
            }
        }
        pos = end;
    }
    None
}

/// The token starting at `pos` and where it ends, or `None` at the end of the input.
pub(super) fn next_token(sql: &str, pos: usize) -> Option<(Token, usize)> {
    let bytes = sql.as_bytes();
    let &first = bytes.get(pos)?;
    let next = bytes.get(pos + 1).copied();
    let token = match (first, next) {
        _ if is_space(first) => {
            let len = bytes[pos..].iter().take_while(|&&b| is_space(b)).count();
            (Token::Space, pos + len)
        }
        (b'-', Some(b'-')) => {
            let end = sql[pos..].find('\n').map_or(sql.len(), |i| pos + i);
            (Token::Comment, end)
        }
        (b'/', Some(b'*')) => (Token::Comment, block_comment_end(bytes, pos)),
        (b';', _) => (Token::Semicolon, pos + 1),
        (b'\'' | b'"', _) => (Token::Quoted, quote_end(bytes, pos, false)),
        (b'e' | b'E', Some(b'\'')) => (Token::Quoted, quote_end(bytes, pos + 1, true)),
        (b'$', _) => match dollar_tag(bytes, pos) {
            Some(tag_end) => {
                let tag = &sql[pos..tag_end];
                let end = sql[tag_end..]
                    .find(tag)
                    .map_or(sql.len(), |i| tag_end + i + tag.len());
                (Token::Quoted, end)
            }
            None => (Token::Other, pos + 1),
        },
        _ if is_ident_start(first) => {
            let len = bytes[pos..]
                .iter()
                .take_while(|&&b| is_ident_cont(b))
                .count();
            (Token::Word, pos + len)
        }
        (b'0'..=b'9', _) => {
            let len = bytes[pos..]
                .iter()
                .take_while(|&&b| is_ident_cont(b) || b == b'.')
                .count();
            (Token::Other, pos + len)
        }
        _ => {
            let len = sql[pos..].chars().next().map_or(1, char::len_utf8);
            (Token::Other, pos + len)
        }
    };
    Some(token)
}

fn is_ident_start(b: u8) -> bool {
    BYTE_CLASS[b as usize] & IDENT_START != 0
}

/// Identifiers may contain `$`, so `a$b$` is no dollar quote.
fn is_ident_cont(b: u8) -> bool {
    BYTE_CLASS[b as usize] & IDENT_CONT != 0
}

fn is_space(b: u8) -> bool {
    BYTE_CLASS[b as usize] & SPACE != 0
}

const IDENT_START: u8 = 1;
const IDENT_CONT: u8 = 2;
const SPACE: u8 = 4;

/// What each byte can be (in an identifier, a space), looked up rather than compared:
/// every byte of every file is.
const BYTE_CLASS: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let start = c.is_ascii_alphabetic() || c == b'_' || c >= 0x80;
        if start {
            table[b] |= IDENT_START;
        }
        if start || c.is_ascii_digit() || c == b'$' {
            table[b] |= IDENT_CONT;
        }
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c') {
            table[b] |= SPACE;
        }
        b += 1;
    }
    table
};

/// Where the block comment at `start` ends (block comments nest in PostgreSQL); the end
/// of `bytes` when it never closes.
pub(super) fn block_comment_end(bytes: &[u8], start: usize) -> usize {
    let (mut depth, mut i) = (0usize, start);
    while i + 1 < bytes.len() {
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
    bytes.len()
}

/// The end of the quoted token opening at `start` (a doubled quote is part of it; in an
/// E'' string so is a backslash-escaped character). Unterminated: the end of the input.
fn quote_end(bytes: &[u8], start: usize, backslash_escapes: bool) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if backslash_escapes => i += 2,
            b if b == quote && bytes.get(i + 1) == Some(&quote) => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The end of a dollar-quote delimiter (`$$`, `$tag$`) opening at `start`, if it is one.
fn dollar_tag(bytes: &[u8], start: usize) -> Option<usize> {
    let tag = bytes[start + 1..]
        .iter()
        .take_while(|&&b| is_ident_cont(b) && b != b'$')
        .count();
    let first_ok = tag == 0 || !bytes[start + 1].is_ascii_digit();
    (first_ok && bytes.get(start + 1 + tag) == Some(&b'$')).then_some(start + tag + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyword_goes_after_the_leading_words_in_their_case() {
        let index = &["create", "index"];
        let unique = &["create", "unique", "index"];
        let reindex = &["reindex", OPTION_LIST, "table"];
        let cases: &[(&str, &[&str], Option<&str>)] = &[
            (
                "CREATE INDEX i ON t (a)",
                index,
                Some("CREATE INDEX CONCURRENTLY i ON t (a)"),
            ),
            (
                "-- why\ncreate unique /* note */ index\n  on t (a)",
                unique,
                Some("-- why\ncreate unique /* note */ index concurrently\n  on t (a)"),
            ),
            (
                "Create Index i ON t (a) /* kept */",
                index,
                Some("Create Index CONCURRENTLY i ON t (a) /* kept */"),
            ),
            // A `;` after a line comment would be commented out.
            ("CREATE INDEX i ON t (a) -- why", index, None),
            ("CREATE UNIQUE INDEX i ON t (a)", index, None),
            ("CREATE TABLE t (a int)", index, None),
            ("CREATE", index, None),
            ("", index, None),
            // An option list, where the words say one goes.
            (
                "REINDEX (VERBOSE, TABLESPACE \"a(b\") TABLE t",
                reindex,
                Some("REINDEX (VERBOSE, TABLESPACE \"a(b\") TABLE CONCURRENTLY t"),
            ),
            ("REINDEX TABLE t", reindex, None),
            ("REINDEX (VERBOSE TABLE t", reindex, None),
            ("REINDEX (VERBOSE) t", reindex, None),
            ("CREATE (INDEX) i ON t (a)", index, None),
        ];
        for (text, after, expected) in cases {
            let edited = with_keyword_after(text, after, "concurrently");
            assert_eq!(edited.as_deref(), *expected, "{text}");
        }
    }

    fn kinds(sql: &str) -> Vec<(ChunkKind, &str)> {
        split(sql, 0)
            .into_iter()
            .map(|c| (c.kind, &sql[c.span]))
            .collect()
    }

    fn sql_pieces(sql: &str) -> Vec<&str> {
        kinds(sql)
            .into_iter()
            .filter(|(k, _)| *k == ChunkKind::Sql)
            .map(|(_, t)| t)
            .collect()
    }

    #[test]
    fn semicolons_inside_quotes_comments_and_dollar_quotes_do_not_split() {
        let sql = "SELECT ';', \";\", E'\\';' /* ; /* ; */ ; */ -- ;\n;SELECT $a$ ; $a$, $$;$$;x";
        assert_eq!(
            sql_pieces(sql),
            vec![
                "SELECT ';', \";\", E'\\';' /* ; /* ; */ ; */ -- ;\n;",
                "SELECT $a$ ; $a$, $$;$$;",
                "x"
            ]
        );
    }

    #[test]
    fn unbalanced_parentheses_end_at_the_next_semicolon() {
        assert_eq!(
            sql_pieces("SELECT foo(1;\nALTER TABLE t ADD c int;"),
            vec!["SELECT foo(1;", "\nALTER TABLE t ADD c int;"]
        );
    }

    #[test]
    fn routine_bodies_stay_whole() {
        let sql = "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n SELECT CASE WHEN true THEN 1 END;\n SELECT 2;\nEND;\nSELECT 3;";
        let pieces = sql_pieces(sql);
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        assert!(pieces[0].ends_with("END;"));
        // A plain BEGIN is a transaction, not a body.
        assert_eq!(sql_pieces("BEGIN;\nSELECT 1;").len(), 2);
    }

    #[test]
    fn meta_commands_and_copy_data_are_their_own_chunks() {
        let sql = "\\set ON_ERROR_STOP 1\n  \\i other.sql\nBEGIN;\nCOPY t (a) FROM stdin;\n1\tDROP TABLE x;\n\\.\nSELECT 1; \\x\n;\n\\copy t from stdin\nrow\n";
        assert_eq!(
            kinds(sql),
            vec![
                (ChunkKind::MetaCommand, "\\set ON_ERROR_STOP 1"),
                (ChunkKind::Sql, "\n  "),
                (ChunkKind::MetaCommand, "\\i other.sql"),
                (ChunkKind::Sql, "\nBEGIN;"),
                (ChunkKind::Sql, "\nCOPY t (a) FROM stdin;"),
                (ChunkKind::Sql, "\n"),
                (ChunkKind::CopyData, "1\tDROP TABLE x;\n\\.\n"),
                (ChunkKind::Sql, "SELECT 1;"),
                (ChunkKind::Sql, " \\x\n;"),
                (ChunkKind::Sql, "\n"),
                (ChunkKind::MetaCommand, "\\copy t from stdin"),
                (ChunkKind::Sql, "\n"),
                (ChunkKind::CopyData, "row\n"),
            ]
        );
    }

    #[test]
    fn statement_end_annotations_end_a_statement() {
        let sql = "-- +goose StatementBegin\nALTER TABLE t ADD c int\n-- +goose StatementEnd\n\
                   ALTER TABLE u ADD d int;\n-- +migrate StatementEnd\n";
        let texts: Vec<&str> = split(sql, 0).into_iter().map(|c| &sql[c.span]).collect();
        assert_eq!(
            texts,
            [
                "-- +goose StatementBegin\nALTER TABLE t ADD c int\n",
                "-- +goose StatementEnd\nALTER TABLE u ADD d int;",
                "\n-- +migrate StatementEnd\n",
            ]
        );
        // Not in the middle of a line, nor other comments.
        let sql = "SELECT 1 -- +goose StatementEnd\n, 2;";
        assert_eq!(split(sql, 0).len(), 1);
    }

    #[test]
    fn a_backslash_inside_a_statement_is_not_a_meta_command() {
        assert_eq!(
            sql_pieces("SELECT 1\n\\gset\n;"),
            vec!["SELECT 1\n\\gset\n;"]
        );
    }

    #[test]
    fn blank_text() {
        assert!(is_blank(" ; -- x\n /* y */ ;"));
        assert!(!is_blank(" ; x"));
    }
}
