//! A lint report written while the run streams: each batch of files is rendered in
//! parallel into its format's text as soon as it is linted, and the reports are dropped.
//! Human output goes straight to its writer; the other formats keep only their text
//! (their head needs the whole run's errors or counts) and are put together at the end,
//! byte for byte as the `render` functions print them.

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
                self.parts.push(text);
                self.details.push(details);
            }
        }
    }

    /// What is left to write: the whole document, or after direct output its last line.
    pub fn finish(self, result: &RunResult, tally: &Tally) -> String {
        let parts = &self.parts;
        match &self.format {
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
        }
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
}
