//! A finding for people without colors, drawn directly: the bytes miette's graphical
//! handler writes for locksmith's diagnostics (one primary label, unicode characters, no
//! styles, no wrapping), without its general machinery. Rendering was a fifth of a file
//! list's instructions, nearly all of it miette's; this draws the same text in a fraction.
//!
//! It draws only what it can reproduce exactly: a window of ASCII text without tabs or
//! `\r`, a one-line label. Anything else (and colored output) is left to miette, and a
//! test compares the two on generated cases.

use miette::ThemeCharacters;

use super::snippet::Snippet;

/// What one diagnostic shows.
pub struct Parts<'a> {
    /// The rule's id; its doc is `rules/<code>.md`.
    pub code: &'a str,
    /// The indent of the message's first line: the severity's character of the theme
    /// ([`Theme::icon`]).
    pub icon: &'a str,
    pub message: &'a str,
    pub label: &'a str,
    pub help: Option<&'a str>,
}

/// The characters miette would draw with, and the strings every diagnostic repeats, made
/// once for many diagnostics.
pub struct Theme {
    pub chars: ThemeCharacters,
    /// "  × ", "  ⚠ " and "  ☞ ": the first line of an error's, a warning's and an
    /// advice's message.
    icons: [String; 3],
    /// The indent of a message's other lines.
    rest: String,
    /// The underline character, [`RUN`] times: underlines are cut from it.
    underlines: String,
}

/// How many characters of a run are drawn from a string made beforehand.
const RUN: usize = 256;
const SPACES: &str = match str::from_utf8(&[b' '; RUN]) {
    Ok(spaces) => spaces,
    Err(_) => panic!(),
};

impl Theme {
    pub fn new(chars: ThemeCharacters) -> Theme {
        let icon = |icon: &str| format!("  {icon} ");
        Theme {
            icons: [
                icon(&chars.error),
                icon(&chars.warning),
                icon(&chars.advice),
            ],
            rest: format!("  {} ", chars.vbar),
            underlines: std::iter::repeat_n(chars.underline, RUN).collect(),
            chars,
        }
    }

    /// The indent of the first line of a message of `severity`; `None` stands for an
    /// error, as miette draws a diagnostic without a severity.
    pub fn icon(&self, severity: Option<miette::Severity>) -> &str {
        match severity {
            Some(miette::Severity::Error) | None => &self.icons[0],
            Some(miette::Severity::Warning) => &self.icons[1],
            Some(miette::Severity::Advice) => &self.icons[2],
        }
    }

    fn underline(&self, out: &mut String, count: usize) {
        match count {
            0..=RUN => out.push_str(&self.underlines[..count * self.chars.underline.len_utf8()]),
            _ => out.extend(std::iter::repeat_n(self.chars.underline, count)),
        }
    }
}

/// Appends the diagnostic to `out` as miette draws it with the characters of `theme`
/// (those of the theme miette would use); `false` (and `out` untouched) when it is not one
/// this module draws.
pub fn draw(parts: &Parts, theme: &Theme, snippet: &Snippet, out: &mut String) -> bool {
    let window = snippet.text();
    if !window.is_ascii()
        || memchr::memchr2(b'\t', b'\r', window.as_bytes()).is_some()
        || memchr::memchr(b'\n', parts.label.as_bytes()).is_some()
    {
        return false;
    }
    let mark = out.len();
    if draw_checked(parts, theme, snippet, out).is_none() {
        out.truncate(mark);
        return false;
    }
    true
}

/// One line of the window: miette's `Line` (its length counts the line end).
struct Line<'a> {
    number: usize,
    offset: usize,
    length: usize,
    text: &'a str,
}

/// The label's span, with miette's tests of where it falls.
#[derive(Clone, Copy)]
struct Label {
    offset: usize,
    len: usize,
}

impl Label {
    fn end(self) -> usize {
        self.offset + self.len
    }
    /// The length miette's `span_applies` tests use: an empty span covers one byte.
    fn shown_end(self) -> usize {
        self.offset + self.len.max(1)
    }
}

