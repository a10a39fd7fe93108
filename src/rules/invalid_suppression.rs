//! A `locksmith:ignore` comment that cannot mean what it says: an unknown rule id, or an
//! `ignore-file` without rule ids. Reported by the engine (the suppress module).

use super::{Category, Check, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "invalid-suppression",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Meta,
    summary: "a locksmith:ignore comment naming an unknown rule id, or a locksmith:ignore-file without rule ids; it suppresses nothing",
    check: Check::Engine,
};

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::source::SourceFile;

    const ID: &str = "invalid-suppression";

    fn findings(sql: &str) -> Vec<(&'static str, String)> {
        let report = crate::lint::lint_sql(SourceFile::new("m.sql", sql), &Config::default());
        report
            .findings
            .iter()
            .map(|f| (f.rule.id, f.message.clone()))
            .collect()
    }

    #[test]
    fn cases() {
        crate::rules::cases::assert_cases(
            ID,
            &[
                "-- locksmith:ignore dropping-column: unused\nALTER TABLE users DROP COLUMN a",
                "-- locksmith:ignore-file dropping-column\nALTER TABLE users DROP COLUMN a",
                "-- locksmith:ignore\nALTER TABLE users DROP COLUMN a",
            ],
            &[
                "-- locksmith:ignore droping-column\nALTER TABLE users DROP COLUMN a",
                "-- locksmith:ignore-file\nALTER TABLE users DROP COLUMN a",
                "-- locksmith:ignore-file: legacy file\nALTER TABLE users DROP COLUMN a",
                "ALTER TABLE users DROP COLUMN a; -- locksmith:ignore dropping-column, nope",
            ],
        );
    }

    #[test]
    fn a_typo_suppresses_nothing_and_suggests_the_rule() {
        let found = findings(
            "SET lock_timeout = '1s';\n-- locksmith:ignore droping-column\nALTER TABLE users DROP COLUMN a;\n",
        );
        assert!(
            found.iter().any(|(id, _)| *id == "dropping-column"),
            "{found:?}"
        );
        let (_, message) = found.iter().find(|(id, _)| *id == ID).unwrap();
        assert_eq!(
            message,
            "unknown rule id `droping-column`; did you mean `dropping-column`?"
        );
        assert!(
            !found.iter().any(|(id, _)| *id == "unused-suppression"),
            "{found:?}"
        );
    }

    #[test]
    fn an_ignore_file_without_ids_suppresses_nothing() {
        let found = findings(
            "-- locksmith:ignore-file\nSET lock_timeout = '1s';\nALTER TABLE users DROP COLUMN a;\n",
        );
        assert!(
            found.iter().any(|(id, _)| *id == "dropping-column"),
            "{found:?}"
        );
        assert!(found.iter().any(|(id, _)| *id == ID), "{found:?}");
    }
}
