//! Baselines: today's findings recorded in a file (`lint --write-baseline`) so that an old
//! repository can adopt locksmith and still fail on every new finding (`--baseline`).
//!
//! An entry must survive edits that do not touch its finding (lines shifted, a statement
//! reformatted), so it is keyed by what the finding is, not where: the file (relative to the
//! baseline's directory, `/`-separated, so the file works on every machine and OS), the
//! rule, a fingerprint of the statement, and an occurrence number telling identical
//! statements apart. Matching is a multiset: two identical findings need two entries.
//! This runs after the run, over its file reports; the engine knows nothing of it.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostic::Finding;
use crate::lint::FileReport;
use crate::source::InputError;

/// The value of the file's `locksmith_baseline` key: its format version.
pub const VERSION: u64 = 1;

/// One recorded finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    pub file: String,
    pub rule: String,
    /// `pg_query::fingerprint` of the statement (constants and formatting ignored); for a
    /// finding without a statement, a hash of its message with the numbers taken out.
    pub fingerprint: String,
    /// 0 for the first finding with this file, rule and fingerprint, 1 for the next, ...
    pub occurrence: usize,
    /// For people reading the file and the stale list; not matched.
    #[serde(default)]
    pub message: String,
}

impl Entry {
    fn key(&self) -> (String, String, String, usize) {
        let Entry {
            file,
            rule,
            fingerprint,
            occurrence,
            ..
        } = self.clone();
        (file, rule, fingerprint, occurrence)
    }
}

#[derive(Serialize, Deserialize)]
struct BaselineFile {
    locksmith_baseline: u64,
    findings: Vec<Entry>,
}

/// A baseline file, read.
#[derive(Debug)]
pub struct Baseline {
    /// As given, for messages.
    pub name: String,
    /// The directory entry paths are relative to (canonical).
    dir: PathBuf,
    entries: Vec<Entry>,
}

/// What applying a baseline did.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// Findings hidden because the baseline records them.
    pub hidden: usize,
    /// Entries of files linted in this run (or gone from the disk) that matched nothing:
    /// fixed findings, to be removed by writing the baseline again.
    pub stale: Vec<Entry>,
}

fn error(path: &Path, line: Option<usize>, message: impl Into<String>) -> InputError {
    InputError {
        file: path.display().to_string(),
        line,
        message: message.into(),
    }
}

/// A JSON error at its line, without serde's "at line N column M" (the line is shown
/// in front, as for every error).
fn json_error(path: &Path, what: &str, e: &serde_json::Error) -> InputError {
    let message = e.to_string();
    let message = message.split(" at line ").next().unwrap_or_default();
    error(path, Some(e.line()), format!("{what}: {message}"))
}

/// The canonical directory of the baseline file at `path` (which need not exist yet).
fn directory_of(path: &Path) -> Result<PathBuf, InputError> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    parent
        .canonicalize()
        .map_err(|e| error(path, None, format!("baseline directory: {e}")))
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, InputError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| error(path, None, format!("cannot read baseline: {e}")))?;
        Baseline::parse(&text, path, directory_of(path)?)
    }

    /// Parses a baseline's text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path, dir: PathBuf) -> Result<Baseline, InputError> {
        let not_ours =
            "not a locksmith baseline (write one with `locksmith lint --write-baseline FILE`)";
        // The version is checked before the shape, so a foreign JSON file is named as such
        // rather than as one missing a key.
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| json_error(path, "not valid JSON", &e))?;
        match value.get("locksmith_baseline") {
            None => return Err(error(path, None, not_ours)),
            Some(v) if v.as_u64() == Some(VERSION) => {}
            Some(v) => {
                return Err(error(
                    path,
                    None,
                    format!(
                        "baseline version {v} is not supported; this locksmith reads version {VERSION}"
                    ),
                ));
            }
        }
        // Parsed again as the typed file, so that a missing key is reported at its line.
        let file: BaselineFile =
            serde_json::from_str(text).map_err(|e| json_error(path, "corrupt baseline", &e))?;
        Ok(Baseline {
            name: path.display().to_string(),
            dir,
            entries: file.findings,
        })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes the findings the baseline records from `files`.
    pub fn apply(&self, files: &mut [FileReport]) -> Applied {
        let mut applying = self.applying();
        applying.files(files);
        applying.finish()
    }

    /// [`Baseline::apply`] a batch of files at a time, as a run streams.
    pub fn applying(&self) -> Applying<'_> {
        Applying {
            baseline: self,
            unmatched: self.entries.iter().map(Entry::key).collect(),
            linted: BTreeSet::new(),
            hidden: 0,
        }
    }
}

