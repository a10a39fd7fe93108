//! The CPU floor for `scripts/bench-compare`: what any pg_query-based linter must spend
//! at least. Reads each file named on the command line (or one per line on stdin with
//! `-`), finds its statements with locksmith's splitter and parses the file with
//! libpg_query (one parser call per file, as locksmith makes in the common case), in
//! parallel like `locksmith lint`; nothing else: no facts, rules or output. With
//! `--direct` first, the parse is locksmith's own (`parse::tree_read_directly`).
//! Not a criterion benchmark: `cargo bench --bench floor -- [--direct] FILES...`.

use std::io::BufRead;

use rayon::prelude::*;

// The allocator `locksmith` itself runs with (src/main.rs), so that figures compare.
#[global_allocator]
static ALLOCATOR: locksmith::allocator::Allocator = locksmith::allocator::Allocator;

fn main() {
    locksmith::stack::init_workers();
    let mut files: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    // `--direct`: the parse locksmith makes (the tree read from libpg_query's C nodes, no
    // protobuf), to tell what locksmith spends beyond its own parse.
    let direct = files.first().is_some_and(|a| a == "--direct");
    if direct {
        files.remove(0);
    }
    if files == ["-"] {
        files = std::io::stdin()
            .lock()
            .lines()
            .map_while(Result::ok)
            .collect();
    }
    let (statements, failed): (usize, usize) = files
        .par_iter()
        .map(|file| {
            let sql = std::fs::read_to_string(file).unwrap_or_default();
            std::hint::black_box(locksmith::parse::split::split(&sql, 0));
            let parsed = if direct {
                locksmith::parse::tree_read_directly(&sql).expect("built without build/direct.rs")
            } else {
                pg_query::parse(&sql, pg_query::ParserOptions::DEFAULT).map(|p| p.protobuf)
            };
            match parsed {
                Ok(tree) => (tree.stmts.len(), 0),
                Err(_) => (0, 1),
            }
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    eprintln!(
        "floor: {} files, {statements} statements parsed, {failed} files with a syntax error",
        files.len()
    );
}
