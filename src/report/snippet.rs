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
/// A snippet's text is sized for its lines up to this many bytes (more is rare, and a
/// huge statement's lines are cut anyway).
const SIZED_UP_TO: usize = 4096;

/// A window of a source file with the span mapped into it.
#[derive(Debug)]
pub struct Snippet<'a> {
    name: &'a str,
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

/// The answer to a [`Request`] ([`context_info`]): the bytes of the window returned (as a
/// range of the text), their span, and the line, column and line count.
#[derive(Debug, Clone)]
struct Read {
    data: Range<usize>,
    span: SourceSpan,
    line: usize,
    column: usize,
    line_count: usize,
}

impl<'a> Snippet<'a> {
    pub fn new(source: &'a SourceFile, span: &Range<usize>) -> Snippet<'a> {
        let start = source.position(span.start);
        let end = source.position(span.end.max(span.start));
        let first_line = start.line.saturating_sub(CONTEXT_LINES).max(1);
        let last_line = (end.line + CONTEXT_LINES).min(source.line_count());
        // Sized once for the lines shown (a long line is cut to fewer bytes than it has):
        // grown by doubling, it was most of the reallocations of drawing a finding.
        let window = source.line_span(first_line).start..source.line_span(last_line).end;
        let mut text = String::with_capacity(window.len().min(SIZED_UP_TO));
        let mut mapped = (0, 0);
        for line in first_line..=last_line {
            let line_span = source.line_span(line);
            let full = &source.text[line_span.clone()];
            // Which bytes of the line are kept: all of a short line (no more bytes than the
            // characters shown, so no need to count them); of a long one, a stretch
            // starting a little before the span.
            // The stretch is walked from the span's start, not counted from the line's: a
            // line of thousands of statements (minified SQL) has a finding every few bytes,
            // and counting each one's line made its rendering quadratic.
            let short =
                |text: &str| text.chars().take(MAX_LINE_CHARS + 1).count() <= MAX_LINE_CHARS;
            let (kept_from, kept_to) = if full.len() <= MAX_LINE_CHARS || short(full) {
                (0, full.len())
            } else {
                let anchor = if line == start.line {
                    crate::source::floor_char_boundary(
                        full,
                        span.start.saturating_sub(line_span.start),
                    )
                } else {
                    0
                };
                let from = (full[..anchor].char_indices().rev())
                    .nth(LEAD_CHARS - 1)
                    .map_or(0, |(i, _)| i);
                let to = (full[from..].char_indices())
                    .nth(MAX_LINE_CHARS)
                    .map_or(full.len(), |(i, _)| from + i);
                (from, to)
            };
            let (cut_before, cut_after) = (kept_from > 0, kept_to < full.len());
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
            name: &source.name,
            text,
            first_line: first_line - 1,
            span: mapped.0..mapped.1,
            start: (start.line - 1, start.column - 1),
            last_read: Default::default(),
        }
    }
}

/// The lines miette reads around a snippet's span: their bytes in the snippet's text, and
/// the 0-based file line of the first.
pub struct Window {
    pub data: Range<usize>,
    pub line: usize,
}

impl Snippet<'_> {
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn name(&self) -> &str {
        self.name
    }

    /// What miette reads for the span with `context` lines on each side (as
    /// [`SourceCode::read_span`] answers it); `None` where miette gets an error.
    pub fn window(&self, context: usize) -> Option<Window> {
        let span = (self.span.start, self.span.len()).into();
        let read = context_info(self.text.as_bytes(), &span, context, context)?;
        Some(Window {
            data: read.data,
            line: self.first_line + read.line,
        })
    }

    /// The 0-based line and character column miette's header gives for the span (it
    /// reads the span without context).
    pub fn header_position(&self) -> Option<(usize, usize)> {
        Some((self.window(0)?.line, self.start.1))
    }
}

impl SourceCode for Snippet<'_> {
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
                let read = context_info(
                    self.text.as_bytes(),
                    span,
                    context_lines_before,
                    context_lines_after,
                )
                .ok_or(MietteError::OutOfBounds)?;
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
            self.name.to_string(),
            &self.text.as_bytes()[read.data],
            read.span,
            self.first_line + read.line,
            column,
            read.line_count,
        )))
    }
}

