//! A statement that contradicts the schema earlier statements and migrations built:
//! dropping or renaming an object that no longer exists, creating one that already does.

use super::{Advice, Category, Check, Rule, Severity, StatementView, Violation};

pub static RULE: Rule = Rule {
    id: "unknown-object",
    severity: Severity::Warning,
    // Off by default: on 14 real Alembic projects it reports 4 statements, all constraint
    // names given by a naming convention in the application's MetaData (env.py's
    // target_metadata), which the renderer does not read; none is a broken migration
    // (see the README).
    default_enabled: false,
    category: Category::Compatibility,
    summary: "drops, renames or alters an object earlier migrations removed, or creates one that already exists",
    check: Check::Statement(check),
};

/// The catalog decides (`schema::Catalog::contradictions`): only what replay established
/// counts, so objects created outside the migrations are never reported.
fn check(input: &StatementView) -> Vec<Violation> {
    // A DO block's statements run under its control flow, usually an existence check
    // (`IF NOT EXISTS (SELECT 1 FROM pg_constraint ...)`) the model does not evaluate.
    if input.state.in_do_block {
        return Vec::new();
    }
    input
        .state
        .catalog
        .contradictions(input.node)
        .into_iter()
        .map(|problem| {
            Violation::with(
                format!("{problem}: this statement fails when the migrations run in order"),
                Advice::sql(
                    "check the migration order and the object's name; add IF EXISTS / IF NOT EXISTS \
                     only if the object may legitimately be missing or present",
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::assert_cases;

    #[test]
    fn cases() {
        assert_cases(
            "unknown-object",
            &[
                "ALTER TABLE users DROP COLUMN a",
                "CREATE TABLE t (a int); ALTER TABLE t DROP COLUMN a",
                "CREATE TABLE t (a int); DROP TABLE t; DROP TABLE IF EXISTS t",
                "CREATE TABLE IF NOT EXISTS t (a int); CREATE TABLE IF NOT EXISTS t (a int)",
                "CREATE TYPE e AS ENUM ('a'); ALTER TYPE e ADD VALUE IF NOT EXISTS 'a'",
                // Under the block's control flow (an existence check, usually).
                "CREATE TABLE t (a int); DROP TABLE t; DO $$ BEGIN IF to_regclass('t') IS NOT NULL THEN DROP TABLE t; END IF; END $$",
                // A type the model does not know, renamed: the new name now exists.
                "CREATE TYPE e AS ENUM ('a'); DROP TYPE e; ALTER TYPE unknown_t RENAME TO e; DROP TYPE e",
                "CREATE TABLE t (a int); DROP TABLE t; ALTER TABLE unknown_t RENAME TO t; DROP TABLE t",
            ],
            &[
                "CREATE TABLE t (a int); DROP TABLE t; DROP TABLE t",
                "CREATE TABLE t (a int); CREATE TABLE t (a int)",
                "CREATE TABLE t (a int); ALTER TABLE t DROP COLUMN b",
                "CREATE TABLE t (a int); ALTER TABLE t RENAME TO u; ALTER TABLE t ADD COLUMN b int",
                "CREATE TABLE t (a int); CREATE INDEX i ON t (a); DROP INDEX i; DROP INDEX i",
                "CREATE TYPE e AS ENUM ('a'); ALTER TYPE e RENAME VALUE 'b' TO 'c'",
            ],
        );
    }
}
