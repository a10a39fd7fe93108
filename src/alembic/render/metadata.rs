//! A revision's identifiers read without parsing its Python: what linting one revision
//! needs of every other revision of the project (its place in the graph). Parsing 2,000
//! revisions took three quarters of linting one of them (the pre-commit case).
//!
//! Only the plain form Alembic's template writes is read here: module-level assignments of
//! string literals, `None`, or tuples and lists of string literals, with or without a type
//! annotation, and a docstring without escapes. Anything else that could bind one of the
//! identifiers (an `if` at module level, an import or a computed value naming one, a
//! string this scan cannot follow) answers `None`, and the caller parses the file.

use std::ops::Range;

use super::super::revision::RevisionFile;

const IDENTIFIERS: [&str; 4] = ["revision", "down_revision", "branch_labels", "depends_on"];

/// The identifiers and message of a revision written in the plain form, as
/// [`super::read_revision_metadata`] reads them; `None` when the file needs a parse.
pub fn scan(source: &str) -> Option<RevisionFile> {
    if source.starts_with('\u{feff}') {
        return None;
    }
    let mut file = RevisionFile::default();
    let mut at = 0;
    let mut first = true;
    while at < source.len() {
        let end = statement_end(source, at)?;
        let line = &source[at..end];
        let text = line.trim_start();
        let indented = text.len() < line.len();
        let start = at + (line.len() - text.len());
        at = end + 1;
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let is_first = std::mem::take(&mut first);
        if indented {
            // Inside a function or class body (module-level compound statements bail below).
            continue;
        }
        if is_first {
            match docstring(text) {
                Some(message) => {
                    file.message = message;
                    continue;
                }
                // A docstring this scan cannot read.
                None if text
                    .trim_start_matches(char::is_alphabetic)
                    .starts_with(['"', '\'']) =>
                {
                    return None;
                }
                None => {}
            }
        }
        let word = leading_word(text);
        match word {
            "def" | "class" | "async" => continue,
            _ if text.starts_with('@') => continue,
            "import" | "from" if !mentions_identifier(text) => continue,
            _ => {}
        }
        let Some(name) = IDENTIFIERS.iter().find(|n| **n == word) else {
            // Any other statement that names an identifier may bind it.
            if mentions_identifier(text) || is_compound(word) {
                return None;
            }
            continue;
        };
        let (values, span) = assignment(text, start, word.len())?;
        match *name {
            "revision" => {
                // Only a string is a revision id (a tuple is not).
                let one = !source[span.clone()].starts_with(['(', '[']);
                file.revision = values.strings().pop().filter(|_| one);
                file.revision_span = Some(span);
            }
            "down_revision" => {
                file.down_revision = values.strings();
                file.down_revision_span = Some(span);
            }
            "branch_labels" => file.branch_labels = values.strings(),
            _ => file.depends_on = values.strings(),
        }
    }
    Some(file)
}

enum Value {
    None,
    Strings(Vec<String>),
}

impl Value {
    fn strings(self) -> Vec<String> {
        match self {
            Value::None => Vec::new(),
            Value::Strings(s) => s,
        }
    }
}

/// `NAME [: annotation] = value [# comment]` (the statement's `text` starts at `start` in
/// the file): the value and its span; `None` for any other form.
fn assignment(text: &str, start: usize, name_len: usize) -> Option<(Value, Range<usize>)> {
    let rest = &text[name_len..];
    let equals = top_level_equals(rest)?;
    let before = rest[..equals].trim();
    if !(before.is_empty() || before.starts_with(':')) || rest[equals + 1..].starts_with('=') {
        return None;
    }
    let after = &rest[equals + 1..];
    let value = after.trim_start();
    let value_start = start + name_len + equals + 1 + (after.len() - value.len());
    let (parsed, len) = literal(value)?;
    let tail = value[len..].trim_start();
    if !(tail.is_empty() || tail.starts_with('#')) {
        return None;
    }
    Some((parsed, value_start..value_start + len))
}

