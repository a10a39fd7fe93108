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
//!
//! The parts, one concern a file: `settings.rs` resolves a configured project
//! (`script_location`, `version_locations`, `recursive_version_locations`) from `ini.rs`
//! (alembic.ini, ConfigParser's syntax) and `pyproject.rs` (`[tool.alembic]`); `files.rs`
//! lists revision files; `env_py.rs` reads `transaction_per_migration`; `util.rs` holds the
//! error and path helpers they share.

mod env_py;
mod env_settings;
mod files;
mod ini;
mod pyproject;
mod settings;
mod sys_path;
mod util;

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use env_py::fill_env_py;
pub use env_settings::{EnvSettings, SessionSetting};
use files::{list_revision_files, looks_like_revision};
use pyproject::read_pyproject;
use settings::from_config;
pub use sys_path::{ModuleRoots, module_roots};
use util::{error, io_message, normalize, parent_dir};

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
    /// What env.py applies to every migration (session settings, the version table).
    pub env_settings: EnvSettings,
    /// `prepend_sys_path` of the configuration: directories searched first for the
    /// project's own modules that revisions import ([`module_roots`]).
    pub prepend_sys_path: Vec<PathBuf>,
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

/// Finds the Alembic project at `path`; `Ok(None)` when `path` is not one.
pub fn find_project(path: &Path) -> Result<Option<AlembicProject>, ProjectError> {
    Ok(find_project_typed(path)?.0)
}

/// [`find_project`], with the type of file `path` is: its one stat, which the discovery
/// of a path that is no project takes rather than making again (a pre-commit file list
/// is thousands of `.sql` paths).
pub fn find_project_typed(
    path: &Path,
) -> Result<(Option<AlembicProject>, fs::FileType), ProjectError> {
    let metadata = fs::metadata(path).map_err(|e| error(path, None, io_message(&e)))?;
    Ok((project_at(path, &metadata)?, metadata.file_type()))
}

fn project_at(
    path: &Path,
    metadata: &fs::Metadata,
) -> Result<Option<AlembicProject>, ProjectError> {
    if metadata.is_file() && !names_project(path) {
        return Ok(None);
    }
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

    if let Some(project) = configured_project(&path)? {
        return Ok(Some(project));
    }
    let is_versions = path.file_name().is_some_and(|n| n == "versions");
    let files = list_revision_files(std::slice::from_ref(&path), false)?;
    if is_versions || files.iter().any(|f| looks_like_revision(f)) {
        return Ok(Some(bare(path.clone(), vec![path], files)));
    }
    Ok(None)
}

/// Whether a file's name may make it a project: a configuration or a revision file.
fn names_project(file: &Path) -> bool {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name == "pyproject.toml" || name.ends_with(".ini") || name.ends_with(".py")
}

/// The project a directory holds by Alembic's own conventions: an `alembic.ini`, a
/// `[tool.alembic]`, or a script directory (`env.py` beside `versions/`).
fn configured_project(dir: &Path) -> Result<Option<AlembicProject>, ProjectError> {
    let ini = dir.join("alembic.ini");
    let ini = ini.is_file().then(|| normalize(&ini));
    let pyproject = dir.join("pyproject.toml");
    let tool = if pyproject.is_file() {
        let pyproject = normalize(&pyproject);
        read_pyproject(&pyproject)?.map(|tool| (pyproject, tool))
    } else {
        None
    };
    if ini.is_some() || tool.is_some() {
        return from_config(dir, ini, tool).map(Some);
    }
    if dir.join("env.py").is_file() && dir.join("versions").is_dir() {
        let versions = normalize(&dir.join("versions"));
        let files = list_revision_files(std::slice::from_ref(&versions), false)?;
        return Ok(Some(bare(dir.to_path_buf(), vec![versions], files)));
    }
    Ok(None)
}