/// What miette's `<[u8] as SourceCode>::read_span` answers, worked out a line at a time
/// where miette steps through every byte (its rules kept exactly, quirks included: a
/// column counts bytes, `\r`, `\n` and `\r\n` each end a line, an empty span ends one
/// byte early). `None` where miette answers `OutOfBounds`. A test compares the two.
fn context_info(input: &[u8], span: &SourceSpan, before: usize, after: usize) -> Option<Read> {
    let (span_start, span_len) = (span.offset(), span.len());
    // Where miette's two tests put the span's end: they differ for an empty span.
    let end_for_newlines = span_start + span_len.saturating_sub(1);
    let end = (span_start + span_len).saturating_sub(1);
    let mut offset = 0;
    let mut line_count = 0;
    let mut start_line = 0;
    let mut start_column = 0;
    let mut before_starts = std::collections::VecDeque::with_capacity(before + 1);
    let mut line_start = 0;
    let mut end_lines = 0;
    let mut post_span = false;
    let mut post_span_newline = false;
    while offset < input.len() {
        // The bytes up to the next line end, at once.
        let run_end =
            memchr::memchr2(b'\n', b'\r', &input[offset..]).map_or(input.len(), |i| offset + i);
        if offset < run_end {
            start_column += span_start.min(run_end).saturating_sub(offset);
            let first_past = end.max(offset);
            if first_past < run_end {
                post_span = true;
                if end_lines >= after {
                    offset = first_past + 1;
                    break;
                }
            }
            offset = run_end;
            if offset == input.len() {
                break;
            }
        }
        // The line end at `offset` (a `\r\n` counts at its `\n`).
        if input[offset] == b'\r' && input.get(offset + 1) == Some(&b'\n') {
            offset += 1;
        }
        line_count += 1;
        if offset < span_start {
            start_column = 0;
            before_starts.push_back(line_start);
            if before_starts.len() > before {
                start_line += 1;
                before_starts.pop_front();
            }
        } else if offset >= end_for_newlines && post_span {
            start_column = 0;
            if post_span_newline {
                end_lines += 1;
            } else {
                post_span_newline = true;
            }
            if end_lines >= after {
                offset += 1;
                break;
            }
        }
        line_start = offset + 1;
        if offset >= end {
            post_span = true;
            if end_lines >= after {
                offset += 1;
                break;
            }
        }
        offset += 1;
    }
    if offset < end {
        return None;
    }
    let start = match before_starts.front() {
        Some(&start) => start,
        None if before == 0 => span_start,
        None => 0,
    };
    Some(Read {
        data: start..offset,
        span: (start, offset.checked_sub(start)?).into(),
        line: start_line,
        column: if before == 0 { start_column } else { 0 },
        line_count,
    })
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

    /// [`context_info`] answers as miette's own byte-by-byte `read_span` does, on texts
    /// of every kind of line end and of multi-byte characters, for every span inside the
    /// text (empty ones and ones at its edges too), with 0 to 3 context lines.
    #[test]
    fn context_info_answers_as_miette_does() {
        let pieces: [&[u8]; 6] = [b"a", b"bc", "é".as_bytes(), b"\n", b"\r", b"\r\n"];
        let mut next = crate::test_rng::seeded(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let mut text = Vec::new();
            for _ in 0..next(24) {
                text.extend_from_slice(pieces[next(pieces.len())]);
            }
            // Spans inside the text, as miette asks for (past the end it panics).
            let offset = next(text.len() + 1);
            let len = next(text.len() - offset + 1);
            let (before, after) = (next(4), next(4));
            let span: SourceSpan = (offset, len).into();
            let ours = context_info(&text, &span, before, after);
            let theirs = text.as_slice().read_span(&span, before, after);
            match (ours, theirs) {
                (None, Err(_)) => {}
                (Some(ours), Ok(theirs)) => {
                    let case = format!("{text:?} {offset}+{len} context {before}/{after}");
                    assert_eq!(&text[ours.data.clone()], theirs.data(), "{case}");
                    assert_eq!(ours.span, *theirs.span(), "{case}");
                    assert_eq!(ours.line, theirs.line(), "{case}");
                    assert_eq!(ours.column, theirs.column(), "{case}");
                    assert_eq!(ours.line_count, theirs.line_count(), "{case}");
                }
                (ours, theirs) => panic!(
                    "{text:?} {offset}+{len} context {before}/{after}: ours {:?}, miette's is_ok {}",
                    ours.map(|r| r.data),
                    theirs.is_ok()
                ),
            }
        }
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
