//! Where a project's own Python modules are (`from app.models import Status` in a
//! revision): the directories the renderer reads imported modules from, statically. Only
//! directories inside the repository are searched, so third-party packages and anything
//! outside the checkout stay unknown.

use std::path::{Path, PathBuf};

use super::AlembicProject;
use super::util::normalize;

/// The directories searched for a project's modules, in order, and the repository they
/// must stay inside (canonical paths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleRoots {
    pub roots: Vec<PathBuf>,
    /// The directory holding `.git` above the configuration, or the filesystem root.
    pub repository: PathBuf,
}

/// `prepend_sys_path` first (what Python searches first), then the configuration's
/// directory and each parent up to the repository root, each followed by its `src/`.
pub fn module_roots(project: &AlembicProject) -> ModuleRoots {
    let config = project
        .ini
        .as_ref()
        .or(project.pyproject.as_ref())
        .and_then(|file| file.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| project.root.clone());
    let config = if config.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        config
    };
    let Ok(start) = config.canonicalize() else {
        return ModuleRoots {
            roots: Vec::new(),
            repository: config,
        };
    };
    let repository = start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .or_else(|| start.ancestors().last())
        .unwrap_or(&start)
        .to_path_buf();
    let mut roots: Vec<PathBuf> = project
        .prepend_sys_path
        .iter()
        .filter_map(|dir| dir.canonicalize().ok())
        .filter(|dir| dir.starts_with(&repository))
        .collect();
    for dir in start.ancestors() {
        for root in [dir.to_path_buf(), dir.join("src")] {
            if root.is_dir() && !roots.contains(&root) {
                roots.push(root);
            }
        }
        if dir == repository {
            break;
        }
    }
    ModuleRoots { roots, repository }
}

/// The directories of a `prepend_sys_path` value (`%(here)s` already replaced by `here`
/// marker `here_marker`): separated by spaces, commas or `:` as Alembic splits it, relative
/// ones resolved against the configuration's directory.
pub(super) fn prepend_sys_path(value: &str, here_marker: &str, dir: &Path) -> Vec<PathBuf> {
    let here = dir.to_string_lossy();
    value
        .split(|c: char| c.is_whitespace() || c == ',' || c == ':')
        .filter(|item| !item.is_empty())
        .map(|item| match item.contains(here_marker) {
            true => normalize(Path::new(&item.replace(here_marker, &here))),
            false => normalize(&dir.join(item)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepend_sys_path_is_split_and_resolved() {
        let dir = Path::new("conf");
        assert_eq!(
            prepend_sys_path(". src, @/lib:../x", "@", dir),
            vec![
                PathBuf::from("conf"),
                PathBuf::from("conf/src"),
                PathBuf::from("conf/lib"),
                PathBuf::from("x"),
            ]
        );
    }

    #[test]
    fn roots_stop_at_the_repository() {
        let dir = std::env::temp_dir().join(format!("locksmith-roots-{}", std::process::id()));
        let project_dir = dir.join("repo/services/api");
        std::fs::create_dir_all(project_dir.join("src")).unwrap();
        std::fs::create_dir_all(dir.join("repo/.git")).unwrap();
        std::fs::create_dir_all(dir.join("outside")).unwrap();
        std::fs::write(project_dir.join("alembic.ini"), "").unwrap();
        let project = AlembicProject {
            root: project_dir.clone(),
            ini: Some(project_dir.join("alembic.ini")),
            pyproject: None,
            script_location: None,
            version_dirs: Vec::new(),
            revision_files: Vec::new(),
            transaction_per_migration: false,
            transaction_per_migration_note: None,
            env_py: None,
            env_settings: Default::default(),
            prepend_sys_path: vec![project_dir.join("src"), dir.join("outside")],
        };
        let found = module_roots(&project);
        let repo = dir.join("repo").canonicalize().unwrap();
        assert_eq!(found.repository, repo);
        let api = repo.join("services/api");
        assert_eq!(
            found.roots,
            vec![
                api.join("src"),
                api.clone(),
                repo.join("services"),
                repo.clone()
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
