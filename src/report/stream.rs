//! A lint report written while the run streams: each batch of files is rendered in
//! parallel into its format's text as soon as it is linted, and the reports are dropped.
//! Human output goes straight to its writer; the other formats keep only their text
//! (their head needs the whole run's errors or counts) and are put together at the end,
//! byte for byte as the `render` functions print them. Their findings go to temporary
//! files past [`SPILL_AT`] bytes, so that a long run's memory does not grow with its
//! output.

use std::io::Write;

use rayon::prelude::*;

use super::{github, gitlab, human, json, markdown, sarif};
use crate::diagnostic::Finding;
use crate::lint::FileReport;
use crate::run::{RunResult, Tally};

pub enum Format {
    Human(human::Style),
    Json,
    Github,
    Sarif,
    Markdown,
    Gitlab,
}

pub struct Stream<'w> {
    format: Format,
    /// Where human output goes as it is rendered.
    direct: Option<&'w mut dyn Write>,
    parts: Vec<String>,
    /// Markdown's second section (the help of each finding).
    details: Vec<String>,
    /// The bytes in `parts`.
    held: usize,
    /// Parts (and Markdown's details) written out already, when there were too many to
    /// hold: a file per section of the document.
    spills: [Option<Spill>; 2],
    spill_at: usize,
}

/// The bytes of findings text a document holds in memory before it writes them to
/// temporary files.
pub const SPILL_AT: usize = 16 << 20;

/// Parts of a document written to a temporary file (deleted when dropped), joined as the
/// document joins them.
pub struct Spill {
    file: std::fs::File,
    path: std::path::PathBuf,
}

impl Spill {
    fn create() -> std::io::Result<Spill> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("locksmith-{}-{n}.part", std::process::id());
        let path = std::env::temp_dir().join(name);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(Spill { file, path })
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// What is left to write once the run is over ([`Stream::finish`]).
pub enum Finished {
    Text(String),
    /// A document whose findings are partly in temporary files, in order.
    Spilled(Vec<Piece>),
}

pub enum Piece {
    Text(String),
    File(Spill),
}

impl Finished {
    pub fn write_to(self, out: &mut dyn Write) -> std::io::Result<()> {
        let pieces = match self {
            Finished::Text(text) => return out.write_all(text.as_bytes()),
            Finished::Spilled(pieces) => pieces,
        };
        for piece in pieces {
            match piece {
                Piece::Text(text) => out.write_all(text.as_bytes())?,
                Piece::File(mut spill) => {
                    use std::io::Seek;
                    spill.file.seek(std::io::SeekFrom::Start(0))?;
                    std::io::copy(&mut std::io::BufReader::new(&spill.file), out)?;
                }
            }
        }
        Ok(())
    }
}

impl<'w> Stream<'w> {
    /// With `direct`, human output is written there batch by batch (other formats ignore it).
    pub fn new(format: Format, direct: Option<&'w mut dyn Write>) -> Self {
        let direct = direct.filter(|_| matches!(format, Format::Human(_)));
        Stream {
            format,
            direct,
            parts: Vec::new(),
            details: Vec::new(),
            held: 0,
            spills: [None, None],
            spill_at: SPILL_AT,
        }
    }

    pub fn files(&mut self, files: &[FileReport]) {
        let format = &self.format;
        if let (Format::Human(style), Some(out)) = (format, &mut self.direct) {
            return write_human(files, style, &mut **out);
        }
        // Only human output is written directly (see `new`): the rest keep their text, a
        // group of slices at a time, and spill it as it grows (a huge file's findings too).
        // GitLab numbers a file's findings (their fingerprints): a file is its one slice.
        let whole_files = matches!(format, Format::Gitlab);
        let slices = slices(files, if whole_files { usize::MAX } else { SLICE });
        for group in slices.chunks(SPILL_GROUP) {
            let format = &self.format;
            let parts: Vec<(String, String)> = (group.par_iter())
                .map(|(file, findings)| part(format, file, findings))
                .collect();
            for (text, details) in parts {
                if !text.is_empty() || !details.is_empty() {
                    self.held += text.len() + details.len();
                    self.parts.push(text);
                    self.details.push(details);
                }
            }
            if self.held > self.spill_at {
                self.spill_parts();
            }
        }
    }

    /// Writes out what the direct writer buffered (human output).
    pub fn flush(&mut self) {
        if let Some(out) = &mut self.direct {
            let _ = out.flush();
        }
    }

