//! Paths on the command line → the ordered list of inputs to lint. Directories are walked
//! recursively (hidden directories skipped) for `.sql` files, sorted by path so that
//! output order never depends on the file system, and for the directories that may hold
//! an Alembic project (which the Alembic front-end then reads).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file, with the name to show for it.
    File(PathBuf),
    Stdin,
}

impl Input {
    pub fn display_name(&self) -> String {
        match self {
            Input::File(path) => path.display().to_string(),
            Input::Stdin => "<stdin>".into(),
        }
    }
}

/// A path that could not be used, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoverError {
    pub path: String,
    pub message: String,
}

/// What the paths hold.
#[derive(Debug, Default)]
pub struct Discovered {
    pub inputs: Vec<Input>,
    pub errors: Vec<DiscoverError>,
    /// Files seen but not linted, and why: a user who expected them linted must be told.
    pub skipped: Vec<DiscoverError>,
    /// How many files the configuration's `exclude` skipped (deliberately, so silently).
    pub excluded: usize,
    /// Directories of a walk that may hold an Alembic project (an `alembic.ini`, a
    /// `pyproject.toml`, or an `env.py` beside `versions/`), in walk order: the Alembic
    /// front-end decides which do.
    pub project_dirs: Vec<PathBuf>,
    /// The `.py` files of a walk, as a warning that they are not linted: for the caller to
    /// add to `skipped` when the walk holds no Alembic project.
    pub python_not_linted: Vec<DiscoverError>,
}

/// Why `.py` files found in a walk are not linted: no Alembic project was found there.
pub const NOT_ALEMBIC: &str = "not in an Alembic project: no alembic.ini, pyproject.toml [tool.alembic] or env.py with versions/ found";

/// `excluded` says which paths the configuration skips.
pub fn discover(paths: &[String], excluded: &dyn Fn(&Path) -> bool) -> Discovered {
    let mut found = Discovered::default();
    for raw in paths {
        let kind = (raw != "-").then(|| std::fs::metadata(raw).map(|m| m.file_type()).ok());
        discover_one(raw, kind.flatten(), excluded, &mut found);
    }
    found
}

/// [`discover`] of one path whose type of file is known (`None`: it has none, or is `-`):
/// one stat a path, in a file list of thousands of files (the pre-commit case).
pub fn discover_typed(
    raw: &str,
    kind: Option<std::fs::FileType>,
    excluded: &dyn Fn(&Path) -> bool,
) -> Discovered {
    let mut found = Discovered::default();
    discover_one(raw, kind, excluded, &mut found);
    found
}

fn discover_one(
    raw: &str,
    kind: Option<std::fs::FileType>,
    excluded: &dyn Fn(&Path) -> bool,
    found: &mut Discovered,
) {
    if raw == "-" {
        found.inputs.push(Input::Stdin);
        return;
    }
    let path = Path::new(raw);
    if kind.is_some_and(|k| k.is_dir()) {
        walk(path, excluded, found);
    } else if kind.is_some_and(|k| k.is_file()) {
        if excluded(path) {
            found.excluded += 1;
        } else {
            found.inputs.push(Input::File(path.to_path_buf()));
        }
    } else {
        let message = if path.is_symlink() {
            "broken symbolic link (its target does not exist)"
        } else {
            "no such file or directory"
        };
        found.errors.push(DiscoverError {
            path: raw.to_string(),
            message: message.into(),
        });
    }
}

/// A file that says its directory may hold an Alembic project.
fn holds_project(path: &Path) -> bool {
    let name = path.file_name().unwrap_or_default();
    name == "alembic.ini"
        || name == "pyproject.toml"
        || (name == "env.py" && path.with_file_name("versions").is_dir())
}

fn walk(root: &Path, excluded: &dyn Fn(&Path) -> bool, found: &mut Discovered) {
    let walker = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    let mut python = Vec::new();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                found.errors.push(DiscoverError {
                    path: e
                        .path()
                        .map_or_else(|| root.display().to_string(), |p| p.display().to_string()),
                    message: e.to_string(),
                });
                continue;
            }
        };
        let path = entry.path();
        let has_extension = |ext: &str| {
            path.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case(ext))
        };
        // walkdir does not follow links (which keeps directory cycles out); a link to a
        // file is followed here, since migrations are sometimes shared that way.
        let is_file = if entry.path_is_symlink() {
            match std::fs::metadata(path) {
                Ok(target) => target.is_file(),
                Err(_) if has_extension("sql") => {
                    found.errors.push(DiscoverError {
                        path: path.display().to_string(),
                        message: "broken symbolic link (its target does not exist)".into(),
                    });
                    continue;
                }
                Err(_) => false,
            }
        } else {
            entry.file_type().is_file()
        };
        if !is_file {
            continue;
        }
        if excluded(path) {
            // An excluded config names no project either.
            found.excluded += usize::from(has_extension("sql"));
            continue;
        }
        if has_extension("sql") {
            found.inputs.push(Input::File(path.to_path_buf()));
        } else if has_extension("py") {
            python.push(path.display().to_string());
        }
        if holds_project(path)
            && let Some(dir) = path.parent()
        {
            found.project_dirs.push(dir.to_path_buf());
        }
    }
    if let Some(first) = python.first() {
        let others = match python.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        found.python_not_linted.push(DiscoverError {
            path: root.display().to_string(),
            message: format!(
                ".py files not linted ({first}{others}): {NOT_ALEMBIC} at {}",
                root.display()
            ),
        });
    }
}

/// `path` with its directory resolved as `canonicalize` resolves it (symlinks, `.`, `..`)
/// and its file name kept: what globs relative to a config file's directory are matched
/// against. Resolving costs a system call per path component, so each directory is
/// resolved once per run ([`resolved_dir`]), not once per file and pattern.
pub fn resolved(path: &Path) -> Option<PathBuf> {
    match (path.file_name(), path.parent()) {
        (Some(name), Some(dir)) => {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            resolved_dir(dir).map(|dir| dir.join(name))
        }
        _ => path.canonicalize().ok(),
    }
}

/// `dir.canonicalize()`, remembered for the rest of the run (the file system is taken
/// not to change under it).
pub fn resolved_dir(dir: &Path) -> Option<PathBuf> {
    static RESOLVED: OnceLock<Mutex<HashMap<PathBuf, Option<PathBuf>>>> = OnceLock::new();
    let memo = RESOLVED.get_or_init(Default::default);
    let known = memo
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(dir)
        .cloned();
    known.unwrap_or_else(|| {
        let resolved = dir.canonicalize().ok();
        let mut memo = memo.lock().unwrap_or_else(|e| e.into_inner());
        memo.insert(dir.to_path_buf(), resolved.clone());
        resolved
    })
}