/// The Alembic projects in a directory tree, from the directories of its walk that may
/// hold one (`candidates`: those with an `alembic.ini`, a `pyproject.toml` or an
/// `env.py`). A configuration above a script directory wins over the script directory on
/// its own, so candidates are tried shallowest first, and a project whose version
/// directories an earlier one already has is left out. Projects come in path order;
/// configurations that cannot be read come back as errors, each once.
pub fn find_nested_projects(candidates: &[PathBuf]) -> (Vec<AlembicProject>, Vec<ProjectError>) {
    let mut by_depth: Vec<&PathBuf> = candidates.iter().collect();
    by_depth.sort_by_key(|dir| (dir.components().count(), *dir));
    by_depth.dedup();
    let (mut projects, mut errors) = (Vec::<AlembicProject>::new(), Vec::new());
    for dir in by_depth {
        match configured_project(&normalize(dir)) {
            Ok(Some(project)) => {
                let known = |p: &AlembicProject| {
                    (p.version_dirs.iter()).any(|d| project.version_dirs.contains(d))
                };
                if !projects.iter().any(known) {
                    projects.push(project);
                }
            }
            Ok(None) => {}
            Err(error) => errors.push(error),
        }
    }
    projects.sort_by(|a, b| a.root.cmp(&b.root));
    (projects, errors)
}

/// The project a revision file named on its own belongs to, and the file as that
/// project names it: linting one file (a pre-commit hook) still needs the whole revision
/// graph around it. The nearest enclosing directory whose `alembic.ini` or
/// `[tool.alembic]` lists the file wins; otherwise the project of the file's directory
/// (its versions directory, env.py next to it). `Ok(None)` when the file is not a
/// revision file of either: it is then a project of its own, as [`find_project`] makes it.
pub fn find_revision_project(
    file: &Path,
) -> Result<Option<(AlembicProject, PathBuf)>, ProjectError> {
    let file = normalize(file);
    let contains = |project: &AlembicProject| {
        let files = &project.revision_files;
        if let Some(same) = files.iter().find(|f| **f == file) {
            return Some(same.clone());
        }
        // The same file under another path (`./`, `..`, a symlink): resolving a path costs
        // a system call per component, so the files of the same name are tried first.
        let canonical = file.canonicalize().ok()?;
        let is_it = |f: &&PathBuf| f.canonicalize().is_ok_and(|c| c == canonical);
        let same_name = files.iter().filter(|f| f.file_name() == file.file_name());
        same_name
            .clone()
            .find(is_it)
            .or_else(|| files.iter().find(is_it))
            .cloned()
    };
    let dir = parent_dir(&file);
    let mut ancestor = Some(dir.as_path());
    while let Some(candidate) = ancestor {
        let candidate_dir = if candidate.as_os_str().is_empty() {
            Path::new(".")
        } else {
            candidate
        };
        let configured = candidate_dir.join("alembic.ini").is_file()
            || candidate_dir.join("pyproject.toml").is_file();
        // A configuration that does not parse is reported when its project is linted;
        // here the search just goes on.
        if configured
            && let Ok(Some(project)) = find_project(candidate_dir)
            && (project.ini.is_some() || project.pyproject.is_some())
            && let Some(named) = contains(&project)
        {
            return Ok(Some((project, named)));
        }
        ancestor = candidate.parent();
    }
    Ok(find_project(&dir)?
        .and_then(|project| Some((contains(&project)?, project)))
        .map(|(named, project)| (project, named)))
}