    /// Appends the parts held (and Markdown's details) to the temporary files; a part
    /// that cannot be written (no file, a full disk) stays in memory with the others.
    fn spill_parts(&mut self) {
        let Some(separator) = separator(&self.format) else {
            return;
        };
        let sections = if matches!(self.format, Format::Markdown) {
            2
        } else {
            1
        };
        let mut written = Vec::new();
        for (k, spill) in self.spills.iter_mut().take(sections).enumerate() {
            let held = if k == 0 { &self.parts } else { &self.details };
            match append(spill, held, separator) {
                Ok(before) => written.push((k, before)),
                Err(_) => {
                    for (k, before) in written {
                        if let Some(spill) = &mut self.spills[k] {
                            cut(spill, before);
                        }
                    }
                    return;
                }
            }
        }
        self.parts.clear();
        self.details.clear();
        self.held = 0;
    }

    /// What is left to write: the whole document, or after direct output its last line.
    pub fn finish(self, result: &RunResult, tally: &Tally) -> Finished {
        let document = |parts: &[String], details: &[String]| match &self.format {
            Format::Human(_) => {
                let mut out: String = parts.concat();
                out.push_str(&human::summary(result, tally));
                out
            }
            Format::Json => json::assemble(parts, result, tally),
            Format::Github => github::assemble(parts, result),
            Format::Sarif => sarif::assemble(parts, result),
            Format::Markdown => markdown::assemble_lint(parts, details, result, tally),
            Format::Gitlab => gitlab::assemble(parts),
        };
        if self.spills[0].is_none() {
            return Finished::Text(document(&self.parts, &self.details));
        }
        // The document around one part per section, a mark (JSON text holds no raw NUL),
        // is cut at the marks; each section's file goes where its mark was, followed by
        // the parts still held (a section whose file could not be made or written is held
        // whole).
        const MARKS: [&str; 2] = ["\u{0}spilled", "\u{0}spilled details"];
        let around = document(&[MARKS[0].to_string()], &[MARKS[1].to_string()]);
        let separator = separator(&self.format).unwrap_or_default();
        let held = [&self.parts, &self.details];
        let mut after = around.as_str();
        let mut pieces = Vec::new();
        for (k, spill) in self.spills.into_iter().enumerate() {
            let Some((before, rest)) = after.split_once(MARKS[k]) else {
                continue;
            };
            pieces.push(Piece::Text(before.to_string()));
            // A file that holds parts is followed by a separator before the next part.
            let spilled =
                (spill.as_ref()).is_some_and(|s| s.file.metadata().is_ok_and(|m| m.len() > 0));
            pieces.extend(spill.map(Piece::File));
            let mut text = held[k].join(separator);
            if spilled && !held[k].is_empty() {
                text.insert_str(0, separator);
            }
            pieces.push(Piece::Text(text));
            after = rest;
        }
        pieces.push(Piece::Text(after.to_string()));
        Finished::Spilled(pieces)
    }
}

/// Appends `parts` to `spill` (created on first use), joined as the document joins them;
/// the file's length before. A write that fails half way is cut off again.
fn append(spill: &mut Option<Spill>, parts: &[String], separator: &str) -> std::io::Result<u64> {
    let spill = match spill {
        Some(spill) => spill,
        None => spill.insert(Spill::create()?),
    };
    let before = spill.file.metadata()?.len();
    let mut text = parts.join(separator);
    if before > 0 {
        text.insert_str(0, separator);
    }
    if let Err(error) = spill.file.write_all(text.as_bytes()) {
        cut(spill, before);
        return Err(error);
    }
    Ok(before)
}

/// Cuts a temporary file back to `length` bytes, where the next write continues.
fn cut(spill: &mut Spill, length: u64) {
    use std::io::Seek;
    let _ = spill.file.set_len(length);
    let _ = spill.file.seek(std::io::SeekFrom::Start(length));
}

/// What the format's document puts between two files' parts, for the formats whose parts
/// can wait in temporary files (each section of parts written where it goes).
fn separator(format: &Format) -> Option<&'static str> {
    match format {
        Format::Json | Format::Sarif | Format::Gitlab => Some(",\n"),
        Format::Github | Format::Markdown => Some(""),
        Format::Human(_) => None,
    }
}

/// Findings rendered per parallel task: a file with thousands of findings (a 50 MiB
/// migration has 170,000) is rendered on every thread and written (human output) or kept
/// a group of slices at a time, never held whole.
const SLICE: usize = 64;

/// Slices rendered between two checks of the text held against [`SPILL_AT`].
const SPILL_GROUP: usize = 256;

/// Each file's findings, `size` at a time, in order (a file without findings has none).
fn slices(files: &[FileReport], size: usize) -> Vec<(&FileReport, &[Finding])> {
    (files.iter())
        .flat_map(|f| f.findings.chunks(size).map(move |slice| (f, slice)))
        .collect()
}

