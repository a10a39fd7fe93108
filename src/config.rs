//! The configuration: `lint.yaml`, or a `[tool.locksmith]` table in `pyproject.toml` (the
//! same keys), discovered in the current directory or its parents, or given with
//! `--config`. Unknown keys, unknown rule ids and bad values are errors naming the file
//! and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::facts::lock_model::{MAX_VERSION, MIN_VERSION};
use crate::rules::Severity;
use crate::rules::{self, Rule};

pub const FILE_NAME: &str = "lint.yaml";
pub const PYPROJECT: &str = "pyproject.toml";

/// A rule's configured level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Info,
    Warning,
    Error,
}

impl Level {
    fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Info => Some(Severity::Info),
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
}

/// How Alembic revisions are turned into SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Render {
    /// locksmith's own renderer: parses the Python, never runs it.
    Static,
    /// The project's real `alembic upgrade --sql`: RUNS the project's code.
    Alembic,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub postgres_version: u32,
    pub assume_in_transaction: bool,
    /// With `assume_in_transaction`: the runner sends a file as one query string (Prisma
    /// Migrate), which PostgreSQL runs as an implicit transaction only when it holds
    /// several statements (`convention::one_query_transaction`).
    pub single_statement_autocommit: bool,
    /// golang-migrate runs with `x-multi-statement=true`: each statement of a file on its
    /// own, not the file as one query string (one implicit transaction).
    pub golang_migrate_multi_statement: bool,
    /// Flyway runs with `mixed=true`: a migration that mixes statements that cannot run in
    /// a transaction with others runs outside one, instead of being refused.
    pub flyway_mixed: bool,
    pub fail_on: Severity,
    pub rules: BTreeMap<String, Level>,
    pub exclude: Vec<String>,
    pub(crate) exclude_set: GlobSet,
    /// Alembic: also lint each revision's downgrade().
    pub downgrade: bool,
    /// Alembic: how revisions become SQL.
    pub render: Render,
    /// Alembic: the command `render: alembic` runs (program and arguments).
    pub alembic_command: Vec<String>,
    /// The baseline file of known findings to hide (relative paths are resolved against
    /// the config file's directory).
    pub baseline: Option<PathBuf>,
    /// The team's migration runner sets `lock_timeout` before every migration, so a file
    /// starts with one in force.
    pub runner_sets_lock_timeout: bool,
    /// Likewise for `statement_timeout`.
    pub runner_sets_statement_timeout: bool,
    /// Rule levels for some paths, applied in order after `rules` (a later one wins).
    pub overrides: Vec<Override>,
    /// Migrations before this one (an Alembic revision id or file name, or a `.sql` file
    /// name) are not linted.
    pub grandfather_before: Option<String>,
    /// The file this came from, if any.
    pub path: Option<PathBuf>,
    /// `--changed-since`: the files to lint (`.sql` migrations, Alembic revisions), when
    /// not all. The others are still read and replayed, for the schema the linted ones
    /// start from, but not linted: none of their findings would be reported.
    pub only_files: Option<std::sync::Arc<crate::changed::ChangedFiles>>,
    /// The caller reports findings and no statement's facts but theirs (`lint`): a `.sql`
    /// file's statements let their facts go as soon as no check will read them, so that a
    /// huge file does not hold every statement's facts to its end.
    pub findings_only: bool,
    /// The caller takes findings as they come (`lint`, unless something narrows them): a
    /// `.sql` file of this many bytes or more, named on its own, is handed unlinted to the
    /// thread that reports, which lints it beside itself and reports its findings as they
    /// are final (`lint::lint_sql_handing_on`).
    pub hand_on_at: Option<usize>,
}

/// `overrides:` one entry: rule levels for the files its globs match.
#[derive(Debug, Clone)]
pub struct Override {
    pub paths: Vec<String>,
    set: GlobSet,
    pub rules: BTreeMap<String, Level>,
}

