//! psql meta-command lines (`\set`, `\i`, `\connect`, ...) in a SQL migration. The parser
//! skips them (they are not SQL) and the engine reports them once per file.

use super::{Category, Check, Rule, Severity, Violation};

pub static RULE: Rule = Rule {
    id: "psql-meta-command",
    severity: Severity::Info,
    default_enabled: true,
    category: Category::Syntax,
    summary: "psql meta-commands (\\set, \\i, \\connect, ...) that only psql runs",
    check: Check::Engine,
};

/// The file's one finding: `count` meta-commands were skipped, the first being `first`.
pub fn violation(count: usize, first: &str) -> Violation {
    let (count, were) = match count {
        1 => ("1 psql meta-command".to_string(), "was"),
        n => (format!("{n} psql meta-commands"), "were"),
    };
    Violation::new(
        format!(
            "{count} (first `{}`) {were} skipped, not linted: only psql runs them; other \
             migration tools (Flyway, golang-migrate, dbmate, ...) do not, and send them to \
             PostgreSQL, which rejects them",
            first.trim()
        ),
        "keep psql meta-commands out of migrations that another tool runs; locksmith does not \
         follow `\\i`/`\\ir` includes, so lint the included files too",
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::assert_cases;

    #[test]
    fn cases() {
        assert_cases(
            "psql-meta-command",
            &[
                "SELECT '\\set x 1';",
                "SET lock_timeout = '1s';\n-- \\set in a comment\nSELECT 1;",
            ],
            &[
                "\\set ON_ERROR_STOP 1\nBEGIN;\nSELECT 1;\nCOMMIT;",
                "SELECT 1;\n  \\connect other\nSELECT 2;",
            ],
        );
    }
}