impl Line<'_> {
    fn end(&self) -> usize {
        self.offset + self.length
    }
    fn holds_only(&self, l: Label) -> bool {
        l.offset >= self.offset && l.end() <= self.end()
    }
    fn starts_in(&self, l: Label) -> bool {
        l.offset >= self.offset && l.offset < self.end()
    }
    fn ends_in_shown(&self, l: Label) -> bool {
        l.shown_end() > self.offset && l.shown_end() <= self.end()
    }
    fn applies(&self, l: Label) -> bool {
        self.starts_in(l)
            || (l.offset < self.offset && l.shown_end() > self.end())
            || self.ends_in_shown(l)
    }
    fn applies_gutter(&self, l: Label) -> bool {
        self.applies(l) && !(self.starts_in(l) && self.ends_in_shown(l))
    }
    fn flyby(&self, l: Label) -> bool {
        l.offset < self.offset && l.end() > self.end()
    }
    fn starts(&self, l: Label) -> bool {
        l.offset >= self.offset
    }
    fn ends(&self, l: Label) -> bool {
        l.end() >= self.offset && l.end() <= self.end()
    }
    /// miette's `visual_offset` for ASCII text without tabs.
    fn column(&self, offset: usize) -> usize {
        let index = offset - self.offset;
        if index > self.text.len() {
            self.text.len() + 1
        } else {
            index
        }
    }
}

fn draw_checked(parts: &Parts, theme: &Theme, snippet: &Snippet, out: &mut String) -> Option<()> {
    let chars = &theme.chars;
    // Header and message.
    out.push_str(parts.code);
    out.push_str(" (rules/");
    out.push_str(parts.code);
    out.push_str(".md)\n\n");
    indented(parts.message, parts.icon, &theme.rest, out);
    out.push('\n');

    // The snippet: the label's window with a line of context on each side.
    let label = Label {
        offset: snippet.span.start,
        len: snippet.span.len(),
    };
    let context = snippet.window(1)?;
    let data = &snippet.text()[context.data.clone()];
    let lines = lines_of(data, context.data.start, context.line);
    let max_gutter = usize::from(
        (lines.iter()).any(|line| !line.holds_only(label) && line.applies_gutter(label)),
    );
    let linum_width = digits(lines.last().map_or(0, |line| line.number));
    let (line, column) = snippet.header_position()?;
    pad(out, linum_width + 2);
    out.push(chars.ltop);
    out.push(chars.hbar);
    out.push('[');
    out.push_str(snippet.name());
    out.push(':');
    push_number(out, line + 1);
    out.push(':');
    push_number(out, column + 1);
    out.push_str("]\n");
    for line in &lines {
        out.push(' ');
        pad(out, linum_width - digits(line.number));
        push_number(out, line.number);
        out.push(' ');
        out.push(chars.vbar);
        out.push(' ');
        line_gutter(out, chars, max_gutter, line, label);
        out.push_str(line.text);
        out.push('\n');
        if !line.applies(label) {
            continue;
        }
        if line.holds_only(label) {
            no_linum(out, chars, linum_width);
            highlight_gutter(out, chars, max_gutter, line, label);
            let gutter = Gutter {
                linum_width,
                max: max_gutter,
                theme,
            };
            single_line_highlight(out, line, label, parts.label, gutter);
        } else if line.ends(label) && !line.starts(label) {
            no_linum(out, chars, linum_width);
            highlight_gutter(out, chars, max_gutter, line, label);
            out.push(chars.hbar);
            out.push(' ');
            out.push_str(parts.label);
            out.push('\n');
        }
    }
    pad(out, linum_width + 2);
    out.push(chars.lbot);
    for _ in 0..4 {
        out.push(chars.hbar);
    }
    out.push('\n');

    if let Some(help) = parts.help {
        indented(help, "  help: ", "        ", out);
        out.push('\n');
    }
    Some(())
}

/// miette's `get_lines` for ASCII text without `\r`: the window's lines, numbered from
/// 1, each with its offset in the snippet and its length with the line end.
fn lines_of(data: &str, start: usize, first_line: usize) -> Vec<Line<'_>> {
    let mut lines = Vec::with_capacity(memchr::memchr_iter(b'\n', data.as_bytes()).count() + 1);
    let mut number = first_line;
    let mut at = 0;
    while at < data.len() {
        let (text_end, next) = match memchr::memchr(b'\n', &data.as_bytes()[at..]) {
            Some(i) => (at + i, at + i + 1),
            None => (data.len(), data.len()),
        };
        // A line's number is counted as its end is passed (miette adds one at the end
        // of the data too, unless the data ends with a line end).
        number += 1;
        lines.push(Line {
            number,
            offset: start + at,
            length: next - at,
            text: &data[at..text_end],
        });
        at = next;
    }
    lines
}

