//! The few lines of a source that a human diagnostic shows, cut out once per finding:
//! miette only ever sees this window, so a finding costs the size of its window, not of
//! its file, and a megabyte-long line is shown shortened around the finding. Positions in
//! the header are the ones in the whole file, with columns counted in characters (as in
//! every other output format).

use std::ops::Range;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::source::SourceFile;

/// Lines of context kept around the span: the one on each side that miette shows (it
/// scans the window three times per finding, so no more is cut out).
const CONTEXT_LINES: usize = 1;
/// Longer lines are shortened to about this many characters around the span.
const MAX_LINE_CHARS: usize = 240;
/// How much of a shortened line is kept before the span's start.
const LEAD_CHARS: usize = 40;
const ELLIPSIS: &str = "…";

/// A window of a source file with the span mapped into it.
#[derive(Debug)]
pub struct Snippet {
    name: String,
    text: String,
    /// 0-based line of the window's first line in the file.
    first_line: usize,
    /// The span, as offsets into `text`.
    pub span: Range<usize>,
    /// 0-based line and character column of the span's start in the file.
    start: (usize, usize),
    /// The last window read: miette reads the same span with the same context twice per
    /// finding (to group labels, then to draw them), and each read scans the window.
    last_read: std::sync::Mutex<Option<(Request, Read)>>,
}

/// A span and the context lines asked for around it.
type Request = (usize, usize, usize, usize);

/// What `[u8]::read_span` answered for a [`Request`]: the bytes of the window returned
/// (as a range of the text), their span, and the line, column and line count.
#[derive(Debug, Clone)]
struct Read {
    data: Range<usize>,
    span: SourceSpan,
    line: usize,
    column: usize,
    line_count: usize,
}

