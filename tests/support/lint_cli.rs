//! Running the `locksmith` binary from an integration test.
// Each test binary that includes this file uses only some of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// `locksmith ARGS` in `dir`, colors off, at the default width.
pub fn locksmith(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_locksmith"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        .output()
        .expect("locksmith runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `locksmith lint ARGS` in `dir`.
pub fn lint(dir: &Path, args: &[&str]) -> Output {
    locksmith(dir, &[&["lint"], args].concat())
}

/// A copy of the bundled Alembic example project at `to`.
pub fn copy_alembic_example(to: &Path) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/alembic/example");
    let status = Command::new("cp")
        .arg("-r")
        .arg(&example)
        .arg(to)
        .status()
        .expect("cp runs");
    assert!(status.success());
}
