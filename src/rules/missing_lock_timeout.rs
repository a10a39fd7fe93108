use super::Severity;
use super::{Advice, Category, Check, Rule, StatementView, Violation};

pub static RULE: Rule = Rule {
    id: "missing-lock-timeout",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Locking,
    summary: "a statement that takes a lock blocking writes on an existing table, with no SET lock_timeout before it",
    check: Check::Statement(check),
};

/// Reported once per migration, at the first statement that needs the timeout: one
/// `SET lock_timeout` at the top fixes them all.
fn check(input: &StatementView) -> Vec<Violation> {
    if input.state.lock_timeout_set || input.state.unguarded_blocking_statements > 0 {
        return Vec::new();
    }
    let Some(lock) = input.state.blocking_lock_on_existing(input.facts) else {
        return Vec::new();
    };
    let relation = &lock.relation;
    let advice = Advice::sql(
        "set a lock timeout at the start of the migration and retry on timeout:\n  \
         SET lock_timeout = '2s';",
    )
    .with_fix(format!("SET lock_timeout = '2s';\n{}", input.sql), false)
    .with_alembic(|| {
        "set a lock timeout before the first locking operation and retry on timeout:\n  \
         op.execute(\"SET lock_timeout = '2s'\")  # at the start of upgrade()\n\
         or once for every migration in env.py, before context.run_migrations()"
    });
    // Alembic: say that env.py was searched too, so nobody goes looking for a setting
    // locksmith already knows is not there.
    let looked = match &input.state.session_settings_from {
        Some(env_py) => format!(" (none is set in this revision or in {env_py})"),
        None => String::new(),
    };
    vec![Violation::with(
        format!(
            "{lock} is requested with no lock_timeout{looked}: while it waits behind a long \
             query, every query on {relation} queues behind it"
        ),
        advice,
    )]
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::assert_cases;

    #[test]
    fn cases() {
        assert_cases(
            "missing-lock-timeout",
            &[
                "SET lock_timeout = '2s'; ALTER TABLE users ADD COLUMN age int",
                "BEGIN; SET LOCAL lock_timeout = '1s'; ALTER TABLE users DROP COLUMN x; COMMIT",
                "CREATE TABLE t (id int); ALTER TABLE t ADD COLUMN x int",
                "CREATE INDEX CONCURRENTLY i ON users (email)",
                "SELECT 1 FROM users",
                // A new view locks only itself and reads what it selects from.
                "CREATE VIEW active_users AS SELECT * FROM users",
            ],
            &[
                "ALTER TABLE users ADD COLUMN age int",
                "SET lock_timeout = 0; ALTER TABLE users ADD COLUMN age int",
                "BEGIN; SET LOCAL lock_timeout = '1s'; COMMIT; ALTER TABLE users ADD COLUMN age int",
                "CREATE INDEX i ON users (email)",
                "CREATE TABLE orders (user_id int REFERENCES users (id))",
                // Replacing an existing view locks it against reads.
                "CREATE OR REPLACE VIEW active_users AS SELECT * FROM users",
            ],
        );
    }

    #[test]
    fn reported_once_per_file() {
        let sql = "ALTER TABLE a ADD COLUMN x int;\nALTER TABLE b ADD COLUMN y int;";
        let count = crate::rules::cases::messages("missing-lock-timeout", sql).len();
        assert_eq!(count, 1);
    }
}