fn write_human(files: &[FileReport], style: &human::Style, out: &mut dyn Write) {
    let slices = slices(files, SLICE);
    let group = 4 * rayon::current_num_threads();
    for slices in slices.chunks(group) {
        let texts: Vec<String> = (slices.par_iter())
            .map(|(file, findings)| {
                let mut text = String::new();
                human::render_findings(file, findings, style, &mut text);
                text
            })
            .collect();
        for text in texts {
            // A closed pipe (`locksmith ... | head`) is not an error worth a panic.
            let _ = out.write_all(text.as_bytes());
        }
    }
}

/// The text of some of a file's findings (all of them for GitLab), as its document joins
/// them.
fn part(format: &Format, file: &FileReport, findings: &[Finding]) -> (String, String) {
    let text = match format {
        Format::Human(style) => {
            let mut out = String::new();
            human::render_findings(file, findings, style, &mut out);
            out
        }
        Format::Json => json::file_part(file, findings),
        Format::Github => github::file_part(file, findings),
        Format::Sarif => sarif::file_part(file, findings),
        Format::Markdown => return markdown::lint_file_part(file, findings),
        Format::Gitlab => gitlab::file_part(file),
    };
    (text, String::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn human_output_written_in_slices_is_the_whole_rendering() {
        // Several files, one with far more findings than a slice holds.
        let many: String = (0..150)
            .map(|i| format!("DROP TABLE t{i};\nTRUNCATE u{i};\n"))
            .collect();
        let files: Vec<FileReport> = [many.as_str(), "SELECT 1;", "DROP TABLE users;"]
            .iter()
            .enumerate()
            .map(|(i, sql)| {
                let source = SourceFile::new(format!("{i}.sql"), sql.to_string());
                crate::lint::lint_sql(source, &crate::config::Config::default())
            })
            .collect();
        assert!(files[0].findings.len() > 2 * SLICE);
        let style = || human::Style {
            color: false,
            width: 100,
        };
        let mut written = Vec::new();
        let mut stream = Stream::new(Format::Human(style()), Some(&mut written));
        stream.files(&files);
        let result = RunResult {
            files,
            ..RunResult::default()
        };
        let whole = human::render(&result, &style());
        let summary = human::summary(&result, &result.tally());
        assert_eq!(String::from_utf8(written).unwrap() + &summary, whole);
    }

    /// JSON, SARIF and GitLab documents whose findings went to a temporary file, a batch
    /// at a time, are the documents their `render` prints; the file is gone afterwards.
    #[test]
    fn spilled_documents_are_the_whole_rendering() {
        // One file with more findings than a slice holds: its findings are spilled a
        // slice at a time, between the other files'.
        let many: String = (0..100)
            .map(|i| format!("DROP TABLE t{i};\nTRUNCATE u{i};\n"))
            .collect();
        let sql = [many.as_str(), "SELECT 1;", "ALTER TABLE c DROP COLUMN d;"];
        let files: Vec<FileReport> = (0..5)
            .map(|i| {
                let source = SourceFile::new(format!("{i}.sql"), sql[i % 3].to_string());
                crate::lint::lint_sql(source, &crate::config::Config::default())
            })
            .collect();
        type Render = fn(&RunResult) -> String;
        let renders: [(Format, Render); 5] = [
            (Format::Json, json::render),
            (Format::Sarif, sarif::render),
            (Format::Gitlab, gitlab::render),
            (Format::Github, github::render),
            (Format::Markdown, markdown::render_lint),
        ];
        for (format, render) in renders {
            let markdown = matches!(format, Format::Markdown);
            let mut stream = Stream::new(format, None);
            // The first two batches go to the file, the rest stays in memory.
            for (n, batch) in files.chunks(2).enumerate() {
                stream.spill_at = if n < 2 { 1 } else { usize::MAX };
                stream.files(batch);
            }
            stream.files(&files[..1]);
            let result = RunResult {
                files: [files.clone(), files[..1].to_vec()].concat(),
                errors: vec![crate::source::InputError {
                    file: "gone.sql".into(),
                    line: None,
                    message: "No such file or directory".into(),
                }],
                ..RunResult::default()
            };
            let finished = stream.finish(&result, &result.tally());
            let Finished::Spilled(pieces) = &finished else {
                panic!("not spilled");
            };
            // Each file is followed by the parts still held (Markdown: rows, then details).
            let files: Vec<_> = (pieces.iter().enumerate())
                .filter_map(|(i, piece)| match piece {
                    Piece::File(spill) => Some((i, spill.path.clone())),
                    Piece::Text(_) => None,
                })
                .collect();
            assert_eq!(files.len(), if markdown { 2 } else { 1 });
            for (i, path) in &files {
                assert!(path.exists());
                assert!(matches!(&pieces[i + 1], Piece::Text(rest) if !rest.is_empty()));
            }
            let mut written = Vec::new();
            finished.write_to(&mut written).unwrap();
            assert_eq!(String::from_utf8(written).unwrap(), render(&result));
            assert!(files.iter().all(|(_, path)| !path.exists()));
        }
    }
}
