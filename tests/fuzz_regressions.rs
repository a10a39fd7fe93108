//! Inputs of the coverage-guided fuzzers (`scripts/fuzz`, fuzz/), kept under
//! tests/fixtures/fuzz/TARGET/ and run through the same entry point as that target: each
//! must finish, without a panic, well inside the fuzzer's time-out. Every crash or hang a
//! fuzzer finds goes there (none so far: 12 minutes per target found none), and so does one
//! found otherwise (`review-*`: a panic a code review found); `cov-NN` are
//! inputs the fuzzers generated that reached new code (error paths of the splitter, the
//! Python renderer and the YAML loader; for `history`, one input per seed directory the
//! fuzzer mutated), kept so those paths stay covered.

use std::path::Path;
use std::time::{Duration, Instant};

use locksmith::alembic::render::render_revision;
use locksmith::config::Config;
use locksmith::lint::lint_sql;
use locksmith::run::lint_paths;
use locksmith::source::SourceFile;

/// The fuzzers' time-out is 2 s per input (release build); a debug build is slower.
const LIMIT: Duration = Duration::from_secs(20);

fn cases(target: &str) -> Vec<(String, String)> {
    let dir = Path::new("tests/fixtures/fuzz").join(target);
    let mut cases: Vec<(String, String)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let bytes = std::fs::read(e.path()).unwrap();
                    (
                        e.path().display().to_string(),
                        String::from_utf8_lossy(&bytes).into_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    cases.sort();
    cases
}

fn each(target: &str, run: impl Fn(&str)) -> usize {
    let cases = cases(target);
    assert!(
        !cases.is_empty(),
        "no cases under tests/fixtures/fuzz/{target}"
    );
    for (name, text) in &cases {
        let start = Instant::now();
        run(text);
        assert!(
            start.elapsed() < LIMIT,
            "{name}: took {:?}",
            start.elapsed()
        );
    }
    cases.len()
}

#[test]
fn sql_front_end() {
    let config = Config::default();
    each("sql", |text| {
        let report = lint_sql(SourceFile::new("fuzz.sql", text), &config);
        for finding in &report.findings {
            let _ = finding.help(&report.source);
            let _ = report.source.range_positions(&finding.span);
        }
    });
}

#[test]
fn alembic_renderer() {
    each("alembic", |text| {
        let _ = render_revision(text);
    });
}

#[test]
fn config_loader() {
    each("config", |text| {
        let _ = Config::parse(text, "lint.yaml");
    });
}

/// The `history` target: NUL-separated migrations of one directory, linted as a directory
/// (the pipelined replay); no panic, not even one the run catches (a replay stage's, which
/// only costs the files after it their history).
#[test]
fn directory_lint() {
    static PANICKED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICKED.store(true, std::sync::atomic::Ordering::SeqCst);
        report(info);
    }));
    let config = Config::default();
    let scratch = std::env::temp_dir().join(format!("locksmith-fuzz-{}", std::process::id()));
    let count = each("history", |text| {
        for flyway in [false, true] {
            let dir = scratch.join(if flyway { "flyway" } else { "numbered" });
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            for (i, part) in text.split('\0').take(8).enumerate() {
                let name = match flyway {
                    true => format!("V{}__m.sql", i + 1),
                    false => format!("{:03}_m.sql", i + 1),
                };
                std::fs::write(dir.join(name), part).unwrap();
            }
            let result = lint_paths(&[dir.display().to_string()], &config);
            let internal = (result.errors.iter()).find(|e| e.message.contains("internal error"));
            assert!(internal.is_none(), "{internal:?}");
            for file in &result.files {
                for finding in &file.findings {
                    let _ = finding.help(&file.source);
                }
            }
        }
    });
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(count > 0);
    assert!(
        !PANICKED.load(std::sync::atomic::Ordering::SeqCst),
        "a panic (above)"
    );
}
