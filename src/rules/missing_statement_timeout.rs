use super::Severity;
use super::{Advice, Category, Check, Rule, StatementView, Violation};

pub static RULE: Rule = Rule {
    id: "missing-statement-timeout",
    severity: Severity::Warning,
    // Off unless lint.yaml turns it on: a statement_timeout also cuts off long backfills
    // and concurrent index builds, so it is a team's policy rather than a universal hazard.
    default_enabled: false,
    category: Category::Locking,
    summary: "a statement that takes a lock blocking writes on an existing table, with no SET statement_timeout before it",
    check: Check::Statement(check),
};

/// Reported once per migration, at the first statement that needs the timeout, like
/// `missing-lock-timeout`.
fn check(input: &StatementView) -> Vec<Violation> {
    if input.state.statement_timeout_set || input.state.statements_without_statement_timeout > 0 {
        return Vec::new();
    }
    let Some(lock) = input.state.blocking_lock_on_existing(input.facts) else {
        return Vec::new();
    };
    let advice = Advice::sql(
        "set a statement timeout at the start of the migration, so that a statement holding \
         the lock longer than expected is cancelled (and its lock released):\n  \
         SET statement_timeout = '5s';",
    )
    .with_fix(
        format!("SET statement_timeout = '5s';\n{}", input.sql),
        false,
    )
    .with_alembic(|| {
        "set a statement timeout before the first locking operation:\n  \
         op.execute(\"SET statement_timeout = '5s'\")  # at the start of upgrade()\n\
         or once for every migration in env.py, before context.run_migrations()"
    });
    let looked = match &input.state.session_settings_from {
        Some(env_py) => format!(" (none is set in this revision or in {env_py})"),
        None => String::new(),
    };
    vec![Violation::with(
        format!(
            "{lock} is taken with no statement_timeout{looked}: if the statement runs long, it \
             keeps {} locked for as long as it runs",
            lock.relation
        ),
        advice,
    )]
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::{assert_cases, fired};

    const ID: &str = "missing-statement-timeout";

    #[test]
    fn cases() {
        assert_cases(
            ID,
            &[
                "SET statement_timeout = '5s'; ALTER TABLE users ADD COLUMN age int",
                "BEGIN; SET LOCAL statement_timeout = '5s'; ALTER TABLE users DROP COLUMN x; COMMIT",
                "CREATE TABLE t (id int); ALTER TABLE t ADD COLUMN x int",
                "CREATE INDEX CONCURRENTLY i ON users (email)",
                "SELECT 1 FROM users",
            ],
            &[
                "ALTER TABLE users ADD COLUMN age int",
                "SET lock_timeout = '2s'; ALTER TABLE users ADD COLUMN age int",
                "SET statement_timeout = 0; ALTER TABLE users ADD COLUMN age int",
                "SET statement_timeout = '5s'; RESET statement_timeout; ALTER TABLE users ADD COLUMN age int",
                "SET statement_timeout = '5s'; RESET ALL; ALTER TABLE users ADD COLUMN age int",
                "SET statement_timeout TO DEFAULT; ALTER TABLE users ADD COLUMN age int",
                "BEGIN; SET LOCAL statement_timeout = '5s'; COMMIT; ALTER TABLE users ADD COLUMN age int",
                "SET LOCAL statement_timeout = '5s'; ALTER TABLE users ADD COLUMN age int",
                "CREATE INDEX i ON users (email)",
            ],
        );
    }

    #[test]
    fn off_by_default() {
        assert!(!fired("ALTER TABLE users ADD COLUMN age int").contains(&ID));
    }

    #[test]
    fn reported_once_per_file() {
        let config = crate::config::Config::default().enabling(crate::rules::find(ID).unwrap());
        let sql = "ALTER TABLE a ADD COLUMN x int;\nALTER TABLE b ADD COLUMN y int;";
        let report = crate::lint::lint_sql(crate::source::SourceFile::new("m.sql", sql), &config);
        assert_eq!(
            report.findings.iter().filter(|f| f.rule.id == ID).count(),
            1
        );
    }
}
