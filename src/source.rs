//! Source files as the user wrote them, and the one place where byte offsets become
//! line/column positions.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use crate::convention::{self, RunnerTransaction};
use crate::mentions::Mentions;

/// A file (or stdin) read into memory, with the offsets of its line starts. Cheap to
/// clone: a report keeps its file's text, which the file's other holders share.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown to the user: the path as given on the command line, or `<stdin>`.
    pub name: String,
    pub text: Arc<String>,
    /// What the text is written in, from the file name: `.py` is an Alembic revision.
    pub language: Language,
    /// 32 bits: a huge file has millions of lines ([`SourceFile::from_bytes`] refuses a
    /// file of 4 GiB or more).
    line_starts: Arc<Vec<u32>>,
    /// The characters before every [`CHAR_BLOCK`]-th byte (and the end), made when a column
    /// is first asked for far into a long line: such a column is counted from its block,
    /// not from its line's start, which on a line of thousands of statements (minified
    /// SQL) made the columns of its findings quadratic. Shared by clones, as the text is.
    char_blocks: Arc<std::sync::OnceLock<Vec<usize>>>,
    /// Which rare words the text mentions, found when first asked ([`Self::mentions`]).
    mentions: std::sync::OnceLock<Mentions>,
}

/// The language a migration source is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Sql,
    Python,
}

/// A 1-based line and column (column counted in characters, as editors do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// An input that could not be used (unreadable, not UTF-8, not a migration project):
/// exit code 2, while the other inputs are still linted and reported.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InputError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

/// The bytes of text a [`SourceFile`]'s character count is kept for, in a long line.
const CHAR_BLOCK: usize = 4096;

/// The UTF-8 characters that start in `bytes` (the bytes that are not continuation bytes).
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let after_newlines = memchr::memchr_iter(b'\n', text.as_bytes())
            .map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX));
        let line_starts = std::iter::once(0)
            .chain(after_newlines)
            .collect::<Vec<_>>()
            .into();
        let name = name.into();
        let language = if name.ends_with(".py") {
            Language::Python
        } else {
            Language::Sql
        };
        SourceFile {
            name,
            text: Arc::new(text),
            language,
            line_starts,
            char_blocks: Default::default(),
            mentions: Default::default(),
        }
    }

    /// Which of the words that make a stage read the text closely it mentions (templates,
    /// suppression comments, section markers), found in one pass over it.
    pub fn mentions(&self) -> Mentions {
        *self.mentions.get_or_init(|| Mentions::of(&self.text))
    }

    /// The byte ranges of the text's up or down sections ([`convention::sections`]).
    pub fn sections(&self, down: bool) -> Vec<Range<usize>> {
        match self.mentions().section_marker {
            true => convention::sections(&self.text, down),
            false => Vec::new(),
        }
    }

    /// The text of its up or down sections, the rest blanked ([`convention::section_text`]);
    /// `None` when it has none.
    pub fn section_text(&self, down: bool) -> Option<String> {
        (self.mentions().section_marker)
            .then(|| convention::section_text(&self.text, down))
            .flatten()
    }

    /// The characters of the text before `offset` (a character boundary).
    fn chars_before(&self, offset: usize) -> usize {
        let blocks = self.char_blocks.get_or_init(|| {
            let mut blocks = Vec::with_capacity(self.text.len() / CHAR_BLOCK + 2);
            let mut chars = 0;
            for block in self.text.as_bytes().chunks(CHAR_BLOCK) {
                blocks.push(chars);
                chars += count_chars(block);
            }
            blocks.push(chars);
            blocks
        });
        let block = offset / CHAR_BLOCK;
        blocks[block] + count_chars(&self.text.as_bytes()[block * CHAR_BLOCK..offset])
    }

    /// The transaction the migration tool runs this file (its down sections, with `down`)
    /// in, by a convention of its name or text ([`convention::runner_transaction`]); never
    /// for Python, whose strings may hold anything.
    pub fn runner_transaction(&self, down: bool) -> Option<RunnerTransaction> {
        (self.language == Language::Sql)
            .then(|| {
                let markers = self.mentions().section_marker;
                convention::runner_transaction_known(&self.name, &self.text, down, markers)
            })
            .flatten()
    }

    /// Reads a file, rejecting content that is not UTF-8 (naming the first bad line).
    pub fn read(path: &Path, name: &str) -> Result<SourceFile, InputError> {
        let bytes = std::fs::read(path).map_err(|e| InputError {
            file: name.to_string(),
            line: None,
            message: format!("cannot read file: {e}"),
        })?;
        Self::from_bytes(name, bytes)
    }

    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Result<SourceFile, InputError> {
        if u32::try_from(bytes.len()).is_err() {
            return Err(InputError {
                file: name.to_string(),
                line: None,
                message: "file too large: locksmith reads files under 4 GiB".into(),
            });
        }
        match String::from_utf8(bytes) {
            Ok(text) => Ok(SourceFile::new(name, text)),
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let line = e.as_bytes()[..valid]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1;
                Err(InputError {
                    file: name.to_string(),
                    line: Some(line),
                    message: format!(
                        "file is not valid UTF-8 (first invalid byte at offset {valid}); \
                         re-encode it as UTF-8"
                    ),
                })
            }
        }
    }

    /// Line and column of a byte offset (clamped to the text).
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line_index = (self.line_starts).partition_point(|&start| start as usize <= offset) - 1;
        let line_start = self.line_starts[line_index] as usize;
        let offset = floor_char_boundary(&self.text, offset);
        let column = if offset - line_start <= 2 * CHAR_BLOCK {
            self.text[line_start..offset].chars().count()
        } else {
            self.chars_before(offset) - self.chars_before(line_start)
        } + 1;
        Position {
            line: line_index + 1,
            column,
        }
    }

    /// Start and end positions of a span; the end is inclusive of the last character.
    pub fn range_positions(&self, span: &Range<usize>) -> (Position, Position) {
        let start = self.position(span.start);
        let end = if span.end > span.start {
            self.position(span.end - 1)
        } else {
            start
        };
        (start, end)
    }

    /// Number of lines (a final newline does not start another one, unless it is all there is).
    pub fn line_count(&self) -> usize {
        let trailing = usize::from(self.text.ends_with('\n') && self.line_starts.len() > 1);
        self.line_starts.len() - trailing
    }

    /// Byte range of the 1-based line `line`, without its newline.
    pub fn line_span(&self, line: usize) -> Range<usize> {
        let line = line.clamp(1, self.line_starts.len());
        let start = self.line_starts[line - 1] as usize;
        // Up to the next line's start, its `\n` left out; the last line, to the end.
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&next| next as usize - 1);
        start..end
    }
}

pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_sources_follow_no_runner_convention() {
        let goose = "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n";
        assert!(
            SourceFile::new("db/1.sql", goose)
                .runner_transaction(false)
                .is_some()
        );
        assert_eq!(
            SourceFile::new("versions/1.py", goose).runner_transaction(false),
            None
        );
    }

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let file = SourceFile::new("a.sql", "select 1;\n-- é\nselect 2;");
        assert_eq!(file.position(0), Position { line: 1, column: 1 });
        assert_eq!(file.position(10), Position { line: 2, column: 1 });
        // "é" is two bytes; the column after it is 5, not 6.
        let after = file.text.find("\nselect 2").unwrap();
        assert_eq!(file.position(after), Position { line: 2, column: 5 });
        assert_eq!(file.position(1000).line, 3);
    }

    #[test]
    fn long_lines_have_the_columns_and_spans_counting_would_give() {
        // Lines of mixed one- to four-byte characters, some past the blocks a long line's
        // columns are counted from, some short, their lengths near the blocks' sizes.
        let mut next = crate::test_rng::seeded(7);
        let pieces = ["a", "é", "€", "𝄞", " ", ";"];
        let mut text = String::new();
        for _ in 0..12 {
            let length = [10, CHAR_BLOCK - 1, 2 * CHAR_BLOCK + 3, 7 * CHAR_BLOCK][next(4)];
            let line_start = text.len();
            while text.len() - line_start < length {
                text.push_str(pieces[next(pieces.len())]);
            }
            text.push('\n');
        }
        let file = SourceFile::new("long.sql", text.clone());
        for line in 0..=file.line_starts.len() + 1 {
            let start = file.line_starts[line.clamp(1, file.line_starts.len()) - 1] as usize;
            let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            assert_eq!(file.line_span(line), start..end, "line {line}");
        }
        for offset in (0..=text.len()).step_by(97).chain([text.len()]) {
            let offset = floor_char_boundary(&text, offset);
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let expected = text[line_start..offset].chars().count() + 1;
            assert_eq!(file.position(offset).column, expected, "at {offset}");
        }
    }

    #[test]
    fn non_utf8_names_the_line() {
        let err =
            SourceFile::from_bytes("x.sql", b"select 1;\nselect '\xff';".to_vec()).unwrap_err();
        assert_eq!(err.line, Some(2));
    }
}