/// A project without configuration; env.py is looked for next to the versions directory,
/// where `alembic init` puts it.
/// Revision files in subdirectories of the project's version directories that it does not
/// list, because `recursive_version_locations` is not set (Alembic does not read them
/// either): a project whose code names those subdirectories (keystone's `yoga/expand`)
/// would otherwise be linted in part without a word. Only files that look like revisions
/// count, not helper packages.
pub fn unlisted_revisions(project: &AlembicProject) -> Vec<PathBuf> {
    let existing: Vec<PathBuf> = (project.version_dirs.iter())
        .filter(|d| d.is_dir())
        .cloned()
        .collect();
    let Ok(every) = list_revision_files(&existing, true) else {
        return Vec::new();
    };
    let in_subdirectory =
        |f: &PathBuf| f.parent().is_some_and(|d| !existing.iter().any(|e| e == d));
    (every.into_iter())
        .filter(|f| in_subdirectory(f) && project.revision_files.binary_search(f).is_err())
        .filter(|f| looks_like_revision(f))
        .collect()
}

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
        env_settings: EnvSettings::default(),
        prepend_sys_path: Vec::new(),
    };
    fill_env_py(&mut project);
    project
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

    /// A revision file named on its own is found in its project however the path is
    /// written, and comes back as the project names it.
    #[test]
    fn a_revision_file_is_found_under_any_path_to_it() {
        let names = |rel: &str| {
            let (project, file) = find_revision_project(Path::new(rel)).unwrap().unwrap();
            assert!(project.revision_files.contains(&file), "{rel}: {file:?}");
            file.file_name().unwrap().to_owned()
        };
        let file = "1a2b3c4d5e6f_create_users.py";
        let plain = format!("{FIXTURES}/ini_here/migrations/versions/{file}");
        let roundabout = format!("./{FIXTURES}/ini_here/migrations/../migrations/versions/{file}");
        let absolute = std::env::current_dir().unwrap().join(&plain);
        for path in [
            plain.as_str(),
            roundabout.as_str(),
            absolute.to_str().unwrap(),
        ] {
            assert_eq!(names(path), file, "{path}");
        }
        // A project whose alembic.ini names its scripts by an absolute path, and the file
        // named through a symlink to them: only the resolved paths compare equal.
        let dir = std::env::temp_dir()
            .canonicalize()
            .unwrap()
            .join(format!("locksmith-revision-path-{}", std::process::id()));
        let versions = dir.join("migrations/versions");
        std::fs::create_dir_all(&versions).unwrap();
        let ini = format!(
            "[alembic]\nscript_location = {}\n",
            dir.join("migrations").display()
        );
        std::fs::write(dir.join("alembic.ini"), ini).unwrap();
        std::fs::write(dir.join("migrations/env.py"), "").unwrap();
        for name in ["a1_one.py", "b2_two.py"] {
            std::fs::write(
                versions.join(name),
                "revision = 'x'\ndown_revision = None\n",
            )
            .unwrap();
        }
        std::os::unix::fs::symlink(dir.join("migrations"), dir.join("link")).unwrap();
        let linked = dir.join("link/versions/b2_two.py");
        let (project, file) = find_revision_project(&linked).unwrap().unwrap();
        assert_eq!(project.script_location, Some(dir.join("migrations")));
        assert_eq!(file, versions.join("b2_two.py"));
        std::fs::remove_dir_all(&dir).unwrap();
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
    fn flask_migrate_ini_without_script_location_in_the_script_directory() {
        let p = find("flask_migrate");
        assert_eq!(p.ini, Some(fixture("flask_migrate/alembic.ini")));
        assert_eq!(p.script_location, Some(fixture("flask_migrate")));
        assert_eq!(p.env_py, Some(fixture("flask_migrate/env.py")));
        assert_eq!(
            p.revision_files,
            paths(&["flask_migrate/versions/888888888888_eight.py"])
        );
        assert_eq!(find("flask_migrate/alembic.ini"), p);
    }

    #[test]
    fn a_relative_location_from_the_directory_alembic_runs_in_above_the_config() {
        let p = find("ini_subdir/app");
        assert_eq!(
            p.script_location,
            Some(fixture("ini_subdir/app/migrations"))
        );
        assert_eq!(
            p.revision_files,
            paths(&["ini_subdir/app/migrations/versions/777777777777_seven.py"])
        );
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
                "multi_db",
                "multi_db/alembic.ini:3: [alembic] has no script_location; [core] and [tenant] name one each \
                 (databases picked with `alembic --name`, which locksmith does not do): lint a database's \
                 script directory, the one holding env.py and versions/",
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
}