/// `render_line_gutter` for one label.
fn line_gutter(
    out: &mut String,
    chars: &ThemeCharacters,
    max_gutter: usize,
    line: &Line,
    label: Label,
) {
    if max_gutter == 0 {
        return;
    }
    if !line.applies_gutter(label) {
        pad(out, 3 + max_gutter);
    } else if line.starts(label) || line.ends(label) {
        out.push(if line.starts(label) {
            chars.ltop
        } else {
            chars.lcross
        });
        for _ in 0..max_gutter {
            out.push(chars.hbar);
        }
        out.push(chars.rarrow);
        // 1 + max_gutter - (max_gutter + 2), saturated.
        out.push(' ');
    } else if line.flyby(label) {
        out.push(chars.vbar);
        pad(out, 3 + max_gutter - 1);
    } else {
        pad(out, 1 + 3 + max_gutter - 1);
    }
}

/// `render_highlight_gutter` in its single-line mode, for one label.
fn highlight_gutter(
    out: &mut String,
    chars: &ThemeCharacters,
    max_gutter: usize,
    line: &Line,
    label: Label,
) {
    if max_gutter == 0 {
        return;
    }
    let mut columns = 0;
    if line.applies_gutter(label) {
        if !line.holds_only(label) && line.ends(label) {
            out.push(chars.lbot);
            for _ in 0..max_gutter + 2 {
                out.push(chars.hbar);
            }
            columns = max_gutter + 3;
        } else {
            out.push(chars.vbar);
            columns = 1;
        }
    }
    pad(out, (max_gutter + 3).saturating_sub(columns));
}

/// `render_single_line_highlights` for one labelled span: the underline, then the label
/// below its middle (`write_label_text`).
fn single_line_highlight(out: &mut String, line: &Line, label: Label, text: &str, gutter: Gutter) {
    let chars = &gutter.theme.chars;
    let start = line.column(label.offset);
    let end = if label.len == 0 {
        start + 1
    } else {
        line.column(label.end()).max(start + 1)
    };
    let middle = (start + end) / 2;
    pad(out, start);
    gutter.theme.underline(out, middle.saturating_sub(start));
    out.push(if label.len == 0 {
        chars.uarrow
    } else {
        chars.underbar
    });
    gutter.theme.underline(out, end.saturating_sub(middle + 1));
    out.push('\n');
    no_linum(out, chars, gutter.linum_width);
    highlight_gutter(out, chars, gutter.max, line, label);
    pad(out, middle);
    out.push(chars.lbot);
    out.push(chars.hbar);
    out.push(chars.hbar);
    out.push(' ');
    out.push_str(text);
    out.push('\n');
}

/// What is left of a line's text: the line numbers' width, how many labels' gutters, and
/// the characters they are drawn with.
#[derive(Clone, Copy)]
struct Gutter<'a> {
    linum_width: usize,
    max: usize,
    theme: &'a Theme,
}

/// miette's `wrap` without wrapping: each line of `text` after its indent (a blank line
/// gets the indent without its trailing spaces).
fn indented(text: &str, initial: &str, subsequent: &str, out: &mut String) {
    // The lines of `split_terminator('\n')`, found with memchr: most texts are a line or
    // two, and a `char` pattern's searcher cost more than the copying.
    let mut indent = initial;
    let mut at = 0;
    while at < text.len() {
        let end = memchr::memchr(b'\n', &text.as_bytes()[at..]).map_or(text.len(), |i| at + i);
        let line = &text[at..end];
        if at > 0 {
            out.push('\n');
        }
        // Blank when `trim` would leave nothing (it trims `char::is_whitespace`), found
        // at the first character of most lines.
        out.push_str(if line.chars().all(char::is_whitespace) {
            indent.trim_end()
        } else {
            indent
        });
        out.push_str(line);
        indent = subsequent;
        at = end + 1;
    }
    if text.ends_with('\n') {
        out.push('\n');
    }
}

fn no_linum(out: &mut String, chars: &ThemeCharacters, linum_width: usize) {
    pad(out, linum_width + 2);
    out.push(chars.vbar_break);
    out.push(' ');
}

fn pad(out: &mut String, spaces: usize) {
    match spaces {
        0..=RUN => out.push_str(&SPACES[..spaces]),
        _ => out.extend(std::iter::repeat_n(' ', spaces)),
    }
}

fn digits(mut n: usize) -> usize {
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}

fn push_number(out: &mut String, mut n: usize) {
    // Its digits from the last, without the formatting machinery.
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&digit| char::from(digit)));
}