impl Config {
    /// Whether the file called `name` (its path as given) is linted: every file, or with
    /// `--changed-since` only the changed ones ([`Config::only_files`]).
    pub fn lints(&self, name: &str) -> bool {
        let only = self.only_files.as_ref();
        only.is_none_or(|only| only.contains(std::path::Path::new(name)))
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            postgres_version: 15,
            assume_in_transaction: false,
            single_statement_autocommit: false,
            golang_migrate_multi_statement: false,
            flyway_mixed: false,
            fail_on: Severity::Error,
            rules: BTreeMap::new(),
            exclude: Vec::new(),
            exclude_set: GlobSet::empty(),
            downgrade: false,
            render: Render::Static,
            alembic_command: vec!["alembic".into()],
            baseline: None,
            runner_sets_lock_timeout: false,
            runner_sets_statement_timeout: false,
            overrides: Vec::new(),
            grandfather_before: None,
            path: None,
            only_files: None,
            findings_only: false,
            hand_on_at: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// The file as written. Each field validates itself so that errors carry a line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    postgres_version: Option<PostgresVersion>,
    assume_in_transaction: Option<bool>,
    single_statement_autocommit: Option<bool>,
    golang_migrate_multi_statement: Option<bool>,
    flyway_mixed: Option<bool>,
    fail_on: Option<FailOn>,
    rules: Option<BTreeMap<RuleId, Level>>,
    exclude: Option<Vec<String>>,
    downgrade: Option<bool>,
    render: Option<Render>,
    alembic_command: Option<String>,
    baseline: Option<PathBuf>,
    runner_sets_lock_timeout: Option<bool>,
    runner_sets_statement_timeout: Option<bool>,
    overrides: Option<Vec<OverrideFile>>,
    grandfather_before: Option<GrandfatherBefore>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideFile {
    paths: Vec<String>,
    rules: BTreeMap<RuleId, Level>,
}

/// A revision id or file name: one non-empty word (a path would never match a file name).
struct GrandfatherBefore(String);

impl<'de> Deserialize<'de> for GrandfatherBefore {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed.contains(['/', '\\']) {
            return Err(serde::de::Error::custom(format!(
                "grandfather_before must be a revision id or a file name (without a directory), not `{text}`"
            )));
        }
        Ok(GrandfatherBefore(trimmed.to_string()))
    }
}

/// Keys whose values are checked by their own deserializer, with messages that start
/// with the key.
const VALUE_CHECKED_KEYS: &[&str] = &["postgres_version", "fail_on", "grandfather_before"];

struct PostgresVersion(u32);

impl<'de> Deserialize<'de> for PostgresVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let version = u32::deserialize(d)?;
        check_version(version)
            .map(PostgresVersion)
            .map_err(serde::de::Error::custom)
    }
}

pub fn check_version(version: u32) -> Result<u32, String> {
    if (MIN_VERSION..=MAX_VERSION).contains(&version) {
        Ok(version)
    } else {
        Err(format!(
            "postgres_version {version} is not supported; use a major version from {MIN_VERSION} to {MAX_VERSION}"
        ))
    }
}

struct FailOn(Severity);

impl<'de> Deserialize<'de> for FailOn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Severity::parse(&text).map(FailOn).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "fail_on must be info, warning or error, not `{text}`"
            ))
        })
    }
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct RuleId(String);

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let id = String::deserialize(d)?;
        match rules::find(&id) {
            Some(_) => Ok(RuleId(id)),
            None => Err(serde::de::Error::custom(unknown_rule_message(&id))),
        }
    }
}

pub fn unknown_rule_message(id: &str) -> String {
    let suggestion = closest_rule(id)
        .map(|known| format!("; did you mean `{known}`?"))
        .unwrap_or_else(|| "; `locksmith rules` lists them".into());
    format!("unknown rule id `{id}`{suggestion}")
}

/// The rule id `id` most likely misspells: compared case-insensitively with `_` as `-`,
/// by edit distance, or word by word as prefixes (`drop-column` → `dropping-column`),
/// since people shorten words more than they mistype letters.
fn closest_rule(id: &str) -> Option<&'static str> {
    let id = id.to_lowercase().replace('_', "-");
    let abbreviates = |known: &str| {
        let (typed, words): (Vec<&str>, Vec<&str>) =
            (id.split('-').collect(), known.split('-').collect());
        typed.len() == words.len()
            && typed
                .iter()
                .zip(&words)
                .all(|(t, w)| !t.is_empty() && w.starts_with(t))
    };
    rules::ALL
        .iter()
        .map(|r| r.id)
        .min_by_key(|known| edit_distance(known, &id))
        .filter(|known| edit_distance(known, &id) <= 3.max(id.len() / 4))
        .or_else(|| {
            rules::ALL
                .iter()
                .map(|r| r.id)
                .find(|known| abbreviates(known))
        })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// What `pyproject.toml` holds for us: only `[tool.locksmith]`; everything else in the
