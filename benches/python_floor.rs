//! The floor of linting an Alembic project: reading every revision file and parsing it
//! as locksmith's renderer does (`python::parse`), and with rustpython-parser alone, in
//! parallel like `locksmith lint`; nothing else: no rendering, SQL, rules or output. Prints the wall
//! time of the parse (medians of 5 runs), and the same single-threaded.
//! Not a criterion benchmark: `cargo bench --bench python_floor -- DIR_OR_FILES...`.

use std::time::{Duration, Instant};

use rayon::prelude::*;
use rustpython_parser::{Mode, parse};

// The allocator `locksmith` itself runs with (src/main.rs), so that figures compare.
#[global_allocator]
static ALLOCATOR: locksmith::allocator::Allocator = locksmith::allocator::Allocator;

fn main() {
    locksmith::stack::init_workers();
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for arg in std::env::args().skip(1).filter(|a| a != "--bench") {
        let path = std::path::PathBuf::from(arg);
        if path.is_dir() {
            let walk = walkdir::WalkDir::new(&path).sort_by_file_name();
            files.extend(
                walk.into_iter()
                    .flatten()
                    .map(|e| e.into_path())
                    .filter(|p| p.extension().is_some_and(|e| e == "py") && !p.ends_with("env.py")),
            );
        } else {
            files.push(path);
        }
    }
    // The renderer's parse (ruff's, its tree converted, rustpython's where it must), and
    // rustpython's alone for comparison.
    let parse_all = |files: &[std::path::PathBuf], rustpython_only: bool| -> usize {
        files
            .par_iter()
            .map(|file| {
                let source = std::fs::read_to_string(file).unwrap_or_default();
                usize::from(if rustpython_only {
                    parse(&source, Mode::Module, "<revision>").is_ok()
                } else {
                    locksmith::python::parse::parse_module(&source, "<revision>").is_ok()
                })
            })
            .sum()
    };
    let median = |mut runs: Vec<Duration>| {
        runs.sort();
        runs[runs.len() / 2]
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .stack_size(locksmith::stack::WORKER_STACK)
        .build()
        .expect("a one-thread pool");
    for (name, rustpython_only) in [("locksmith's parse", false), ("rustpython alone", true)] {
        let parsed = parse_all(&files, rustpython_only);
        let parallel = median(
            (0..5)
                .map(|_| time(|| parse_all(&files, rustpython_only)))
                .collect(),
        );
        let single = median(
            (0..5)
                .map(|_| one.install(|| time(|| parse_all(&files, rustpython_only))))
                .collect(),
        );
        println!(
            "python floor, {name}: {} files, {parsed} parsed; read + parse {:.1} ms on {} threads, {:.1} ms on 1",
            files.len(),
            parallel.as_secs_f64() * 1e3,
            rayon::current_num_threads(),
            single.as_secs_f64() * 1e3,
        );
    }
}

fn time(work: impl FnOnce() -> usize) -> Duration {
    let start = Instant::now();
    std::hint::black_box(work());
    start.elapsed()
}
