//! Paths on the command line → the ordered list of inputs to lint. Directories are walked
//! recursively (hidden directories skipped) for `.sql` files, sorted by path so that
//! output order never depends on the file system.

use std::path::{Path, PathBuf};

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

/// `excluded` says which paths the configuration skips.
pub fn discover(
    paths: &[String],
    excluded: &dyn Fn(&Path) -> bool,
) -> (Vec<Input>, Vec<DiscoverError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    for raw in paths {
        if raw == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let path = Path::new(raw);
        if path.is_dir() {
            walk(path, excluded, &mut inputs, &mut errors);
        } else if path.is_file() {
            if !excluded(path) {
                inputs.push(Input::File(path.to_path_buf()));
            }
        } else {
            errors.push(DiscoverError {
                path: raw.clone(),
                message: "no such file or directory".into(),
            });
        }
    }
    (inputs, errors)
}

fn walk(
    root: &Path,
    excluded: &dyn Fn(&Path) -> bool,
    inputs: &mut Vec<Input>,
    errors: &mut Vec<DiscoverError>,
) {
    let walker = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                let is_sql = path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("sql"));
                if entry.file_type().is_file() && is_sql && !excluded(path) {
                    inputs.push(Input::File(path.to_path_buf()));
                }
            }
            Err(e) => errors.push(DiscoverError {
                path: e
                    .path()
                    .map_or_else(|| root.display().to_string(), |p| p.display().to_string()),
                message: e.to_string(),
            }),
        }
    }
}
