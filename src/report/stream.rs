//! A lint report written while the run streams: each batch of files is rendered in
//! parallel into its format's text as soon as it is linted, and the reports are dropped.
//! Human output goes straight to its writer; the other formats keep only their text
//! (their head needs the whole run's errors or counts) and are put together at the end,
//! byte for byte as the `render` functions print them. JSON, SARIF, GitLab and GitHub
//! findings are kept in a temporary file past [`SPILL_AT`] bytes, so that a long run's
//! memory does not grow with its output.

use std::io::Write;

use rayon::prelude::*;

use super::{github, gitlab, human, json, markdown, sarif};
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
    /// Parts written out already, when there were too many to hold.
    spill: Option<Spill>,
    spill_at: usize,
}

/// The bytes of findings text a JSON, SARIF, GitLab or GitHub document holds in memory
/// before it writes them to a temporary file.
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
    /// A document whose findings are partly in a temporary file: `head`, the file, then
    /// `rest` (its separator included) and `tail`.
    Spilled {
        head: String,
        spill: Spill,
        rest: String,
        tail: String,
    },
}

impl Finished {
    pub fn write_to(self, out: &mut dyn Write) -> std::io::Result<()> {
        match self {
            Finished::Text(text) => out.write_all(text.as_bytes()),
            Finished::Spilled {
                head,
                mut spill,
                rest,
                tail,
            } => {
                use std::io::Seek;
                out.write_all(head.as_bytes())?;
                spill.file.seek(std::io::SeekFrom::Start(0))?;
                std::io::copy(&mut std::io::BufReader::new(&spill.file), out)?;
                out.write_all(rest.as_bytes())?;
                out.write_all(tail.as_bytes())
            }
        }
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
            spill: None,
            spill_at: SPILL_AT,
        }
    }

    pub fn files(&mut self, files: &[FileReport]) {
        let format = &self.format;
        if let (Format::Human(style), Some(out)) = (format, &mut self.direct) {
            return write_human(files, style, &mut **out);
        }
        // Only human output is written directly (see `new`): the rest keep their text.
        let parts: Vec<(String, String)> = files.par_iter().map(|f| part(format, f)).collect();
        for (text, details) in parts {
            if !text.is_empty() || !details.is_empty() {
                self.held += text.len();
                self.parts.push(text);
                self.details.push(details);
            }
        }
        if separator(&self.format).is_some() && self.held > self.spill_at {
            self.spill_parts();
        }
    }

    /// Appends the parts held to the temporary file (made on first use; without one they
    /// stay in memory).
    fn spill_parts(&mut self) {
        if self.spill.is_none() {
            self.spill = Spill::create().ok();
        }
        let Some(spill) = &mut self.spill else {
            return;
        };
        let Ok(before) = spill.file.metadata().map(|m| m.len()) else {
            return;
        };
        let separator = separator(&self.format).unwrap_or_default();
        let mut text = self.parts.join(separator);
        if before > 0 {
            text.insert_str(0, separator);
        }
        if spill.file.write_all(text.as_bytes()).is_ok() {
            self.parts.clear();
            self.details.clear();
            self.held = 0;
        } else {
            // A disk that filled up: what was written of these parts is cut off again, and
            // they stay in memory.
            use std::io::Seek;
            let _ = spill.file.set_len(before);
            let _ = spill.file.seek(std::io::SeekFrom::Start(before));
        }
    }

    /// What is left to write: the whole document, or after direct output its last line.
    pub fn finish(self, result: &RunResult, tally: &Tally) -> Finished {
        let parts = &self.parts;
        let document = |parts: &[String]| match &self.format {
            Format::Human(_) => {
                let mut out: String = parts.concat();
                out.push_str(&human::summary(result, tally));
                out
            }
            Format::Json => json::assemble(parts, result, tally),
            Format::Github => github::assemble(parts, result),
            Format::Sarif => sarif::assemble(parts, result),
            Format::Markdown => markdown::assemble_lint(parts, &self.details, result, tally),
            Format::Gitlab => gitlab::assemble(parts),
        };
        let separator = separator(&self.format).unwrap_or_default();
        let Some(spill) = self.spill else {
            return Finished::Text(document(parts));
        };
        // The document around one part, a mark (JSON text holds no raw NUL), is cut at it.
        const MARK: &str = "\u{0}spilled";
        let around = document(&[MARK.to_string()]);
        let (head, tail) = around.split_once(MARK).unwrap_or((&around, ""));
        let rest = parts.iter().map(|p| format!("{separator}{p}")).collect();
        Finished::Spilled {
            head: head.to_string(),
            spill,
            rest,
            tail: tail.to_string(),
        }
    }
}

/// What the format's document puts between two files' parts, for the formats whose parts
/// can wait in a temporary file (one run of parts between a head and a tail).
fn separator(format: &Format) -> Option<&'static str> {
    match format {
        Format::Json | Format::Sarif | Format::Gitlab => Some(",\n"),
        Format::Github => Some(""),
        Format::Human(_) | Format::Markdown => None,
    }
}

/// Findings rendered per parallel task: a file with thousands of findings (a 50 MiB
/// migration has 170,000) is rendered on every thread and written a group of slices at a
/// time, never held whole.
const HUMAN_SLICE: usize = 64;

fn write_human(files: &[FileReport], style: &human::Style, out: &mut dyn Write) {
    let slices: Vec<(&FileReport, &[crate::diagnostic::Finding])> = (files.iter())
        .flat_map(|f| f.findings.chunks(HUMAN_SLICE).map(move |slice| (f, slice)))
        .collect();
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

fn part(format: &Format, file: &FileReport) -> (String, String) {
    let text = match format {
        Format::Human(style) => {
            let mut out = String::new();
            human::render_file(file, style, &mut out);
            out
        }
        Format::Json => json::file_part(file),
        Format::Github => github::file_part(file),
        Format::Sarif => sarif::file_part(file),
        Format::Markdown => return markdown::lint_file_part(file),
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
                let source = SourceFile::new(&format!("{i}.sql"), sql.to_string());
                crate::lint::lint_sql(source, &crate::config::Config::default())
            })
            .collect();
        assert!(files[0].findings.len() > 2 * HUMAN_SLICE);
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
        let sql = [
            "DROP TABLE a;\nTRUNCATE b;\n",
            "SELECT 1;",
            "ALTER TABLE c DROP COLUMN d;",
        ];
        let files: Vec<FileReport> = (0..5)
            .map(|i| {
                let source = SourceFile::new(&format!("{i}.sql"), sql[i % 3].to_string());
                crate::lint::lint_sql(source, &crate::config::Config::default())
            })
            .collect();
        let renders: [(Format, fn(&RunResult) -> String); 4] = [
            (Format::Json, json::render),
            (Format::Sarif, sarif::render),
            (Format::Gitlab, gitlab::render),
            (Format::Github, github::render),
        ];
        for (format, render) in renders {
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
            let Finished::Spilled { spill, rest, .. } = &finished else {
                panic!("not spilled");
            };
            assert!(!rest.is_empty());
            let path = spill.path.clone();
            assert!(path.exists());
            let mut written = Vec::new();
            finished.write_to(&mut written).unwrap();
            assert_eq!(String::from_utf8(written).unwrap(), render(&result));
            assert!(!path.exists());
        }
    }
}