impl Snippet {
    pub fn new(source: &SourceFile, span: &Range<usize>) -> Snippet {
        let start = source.position(span.start);
        let end = source.position(span.end.max(span.start));
        let first_line = start.line.saturating_sub(CONTEXT_LINES).max(1);
        let last_line = (end.line + CONTEXT_LINES).min(source.line_count());
        let mut text = String::new();
        let mut mapped = (0, 0);
        for line in first_line..=last_line {
            let line_span = source.line_span(line);
            let full = &source.text[line_span.clone()];
            // Which bytes of the line are kept: all of a short line (no more bytes than the
            // characters shown, so no need to count them); of a long one, a stretch
            // starting a little before the span.
            let (kept_from, kept_to, cut_before, cut_after) = if full.len() <= MAX_LINE_CHARS {
                (0, full.len(), false, false)
            } else {
                let chars = full.chars().count();
                let (from, to) = if chars <= MAX_LINE_CHARS {
                    (0, chars)
                } else {
                    let anchor = if line == start.line {
                        start.column - 1
                    } else {
                        0
                    };
                    let from = anchor.saturating_sub(LEAD_CHARS);
                    (from, (from + MAX_LINE_CHARS).min(chars))
                };
                let byte_of = |char_index: usize| {
                    full.char_indices()
                        .nth(char_index)
                        .map_or(full.len(), |(i, _)| i)
                };
                (byte_of(from), byte_of(to), from > 0, to < chars)
            };
            if cut_before {
                text.push_str(ELLIPSIS);
            }
            let kept_start_in_text = text.len();
            text.push_str(&full[kept_from..kept_to]);
            if cut_after {
                text.push_str(ELLIPSIS);
            }
            // Offsets of this line that the span's ends fall on, clamped to what was kept.
            let file_kept = line_span.start + kept_from..line_span.start + kept_to;
            let map = |offset: usize| {
                kept_start_in_text + offset.clamp(file_kept.start, file_kept.end) - file_kept.start
            };
            if line == start.line {
                mapped.0 = map(span.start);
                mapped.1 = mapped.0;
            }
            if line == end.line {
                mapped.1 = map(span.end.max(span.start)).max(mapped.0);
            }
            text.push('\n');
        }
        Snippet {
            name: source.name.clone(),
            text,
            first_line: first_line - 1,
            span: mapped.0..mapped.1,
            start: (start.line - 1, start.column - 1),
            last_read: Default::default(),
        }
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let request = (
            span.offset(),
            span.len(),
            context_lines_before,
            context_lines_after,
        );
        let mut last_read = self.last_read.lock().unwrap_or_else(|e| e.into_inner());
        let read = match &*last_read {
            Some((asked, read)) if *asked == request => read.clone(),
            _ => {
                let inner = self.text.as_bytes().read_span(
                    span,
                    context_lines_before,
                    context_lines_after,
                )?;
                let start = inner.data().as_ptr() as usize - self.text.as_ptr() as usize;
                let read = Read {
                    data: start..start + inner.data().len(),
                    span: *inner.span(),
                    line: inner.line(),
                    column: inner.column(),
                    line_count: inner.line_count(),
                };
                *last_read = Some((request, read.clone()));
                read
            }
        };
        // miette asks for the span alone (no context) to print the header position.
        let column = if span.offset() == self.span.start && context_lines_before == 0 {
            self.start.1
        } else {
            read.column
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &self.text.as_bytes()[read.data],
            read.span,
            self.first_line + read.line,
            column,
            read.line_count,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_holds_the_span_and_its_context() {
        let source = SourceFile::new("t.sql", "a;\nb;\nc;\nSELECT 'é' FROM x;\nd;\ne;\nf;\n");
        let start = source.text.find("FROM").unwrap();
        let snippet = Snippet::new(&source, &(start..start + 4));
        assert_eq!(snippet.text, "c;\nSELECT 'é' FROM x;\nd;\n");
        assert_eq!(&snippet.text[snippet.span.clone()], "FROM");
        assert_eq!(snippet.first_line, 2);
        // Line 4, character column 12 (the é is one character, two bytes).
        assert_eq!(snippet.start, (3, 11));
    }

    /// The memo of the last read answers as a fresh read would, whatever was read between.
    #[test]
    fn repeated_reads_answer_as_the_first() {
        let source = SourceFile::new("t.sql", "a;\nb;\nSELECT 1\n  FROM x;\nd;\ne;\n");
        let start = source.text.find("SELECT").unwrap();
        let snippet = Snippet::new(&source, &(start..start + 17));
        let read = |offset: usize, len: usize, context: usize| {
            let contents = snippet
                .read_span(&(offset, len).into(), context, context)
                .unwrap();
            let data = String::from_utf8(contents.data().to_vec()).unwrap();
            let span = *contents.span();
            (
                data,
                span,
                contents.line(),
                contents.column(),
                contents.line_count(),
            )
        };
        let span = (snippet.span.start, snippet.span.len());
        let first = read(span.0, span.1, 1);
        assert_eq!(first.0, "b;\nSELECT 1\n  FROM x;\nd;\n");
        assert_eq!(read(span.0, span.1, 1), first);
        let header = read(span.0, span.1, 0);
        assert_eq!((header.2, header.3), (2, 0));
        assert_eq!(read(span.0, span.1, 1), first);
        assert_eq!(read(span.0, span.1, 0), header);
    }

    #[test]
    fn a_long_line_is_shortened_around_the_span() {
        let long = format!("SELECT {} FROM t WHERE x = 1;", "1, ".repeat(100_000));
        let source = SourceFile::new("t.sql", long.as_str());
        let start = source.text.find("WHERE").unwrap();
        let snippet = Snippet::new(&source, &(start..source.text.len() - 1));
        assert!(snippet.text.len() < 1_000, "{}", snippet.text.len());
        assert!(snippet.text.starts_with(ELLIPSIS));
        assert_eq!(&snippet.text[snippet.span.clone()], "WHERE x = 1");
        // A span over the whole long line is cut to what is shown.
        let snippet = Snippet::new(&source, &(0..source.text.len()));
        assert!(snippet.text.ends_with(&format!("{ELLIPSIS}\n")));
        assert!(snippet.span.len() <= MAX_LINE_CHARS * 4);
    }
}