/// A baseline being applied: what is still unmatched.
pub struct Applying<'b> {
    baseline: &'b Baseline,
    unmatched: BTreeSet<(String, String, String, usize)>,
    linted: BTreeSet<String>,
    hidden: usize,
}

impl Applying<'_> {
    pub fn files(&mut self, files: &mut [FileReport]) {
        for file in files.iter_mut() {
            let name = relative_name(&file.source.name, &self.baseline.dir);
            let keys = entries(file, &name);
            let mut keys = keys.iter();
            file.findings.retain(|_| {
                let entry = keys.next().expect("one key per finding");
                let recorded = self.unmatched.remove(&entry.key());
                self.hidden += usize::from(recorded);
                !recorded
            });
            self.linted.insert(name);
        }
    }

    pub fn finish(self) -> Applied {
        let stale = self
            .baseline
            .entries
            .iter()
            .filter(|e| self.unmatched.contains(&e.key()))
            .filter(|e| self.linted.contains(&e.file) || !self.baseline.dir.join(&e.file).exists())
            .cloned()
            .collect();
        Applied {
            hidden: self.hidden,
            stale,
        }
    }
}

/// Writes every finding of `files` to a new baseline at `path`; returns how many.
pub fn write(path: &Path, files: &[FileReport]) -> Result<usize, InputError> {
    let dir = directory_of(path)?;
    let mut findings: Vec<Entry> = files
        .iter()
        .flat_map(|file| entries(file, &relative_name(&file.source.name, &dir)))
        .collect();
    // Sorted, so that a rewritten baseline differs from the old one only where findings did.
    findings.sort();
    let count = findings.len();
    let file = BaselineFile {
        locksmith_baseline: VERSION,
        findings,
    };
    let mut text = serde_json::to_string_pretty(&file).expect("plain data serializes");
    text.push('\n');
    std::fs::write(path, text)
        .map_err(|e| error(path, None, format!("cannot write baseline: {e}")))?;
    Ok(count)
}

/// The entries of a file's findings, in its finding order: identities that survive line
/// shifts and reformatting (also the GitLab report's fingerprints). `name` is the file as
/// the entries name it.
pub fn entries(file: &FileReport, name: &str) -> Vec<Entry> {
    let mut seen: HashMap<(&str, String), usize> = HashMap::new();
    // A templated `.sql` file's statements as they are parsed (`crate::parse::template`);
    // a revision's statements are their rendered SQL.
    let parsed_text = match file.source.language {
        crate::source::Language::Sql => crate::parse::template::stand_ins(&file.source.text),
        crate::source::Language::Python => std::borrow::Cow::Borrowed(file.source.text.as_str()),
    };
    file.findings
        .iter()
        .map(|finding| {
            let fingerprint = fingerprint(finding, file, &parsed_text);
            let count = seen
                .entry((finding.rule.id, fingerprint.clone()))
                .or_default();
            let occurrence = *count;
            *count += 1;
            Entry {
                file: name.to_string(),
                rule: finding.rule.id.to_string(),
                fingerprint,
                occurrence,
                message: finding.message.clone(),
            }
        })
        .collect()
}

