//! Finding an Alembic project: from a PATH on the command line to the revision files, the
//! way Alembic finds them, without importing or running any Python.
//!
//! A PATH is, in this order of preference:
//! - a directory with `alembic.ini` and/or a `pyproject.toml` holding `[tool.alembic]`
//!   (Alembic 1.16+). Options are read from the ini's `[alembic]` section first and from
//!   `[tool.alembic]` when the ini does not set them, as Alembic does;
//! - an `alembic.ini`-style file (any `*.ini`) or a `pyproject.toml`, given directly;
//! - a script directory (it holds `env.py` and `versions/`);
//! - a directory named `versions`, or one holding `.py` files that mention
//!   `down_revision`;
//! - a single `.py` revision file.
//!
//! Anything else is not an Alembic project (`Ok(None)`), so the caller can treat it as SQL.
//!
//! Paths are built from the PATH as given and normalised lexically (`./a/../b` → `b`), so
//! that diagnostics show paths the user recognises. `%(here)s` is the directory of the
//! config file in that form, not made absolute. Relative locations are resolved against
//! the config file's directory; Alembic resolves them against the working directory,
//! which is the same thing when `alembic` runs next to its ini, as it almost always does.
//! `package:dir` locations need Python's import system and are an error.
//!
//! Whether env.py sets `transaction_per_migration=True` is read from its syntax tree: a
//! call whose callee is `configure` or ends in `.configure` with that keyword. Calls in a
//! function whose name contains `offline`, or under `if context.is_offline_mode():`, are
//! what `alembic upgrade --sql` runs, so they decide when there are any; otherwise every
//! configure call counts. A value that is not a literal cannot be decided: the result is
//! `false` with a note saying why.

use std::fmt;
use std::fs;
use std::path::{Component, Path, PathBuf};

use rustpython_parser::ast::{self, Constant, Expr, Ranged, Stmt};
use rustpython_parser::text_size::TextRange;
use serde::Deserialize;

/// Where an Alembic project's revisions are, and what of its configuration matters for
/// rendering them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlembicProject {
    /// The directory the project was found from (the config's directory, the versions
    /// directory, or a single file's directory).
    pub root: PathBuf,
    /// The ini file read, when there was one.
    pub ini: Option<PathBuf>,
    /// The `pyproject.toml` whose `[tool.alembic]` was read, when there was one.
    pub pyproject: Option<PathBuf>,
    /// The script directory (holding env.py), when known.
    pub script_location: Option<PathBuf>,
    /// Where revision files are looked for, in configuration order.
    pub version_dirs: Vec<PathBuf>,
    /// The revision files: `.py` files in `version_dirs` (recursively when
    /// `recursive_version_locations` is set), without `__init__.py`, hidden files and
    /// `__pycache__`; sorted by path, no duplicates.
    pub revision_files: Vec<PathBuf>,
    /// env.py configures one transaction per migration (offline mode).
    pub transaction_per_migration: bool,
    /// Why `transaction_per_migration` could not be decided from env.py, when it could
    /// not; it is then `false`.
    pub transaction_per_migration_note: Option<String>,
    pub env_py: Option<PathBuf>,
}

/// A project that cannot be read: the file, the line when there is one, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectError {
    pub path: PathBuf,
    /// 1-based.
    pub line: Option<usize>,
    /// Lowercase, no trailing period.
    pub message: String,
}

impl fmt::Display for ProjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ProjectError {}

