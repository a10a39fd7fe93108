//! `--render alembic`: for projects whose revisions cannot be rendered statically, run the
//! project's real `alembic upgrade FROM:TO --sql` (this EXECUTES the project's env.py and
//! revision files, so it is opt-in) and split its offline script at Alembic's
//! `-- Running upgrade A -> B` markers into per-revision SQL.

use std::path::Path;
use std::process::Command;

use super::LoadedProject;
use super::offline::ScriptUnit;
use super::project::AlembicProject;
use crate::source::InputError;

/// The project's real offline script for every revision (`heads`, or `heads:base` for a
/// downgrade), one unit per revision step. A unit's `file` is its revision file when the
/// file's static metadata names the revision (the engine maps its findings onto the file),
/// otherwise a name saying which step it is.
pub fn real_offline_script(
    project: &AlembicProject,
    loaded: &LoadedProject,
    command: &[String],
    downgrade: bool,
) -> Result<Vec<ScriptUnit>, InputError> {
    let config_file = project.ini.as_ref().or(project.pyproject.as_ref());
    let Some(config_file) = config_file else {
        return Err(InputError {
            file: project.root.display().to_string(),
            line: None,
            message: "`render: alembic` needs an alembic.ini or pyproject.toml to run alembic with"
                .into(),
        });
    };
    let dir = config_file.parent().unwrap_or(Path::new("."));
    let range = if downgrade { "heads:base" } else { "heads" };
    let ini = project
        .ini
        .as_deref()
        .map(|ini| Path::new(ini.file_name().unwrap_or_default()));
    let script =
        run_alembic(command, dir, ini, range, downgrade).map_err(|message| InputError {
            file: config_file.display().to_string(),
            line: None,
            message,
        })?;
    let verb = if downgrade { "downgrade" } else { "upgrade" };
    Ok(split_steps(&script)
        .into_iter()
        .map(|step| {
            let target = if downgrade { &step.from } else { &step.to };
            let revision = loaded.revision(target);
            let file = revision.map_or_else(
                || {
                    format!(
                        "revision {target} [alembic {verb} {} -> {}]",
                        step.from, step.to
                    )
                },
                |(loaded, _)| loaded.source.name.clone(),
            );
            ScriptUnit {
                heading: format!("Running {verb} {} -> {}", step.from, step.to),
                file,
                message: revision.and_then(|(_, rendered)| rendered.message.clone()),
                // Alembic's own output: its statements and bookkeeping cannot be told apart.
                own: 0..step.sql.len(),
                sql: step.sql,
                // Real Alembic ran the code: nothing is left out.
                not_rendered: Vec::new(),
                approximate: Vec::new(),
            }
        })
        .collect())
}

/// The SQL Alembic emitted for one revision step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The revisions being left, comma-separated at a merge ("" for base).
    pub from: String,
    /// The revision being reached ("" for base on a downgrade).
    pub to: String,
    /// The statements, including Alembic's `alembic_version` bookkeeping.
    pub sql: String,
}

/// Runs `<command> [-c INI] upgrade|downgrade RANGE --sql` in `dir` and returns its
/// standard output. `command` is the user's configured program and arguments
/// (`alembic`, `poetry run alembic`, ...).
pub fn run_alembic(
    command: &[String],
    dir: &Path,
    ini: Option<&Path>,
    range: &str,
    downgrade: bool,
) -> Result<String, String> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| "the alembic command is empty".to_string())?;
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(dir);
    if let Some(ini) = ini {
        cmd.arg("-c").arg(ini);
    }
    cmd.arg(if downgrade { "downgrade" } else { "upgrade" })
        .arg(range)
        .arg("--sql");
    let shown = format!("{cmd:?}").replace('"', "");
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run `{shown}`: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.trim().lines().last().unwrap_or_default().to_string();
        return Err(format!("`{shown}` failed ({}): {last}", output.status));
    }
    String::from_utf8(output.stdout).map_err(|_| format!("`{shown}` printed non-UTF-8 output"))
}

/// Splits an offline script at `-- Running upgrade A -> B` / `-- Running downgrade B -> A`
/// lines. What precedes the first marker (BEGIN, the creation of `alembic_version`) and
/// the final COMMIT belong to no revision and are dropped.
pub fn split_steps(script: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    for line in script.split_inclusive('\n') {
        let trimmed = line.trim();
        let marker = trimmed
            .strip_prefix("-- Running upgrade")
            .or_else(|| trimmed.strip_prefix("-- Running downgrade"));
        if let Some(rest) = marker {
            let (from, to) = rest.split_once("->").unwrap_or((rest, ""));
            steps.push(Step {
                from: from.trim().to_string(),
                to: to.trim().to_string(),
                sql: String::new(),
            });
        } else if let Some(step) = steps.last_mut() {
            step.sql.push_str(line);
        }
    }
    if let Some(last) = steps.last_mut() {
        // The script's closing COMMIT ends the whole run, not the last revision.
        let body = last.sql.trim_end();
        if let Some(stripped) = body.strip_suffix("COMMIT;") {
            last.sql = format!("{}\n", stripped.trim_end());
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_running_markers() {
        let script = "BEGIN;\n\nCREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);\n\n\
                      -- Running upgrade  -> a1\n\nCREATE TABLE t (id INTEGER);\n\n\
                      INSERT INTO alembic_version (version_num) VALUES ('a1');\n\n\
                      -- Running upgrade a1, x1 -> b2\n\nALTER TABLE t ADD COLUMN note TEXT;\n\n\
                      UPDATE alembic_version SET version_num='b2' WHERE alembic_version.version_num = 'a1';\n\nCOMMIT;\n\n";
        let steps = split_steps(script);
        assert_eq!(steps.len(), 2);
        assert_eq!((steps[0].from.as_str(), steps[0].to.as_str()), ("", "a1"));
        assert!(steps[0].sql.contains("CREATE TABLE t"));
        assert_eq!(
            (steps[1].from.as_str(), steps[1].to.as_str()),
            ("a1, x1", "b2")
        );
        assert!(!steps[1].sql.contains("COMMIT"));
        assert!(steps[1].sql.contains("UPDATE alembic_version"));
    }
}
