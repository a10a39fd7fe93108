//! `render_revision` and `read_revision_metadata` must never panic: deterministic mutations (truncations, splices,
//! deletions, duplicated lines, injected tokens) of the Alembic fixtures.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use locksmith::alembic::render::{read_revision_metadata, render_revision};

const ITERATIONS: usize = 1500;

/// Tokens that stress the evaluator and the parser's error paths.
const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\"",
    "'",
    "\"\"\"",
    "f\"{",
    "}\"",
    "\\",
    "\n",
    "\n    ",
    "    ",
    "op.",
    "sa.",
    "**",
    "*",
    "%",
    "% (1,)",
    ".format(",
    ".join(",
    "None",
    "True",
    "-1",
    "9999999999999999999999",
    "1e308",
    "op.get_bind()",
    "for x in range(3):\n        ",
    "if x:\n        ",
    "with op.batch_alter_table('t') as b:\n        ",
    "def h(*a, **k):\n    return h(*a, **k)\n",
    "h()",
    "lambda: 0",
    "await ",
    "yield ",
    "é",
    "\u{0}",
    "#",
    "...",
    "sa.Column(",
    "sa.Enum(",
    "postgresql.ARRAY(",
    "server_default=",
    "op.create_table(",
    "op.bulk_insert(",
];

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(rng: &mut Lcg, source: &str, other: &str) -> String {
    let a = boundary(source, rng.below(source.len() + 1));
    let b = boundary(source, a + rng.below(200));
    match rng.below(6) {
        0 => source[..a].to_string(),
        1 => {
            let o1 = boundary(other, rng.below(other.len() + 1));
            let o2 = boundary(other, o1 + rng.below(400));
            format!("{}{}{}", &source[..a], &other[o1..o2], &source[a..])
        }
        2 => format!("{}{}", &source[..a], &source[b..]),
        3 => {
            let lines: Vec<&str> = source.lines().collect();
            let i = rng.below(lines.len());
            let mut out: Vec<&str> = lines.clone();
            if let Some(line) = lines.get(i) {
                out.insert(i, line);
            }
            out.join("\n")
        }
        _ => {
            let token = TOKENS[rng.below(TOKENS.len())];
            format!("{}{}{}", &source[..a], token, &source[a..])
        }
    }
}

#[test]
fn rendering_mutated_fixtures_never_panics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/alembic/fixtures");
    let mut sources: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "py"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    sources.sort();
    assert!(!sources.is_empty());
    let mut rng = Lcg(0x5eed_a1e3_b1c0);
    let mut rendered = 0;
    for iteration in 0..ITERATIONS {
        let source = &sources[rng.below(sources.len())];
        let other = &sources[rng.below(sources.len())];
        let mut mutated = mutate(&mut rng, source, other);
        // Sometimes stack mutations.
        for _ in 0..rng.below(3) {
            mutated = mutate(&mut rng, &mutated.clone(), other);
        }
        // The scan of a revision's identifiers (the other revisions of a one-file run).
        if catch_unwind(AssertUnwindSafe(|| read_revision_metadata(&mutated))).is_err() {
            panic!("read_revision_metadata panicked on iteration {iteration}:\n{mutated}");
        }
        let result = catch_unwind(AssertUnwindSafe(|| render_revision(&mutated)));
        match result {
            Err(_) => panic!("render_revision panicked on iteration {iteration}:\n{mutated}"),
            Ok(Ok(revision)) => {
                rendered += 1;
                for function in [&revision.upgrade, &revision.downgrade]
                    .into_iter()
                    .flatten()
                {
                    for statement in &function.statements {
                        assert!(
                            statement.origin.end <= mutated.len(),
                            "origin out of bounds on iteration {iteration}"
                        );
                    }
                    for unrenderable in &function.unrenderable {
                        assert!(
                            unrenderable.span.end <= mutated.len(),
                            "span out of bounds on iteration {iteration}"
                        );
                    }
                    let _ = function.offline_sql();
                }
            }
            Ok(Err(error)) => assert!(
                error.offset <= mutated.len(),
                "error offset out of bounds on iteration {iteration}"
            ),
        }
    }
    eprintln!("{ITERATIONS} mutated revisions, {rendered} parsed and rendered");
}

#[test]
fn pathological_inputs_terminate() {
    let cases = [
        String::new(),
        "def upgrade():\n    for i in range(100000):\n        for j in range(100000):\n            op.execute('x')\n".to_string(),
        "X = [i for i in range(100000) for j in range(100000)]\ndef upgrade():\n    pass\n".to_string(),
        "def h():\n    return h()\ndef upgrade():\n    h()\n".to_string(),
        "def upgrade():\n    op.execute('x' * 10**12)\n".to_string(),
        "def upgrade():\n    op.execute('%.99999999f' % 1.0)\n".to_string(),
        format!("def upgrade():\n    op.execute({}1{})\n", "(".repeat(50), ")".repeat(50)),
        "def upgrade():\n    x = -9223372036854775807 - 1\n    op.execute(str(x // -1))\n".to_string(),
    ];
    for source in &cases {
        let _ = render_revision(source);
        let _ = read_revision_metadata(source);
    }
}
