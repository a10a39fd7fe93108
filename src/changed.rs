//! `--changed-since REF`: the files a branch added, modified or renamed since it left REF,
//! asked of git. Git is run directly (never through a shell) so a ref cannot inject
//! anything, and every way it can fail becomes an error that says what to do.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Files changed since the merge base of HEAD with a ref: committed on the branch, staged,
/// unstaged, or new and untracked. Paths with their directory resolved
/// ([`crate::discover::resolved`]), so any spelling of a path compares; a symbolic link
/// counts as changed when it is, or when the file it points to is.
#[derive(Debug, Default)]
pub struct ChangedFiles {
    paths: HashSet<PathBuf>,
}

impl ChangedFiles {
    /// Whether the file at `path` (as given, relative to the current directory) changed.
    /// Its directory is resolved once per run, not the whole path once per file: a
    /// directory of thousands of migrations with two changed is otherwise mostly
    /// `readlink` calls.
    pub fn contains(&self, path: &Path) -> bool {
        let found = |p: Option<PathBuf>| p.is_some_and(|p| self.paths.contains(&p));
        found(crate::discover::resolved(path))
            || (path.is_symlink() && found(path.canonicalize().ok()))
    }

    pub fn len(&self) -> usize {
        self.paths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

/// The files changed since the merge base of HEAD and `reference`, for the repository
/// holding `dir`. The working tree counts: a CI checkout has no local edits, and a developer
/// running this locally expects their uncommitted edits to be checked.
pub fn changed_since(reference: &str, dir: &Path) -> Result<ChangedFiles, String> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])
        .map_err(|e| format!("--changed-since needs a git repository: {e}"))?;
    let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
    // `--end-of-options` keeps a ref that starts with `-` from being read as an option.
    let verify = format!("{reference}^{{commit}}");
    if git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &verify,
        ],
    )
    .is_err()
    {
        return Err(format!(
            "--changed-since {reference}: no such commit or branch in this repository (on a CI checkout, fetch it first: git fetch origin {reference})"
        ));
    }
    let base = match git(&top, &["merge-base", "--end-of-options", reference, "HEAD"]) {
        Ok(base) => base.trim().to_string(),
        Err(e) => {
            let shallow = git(&top, &["rev-parse", "--is-shallow-repository"])
                .is_ok_and(|s| s.trim() == "true");
            return Err(if shallow {
                format!(
                    "--changed-since {reference}: this is a shallow clone without the merge base of HEAD and {reference}; fetch more history: git fetch --unshallow (or actions/checkout with fetch-depth: 0)"
                )
            } else {
                format!(
                    "--changed-since {reference}: HEAD and {reference} have no common ancestor ({e})"
                )
            });
        }
    };
    // Paths relative to the top level (git runs there); -z: no quoting of unusual names.
    let committed_and_edited = git(
        &top,
        &[
            "diff",
            "--name-only",
            "--no-renames",
            "--diff-filter=AM",
            "-z",
            &base,
        ],
    )?;
    let untracked = git(&top, &["ls-files", "--others", "--exclude-standard", "-z"])?;
    let paths = committed_and_edited
        .split('\0')
        .chain(untracked.split('\0'))
        .filter(|p| !p.is_empty())
        // A path git lists that is gone from the disk cannot be linted anyway.
        .map(|p| top.join(p))
        .filter(|path| path.exists())
        .filter_map(|path| crate::discover::resolved(&path))
        .collect();
    Ok(ChangedFiles { paths })
}

/// Runs git in `dir`; its stdout, or an error with its stderr.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => "git is not installed (or not on PATH)".to_string(),
            _ => format!("cannot run git: {e}"),
        })?;
    if output.status.success() {
        String::from_utf8(output.stdout).map_err(|_| "git printed a path that is not UTF-8".into())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(match stderr.trim() {
            "" => format!("git {} failed", args.join(" ")),
            message => message.to_string(),
        })
    }
}
