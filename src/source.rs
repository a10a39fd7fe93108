//! Source files as the user wrote them, and the one place where byte offsets become
//! line/column positions.

use std::ops::Range;
use std::path::Path;

use crate::convention::{self, RunnerTransaction};

/// A file (or stdin) read into memory, with the offsets of its line starts.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown to the user: the path as given on the command line, or `<stdin>`.
    pub name: String,
    pub text: String,
    /// What the text is written in, from the file name: `.py` is an Alembic revision.
    pub language: Language,
    line_starts: Vec<usize>,
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

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let name = name.into();
        let language = if name.ends_with(".py") {
            Language::Python
        } else {
            Language::Sql
        };
        SourceFile {
            name,
            text,
            language,
            line_starts,
        }
    }

    /// The transaction the migration tool runs this file (its down sections, with `down`)
    /// in, by a convention of its name or text ([`convention::runner_transaction`]); never
    /// for Python, whose strings may hold anything.
    pub fn runner_transaction(&self, down: bool) -> Option<RunnerTransaction> {
        (self.language == Language::Sql)
            .then(|| convention::runner_transaction(&self.name, &self.text, down))
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
        let line_index = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = self.line_starts[line_index];
        let column = self.text[line_start..floor_char_boundary(&self.text, offset)]
            .chars()
            .count()
            + 1;
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
        let start = self.line_starts[line.clamp(1, self.line_starts.len()) - 1];
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
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
    fn non_utf8_names_the_line() {
        let err =
            SourceFile::from_bytes("x.sql", b"select 1;\nselect '\xff';".to_vec()).unwrap_err();
        assert_eq!(err.line, Some(2));
    }
}