/// The statement's fingerprint (its rendered SQL for an Alembic revision), or for a finding
/// without one (revision, graph, syntax errors) its message with the numbers taken out,
/// since those are mostly line numbers that move with unrelated edits.
fn fingerprint(finding: &Finding, file: &FileReport, parsed_text: &str) -> String {
    let statement = finding.statement.and_then(|i| file.statements.get(i));
    // Full relation names (`orders_2024` is not `orders_2025`) and schemas count.
    let options = pg_query::FingerprintOptions::FULL_RELNAME
        | pg_query::FingerprintOptions::RANGEVAR_PG17_COMPAT;
    if let Some(fingerprint) = statement.and_then(|s| {
        let text = match s.sql() {
            Some(sql) => sql,
            None => parsed_text.get(s.span.clone()).unwrap_or_default(),
        };
        pg_query::fingerprint(text, pg_query::ParserOptions::DEFAULT, options).ok()
    }) {
        return fingerprint.hex;
    }
    message_fingerprint(&finding.message)
}

fn message_fingerprint(message: &str) -> String {
    let mut normalised = String::new();
    for word in message.split_whitespace() {
        normalised.extend(word.chars().filter(|c| !c.is_ascii_digit()));
        normalised.push(' ');
    }
    format!("message-{:016x}", fnv1a(normalised.as_bytes()))
}

/// FNV-1a: a hash that stays the same across Rust releases, unlike `DefaultHasher`, since
/// it is stored in files.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `file` (a path as shown) relative to `dir`, `/`-separated; as given when it is not a
/// file on the disk (`<stdin>`).
fn relative_name(file: &str, dir: &Path) -> String {
    let Ok(full) = Path::new(file).canonicalize() else {
        return file.to_string();
    };
    let common = full
        .components()
        .zip(dir.components())
        .take_while(|(a, b)| a == b)
        .count();
    let ups = dir.components().count() - common;
    let down = full
        .components()
        .skip(common)
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    std::iter::repeat_n("..".to_string(), ups)
        .chain(down)
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_and_foreign_files_are_named() {
        let path = Path::new("base.json");
        let parse = |text: &str| Baseline::parse(text, path, PathBuf::from("/")).unwrap_err();
        let e = parse("{\n  \"locksmith_baseline\": 1,\n  oops\n}");
        assert_eq!((e.file.as_str(), e.line), ("base.json", Some(3)));
        assert!(e.message.starts_with("not valid JSON"), "{e:?}");
        assert!(
            parse("{\"version\": 1}")
                .message
                .contains("not a locksmith baseline")
        );
        assert!(parse("[1, 2]").message.contains("not a locksmith baseline"));
        assert!(
            parse("{\"locksmith_baseline\": 2, \"findings\": []}")
                .message
                .contains("version 2")
        );
        let e = parse("{\"locksmith_baseline\": 1,\n\"findings\": [{\"file\": \"a.sql\"}]}");
        assert!(e.message.contains("missing field `rule`"), "{e:?}");
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn message_fingerprints_ignore_numbers_and_spacing() {
        let hash = message_fingerprint;
        assert_eq!(hash("broken at line 12"), hash("broken  at line 140"));
        assert_ne!(hash("broken at line 12"), hash("fixed at line 12"));
    }

    #[test]
    fn relative_names_climb_out_of_the_directory() {
        let dir = std::env::temp_dir().canonicalize().unwrap();
        let inner = dir.join("locksmith-baseline-rel");
        std::fs::create_dir_all(&inner).unwrap();
        let file = dir.join("locksmith-baseline-rel.sql");
        std::fs::write(&file, "").unwrap();
        let name = relative_name(&file.display().to_string(), &inner);
        assert_eq!(name, "../locksmith-baseline-rel.sql");
        assert_eq!(relative_name("<stdin>", &inner), "<stdin>");
        std::fs::remove_file(file).unwrap();
    }
}
