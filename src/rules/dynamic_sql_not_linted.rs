//! SQL inside a `DO` block that cannot be known before it runs (`EXECUTE format(...)`,
//! `EXECUTE` of a variable, `FOR ... IN EXECUTE`), or a block whose PL/pgSQL does not parse.
//! The statements of a `DO` block that can be known are linted like top-level ones; the
//! engine reports each part that cannot, so that silence never means "checked".

use super::{Category, Check, Rule, Severity, Violation};

pub static RULE: Rule = Rule {
    id: "dynamic-sql-not-linted",
    severity: Severity::Info,
    default_enabled: true,
    category: Category::Locking,
    summary: "SQL a DO block builds at run time (EXECUTE of an expression), which no rule can check",
    check: Check::Engine,
};

/// One finding for SQL a `DO` block runs that cannot be linted, because of `reason`.
pub fn violation(reason: &str) -> Violation {
    Violation::new(
        format!(
            "not linted: {reason}; the locks it takes and the rows it rewrites are unknown until it runs"
        ),
        "check the SQL this builds by hand (or run `locksmith trace` on a copy of the database); \
         where the SQL is fixed, write it as plain statements, or EXECUTE a string literal, which \
         locksmith lints",
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::{assert_cases, messages};

    #[test]
    fn cases() {
        assert_cases(
            "dynamic-sql-not-linted",
            &[
                "DO $$ BEGIN ALTER TABLE users ADD COLUMN note text; END $$",
                "DO $$ BEGIN EXECUTE 'ALTER TABLE users ADD COLUMN note text'; END $$",
                "SELECT format('ALTER TABLE %I ADD COLUMN note text', 'users')",
            ],
            &[
                "DO $$ BEGIN EXECUTE format('ALTER TABLE %I ADD COLUMN note text', 'users'); END $$",
                "DO $$ DECLARE r record; BEGIN FOR r IN EXECUTE 'SELECT ' || 1 LOOP END LOOP; END $$",
                "DO $$ BEGIN ALTER TABLE; END $$",
            ],
        );
    }

    #[test]
    fn the_message_says_why() {
        let found = messages(
            "dynamic-sql-not-linted",
            "DO $$ DECLARE t text := 'users'; BEGIN EXECUTE 'DROP TABLE ' || t; END $$",
        );
        assert_eq!(
            found,
            vec![
                "not linted: EXECUTE of SQL built at run time; the locks it takes and the rows it \
                 rewrites are unknown until it runs"
            ]
        );
    }
}
