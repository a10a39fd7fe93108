//! pyproject.toml: reading its `[tool.alembic]` table (Alembic 1.16+), and the `%(here)s`
//! interpolation its strings allow.

use std::fs;
use std::path::Path;

use serde::Deserialize;

use super::ProjectError;
use super::util::{error, io_message, line_of};

#[derive(Deserialize)]
struct PyProject {
    tool: Option<Tool>,
}

#[derive(Deserialize)]
struct Tool {
    alembic: Option<ToolAlembic>,
}

#[derive(Deserialize)]
pub(super) struct ToolAlembic {
    pub(super) script_location: Option<toml::Spanned<String>>,
    pub(super) version_locations: Option<toml::Spanned<OneOrMany>>,
    pub(super) recursive_version_locations: Option<bool>,
    pub(super) prepend_sys_path: Option<OneOrMany>,
}

#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// `[tool.alembic]` of a pyproject.toml, or `None` when it has none. Invalid TOML is an
/// error at its line.
pub(super) fn read_pyproject(path: &Path) -> Result<Option<ToolAlembic>, ProjectError> {
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

/// `%(here)s` and `%%` in a `[tool.alembic]` string.
pub(super) fn interpolate_here(raw: &str, here: &str) -> Result<String, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyproject_here_interpolation() {
        assert_eq!(interpolate_here("%(here)s/a/%%x", "p").unwrap(), "p/a/%x");
        assert!(interpolate_here("%(root)s/a", "p").is_err());
    }
}
