//! The alembic settings of a configured project: `script_location`, `version_locations`
//! (with its separators) and `recursive_version_locations`, read from alembic.ini and/or
//! `[tool.alembic]` and resolved to directories and revision files.

use std::fs;
use std::path::{Path, PathBuf};

use super::env_py::fill_env_py;
use super::files::list_revision_files;
use super::ini::{HERE, Ini, Section};
use super::pyproject::{OneOrMany, ToolAlembic, interpolate_here};
use super::sys_path::prepend_sys_path;
use super::util::{error, line_of, normalize, parent_dir};
use super::{AlembicProject, ProjectError};

/// A configuration value and where it came from.
struct Setting<T> {
    value: T,
    file: PathBuf,
    line: Option<usize>,
}

pub(super) fn from_config(
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

    let prepend_sys_path = read_prepend_sys_path(ini.as_ref().zip(section), tool.as_ref());
    // Flask-Migrate's layout: `flask db init` writes an alembic.ini without script_location
    // into the script directory itself (env.py, versions/) and names that directory at
    // run time.
    if script.is_none()
        && let Some(ini) = &ini
        && let dir = parent_dir(&ini.path)
        && dir.join("env.py").is_file()
        && dir.join("versions").is_dir()
    {
        script = Some(Setting {
            value: HERE.to_string(),
            file: ini.path.clone(),
            line: None,
        });
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
        // A multi-database ini: each database's section, which `alembic --name` picks.
        let has_script = |ini: &Ini, s: &&Section| {
            s.name != "alembic" && matches!(ini.get(s, "script_location"), Ok(Some(_)))
        };
        let named: Vec<String> = match &ini {
            Some(ini) => (ini.sections().iter())
                .filter(|s| has_script(ini, s))
                .map(|s| format!("[{}]", s.name))
                .collect(),
            None => Vec::new(),
        };
        let advice = match named.as_slice() {
            [] => "add one, e.g. `script_location = %(here)s/alembic`".to_string(),
            _ => format!(
                "{} {} (databases picked with `alembic --name`, which locksmith does not do): \
                 lint a database's script directory, the one holding env.py and versions/",
                named.join(" and "),
                if named.len() == 1 {
                    "names one"
                } else {
                    "name one each"
                }
            ),
        };
        return Err(error(
            &file,
            line,
            format!("{wher} has no script_location; {advice}"),
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
        env_settings: Default::default(),
        prepend_sys_path,
    };
    fill_env_py(&mut project);
    Ok(project)
}

/// A script or version location, made a path relative to the config file's directory.
/// `prepend_sys_path` from the ini, else from `[tool.alembic]`; a value that does not
/// interpolate is ignored (it only widens where imported modules are looked for).
fn read_prepend_sys_path(
    ini: Option<(&Ini, &Section)>,
    tool: Option<&(PathBuf, ToolAlembic)>,
) -> Vec<PathBuf> {
    if let Some((ini, section)) = ini
        && let Ok(Some((value, _))) = ini.get(section, "prepend_sys_path")
    {
        return prepend_sys_path(&value, HERE, &parent_dir(&ini.path));
    }
    let Some((path, tool)) = tool else {
        return Vec::new();
    };
    let items = match &tool.prepend_sys_path {
        Some(OneOrMany::One(value)) => vec![value.clone()],
        Some(OneOrMany::Many(list)) => list.clone(),
        None => Vec::new(),
    };
    items
        .iter()
        .filter_map(|item| interpolate_here(item, HERE).ok())
        .flat_map(|item| prepend_sys_path(&item, HERE, &parent_dir(path)))
        .collect()
}

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
    // Alembic reads a relative location from the directory it runs in, which is the
    // config file's own directory or, for a config in a subdirectory (`alembic -c
    // app/alembic.ini`, run from the repository's root), one above it: the nearest that
    // has the location.
    let beside = normalize(&dir.join(&value));
    if beside.exists() {
        return Ok(beside);
    }
    let mut above = dir.ancestors().skip(1).map(|d| normalize(&d.join(&value)));
    Ok(above.find(|p| p.exists()).unwrap_or(beside))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ini(text: &str) -> Result<Ini, ProjectError> {
        Ini::parse(Path::new("conf/alembic.ini"), text)
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
}