/// file belongs to other tools.
#[derive(Deserialize)]
struct PyProject {
    tool: Option<PyProjectTools>,
}

#[derive(Deserialize)]
struct PyProjectTools {
    locksmith: Option<ConfigFile>,
}

impl Config {
    /// A `lint.yaml`.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        // An empty file (or one with only comments) is a valid, empty config.
        let parsed: Option<ConfigFile> = serde_norway::from_str(text).map_err(|e| {
            let line = e.location().map(|l| l.line());
            // The YAML library appends "at line N column M"; the line is shown separately.
            let message = e.to_string();
            let message = match message.find(" at line ") {
                Some(i) => message[..i].to_string(),
                None => message,
            };
            // A value's own check is placed at the mapping's line, not the key's; those
            // messages start with the key, so its line is looked up.
            let line = VALUE_CHECKED_KEYS
                .iter()
                .find(|key| message.starts_with(&format!("{key} ")))
                .and_then(|key| {
                    text.lines()
                        .position(|l| l.trim_start().starts_with(&format!("{key}:")))
                })
                .map(|i| i + 1)
                .or(line);
            ConfigError {
                file: file.to_string(),
                line,
                message,
            }
        })?;
        Config::from_file(parsed, text, file)
    }

    /// The `[tool.locksmith]` table of a `pyproject.toml` (the defaults when it has none).
    pub fn parse_pyproject(text: &str, file: &str) -> Result<Config, ConfigError> {
        let parsed: PyProject = toml::from_str(text).map_err(|e| ConfigError {
            file: file.to_string(),
            line: e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1),
            message: format!("[tool.locksmith]: {}", e.message().trim_end()),
        })?;
        Config::from_file(parsed.tool.and_then(|t| t.locksmith), text, file)
    }

    fn from_file(
        parsed: Option<ConfigFile>,
        text: &str,
        file: &str,
    ) -> Result<Config, ConfigError> {
        let error = |line, message| ConfigError {
            file: file.to_string(),
            line,
            message,
        };
        let mut config = Config::default();
        let Some(parsed) = parsed else {
            return Ok(config);
        };
        if let Some(PostgresVersion(v)) = parsed.postgres_version {
            config.postgres_version = v;
        }
        if let Some(b) = parsed.assume_in_transaction {
            config.assume_in_transaction = b;
        }
        if let Some(b) = parsed.single_statement_autocommit {
            config.single_statement_autocommit = b;
        }
        if let Some(b) = parsed.golang_migrate_multi_statement {
            config.golang_migrate_multi_statement = b;
        }
        if let Some(b) = parsed.flyway_mixed {
            config.flyway_mixed = b;
        }
        if let Some(FailOn(s)) = parsed.fail_on {
            config.fail_on = s;
        }
        if let Some(b) = parsed.downgrade {
            config.downgrade = b;
        }
        if let Some(render) = parsed.render {
            config.render = render;
        }
        if let Some(command) = parsed.alembic_command {
            config.alembic_command = command.split_whitespace().map(String::from).collect();
        }
        // Relative to the config file, so the same lint.yaml works from any directory.
        config.baseline = parsed.baseline.map(|b| match Path::new(file).parent() {
            Some(dir) => dir.join(b),
            None => b,
        });
        config.runner_sets_lock_timeout = parsed.runner_sets_lock_timeout.unwrap_or(false);
        config.runner_sets_statement_timeout =
            parsed.runner_sets_statement_timeout.unwrap_or(false);
        config.grandfather_before = parsed.grandfather_before.map(|g| g.0);
        for entry in parsed.overrides.unwrap_or_default() {
            let rules = entry.rules.into_iter().map(|(k, v)| (k.0, v)).collect();
            let set = glob_set(&entry.paths, "overrides").map_err(|(pattern, m)| {
                let line = text
                    .lines()
                    .position(|l| l.contains(pattern.as_str()))
                    .map(|i| i + 1);
                error(line, m)
            })?;
            config.overrides.push(Override {
                paths: entry.paths,
                set,
                rules,
            });
        }
        config.rules = parsed
            .rules
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k.0, v))
            .collect();
        config
            .set_exclude(parsed.exclude.unwrap_or_default())
            .map_err(|m| {
                let line = text
                    .lines()
                    .position(|l| l.trim_start().starts_with("exclude"))
                    .map(|i| i + 1);
                error(line, m)
            })?;
        config.path = Some(PathBuf::from(file));
        Ok(config)
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| ConfigError {
            file: name.clone(),
            line: None,
            message: format!("cannot read config: {e}"),
        })?;
        let text = String::from_utf8(bytes).map_err(|_| ConfigError {
            file: name.clone(),
            line: None,
            message: "config is not valid UTF-8".into(),
        })?;
        if path.file_name().is_some_and(|n| n == PYPROJECT) {
            Config::parse_pyproject(&text, &name)
        } else {
            Config::parse(&text, &name)
        }
    }

    /// The configuration file nearest to `start` (it or a parent): `lint.yaml`, or a
    /// `pyproject.toml` with a `[tool.locksmith]` table. When one directory has both,
    /// `lint.yaml` is used and the note says so.
    pub fn discover(start: &Path) -> Option<(PathBuf, Option<String>)> {
        start.ancestors().find_map(|dir| {
            let yaml = dir.join(FILE_NAME);
            let pyproject = dir.join(PYPROJECT);
            let has_table = pyproject.is_file() && has_locksmith_table(&pyproject);
            if yaml.is_file() {
                let note = has_table.then(|| {
                    format!(
                        "using {}; the [tool.locksmith] table in {} is ignored",
                        yaml.display(),
                        pyproject.display()
                    )
                });
                Some((yaml, note))
            } else {
                has_table.then_some((pyproject, None))
            }
        })
    }
}

