//! Listing the revision files of version directories, and telling whether a directory
//! holds revision files.

use std::fs;
use std::path::{Path, PathBuf};

use super::ProjectError;
use super::util::{error, io_message};

/// `.py` files in `dirs`, sorted, as Alembic loads them: no `__init__` modules, no hidden
/// or editor lock files (`.#x.py`), no `__pycache__`.
pub(super) fn list_revision_files(
    dirs: &[PathBuf],
    recursive: bool,
) -> Result<Vec<PathBuf>, ProjectError> {
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
pub(super) fn looks_like_revision(path: &Path) -> bool {
    fs::read_to_string(path).is_ok_and(|text| text.contains("down_revision"))
}