/// The first `=` outside brackets and strings (an annotation may hold `[...]`).
fn top_level_equals(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' => depth = depth.checked_sub(1)?,
            '\'' | '"' | '#' => return None,
            '=' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// A value: `None`, a plain string, or a tuple or list of plain strings; with its length.
fn literal(text: &str) -> Option<(Value, usize)> {
    if text.starts_with("None") && !text[4..].starts_with(is_word_char) {
        return Some((Value::None, 4));
    }
    if let Some((s, len)) = plain_string(text) {
        return Some((Value::Strings(vec![s]), len));
    }
    let close = match text.chars().next()? {
        '(' => ')',
        '[' => ']',
        _ => return None,
    };
    let mut items = Vec::new();
    let mut at = 1;
    loop {
        at += skip_space(&text[at..]);
        if text[at..].starts_with(close) {
            return Some((Value::Strings(items), at + 1));
        }
        let (s, len) = plain_string(&text[at..])?;
        items.push(s);
        at += len;
        at += skip_space(&text[at..]);
        if text[at..].starts_with(',') {
            at += 1;
        } else if !text[at..].starts_with(close) {
            return None;
        }
    }
}

/// Whitespace, newlines and comments inside brackets.
fn skip_space(text: &str) -> usize {
    let mut at = 0;
    loop {
        let rest = &text[at..];
        let trimmed = rest.trim_start();
        at += rest.len() - trimmed.len();
        if trimmed.starts_with('#') {
            at += trimmed.find('\n').unwrap_or(trimmed.len());
        } else {
            return at;
        }
    }
}

/// A one-line string literal without escapes or prefix (`"abc"`, `'abc'`), its value and
/// length; a string followed by another (implicit concatenation) is not plain.
fn plain_string(text: &str) -> Option<(String, usize)> {
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    if text[1..].starts_with(quote) && text[2..].starts_with(quote) {
        return None;
    }
    let body_len = text[1..].find([quote, '\\', '\n'])?;
    if !text[1 + body_len..].starts_with(quote) {
        return None;
    }
    let len = body_len + 2;
    let next = text[len..].trim_start_matches([' ', '\t']);
    if next.starts_with(['"', '\'']) {
        return None;
    }
    Some((text[1..1 + body_len].to_string(), len))
}

/// The module docstring's first non-empty line (`Some(None)` when it has none), when
/// `text` is a docstring this scan can read: `"""..."""` or `'''...'''` without escapes,
/// prefix or anything after it.
fn docstring(text: &str) -> Option<Option<String>> {
    let quote = ["\"\"\"", "'''"].into_iter().find(|q| text.starts_with(q));
    let (body, len) = match quote {
        Some(quote) => {
            let body_len = text[3..].find(quote)?;
            (&text[3..3 + body_len], body_len + 6)
        }
        None => {
            let (_, len) = plain_string(text)?;
            (&text[1..len - 1], len)
        }
    };
    let tail = text[len..].trim_start();
    if body.contains('\\') || !(tail.is_empty() || tail.starts_with('#')) {
        return None;
    }
    let first = body.lines().map(str::trim).find(|l| !l.is_empty());
    Some(first.map(str::to_string))
}

fn leading_word(text: &str) -> &str {
    let end = text.find(|c: char| !is_word_char(c)).unwrap_or(text.len());
    &text[..end]
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Statements that may bind names in a block this scan does not follow.
fn is_compound(word: &str) -> bool {
    matches!(
        word,
        "if" | "try" | "with" | "for" | "while" | "match" | "global" | "del" | "exec"
    )
}

/// Whether `text` names one of the identifiers as a word (in code or a string: either way
/// the file is left to the parse).
fn mentions_identifier(text: &str) -> bool {
    IDENTIFIERS.iter().any(|name| {
        text.match_indices(name).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + name.len()..].chars().next();
            !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
        })
    })
}

