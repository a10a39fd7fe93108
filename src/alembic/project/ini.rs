//! alembic.ini: Python's ConfigParser, the parts Alembic relies on (sections, `key = value`,
//! continuation lines, `[DEFAULT]`, and `%(name)s` / `%(here)s` interpolation).

use std::fs;
use std::path::{Path, PathBuf};

use super::ProjectError;
use super::util::{error, io_message};

/// Stands for `%(here)s` in interpolated values until they are resolved: `here` is the
/// config file's directory as given (often relative), so a value starting with it must not
/// be joined to that directory a second time.
pub(super) const HERE: &str = "\u{1}here\u{1}";

pub(super) struct Ini {
    pub(super) path: PathBuf,
    sections: Vec<Section>,
}

pub(super) struct Section {
    pub(super) name: String,
    pub(super) line: usize,
    entries: Vec<Entry>,
}

struct Entry {
    /// Lowercased, as ConfigParser does.
    key: String,
    raw: String,
    line: usize,
}

impl Ini {
    pub(super) fn read(path: &Path) -> Result<Ini, ProjectError> {
        let text = fs::read_to_string(path).map_err(|e| error(path, None, io_message(&e)))?;
        Ini::parse(path, &text)
    }

    /// Sections, `key = value` or `key: value`, full-line `#`/`;` comments, indented
    /// continuation lines (joined with newlines). Like ConfigParser's defaults, there are
    /// no inline comments, and a duplicate section or key is an error.
    pub(super) fn parse(path: &Path, text: &str) -> Result<Ini, ProjectError> {
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

    pub(super) fn sections(&self) -> &[Section] {
        &self.sections
    }

    pub(super) fn section(&self, name: &str) -> Option<&Section> {
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
    pub(super) fn get(
        &self,
        section: &Section,
        key: &str,
    ) -> Result<Option<(String, usize)>, ProjectError> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
