//! The directory lint: the input's NUL-separated parts are the migrations of one
//! directory, in order, written to a scratch directory and linted as `locksmith lint DIR`
//! lints one (each replayed into the schema the ones before it built, by the pipelined
//! replay, then linted from that schema). A panic the run catches (a replay stage's, a
//! file's lint) is a finding too: every panic aborts here.

use locksmith::config::Config;
use locksmith::run::lint_paths;

/// Migrations per input, at most: a few already cross every path between files.
const MAX_FILES: usize = 8;

fn main() {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("{info}");
        std::process::abort();
    }));
    let config = Config::default();
    let dir = std::env::temp_dir().join(format!("locksmith-fuzz-history-{}", std::process::id()));
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        // Numbered (golang-migrate, dbmate: by name) or Flyway's versioned names.
        let flyway = data.len() % 2 == 1;
        for (i, part) in text.split('\0').take(MAX_FILES).enumerate() {
            let name = match flyway {
                true => format!("V{}__m.sql", i + 1),
                false => format!("{:03}_m.sql", i + 1),
            };
            std::fs::write(dir.join(name), part).expect("a scratch file");
        }
        let result = lint_paths(&[dir.display().to_string()], &config);
        for file in &result.files {
            for finding in &file.findings {
                let _ = finding.help(&file.source);
            }
        }
    });
}
