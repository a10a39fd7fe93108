//! Deterministic input mutation for the fuzz-style tests: a small PRNG and a mutator that
//! deletes, truncates, duplicates and inserts SQL fragments that stress the splitter and
//! the parser (quotes, dollar quotes, comments, semicolons, NUL, psql backslashes).

#![allow(dead_code)]

/// xorshift64*: small, deterministic, good enough to pick mutations.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

pub const FRAGMENTS: &[&str] = &[
    ";",
    "'",
    "\"",
    "$$",
    "$tag$",
    "--",
    "/*",
    "*/",
    "\n",
    "\0",
    "é",
    "😀",
    "(",
    ")",
    ",",
    "::",
    "-- locksmith:ignore ",
    "-- locksmith:ignore-file ",
    "dropping-column",
    ": reason",
    "ALTER TABLE t ",
    "ADD COLUMN c int ",
    "NOT NULL ",
    "DEFAULT random() ",
    "CONCURRENTLY ",
    "BEGIN;",
    "COMMIT;",
    "SET lock_timeout = 0;",
    "CREATE INDEX i ON t (c)",
    "USING INDEX ",
    "ALTER COLUMN c TYPE varchar(",
    "CHECK (c IS NOT NULL) NOT VALID",
    "REFERENCES r ",
    "E'\\",
    "U&'",
    "\n\\set ON_ERROR_STOP 1\n",
    "\n\\.\n",
    "COPY t FROM stdin;\n",
    "\u{FEFF}",
    "E'\\'",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC ",
    "END",
    "CASE ",
];

pub fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..=rng.below(4) {
        let at = rng.below(chars.len() + 1);
        match rng.below(5) {
            0 if !chars.is_empty() => {
                let end = (at + rng.below(20)).min(chars.len());
                chars.drain(at.min(end)..end);
            }
            1 => chars.truncate(at),
            2 if !chars.is_empty() => {
                let from = rng.below(chars.len());
                let len = rng.below(40).min(chars.len() - from);
                let copy: Vec<char> = chars[from..from + len].to_vec();
                chars.splice(at..at, copy);
            }
            _ => {
                let fragment = FRAGMENTS[rng.below(FRAGMENTS.len())];
                chars.splice(at..at, fragment.chars());
            }
        }
    }
    chars.into_iter().collect()
}