/// Whether the file has a `[tool.locksmith]` table (an unreadable or invalid file is
/// reported when it is loaded, so here it counts when the table header is there).
fn has_locksmith_table(pyproject: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(pyproject) else {
        return false;
    };
    match toml::from_str::<toml::Table>(&text) {
        Ok(table) => table
            .get("tool")
            .and_then(|tool| tool.get("locksmith"))
            .is_some(),
        Err(_) => text.contains("[tool.locksmith"),
    }
}

/// The glob set of `patterns`; a bad one is returned with the error.
fn glob_set(patterns: &[String], key: &str) -> Result<GlobSet, (String, String)> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern).map_err(|e| {
            (
                pattern.clone(),
                format!("bad {key} pattern `{pattern}`: {e}"),
            )
        })?;
        builder.add(glob);
    }
    builder
        .build()
        .map_err(|e| (String::new(), format!("bad {key} patterns: {e}")))
}

impl Config {
    pub fn set_exclude(&mut self, patterns: Vec<String>) -> Result<(), String> {
        self.exclude_set = glob_set(&patterns, "exclude").map_err(|(_, m)| m)?;
        self.exclude = patterns;
        Ok(())
    }

    /// Whether a discovered file is excluded. Patterns match the path as given (without a
    /// leading `./`) or relative to the config file's directory.
    pub fn is_excluded(&self, path: &Path) -> bool {
        !self.exclude.is_empty() && self.matches(&self.exclude_set, path)
    }

    /// Whether `set` matches the path as given (without a leading `./`) or relative to
    /// the config file's directory.
    fn matches(&self, set: &GlobSet, path: &Path) -> bool {
        let as_given = path.strip_prefix("./").unwrap_or(path);
        if set.is_match(as_given) {
            return true;
        }
        let base = (self.path.as_deref())
            .and_then(Path::parent)
            .map(|dir| match dir.as_os_str().is_empty() {
                true => Path::new("."),
                false => dir,
            })
            .and_then(crate::discover::resolved_dir);
        match (base, crate::discover::resolved(path)) {
            (Some(base), Some(full)) => full.strip_prefix(&base).is_ok_and(|rel| set.is_match(rel)),
            _ => false,
        }
    }