fn error(path: &Path, line: Option<usize>, message: impl Into<String>) -> ProjectError {
    ProjectError {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

/// Finds the Alembic project at `path`; `Ok(None)` when `path` is not one.
pub fn find_project(path: &Path) -> Result<Option<AlembicProject>, ProjectError> {
    let metadata = fs::metadata(path).map_err(|e| error(path, None, io_message(&e)))?;
    let path = normalize(path);
    if metadata.is_file() {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let dir = parent_dir(&path);
        if name == "pyproject.toml" {
            let Some(tool) = read_pyproject(&path)? else {
                return Err(error(&path, None, "has no [tool.alembic] table"));
            };
            return from_config(&dir, None, Some((path.clone(), tool))).map(Some);
        }
        if name.ends_with(".ini") {
            let pyproject = dir.join("pyproject.toml");
            let tool = if pyproject.is_file() {
                let pyproject = normalize(&pyproject);
                read_pyproject(&pyproject)?.map(|tool| (pyproject, tool))
            } else {
                None
            };
            return from_config(&dir, Some(path.clone()), tool).map(Some);
        }
        if name.ends_with(".py") {
            let mut project = bare(dir.clone(), vec![dir], vec![path.clone()]);
            project.revision_files = vec![path];
            return Ok(Some(project));
        }
        return Ok(None);
    }

    let ini = path.join("alembic.ini");
    let ini = ini.is_file().then(|| normalize(&ini));
    let pyproject = path.join("pyproject.toml");
    let tool = if pyproject.is_file() {
        let pyproject = normalize(&pyproject);
        read_pyproject(&pyproject)?.map(|tool| (pyproject, tool))
    } else {
        None
    };
    if ini.is_some() || tool.is_some() {
        return from_config(&path, ini, tool).map(Some);
    }

    if path.join("env.py").is_file() && path.join("versions").is_dir() {
        let versions = normalize(&path.join("versions"));
        let files = list_revision_files(std::slice::from_ref(&versions), false)?;
        return Ok(Some(bare(path, vec![versions], files)));
    }
    let is_versions = path.file_name().is_some_and(|n| n == "versions");
    let files = list_revision_files(std::slice::from_ref(&path), false)?;
    if is_versions || files.iter().any(|f| looks_like_revision(f)) {
        return Ok(Some(bare(path.clone(), vec![path], files)));
    }
    Ok(None)
}

/// A project without configuration; env.py is looked for next to the versions directory,
/// where `alembic init` puts it.
fn bare(root: PathBuf, version_dirs: Vec<PathBuf>, revision_files: Vec<PathBuf>) -> AlembicProject {
    let script_location = version_dirs
        .first()
        .map(|d| parent_dir(d))
        .filter(|d| d.join("env.py").is_file());
    let mut project = AlembicProject {
        root,
        ini: None,
        pyproject: None,
        script_location,
        version_dirs,
        revision_files,
        transaction_per_migration: false,
        transaction_per_migration_note: None,
        env_py: None,
    };
    fill_env_py(&mut project);
    project
}

fn fill_env_py(project: &mut AlembicProject) {
    let Some(script) = &project.script_location else {
        return;
    };
    let env_py = normalize(&script.join("env.py"));
    if !env_py.is_file() {
        return;
    }
    let (on, note) = transaction_per_migration(&env_py);
    project.transaction_per_migration = on;
    project.transaction_per_migration_note = note;
    project.env_py = Some(env_py);
}

/// A configuration value and where it came from.
struct Setting<T> {
    value: T,
    file: PathBuf,
    line: Option<usize>,
}

fn from_config(
    dir: &Path,
    ini_path: Option<PathBuf>,
    tool: Option<(PathBuf, ToolAlembic)>,
) -> Result<AlembicProject, ProjectError> {
    let ini = match &ini_path {
        Some(path) => Some(Ini::read(path)?),
        None => None,
    };
    let section = ini.as_ref().and_then(|ini| ini.section("alembic"));
    if let (Some(ini), None, None) = (&ini, section, &tool) {
        return Err(error(
            &ini.path,
            None,
            "has no [alembic] section (and there is no pyproject.toml with [tool.alembic])",
        ));
    }

    let mut script: Option<Setting<String>> = None;
    let mut locations: Option<Setting<Vec<String>>> = None;
    let mut recursive: Option<Setting<bool>> = None;
    if let (Some(ini), Some(section)) = (&ini, section) {
        if let Some((value, line)) = ini.get(section, "script_location")? {
            script = Some(Setting {
                value,
                file: ini.path.clone(),
                line: Some(line),
            });
        }
        // An empty value is unset, as for Alembic (an empty string is false in Python).
        if let Some((value, line)) = ini.get(section, "version_locations")?
            && let value = split_locations(ini, section, &value)?
            && !value.is_empty()
        {
            locations = Some(Setting {
                value,
                file: ini.path.clone(),
                line: Some(line),
            });
        }
        if let Some((value, line)) = ini.get(section, "recursive_version_locations")? {
            let value = parse_bool(&value).ok_or_else(|| {
                error(
                    &ini.path,
                    Some(line),
                    format!("recursive_version_locations = {value} is not a boolean (true/false)"),
                )
            })?;
            recursive = Some(Setting {
                value,
                file: ini.path.clone(),
                line: Some(line),
            });
        }
    }
    if let Some((path, tool)) = &tool {
        let text = fs::read_to_string(path).unwrap_or_default();
        if script.is_none()
            && let Some(spanned) = &tool.script_location
        {
            let line = line_of(&text, spanned.span().start);
            let value = interpolate_here(spanned.get_ref(), HERE)
                .map_err(|m| error(path, Some(line), format!("script_location: {m}")))?;
            script = Some(Setting {
                value,
                file: path.clone(),
                line: Some(line),
            });
        }
        if locations.is_none()
            && let Some(spanned) = &tool.version_locations
        {
            let line = line_of(&text, spanned.span().start);
            let raw: Vec<String> = match spanned.get_ref() {
                OneOrMany::One(s) => s.split([' ', ',', '\n']).map(str::to_string).collect(),
                OneOrMany::Many(list) => list.clone(),
            };
            let mut value = Vec::new();
            for item in raw.iter().filter(|s| !s.trim().is_empty()) {
                value.push(
                    interpolate_here(item, HERE)
                        .map_err(|m| error(path, Some(line), format!("version_locations: {m}")))?,
                );
            }
            locations = Some(Setting {
                value,
                file: path.clone(),
                line: Some(line),
            });
        }
        if recursive.is_none()
            && let Some(value) = tool.recursive_version_locations
        {
            recursive = Some(Setting {
                value,
                file: path.clone(),
                line: None,
            });
        }
    }

    let Some(script) = script else {
        let (file, line) = match (&ini, section) {
            (Some(ini), Some(section)) => (ini.path.clone(), Some(section.line)),
            _ => (
                tool.as_ref().map(|(p, _)| p.clone()).unwrap_or_default(),
                None,
            ),
        };
        let wher = if ini.is_some() {
            "[alembic]"
        } else {
            "[tool.alembic]"
        };
        return Err(error(
            &file,
            line,
            format!(
                "{wher} has no script_location; add one, e.g. `script_location = %(here)s/alembic`"
            ),
        ));
    };
    let script_dir = resolve_location(&script, "script_location", &script.value)?;
    if !script_dir.is_dir() {
        let what = if script_dir.exists() {
            "is not a directory"
        } else {
            "does not exist"
        };
        return Err(error(
            &script.file,
            script.line,
            format!("script_location {} {what}", script_dir.display()),
        ));
    }

    let version_dirs = match &locations {
        None => vec![normalize(&script_dir.join("versions"))],
        Some(setting) => {
            let mut dirs = Vec::new();
            for item in &setting.value {
                let location = resolve_location(setting, "version_locations", item)?;
                if !location.is_dir() {
                    return Err(error(
                        &setting.file,
                        setting.line,
                        format!("version location {} does not exist", location.display()),
                    ));
                }
                if !dirs.contains(&location) {
                    dirs.push(location);
                }
            }
            dirs
        }
    };
    let existing: Vec<PathBuf> = version_dirs
        .iter()
        .filter(|d| d.is_dir())
        .cloned()
        .collect();
    let revision_files = list_revision_files(&existing, recursive.is_some_and(|r| r.value))?;

    let mut project = AlembicProject {
        root: dir.to_path_buf(),
        ini: ini_path,
        pyproject: tool.map(|(path, _)| path),
        script_location: Some(script_dir),
        version_dirs,
        revision_files,
        transaction_per_migration: false,
        transaction_per_migration_note: None,
        env_py: None,
    };
    fill_env_py(&mut project);
    Ok(project)
}

/// Stands for `%(here)s` in interpolated values until they are resolved: `here` is the
/// config file's directory as given (often relative), so a value starting with it must not
/// be joined to that directory a second time.
const HERE: &str = "\u{1}here\u{1}";

/// A script or version location, made a path relative to the config file's directory.
fn resolve_location<T>(
    setting: &Setting<T>,
    what: &str,
    value: &str,
) -> Result<PathBuf, ProjectError> {
    let dir = parent_dir(&setting.file);
    let here = dir.to_string_lossy();
    let value = value.trim();
    let anchored = value.starts_with(HERE);
    let value = value.replace(HERE, &here);
    if value.is_empty() {
        return Err(error(
            &setting.file,
            setting.line,
            format!("{what} is empty"),
        ));
    }
    if !anchored && !Path::new(&value).is_absolute() && value.contains(':') {
        return Err(error(
            &setting.file,
            setting.line,
            format!(
                "{what} {value} is a `package:directory` resource, which needs Python's import system; \
                 locksmith does not support it: give a file system path instead, e.g. %(here)s/<package>/<directory>"
            ),
        ));
    }
    if anchored {
        return Ok(normalize(Path::new(&value)));
    }
    Ok(normalize(&dir.join(value)))
}

/// Splits an ini `version_locations` the way Alembic does: by `path_separator` or
/// `version_path_separator` when set, else (the legacy default) by spaces and commas.
fn split_locations(ini: &Ini, section: &Section, value: &str) -> Result<Vec<String>, ProjectError> {
    let mut separator: Option<char> = None;
    for option in ["path_separator", "version_path_separator"] {
        if let Some((name, line)) = ini.get(section, option)? {
            separator = Some(match name.trim() {
                "space" => ' ',
                "newline" => '\n',
                "os" => {
                    if cfg!(windows) {
                        ';'
                    } else {
                        ':'
                    }
                }
                ":" => ':',
                ";" => ';',
                "," => ',',
                other => {
                    return Err(error(
                        &ini.path,
                        Some(line),
                        format!(
                            "{other:?} is not a valid {option}; expected space, newline, os, `:`, `;` or `,`"
                        ),
                    ));
                }
            });
            break;
        }
    }
    let parts: Vec<String> = match separator {
        Some(' ') => value.split_whitespace().map(str::to_string).collect(),
        Some(c) => value.split(c).map(|s| s.trim().to_string()).collect(),
        None => value
            .split(|c: char| c == ',' || c.is_whitespace())
            .map(str::to_string)
            .collect(),
    };
    Ok(parts.into_iter().filter(|s| !s.is_empty()).collect())
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Some(true),
        "0" | "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

/// `.py` files in `dirs`, sorted, as Alembic loads them: no `__init__` modules, no hidden
/// or editor lock files (`.#x.py`), no `__pycache__`.
fn list_revision_files(dirs: &[PathBuf], recursive: bool) -> Result<Vec<PathBuf>, ProjectError> {
    fn walk(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> Result<(), ProjectError> {
        let entries = fs::read_dir(dir).map_err(|e| error(dir, None, io_message(&e)))?;
        for entry in entries {
            let entry = entry.map_err(|e| error(dir, None, io_message(&e)))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with('.') {
                continue;
            }
            let path = dir.join(name);
            if path.is_dir() {
                if recursive && name != "__pycache__" {
                    walk(&path, recursive, out)?;
                }
            } else if name.ends_with(".py") && !name.starts_with("__init__") {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut files = Vec::new();
    for dir in dirs {
        walk(dir, recursive, &mut files)?;
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// A cheap test for "this directory holds revision files": the variable every revision
/// file has.
fn looks_like_revision(path: &Path) -> bool {
    fs::read_to_string(path).is_ok_and(|text| text.contains("down_revision"))
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        _ => e.to_string().to_lowercase(),
    }
}

/// The directory holding `path`, `.` for a bare file name.
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Removes `.` components and folds `name/..`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

fn line_of(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

// ---------------------------------------------------------------------------------------
// alembic.ini: Python's ConfigParser, the parts Alembic relies on.

struct Ini {
    path: PathBuf,
    sections: Vec<Section>,
}

struct Section {
    name: String,
    line: usize,
    entries: Vec<Entry>,
}

struct Entry {
    /// Lowercased, as ConfigParser does.
    key: String,
    raw: String,
    line: usize,
}

impl Ini {
    fn read(path: &Path) -> Result<Ini, ProjectError> {
        let text = fs::read_to_string(path).map_err(|e| error(path, None, io_message(&e)))?;
        Ini::parse(path, &text)
    }

    /// Sections, `key = value` or `key: value`, full-line `#`/`;` comments, indented
    /// continuation lines (joined with newlines). Like ConfigParser's defaults, there are
    /// no inline comments, and a duplicate section or key is an error.
    fn parse(path: &Path, text: &str) -> Result<Ini, ProjectError> {
        let mut sections: Vec<Section> = Vec::new();
        let mut continuing = false;
        for (index, raw_line) in text.lines().enumerate() {
            let line_no = index + 1;
            let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
            let trimmed = line.trim();
            if trimmed.is_empty() {
                continue;
            }
            if trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            let indented = line.starts_with([' ', '\t']);
            if indented && continuing {
                let entry = sections
                    .last_mut()
                    .and_then(|s| s.entries.last_mut())
                    .expect("continuing implies an entry");
                entry.raw.push('\n');
                entry.raw.push_str(trimmed);
                continue;
            }
            if trimmed.starts_with('[') {
                let Some(end) = trimmed.rfind(']') else {
                    return Err(error(
                        path,
                        Some(line_no),
                        format!("section header {trimmed} has no closing `]`"),
                    ));
                };
                let name = trimmed[1..end].trim().to_string();
                if let Some(first) = sections.iter().find(|s| s.name == name) {
                    return Err(error(
                        path,
                        Some(line_no),
                        format!("section [{name}] already appears on line {}", first.line),
                    ));
                }
                sections.push(Section {
                    name,
                    line: line_no,
                    entries: Vec::new(),
                });
                continuing = false;
                continue;
            }
            let Some(section) = sections.last_mut() else {
                return Err(error(
                    path,
                    Some(line_no),
                    "a setting before any [section] header",
                ));
            };
            let Some(at) = trimmed.find(['=', ':']) else {
                return Err(error(
                    path,
                    Some(line_no),
                    format!("expected `key = value`, found {trimmed}"),
                ));
            };
            let key = trimmed[..at].trim().to_lowercase();
            if key.is_empty() {
                return Err(error(
                    path,
                    Some(line_no),
                    format!("no key before `{}`", &trimmed[at..=at]),
                ));
            }
            if let Some(first) = section.entries.iter().find(|e| e.key == key) {
                return Err(error(
                    path,
                    Some(line_no),
                    format!(
                        "{key} is already set in [{}] on line {}",
                        section.name, first.line
                    ),
                ));
            }
            let raw = trimmed[at + 1..].trim().to_string();
            section.entries.push(Entry {
                key,
                raw,
                line: line_no,
            });
            continuing = true;
        }
        Ok(Ini {
            path: path.to_path_buf(),
            sections,
        })
    }

    fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The raw value of `key` in `section`, falling back to `[DEFAULT]`.
    fn lookup<'a>(&'a self, section: &'a Section, key: &str) -> Option<&'a Entry> {
        section.entries.iter().find(|e| e.key == key).or_else(|| {
            self.section("DEFAULT")
                .and_then(|d| d.entries.iter().find(|e| e.key == key))
        })
    }

    /// The interpolated value of `key` and its line.
    fn get(&self, section: &Section, key: &str) -> Result<Option<(String, usize)>, ProjectError> {
        let Some(entry) = self.lookup(section, key) else {
            return Ok(None);
        };
        let value = self.interpolate(section, &entry.raw, entry.line, 0)?;
        Ok(Some((value, entry.line)))
    }

    /// ConfigParser's basic interpolation: `%(name)s` from the section, `[DEFAULT]` or
    /// `here`; `%%` is a percent sign.
    fn interpolate(
        &self,
        section: &Section,
        raw: &str,
        line: usize,
        depth: usize,
    ) -> Result<String, ProjectError> {
        if depth > 10 {
            return Err(error(
                &self.path,
                Some(line),
                "interpolation nested more than 10 deep (does an option refer to itself?)",
            ));
        }
        let mut out = String::with_capacity(raw.len());
        let mut rest = raw;
        while let Some(at) = rest.find('%') {
            out.push_str(&rest[..at]);
            rest = &rest[at..];
            if let Some(after) = rest.strip_prefix("%%") {
                out.push('%');
                rest = after;
            } else if let Some(after) = rest.strip_prefix("%(") {
                let Some(close) = after.find(')') else {
                    return Err(error(
                        &self.path,
                        Some(line),
                        format!("unterminated `%(` in {raw}"),
                    ));
                };
                if !after[close + 1..].starts_with('s') {
                    return Err(error(
                        &self.path,
                        Some(line),
                        format!("`%({})` must be followed by `s` in {raw}", &after[..close]),
                    ));
                }
                let name = after[..close].to_lowercase();
                let value = match self.lookup(section, &name) {
                    Some(entry) => self.interpolate(section, &entry.raw, line, depth + 1)?,
                    None if name == "here" => HERE.to_string(),
                    None => {
                        return Err(error(
                            &self.path,
                            Some(line),
                            format!(
                                "%({name})s names no option in [{}] or [DEFAULT]",
                                section.name
                            ),
                        ));
                    }
                };
                out.push_str(&value);
                rest = &after[close + 2..];
            } else {
                return Err(error(
                    &self.path,
                    Some(line),
                    format!(
                        "`%` must be followed by `%` or `(` in {raw}; write %% for a percent sign"
                    ),
                ));
            }
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// `%(here)s` and `%%` in a `[tool.alembic]` string.
fn interpolate_here(raw: &str, here: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("%%") {
            out.push('%');
            rest = after;
        } else if let Some(after) = rest.strip_prefix("%(here)s") {
            out.push_str(here);
            rest = after;
        } else {
            return Err(format!("only %(here)s and %% may follow `%` in {raw}"));
        }
    }
    out.push_str(rest);
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// pyproject.toml

#[derive(Deserialize)]
struct PyProject {
    tool: Option<Tool>,
}

#[derive(Deserialize)]
struct Tool {
    alembic: Option<ToolAlembic>,
}

#[derive(Deserialize)]
struct ToolAlembic {
    script_location: Option<toml::Spanned<String>>,
    version_locations: Option<toml::Spanned<OneOrMany>>,
    recursive_version_locations: Option<bool>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// `[tool.alembic]` of a pyproject.toml, or `None` when it has none. Invalid TOML is an
/// error at its line.
fn read_pyproject(path: &Path) -> Result<Option<ToolAlembic>, ProjectError> {
    let text = fs::read_to_string(path).map_err(|e| error(path, None, io_message(&e)))?;
    match toml::from_str::<PyProject>(&text) {
        Ok(doc) => Ok(doc.tool.and_then(|t| t.alembic)),
        Err(e) => {
            let line = e.span().map(|span| line_of(&text, span.start));
            let message = e.message().trim().trim_end_matches('.').to_string();
            Err(error(path, line, format!("invalid TOML: {message}")))
        }
    }
}

// ---------------------------------------------------------------------------------------
// env.py: transaction_per_migration

/// What one `configure(...)` call says about `transaction_per_migration`.
enum TpmValue {
    Absent,
    Literal(bool),
    /// Not decidable statically: the expression's source text and line.
    Unknown(String, usize),
}

struct ConfigureCall {
    offline: bool,
    setting: TpmValue,
}

/// Reads `transaction_per_migration` from env.py's `context.configure(...)` calls.
fn transaction_per_migration(env_py: &Path) -> (bool, Option<String>) {
    match fs::read_to_string(env_py) {
        Ok(text) => transaction_per_migration_in(&text, env_py),
        Err(e) => (
            false,
            Some(format!(
                "{}: could not read env.py ({}); {ASSUMED}",
                env_py.display(),
                io_message(&e)
            )),
        ),
    }
}

const ASSUMED: &str = "assuming one transaction for the whole script";

/// [`transaction_per_migration`] over env.py's text; `env_py` names it in notes.
fn transaction_per_migration_in(text: &str, env_py: &Path) -> (bool, Option<String>) {
    let module = match rustpython_parser::parse(
        text,
        rustpython_parser::Mode::Module,
        &env_py.to_string_lossy(),
    ) {
        Ok(ast::Mod::Module(module)) => module,
        Ok(_) => return (false, None),
        Err(e) => {
            let line = line_of(text, usize::from(e.offset));
            return (
                false,
                Some(format!(
                    "{}:{line}: env.py does not parse ({}); {ASSUMED}",
                    env_py.display(),
                    e.error
                )),
            );
        }
    };
    let mut finder = ConfigureFinder {
        text,
        calls: Vec::new(),
    };
    finder.stmts(&module.body, false);
    let calls = finder.calls;
    let relevant: Vec<&ConfigureCall> = if calls.iter().any(|c| c.offline) {
        calls.iter().filter(|c| c.offline).collect()
    } else {
        calls.iter().collect()
    };
    if let Some(call) = relevant
        .iter()
        .find(|c| matches!(c.setting, TpmValue::Unknown(..)))
    {
        let TpmValue::Unknown(expr, line) = &call.setting else {
            unreachable!()
        };
        return (
            false,
            Some(format!(
                "{}:{}: transaction_per_migration is set from {expr}, which is not a literal, so locksmith cannot tell whether each migration runs in its own transaction; {ASSUMED}",
                env_py.display(),
                line
            )),
        );
    }
    (
        relevant
            .iter()
            .any(|c| matches!(c.setting, TpmValue::Literal(true))),
        None,
    )
}

struct ConfigureFinder<'a> {
    text: &'a str,
    calls: Vec<ConfigureCall>,
}

impl ConfigureFinder<'_> {
    /// What cannot be decided: the source text of `range`, and its line.
    fn unknown(&self, prefix: &str, range: TextRange) -> TpmValue {
        let (start, end) = (usize::from(range.start()), usize::from(range.end()));
        let text = self.text.get(start..end).unwrap_or("<expression>");
        TpmValue::Unknown(format!("{prefix}{text}"), line_of(self.text, start))
    }

    fn stmts(&mut self, body: &[Stmt], offline: bool) {
        for stmt in body {
            self.stmt(stmt, offline);
        }
    }

    fn stmt(&mut self, stmt: &Stmt, offline: bool) {
        match stmt {
            Stmt::FunctionDef(f) => {
                let offline = offline || f.name.as_str().to_lowercase().contains("offline");
                self.stmts(&f.body, offline);
            }
            Stmt::AsyncFunctionDef(f) => {
                let offline = offline || f.name.as_str().to_lowercase().contains("offline");
                self.stmts(&f.body, offline);
            }
            Stmt::ClassDef(c) => self.stmts(&c.body, offline),
            Stmt::If(s) => {
                self.expr(&s.test, offline);
                let (body_offline, else_offline) = match offline_test(&s.test) {
                    Some(true) => (true, offline),
                    Some(false) => (offline, true),
                    None => (offline, offline),
                };
                self.stmts(&s.body, body_offline);
                self.stmts(&s.orelse, else_offline);
            }
            Stmt::For(s) => {
                self.stmts(&s.body, offline);
                self.stmts(&s.orelse, offline);
            }
            Stmt::AsyncFor(s) => {
                self.stmts(&s.body, offline);
                self.stmts(&s.orelse, offline);
            }
            Stmt::While(s) => {
                self.stmts(&s.body, offline);
                self.stmts(&s.orelse, offline);
            }
            Stmt::With(s) => {
                for item in &s.items {
                    self.expr(&item.context_expr, offline);
                }
                self.stmts(&s.body, offline);
            }
            Stmt::AsyncWith(s) => {
                for item in &s.items {
                    self.expr(&item.context_expr, offline);
                }
                self.stmts(&s.body, offline);
            }
            Stmt::Try(s) => {
                self.stmts(&s.body, offline);
                for ast::ExceptHandler::ExceptHandler(h) in &s.handlers {
                    self.stmts(&h.body, offline);
                }
                self.stmts(&s.orelse, offline);
                self.stmts(&s.finalbody, offline);
            }
            Stmt::TryStar(s) => {
                self.stmts(&s.body, offline);
                for ast::ExceptHandler::ExceptHandler(h) in &s.handlers {
                    self.stmts(&h.body, offline);
                }
                self.stmts(&s.orelse, offline);
                self.stmts(&s.finalbody, offline);
            }
            Stmt::Match(s) => {
                for case in &s.cases {
                    self.stmts(&case.body, offline);
                }
            }
            Stmt::Expr(s) => self.expr(&s.value, offline),
            Stmt::Assign(s) => self.expr(&s.value, offline),
            Stmt::AnnAssign(s) => {
                if let Some(value) = &s.value {
                    self.expr(value, offline);
                }
            }
            Stmt::Return(s) => {
                if let Some(value) = &s.value {
                    self.expr(value, offline);
                }
            }
            _ => {}
        }
    }

    fn expr(&mut self, expr: &Expr, offline: bool) {
        match expr {
            Expr::Call(call) => {
                let is_configure = match call.func.as_ref() {
                    Expr::Attribute(a) => a.attr.as_str() == "configure",
                    Expr::Name(n) => n.id.as_str() == "configure",
                    _ => false,
                };
                if is_configure {
                    let setting = self.setting(call);
                    self.calls.push(ConfigureCall { offline, setting });
                }
                self.expr(&call.func, offline);
                for arg in &call.args {
                    self.expr(arg, offline);
                }
                for keyword in &call.keywords {
                    self.expr(&keyword.value, offline);
                }
            }
            Expr::Attribute(a) => self.expr(&a.value, offline),
            Expr::Await(a) => self.expr(&a.value, offline),
            Expr::NamedExpr(n) => self.expr(&n.value, offline),
            Expr::BoolOp(b) => b.values.iter().for_each(|v| self.expr(v, offline)),
            Expr::IfExp(i) => {
                self.expr(&i.test, offline);
                self.expr(&i.body, offline);
                self.expr(&i.orelse, offline);
            }
            _ => {}
        }
    }

    fn setting(&self, call: &ast::ExprCall) -> TpmValue {
        let mut setting = TpmValue::Absent;
        for keyword in &call.keywords {
            match &keyword.arg {
                Some(name) if name.as_str() == "transaction_per_migration" => {
                    setting = literal_bool(&keyword.value)
                        .map(TpmValue::Literal)
                        .unwrap_or_else(|| self.unknown("", keyword.value.range()));
                }
                Some(_) => {}
                // `**{...}`: a literal dict can be read; anything else could set it.
                None => match &keyword.value {
                    Expr::Dict(dict) => {
                        for (key, value) in dict.keys.iter().zip(&dict.values) {
                            match key {
                                Some(Expr::Constant(c)) => {
                                    if matches!(&c.value, Constant::Str(s) if s == "transaction_per_migration")
                                    {
                                        setting = literal_bool(value)
                                            .map(TpmValue::Literal)
                                            .unwrap_or_else(|| self.unknown("", value.range()));
                                    }
                                }
                                _ => setting = self.unknown("", keyword.range),
                            }
                        }
                    }
                    other => {
                        setting = self.unknown("**", other.range());
                    }
                },
            }
        }
        setting
    }
}

fn literal_bool(expr: &Expr) -> Option<bool> {
    match expr {
        Expr::Constant(c) => match &c.value {
            Constant::Bool(b) => Some(*b),
            Constant::None => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// `Some(true)` for `context.is_offline_mode()`, `Some(false)` for its negation.
fn offline_test(test: &Expr) -> Option<bool> {
    match test {
        Expr::Call(call) => match call.func.as_ref() {
            Expr::Attribute(a) if a.attr.as_str() == "is_offline_mode" => Some(true),
            Expr::Name(n) if n.id.as_str() == "is_offline_mode" => Some(true),
            _ => None,
        },
        Expr::UnaryOp(u) if matches!(u.op, ast::UnaryOp::Not) => {
            offline_test(&u.operand).map(|o| !o)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = "tests/fixtures/alembic_projects";

    fn fixture(rel: &str) -> PathBuf {
        Path::new(FIXTURES).join(rel)
    }

    fn find(rel: &str) -> AlembicProject {
        match find_project(&fixture(rel)) {
            Ok(Some(project)) => project,
            other => panic!("{rel}: {other:?}"),
        }
    }

    fn find_err(rel: &str) -> ProjectError {
        match find_project(&fixture(rel)) {
            Err(e) => e,
            other => panic!("{rel}: expected an error, got {other:?}"),
        }
    }

    fn paths(list: &[&str]) -> Vec<PathBuf> {
        list.iter().map(|p| fixture(p)).collect()
    }

    #[test]
    fn alembic_ini_with_here_interpolation() {
        let p = find("ini_here");
        assert_eq!(p.root, fixture("ini_here"));
        assert_eq!(p.ini, Some(fixture("ini_here/alembic.ini")));
        assert_eq!(p.pyproject, None);
        assert_eq!(p.script_location, Some(fixture("ini_here/migrations")));
        assert_eq!(p.version_dirs, paths(&["ini_here/migrations/versions"]));
        // recursive_version_locations = true: the 2024/ subdirectory counts, __pycache__,
        // __init__.py, editor lock files and non-.py files do not.
        assert_eq!(
            p.revision_files,
            paths(&[
                "ini_here/migrations/versions/1a2b3c4d5e6f_create_users.py",
                "ini_here/migrations/versions/2024/abcdef012345_nested.py",
                "ini_here/migrations/versions/9f8e7d6c5b4a_add_email.py",
            ])
        );
        assert_eq!(p.env_py, Some(fixture("ini_here/migrations/env.py")));
        assert!(!p.transaction_per_migration);
        assert_eq!(p.transaction_per_migration_note, None);
    }

    #[test]
    fn the_same_project_from_the_ini_file_or_an_unnormalised_path() {
        let p = find("ini_here");
        assert_eq!(find("ini_here/alembic.ini"), p);
        assert_eq!(find("ini_here/./../ini_here/"), p);
    }

    #[test]
    fn current_directory_paths_stay_relative() {
        let p = find_project(Path::new(&format!(
            "./{FIXTURES}/../alembic_projects/bare/versions"
        )))
        .unwrap()
        .unwrap();
        assert_eq!(p.root, fixture("bare/versions"));
        let absolute = std::env::current_dir().unwrap().join(fixture("ini_here"));
        let p = find_project(&absolute).unwrap().unwrap();
        assert_eq!(p.script_location, Some(absolute.join("migrations")));
        assert_eq!(p.revision_files.len(), 3);
        assert_eq!(normalize(Path::new(".")), PathBuf::from("."));
        assert_eq!(normalize(Path::new("./a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(normalize(Path::new("../x/..")), PathBuf::from(".."));
        assert_eq!(normalize(Path::new("/a/../../b")), PathBuf::from("/b"));
    }

    #[test]
    fn version_locations_with_two_directories() {
        let p = find("two_locations");
        assert_eq!(p.script_location, Some(fixture("two_locations/db")));
        assert_eq!(
            p.version_dirs,
            paths(&[
                "two_locations/db/versions",
                "two_locations/plugins/billing/versions"
            ])
        );
        assert_eq!(
            p.revision_files,
            paths(&[
                "two_locations/db/versions/aaaa00000001_core.py",
                "two_locations/plugins/billing/versions/bbbb00000001_billing.py",
            ])
        );
        // transaction_per_migration=False, a literal.
        assert!(!p.transaction_per_migration);
        assert_eq!(p.transaction_per_migration_note, None);
    }

    #[test]
    fn pyproject_tool_alembic() {
        let p = find("pyproject");
        assert_eq!(p.ini, None);
        assert_eq!(p.pyproject, Some(fixture("pyproject/pyproject.toml")));
        assert_eq!(p.script_location, Some(fixture("pyproject/alembic")));
        assert_eq!(
            p.version_dirs,
            paths(&["pyproject/alembic/versions", "pyproject/more_versions"])
        );
        assert_eq!(
            p.revision_files,
            paths(&[
                "pyproject/alembic/versions/c0ffee000001_first.py",
                "pyproject/more_versions/c0ffee000002_second.py",
            ])
        );
        assert_eq!(p.env_py, Some(fixture("pyproject/alembic/env.py")));
        assert_eq!(find("pyproject/pyproject.toml"), p);
    }

    #[test]
    fn ini_without_script_location_falls_back_to_pyproject() {
        let p = find("ini_and_pyproject");
        assert_eq!(p.ini, Some(fixture("ini_and_pyproject/alembic.ini")));
        assert_eq!(
            p.pyproject,
            Some(fixture("ini_and_pyproject/pyproject.toml"))
        );
        assert_eq!(
            p.script_location,
            Some(fixture("ini_and_pyproject/migrations"))
        );
        assert_eq!(
            p.revision_files,
            paths(&["ini_and_pyproject/migrations/versions/666666666666_six.py"])
        );
        assert_eq!(p.env_py, None);
    }

    #[test]
    fn bare_versions_directory() {
        let p = find("bare/versions");
        assert_eq!(p.root, fixture("bare/versions"));
        assert_eq!(
            (p.ini.clone(), p.script_location.clone(), p.env_py.clone()),
            (None, None, None)
        );
        assert_eq!(p.version_dirs, paths(&["bare/versions"]));
        assert_eq!(
            p.revision_files,
            paths(&[
                "bare/versions/111111111111_one.py",
                "bare/versions/222222222222_two.py"
            ])
        );
    }

    #[test]
    fn directory_holding_revision_files() {
        let p = find("loose");
        assert_eq!(p.version_dirs, paths(&["loose"]));
        // Every .py file, as Alembic loads every .py file of a version directory.
        assert_eq!(
            p.revision_files,
            paths(&["loose/333333333333_three.py", "loose/helper.py"])
        );
    }

    #[test]
    fn script_directory_without_config() {
        let p = find("script_dir");
        assert_eq!(p.script_location, Some(fixture("script_dir")));
        assert_eq!(p.version_dirs, paths(&["script_dir/versions"]));
        assert_eq!(
            p.revision_files,
            paths(&["script_dir/versions/444444444444_four.py"])
        );
        assert!(p.transaction_per_migration);
    }

    #[test]
    fn single_revision_file() {
        let p = find("bare/versions/222222222222_two.py");
        assert_eq!(p.root, fixture("bare/versions"));
        assert_eq!(p.version_dirs, paths(&["bare/versions"]));
        assert_eq!(
            p.revision_files,
            paths(&["bare/versions/222222222222_two.py"])
        );
        assert_eq!(p.env_py, None);
        // Next to an env.py, the file still gets its transaction setting.
        let p = find("script_dir/versions/444444444444_four.py");
        assert_eq!(p.env_py, Some(fixture("script_dir/env.py")));
        assert!(p.transaction_per_migration);
    }

    #[test]
    fn not_an_alembic_project() {
        assert_eq!(find_project(&fixture("not_alembic")).unwrap(), None);
        assert_eq!(
            find_project(&fixture("not_alembic/V1__t.sql")).unwrap(),
            None
        );
        let missing = find_project(&fixture("no/such/dir")).unwrap_err();
        assert_eq!(
            missing.to_string(),
            format!("{FIXTURES}/no/such/dir: no such file or directory")
        );
    }

    #[test]
    fn env_py_with_transaction_per_migration_true() {
        let p = find("tpm_true");
        assert!(p.transaction_per_migration);
        assert_eq!(p.transaction_per_migration_note, None);
    }

    #[test]
    fn env_py_with_a_computed_transaction_per_migration() {
        let p = find("tpm_dynamic");
        assert!(!p.transaction_per_migration);
        assert_eq!(
            p.transaction_per_migration_note.as_deref(),
            Some(
                "tests/fixtures/alembic_projects/tpm_dynamic/migrations/env.py:8: transaction_per_migration \
                 is set from config.get_main_option(\"per_migration\") == \"true\", which is not a literal, \
                 so locksmith cannot tell whether each migration runs in its own transaction; assuming one \
                 transaction for the whole script"
            )
        );
        // The default versions directory is missing (git keeps no empty directories):
        // no revisions, no error.
        assert_eq!(p.version_dirs, paths(&["tpm_dynamic/migrations/versions"]));
        assert!(p.revision_files.is_empty());
    }

    #[test]
    fn broken_configurations_name_file_and_line() {
        let cases = [
            (
                "bad_no_script",
                "bad_no_script/alembic.ini:1: [alembic] has no script_location; add one, e.g. `script_location = %(here)s/alembic`",
            ),
            (
                "bad_package",
                "bad_package/alembic.ini:3: script_location myapp:migrations is a `package:directory` resource, \
                 which needs Python's import system; locksmith does not support it: give a file system path \
                 instead, e.g. %(here)s/<package>/<directory>",
            ),
            (
                "bad_missing_dir",
                "bad_missing_dir/alembic.ini:3: script_location tests/fixtures/alembic_projects/bad_missing_dir/nowhere does not exist",
            ),
            (
                "bad_no_section",
                "bad_no_section/alembic.ini: has no [alembic] section (and there is no pyproject.toml with [tool.alembic])",
            ),
            (
                "bad_interpolation",
                "bad_interpolation/alembic.ini:2: %(base)s names no option in [alembic] or [DEFAULT]",
            ),
        ];
        for (dir, expected) in cases {
            assert_eq!(
                find_err(dir).to_string(),
                format!("{FIXTURES}/{expected}"),
                "{dir}"
            );
        }
        let toml = find_err("bad_toml");
        assert_eq!(toml.path, fixture("bad_toml/pyproject.toml"));
        assert!(toml.line.is_some_and(|l| l >= 3), "{toml}");
        assert!(toml.message.starts_with("invalid TOML: "), "{toml}");
    }

    fn ini(text: &str) -> Result<Ini, ProjectError> {
        Ini::parse(Path::new("conf/alembic.ini"), text)
    }

    fn get(text: &str, key: &str) -> Result<Option<String>, ProjectError> {
        let ini = ini(text)?;
        let section = ini.section("alembic").expect("section");
        Ok(ini
            .get(section, key)?
            .map(|(value, _)| value.replace(HERE, "conf")))
    }

    #[test]
    fn ini_syntax() {
        let text = "[DEFAULT]\nroot = %(here)s/app\n\n[alembic]\n# comment\n  ; indented comment\nScript_Location: %(root)s/db\nversion_locations =\n    %(here)s/a\n    %(here)s/b\npct = 100%%\n";
        assert_eq!(
            get(text, "script_location").unwrap().as_deref(),
            Some("conf/app/db")
        );
        assert_eq!(
            get(text, "version_locations").unwrap().as_deref(),
            Some("\nconf/a\nconf/b")
        );
        assert_eq!(get(text, "pct").unwrap().as_deref(), Some("100%"));
        assert_eq!(get(text, "missing").unwrap(), None);

        let errors = [
            (
                "key = value\n",
                "conf/alembic.ini:1: a setting before any [section] header",
            ),
            (
                "[alembic]\na = 1\nA = 2\n",
                "conf/alembic.ini:3: a is already set in [alembic] on line 2",
            ),
            (
                "[alembic]\n[alembic]\n",
                "conf/alembic.ini:2: section [alembic] already appears on line 1",
            ),
            (
                "[alembic]\njust words\n",
                "conf/alembic.ini:2: expected `key = value`, found just words",
            ),
            (
                "[alembic\n",
                "conf/alembic.ini:1: section header [alembic has no closing `]`",
            ),
        ];
        for (text, expected) in errors {
            assert_eq!(
                ini(text).err().map(|e| e.to_string()).as_deref(),
                Some(expected),
                "{text:?}"
            );
        }
        let interpolation = [
            (
                "[alembic]\nx = 5%\n",
                "conf/alembic.ini:2: `%` must be followed by `%` or `(` in 5%; write %% for a percent sign",
            ),
            (
                "[alembic]\nx = %(here)\n",
                "conf/alembic.ini:2: `%(here)` must be followed by `s` in %(here)",
            ),
            (
                "[alembic]\nx = %(here\n",
                "conf/alembic.ini:2: unterminated `%(` in %(here",
            ),
            (
                "[alembic]\nx = %(x)s\n",
                "conf/alembic.ini:2: interpolation nested more than 10 deep (does an option refer to itself?)",
            ),
        ];
        for (text, expected) in interpolation {
            assert_eq!(
                get(text, "x").unwrap_err().to_string(),
                expected,
                "{text:?}"
            );
        }
    }

    #[test]
    fn version_locations_separators() {
        let split = |extra: &str, value: &str| -> Result<Vec<String>, ProjectError> {
            let text = format!("[alembic]\n{extra}\n");
            let ini = ini(&text)?;
            let section = ini.section("alembic").expect("section");
            split_locations(&ini, section, value)
        };
        assert_eq!(split("", "a b,c, d\ne").unwrap(), ["a", "b", "c", "d", "e"]);
        assert_eq!(
            split("version_path_separator = ;", "a b;c").unwrap(),
            ["a b", "c"]
        );
        assert_eq!(
            split("version_path_separator = space", "a  b").unwrap(),
            ["a", "b"]
        );
        assert_eq!(
            split("version_path_separator = newline", "\na b\nc").unwrap(),
            ["a b", "c"]
        );
        assert_eq!(
            split("path_separator = :\nversion_path_separator = ;", "a:b;c").unwrap(),
            ["a", "b;c"]
        );
        if cfg!(unix) {
            assert_eq!(
                split("version_path_separator = os", "a:b").unwrap(),
                ["a", "b"]
            );
        }
        assert_eq!(
            split("version_path_separator = |", "a|b")
                .unwrap_err()
                .to_string(),
            "conf/alembic.ini:2: \"|\" is not a valid version_path_separator; expected space, newline, os, `:`, `;` or `,`"
        );
    }

    #[test]
    fn pyproject_here_interpolation() {
        assert_eq!(interpolate_here("%(here)s/a/%%x", "p").unwrap(), "p/a/%x");
        assert!(interpolate_here("%(root)s/a", "p").is_err());
    }

    fn tpm(text: &str) -> (bool, Option<String>) {
        transaction_per_migration_in(text, Path::new("env.py"))
    }

    #[test]
    fn transaction_per_migration_from_env_py() {
        assert_eq!(
            tpm(
                "from alembic import context\ncontext.configure(url=u, transaction_per_migration=True)\n"
            ),
            (true, None)
        );
        assert_eq!(
            tpm(
                "from alembic.context import configure\nconfigure(transaction_per_migration=True)\n"
            ),
            (true, None)
        );
        assert_eq!(tpm("context.configure(url=u)\n"), (false, None));
        assert_eq!(tpm("x = 1\n"), (false, None));
        assert_eq!(
            tpm("context.configure(**{'transaction_per_migration': True, 'url': u})\n"),
            (true, None)
        );
        // Only what offline mode runs counts when offline mode is recognisable.
        let online_only = "def run_migrations_offline():\n    context.configure(url=u)\n\ndef run_migrations_online():\n    context.configure(connection=c, transaction_per_migration=True)\n";
        assert_eq!(tpm(online_only), (false, None));
        let inverted = "if not context.is_offline_mode():\n    context.configure(connection=c)\nelse:\n    context.configure(url=u, transaction_per_migration=True)\n";
        assert_eq!(tpm(inverted), (true, None));
        let nested = "def run_migrations_offline():\n    with ctx():\n        try:\n            context.configure(url=u, transaction_per_migration=True)\n        finally:\n            pass\n";
        assert_eq!(tpm(nested), (true, None));
    }

    #[test]
    fn transaction_per_migration_that_cannot_be_decided_says_why() {
        let (on, note) =
            tpm("def run_migrations_offline():\n    context.configure(url=u, **conf_args)\n");
        assert!(!on);
        assert_eq!(
            note.as_deref(),
            Some(
                "env.py:2: transaction_per_migration is set from **conf_args, which is not a literal, so \
                 locksmith cannot tell whether each migration runs in its own transaction; assuming one \
                 transaction for the whole script"
            )
        );
        let (on, note) =
            tpm("context.configure(\n    transaction_per_migration=PER_MIGRATION,\n)\n");
        assert!(!on);
        assert!(note.unwrap().contains("set from PER_MIGRATION"));
        let (on, note) = tpm("def run(:\n    pass\n");
        assert!(!on);
        assert!(
            note.unwrap()
                .starts_with("env.py:1: env.py does not parse (")
        );
    }
}
