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
        let parts: Vec<(String, String)> = files.par_iter().map(|f| part(format, f)).collect();
        match &mut self.direct {
            // A closed pipe (`locksmith ... | head`) is not an error worth a panic.
            Some(out) => parts.iter().for_each(|(text, _)| {
                let _ = out.write_all(text.as_bytes());
            }),
            None => {
                for (text, details) in parts {
                    if !text.is_empty() || !details.is_empty() {
                        self.parts.push(text);
                        self.details.push(details);
                    }
                }
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