    /// The configuration for one file: `rules` with every matching override applied in
    /// order (a later one wins). Borrowed when no override matches.
    pub fn for_path(&self, path: &Path) -> std::borrow::Cow<'_, Config> {
        let mut matching = self
            .overrides
            .iter()
            .filter(|o| self.matches(&o.set, path))
            .peekable();
        if matching.peek().is_none() {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut config = self.clone();
        for entry in matching {
            config
                .rules
                .extend(entry.rules.iter().map(|(k, v)| (k.clone(), *v)));
        }
        // Applied once: the result is final for this file.
        config.overrides.clear();
        std::borrow::Cow::Owned(config)
    }

    /// The severity a rule reports at, or `None` when it is turned off.
    pub fn severity_of(&self, rule: &Rule) -> Option<Severity> {
        match self.rules.get(rule.id) {
            Some(level) => level.severity(),
            None => rule.default_enabled.then_some(rule.severity),
        }
    }

    /// This configuration with `rule` turned on at its severity (for a rule that is off
    /// by default; tests use it to lint a rule's examples).
    pub fn enabling(mut self, rule: &Rule) -> Config {
        if self.severity_of(rule).is_none() {
            let level = match rule.severity {
                Severity::Info => Level::Info,
                Severity::Warning => Level::Warning,
                Severity::Error => Level::Error,
            };
            self.rules.insert(rule.id.to_string(), level);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyproject_tool_locksmith_reads_the_same_keys() {
        let text = "[project]\nname = \"app\"\n\n[tool.black]\nline-length = 100\n\n\
                    [tool.locksmith]\npostgres_version = 12\nfail_on = \"warning\"\n\
                    exclude = [\"legacy/**\"]\n\n[tool.locksmith.rules]\ndropping-column = \"off\"\n";
        let config = Config::parse_pyproject(text, "pyproject.toml").unwrap();
        assert_eq!(config.postgres_version, 12);
        assert_eq!(config.fail_on, Severity::Warning);
        assert_eq!(config.rules.get("dropping-column"), Some(&Level::Off));
        assert!(config.is_excluded(Path::new("legacy/V1__x.sql")));
        // No table: the defaults.
        let config =
            Config::parse_pyproject("[project]\nname = \"app\"\n", "pyproject.toml").unwrap();
        assert_eq!(config.postgres_version, 15);
    }

    #[test]
    fn pyproject_errors_name_the_file_and_line() {
        let unknown =
            "[project]\nname = \"app\"\n\n[tool.locksmith]\nassume_in_transation = true\n";
        let error = Config::parse_pyproject(unknown, "pyproject.toml").unwrap_err();
        assert_eq!(error.file, "pyproject.toml");
        assert_eq!(error.line, Some(5), "{error}");
        assert!(
            error
                .message
                .contains("unknown field `assume_in_transation`"),
            "{error}"
        );
        let rule = "[tool.locksmith.rules]\ndroping-column = \"off\"\n";
        let error = Config::parse_pyproject(rule, "pyproject.toml").unwrap_err();
        assert!(
            error.message.contains("did you mean `dropping-column`"),
            "{error}"
        );
        assert_eq!(error.line, Some(2), "{error}");
        let broken = "[tool.locksmith]\npostgres_version = \n";
        let error = Config::parse_pyproject(broken, "pyproject.toml").unwrap_err();
        assert_eq!(error.line, Some(2), "{error}");
    }

    #[test]
    fn full_config_parses() {
        let config = Config::parse(
            "postgres_version: 12\nassume_in_transaction: true\nfail_on: warning\nrules:\n  dropping-column: off\n  renaming-table: error\nexclude:\n  - legacy/**\n",
            "lint.yaml",
        )
        .unwrap();
        assert_eq!(config.postgres_version, 12);
        assert!(config.assume_in_transaction);
        assert_eq!(config.fail_on, Severity::Warning);
        assert_eq!(
            config.severity_of(rules::find("dropping-column").unwrap()),
            None
        );
        assert_eq!(
            config.severity_of(rules::find("renaming-table").unwrap()),
            Some(Severity::Error)
        );
        assert!(config.is_excluded(Path::new("legacy/001.sql")));
        assert!(!config.is_excluded(Path::new("migrations/001.sql")));
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            (
                "postgres_version: 15\nassume_in_transation: true\n",
                2,
                "unknown field `assume_in_transation`",
            ),
            (
                "rules:\n  dropping-colum: off\n",
                2,
                "did you mean `dropping-column`",
            ),
            (
                "rules:\n  dropping-column: loud\n",
                2,
                "unknown variant `loud`",
            ),
            ("postgres_version: 9\n", 1, "not supported"),
            ("fail_on: never\n", 1, "fail_on must be"),
            ("downgrade: true\npostgres_version: 9\n", 2, "not supported"),
            ("downgrade: true\nfail_on: never\n", 2, "fail_on must be"),
            ("postgres_version: 15\nrules: x: y\n", 2, "invalid type"),
            (
                "postgres_version: 15\nfail_on: 'error\n",
                3,
                "end of stream",
            ),
        ];
        for (text, line, needle) in cases {
            let err = Config::parse(text, "lint.yaml").unwrap_err();
            assert_eq!(err.line, Some(line), "{text:?}: {err}");
            assert!(err.message.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn baseline_is_relative_to_the_config_file() {
        let config = Config::parse("baseline: known.json\n", "ci/lint.yaml").unwrap();
        assert_eq!(config.baseline, Some(PathBuf::from("ci/known.json")));
        let config = Config::parse("baseline: known.json\n", "lint.yaml").unwrap();
        assert_eq!(config.baseline, Some(PathBuf::from("known.json")));
        let err = Config::parse("baselin: known.json\n", "lint.yaml").unwrap_err();
        assert!(err.message.contains("`baseline`"), "{err}");
    }

    #[test]
    fn runner_timeouts_and_grandfather_parse() {
        let config = Config::parse(
            "runner_sets_lock_timeout: true\nrunner_sets_statement_timeout: true\ngrandfather_before: 3f2a1c9e7b10\n",
            "lint.yaml",
        )
        .unwrap();
        assert!(config.runner_sets_lock_timeout && config.runner_sets_statement_timeout);
        assert_eq!(config.grandfather_before.as_deref(), Some("3f2a1c9e7b10"));
        let defaults = Config::parse("", "lint.yaml").unwrap();
        assert!(!defaults.runner_sets_lock_timeout && !defaults.runner_sets_statement_timeout);
        assert_eq!(defaults.grandfather_before, None);
        let toml = "[tool.locksmith]\nrunner_sets_lock_timeout = true\ngrandfather_before = \"V0042__add_index.sql\"\n";
        let config = Config::parse_pyproject(toml, "pyproject.toml").unwrap();
        assert!(config.runner_sets_lock_timeout);
        assert_eq!(
            config.grandfather_before.as_deref(),
            Some("V0042__add_index.sql")
        );
    }

    #[test]
    fn bad_runner_timeouts_and_grandfather_values_name_the_line() {
        let cases = [
            (
                "fail_on: error\nrunner_sets_lock_timeout: sometimes\n",
                2,
                "invalid type",
            ),
            ("runner_sets_statement_timeout: 30s\n", 1, "invalid type"),
            ("grandfather_before: ''\n", 1, "grandfather_before must be"),
            (
                "postgres_version: 15\ngrandfather_before: migrations/V1.sql\n",
                2,
                "without a directory",
            ),
            ("grandfather_before: [a, b]\n", 1, "invalid type"),
        ];
        for (text, line, needle) in cases {
            let err = Config::parse(text, "lint.yaml").unwrap_err();
            assert_eq!(err.line, Some(line), "{text:?}: {err}");
            assert!(err.message.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn overrides_apply_by_path_and_later_ones_win() {
        let text = "rules:\n  dropping-column: warning\noverrides:\n  - paths: [\"migrations/legacy/**\"]\n    rules:\n      dropping-column: off\n      renaming-table: info\n  - paths: [\"migrations/legacy/keep/**\", \"other/*.sql\"]\n    rules:\n      dropping-column: error\n";
        let config = Config::parse(text, "lint.yaml").unwrap();
        let dropping = rules::find("dropping-column").unwrap();
        let renaming = rules::find("renaming-table").unwrap();
        let at = |path: &str, rule| config.for_path(Path::new(path)).severity_of(rule);
        assert_eq!(at("migrations/001.sql", dropping), Some(Severity::Warning));
        assert_eq!(at("migrations/legacy/001.sql", dropping), None);
        assert_eq!(
            at("./migrations/legacy/001.sql", renaming),
            Some(Severity::Info)
        );
        assert_eq!(
            at("migrations/legacy/keep/1.sql", dropping),
            Some(Severity::Error)
        );
        assert_eq!(
            at("migrations/legacy/keep/1.sql", renaming),
            Some(Severity::Info)
        );
        assert_eq!(at("other/1.sql", dropping), Some(Severity::Error));
        assert!(matches!(
            config.for_path(Path::new("migrations/001.sql")),
            std::borrow::Cow::Borrowed(_)
        ));
        // In pyproject.toml: an array of tables.
        let toml = "[tool.locksmith]\n[[tool.locksmith.overrides]]\npaths = [\"legacy/**\"]\nrules = { dropping-column = \"off\" }\n";
        let config = Config::parse_pyproject(toml, "pyproject.toml").unwrap();
        assert_eq!(
            config
                .for_path(Path::new("legacy/1.sql"))
                .severity_of(dropping),
            None
        );
    }

    #[test]
    fn overrides_are_relative_to_the_config_file() {
        let dir = std::env::temp_dir().join(format!("locksmith-overrides-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("migrations/legacy")).unwrap();
        let file = dir.join("migrations/legacy/001.sql");
        std::fs::write(&file, "SELECT 1;\n").unwrap();
        let text = "overrides:\n  - paths: [\"migrations/legacy/*.sql\"]\n    rules: {dropping-column: off}\n";
        let config = Config::parse(text, &dir.join("lint.yaml").display().to_string()).unwrap();
        let dropping = rules::find("dropping-column").unwrap();
        // An absolute path matches relative to the directory of lint.yaml.
        assert_eq!(config.for_path(&file).severity_of(dropping), None);
        assert_eq!(
            config
                .for_path(&dir.join("migrations/002.sql"))
                .severity_of(dropping),
            Some(Severity::Warning)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_overrides_name_the_file_and_line() {
        let cases = [
            (
                "overrides:\n  - paths: [\"legacy/**\"]\n    rules:\n      droping-column: off\n",
                4,
                "did you mean `dropping-column`",
            ),
            (
                "overrides:\n  - paths: [\"legacy/**\"]\n    rules:\n      dropping-column: quiet\n",
                4,
                "unknown variant `quiet`",
            ),
            (
                "overrides:\n  - paths: [\"legacy/**\"]\n    rule:\n      dropping-column: off\n",
                3,
                "unknown field `rule`",
            ),
            (
                "postgres_version: 15\noverrides:\n  - rules: {dropping-column: off}\n",
                3,
                "missing field `paths`",
            ),
            (
                "postgres_version: 15\noverrides:\n  - paths: [\"legacy/[**\"]\n    rules: {dropping-column: off}\n",
                3,
                "bad overrides pattern `legacy/[**`",
            ),
        ];
        for (text, line, needle) in cases {
            let err = Config::parse(text, "ci/lint.yaml").unwrap_err();
            assert_eq!(err.file, "ci/lint.yaml");
            assert_eq!(err.line, Some(line), "{text:?}: {err}");
            assert!(err.message.contains(needle), "{text:?}: {err}");
        }
        let toml = "[[tool.locksmith.overrides]]\npaths = [\"legacy/**\"]\nrules = { droping-column = \"off\" }\n";
        let err = Config::parse_pyproject(toml, "pyproject.toml").unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        assert!(
            err.message.contains("did you mean `dropping-column`"),
            "{err}"
        );
    }

    #[test]
    fn empty_file_is_default() {
        assert_eq!(
            Config::parse("# nothing\n", "lint.yaml")
                .unwrap()
                .postgres_version,
            15
        );
    }
}
