use super::Severity;
use super::advice::{python_string, schema_kwarg};
use super::{Advice, Category, Check, Rule, StatementView, Violation, or_placeholder};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "setting-not-null",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Locking,
    summary: "ALTER COLUMN ... SET NOT NULL scans the whole table under AccessExclusiveLock",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::SetNotNull, Form::SetNotNullWithValidatedCheck])
        .filter(|action| action.scans)
        .map(|action| {
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            let column = or_placeholder(&action.column, "column");
            let bare = action.column.as_deref().unwrap_or("column");
            let bare_table = action.relation.as_ref().map_or("t", |r| r.name.as_str());
            let check_bare = format!("{bare_table}_{bare}_not_null");
            let check_name = crate::parse::ident::quote_ident(&check_bare);
            let (table_py, column_py) = (python_string(bare_table), python_string(bare));
            let check_py = python_string(&check_bare);
            let schema = schema_kwarg(action.relation.as_ref());
            let pre12 = if input.state.version < 12 {
                " (before PostgreSQL 12 even a validated CHECK does not avoid the scan)"
            } else {
                ""
            };
            Violation::with(
                format!(
                    "setting {column} NOT NULL scans all of {table} while holding {}{pre12}",
                    action.lock_phrase()
                ),
                Advice::sql(format!(
                    "prove NOT NULL with a CHECK constraint first (PostgreSQL 12+ then skips the scan):\n  \
                     ALTER TABLE {table} ADD CONSTRAINT {check_name} CHECK ({column} IS NOT NULL) NOT VALID;\n  \
                     ALTER TABLE {table} VALIDATE CONSTRAINT {check_name};  -- separate transaction; reads and writes continue\n  \
                     ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL;\n  \
                     ALTER TABLE {table} DROP CONSTRAINT {check_name};"
                ))
                .with_alembic(|| format!(
                    "prove NOT NULL with a CHECK constraint first (PostgreSQL 12+ then skips the scan):\n  \
                     op.create_check_constraint({check_py}, {table_py}, {}, postgresql_not_valid=True{schema})\n  \
                     op.execute({})  # in the next revision\n  \
                     op.alter_column({table_py}, {column_py}, nullable=False{schema})\n  \
                     op.drop_constraint({check_py}, {table_py}{schema})",
                    python_string(&format!("{column} IS NOT NULL")),
                    python_string(&format!("ALTER TABLE {table} VALIDATE CONSTRAINT {check_name}"))
                )),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::cases::{assert_cases, fired_after, fired_with};

    const ID: &str = "setting-not-null";
    const THREE_STEPS: &str = "ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;\n\
        ALTER TABLE users VALIDATE CONSTRAINT c;\n\
        ALTER TABLE users ALTER COLUMN email SET NOT NULL;";

    #[test]
    fn cases() {
        assert_cases(
            ID,
            &[
                THREE_STEPS,
                "ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL); ALTER TABLE users ALTER COLUMN email SET NOT NULL",
                "CREATE TABLE users (email text); ALTER TABLE users ALTER COLUMN email SET NOT NULL",
                "ALTER TABLE users ALTER COLUMN email DROP NOT NULL",
            ],
            &[
                "ALTER TABLE users ALTER COLUMN email SET NOT NULL",
                // NOT VALID and never validated: the check proves nothing yet.
                "ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID; ALTER TABLE users ALTER COLUMN email SET NOT NULL",
                // A check that was dropped again proves nothing.
                "ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL); ALTER TABLE users DROP CONSTRAINT c; ALTER TABLE users ALTER COLUMN email SET NOT NULL",
                // A check on another column does not help.
                "ALTER TABLE users ADD CONSTRAINT c CHECK (name IS NOT NULL); ALTER TABLE users ALTER COLUMN email SET NOT NULL",
            ],
        );
    }

    /// PostgreSQL checks nothing when the column is NOT NULL already (as an earlier
    /// migration created it, or set it): found on vaultwarden, kratos and pgadmin.
    #[test]
    fn a_column_that_is_not_null_already_is_not_scanned() {
        let sql = "ALTER TABLE d ALTER COLUMN id SET NOT NULL;";
        assert!(!fired_after(ID, "CREATE TABLE d (id int NOT NULL);", sql));
        assert!(!fired_after(
            ID,
            "CREATE TABLE d (id int PRIMARY KEY);",
            sql
        ));
        assert!(!fired_after(
            ID,
            "CREATE TABLE d (id int); ALTER TABLE d ALTER COLUMN id SET NOT NULL;",
            sql
        ));
        assert!(fired_after(ID, "CREATE TABLE d (id int);", sql));
        assert!(fired_after(ID, "CREATE TABLE e (id int NOT NULL);", sql));
        // NOT NULL dropped again, earlier or in this migration: the scan is back.
        assert!(fired_after(
            ID,
            "CREATE TABLE d (id int NOT NULL); ALTER TABLE d ALTER COLUMN id DROP NOT NULL;",
            sql
        ));
        assert!(fired_after(
            ID,
            "CREATE TABLE d (id int NOT NULL);",
            "ALTER TABLE d ALTER COLUMN id DROP NOT NULL; ALTER TABLE d ALTER COLUMN id SET NOT NULL;"
        ));
        // A type change and SET NOT NULL in one statement (vaultwarden): the column was
        // NOT NULL before it.
        assert!(!fired_after(
            ID,
            "CREATE TABLE a (size int NOT NULL);",
            "ALTER TABLE a ALTER COLUMN size TYPE bigint, ALTER COLUMN size SET NOT NULL;"
        ));
    }

    #[test]
    fn validated_check_helps_from_12_only() {
        let at = |version| Config {
            postgres_version: version,
            ..Config::default()
        };
        assert!(fired_with(THREE_STEPS, &at(11)).contains(&ID));
        assert!(!fired_with(THREE_STEPS, &at(12)).contains(&ID));
    }
}