/// Where the logical line starting at `start` ends (its newline, or the end of the file):
/// newlines inside brackets, strings and after a backslash continue it. `None` for what
/// this scan does not follow (a string prefix it cannot read the end of, an unclosed
/// bracket or string at the end of the file).
fn statement_end(source: &str, start: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut at = start;
    while at < bytes.len() {
        match bytes[at] {
            b'\n' if depth == 0 => return Some(at),
            b'\\' => at += 1,
            b'#' => {
                at += source[at..].find('\n').unwrap_or(source.len() - at);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.checked_sub(1)?,
            b'"' | b'\'' => {
                at = string_end(bytes, at)?;
                continue;
            }
            _ => {}
        }
        at += 1;
    }
    (depth == 0).then_some(bytes.len())
}

/// The offset just past the string literal whose opening quote is at `at`, or `None`
/// when a byte scan cannot tell (unclosed, a line break in a one-line string, a quote of
/// an f-string's own kind inside one of its replacement fields, as Python 3.12 allows).
/// A backslash escapes the next byte, in a raw string too as far as its end goes. Also
/// the bracket-nesting check's ([`super::check_nesting`]).
pub(super) fn string_end(bytes: &[u8], at: usize) -> Option<usize> {
    let quote = bytes[at];
    // The prefix letter before the quote (f, r, b, u): an f-string's fields are followed.
    let fstring = at > 0 && matches!(bytes[at - 1], b'f' | b'F');
    let triple = bytes.get(at + 1) == Some(&quote) && bytes.get(at + 2) == Some(&quote);
    let (mut i, width) = if triple { (at + 3, 3) } else { (at + 1, 1) };
    let mut fields = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'\n' | b'\r' if !triple => return None,
            b'{' | b'}' if fstring && fields == 0 && bytes.get(i + 1) == Some(&bytes[i]) => i += 1,
            b'{' if fstring => fields += 1,
            b'}' if fstring => fields = fields.saturating_sub(1),
            c if c == quote && fields > 0 => return None,
            c if c == quote && (!triple || bytes[i..].starts_with(&[quote; 3])) => {
                return Some(i + width);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_form_is_read() {
        let source = "\"\"\"add users\n\nRevision ID: b2\nRevises: a1\n\"\"\"\n\
                      from typing import Sequence, Union\n\nfrom alembic import op\n\n\
                      revision: str = \"b2\"\ndown_revision: Union[str, None] = 'a1'\n\
                      branch_labels: Union[str, Sequence[str], None] = None\n\
                      depends_on = (\"x\", 'y',)  # two\n\n\n\
                      def upgrade() -> None:\n    revision = \"not this\"\n    s = \"\"\"\nrevision = 'nor this'\n\"\"\"\n\
                      \x20   op.execute(f\"UPDATE {t} SET a = '{{x}}'\")\n";
        let file = scan(source).expect("plain form");
        assert_eq!(file.message.as_deref(), Some("add users"));
        assert_eq!(file.revision.as_deref(), Some("b2"));
        assert_eq!(file.down_revision, ["a1"]);
        assert!(file.branch_labels.is_empty());
        assert_eq!(file.depends_on, ["x", "y"]);
        let span = file.revision_span.unwrap();
        assert_eq!(&source[span], "\"b2\"");
        let span = file.down_revision_span.unwrap();
        assert_eq!(&source[span], "'a1'");
    }

    #[test]
    fn other_forms_are_left_to_the_parse() {
        for source in [
            "revision = 'a' + 'b'\n",
            "revision = f'{x}'\n",
            "r\"\"\"raw docstring\"\"\"\nrevision = 'a'\n",
            "def upgrade():\n    op.execute(f\"{x[\"a\"]}\")\n",
            "revision = 'a' 'b'\n",
            "revision = 'a\\x41'\n",
            "from ids import revision\n",
            "if True:\n    revision = 'a'\n",
            "revision, down_revision = 'a', None\n",
            "x = revision = 'a'\n",
            "revision += 'a'\n",
            "down_revision = ('a', b)\n",
            "s = (\n",
            "\"\"\"never closed\n",
            "\"\"\"a \\\" b\"\"\"\nrevision = 'a'\n",
        ] {
            assert!(scan(source).is_none(), "{source:?}");
        }
    }

    /// The scan agrees with the parse on every revision file of the repository's tests
    /// and examples it reads (and of the directories in `LOCKSMITH_SCAN_CHECK`, `:`-separated,
    /// by hand on real projects); the share it reads is asserted so that a regression
    /// to "parse everything" shows.
    #[test]
    fn the_scan_agrees_with_the_parse() {
        let mut roots = vec!["tests".to_string(), "examples".to_string()];
        if let Ok(extra) = std::env::var("LOCKSMITH_SCAN_CHECK") {
            roots.extend(extra.split(':').map(str::to_string));
        }
        let (mut scanned, mut total) = (0, 0);
        for root in roots {
            let files = walkdir::WalkDir::new(&root).into_iter().flatten();
            for entry in files.filter(|e| e.path().extension().is_some_and(|x| x == "py")) {
                let Ok(source) = std::fs::read_to_string(entry.path()) else {
                    continue;
                };
                if !source.contains("revision") {
                    continue;
                }
                total += 1;
                let Some(fast) = scan(&source) else {
                    continue;
                };
                scanned += 1;
                let path = entry.path().display();
                let Ok(parsed) = super::super::parse_revision_metadata(&source) else {
                    panic!("{path}: the scan read a file the parse rejects");
                };
                assert_eq!(fast.revision, parsed.revision, "{path}");
                assert_eq!(fast.down_revision, parsed.down_revision, "{path}");
                assert_eq!(fast.branch_labels, parsed.branch_labels, "{path}");
                assert_eq!(fast.depends_on, parsed.depends_on, "{path}");
                assert_eq!(fast.message, parsed.message, "{path}");
                assert_eq!(fast.revision_span, parsed.revision_span, "{path}");
                assert_eq!(fast.down_revision_span, parsed.down_revision_span, "{path}");
            }
        }
        eprintln!("the scan read {scanned} of {total} revision files");
        assert!(
            scanned * 2 > total,
            "the scan read only {scanned} of {total}"
        );
    }
}
