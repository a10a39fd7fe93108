use super::Severity;
use super::{Advice, Category, Check, Rule, StatementView, Violation};
use crate::facts::{Action, Form};

pub static RULE: Rule = Rule {
    id: "rewriting-table",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Rewrite,
    summary: "VACUUM FULL, CLUSTER, SET TABLESPACE, SET LOGGED/UNLOGGED or SET ACCESS METHOD rewrites an existing table under AccessExclusiveLock",
    check: Check::Statement(check),
};

const FORMS: &[Form] = &[
    Form::VacuumFull,
    Form::Cluster,
    Form::SetTablespace,
    Form::SetLogged,
    Form::SetUnlogged,
    Form::SetAccessMethod,
];

fn what(action: &Action) -> &'static str {
    match action.form {
        Form::VacuumFull => "VACUUM FULL",
        Form::Cluster => "CLUSTER",
        Form::SetTablespace => "SET TABLESPACE",
        Form::SetLogged => "SET LOGGED",
        Form::SetUnlogged => "SET UNLOGGED",
        _ => "SET ACCESS METHOD",
    }
}

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .facts
        .actions
        .iter()
        .filter(|a| FORMS.contains(&a.form) && a.rewrites && a.available)
        // No table named (VACUUM FULL, CLUSTER of the whole database): every table.
        .filter(|a| a.relation.as_ref().is_none_or(|r| !input.state.is_new(r)))
        .map(|action| {
            let target = action
                .relation
                .as_ref()
                .map_or_else(|| "every table in the database".to_string(), ToString::to_string);
            let table = action.relation.as_ref().map_or("<table>".into(), ToString::to_string);
            let advice = Advice::sql(format!(
                "rebuild the table online with pg_repack (or pg_squeeze), which copies it under a \
                 brief lock and swaps it in:\n  \
                 pg_repack --table={table} <database>\n\
                 or plan the rebuild: create a new table, copy rows in batches while a trigger \
                 keeps it current, then swap the names in one short transaction"
            ))
            .with_alembic(|| format!(
                "remove the op.execute(...) of {} from the revision and rebuild the table online \
                 outside the migration with pg_repack (or pg_squeeze):\n  \
                 pg_repack --table={table} <database>",
                what(action)
            ));
            Violation::with(
                format!(
                    "{} rewrites {target} and its indexes while holding {}, for as long as the copy takes",
                    what(action),
                    action.lock_phrase()
                ),
                advice,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::cases::{assert_cases, fired_with};

    const ID: &str = "rewriting-table";

    #[test]
    fn cases() {
        assert_cases(
            ID,
            &[
                "VACUUM users",
                "VACUUM (ANALYZE) users",
                "ALTER TABLE users CLUSTER ON users_pkey",
                "ALTER TABLE users SET (fillfactor = 70)",
                "CREATE TABLE scratch (id int); ALTER TABLE scratch SET LOGGED",
            ],
            &[
                "VACUUM FULL users",
                "VACUUM (FULL, ANALYZE) users",
                "VACUUM FULL",
                "CLUSTER users USING users_pkey",
                "CLUSTER",
                "ALTER TABLE users SET TABLESPACE archive",
                "ALTER TABLE users SET LOGGED",
                "ALTER TABLE users SET UNLOGGED",
                "ALTER TABLE users SET ACCESS METHOD heap2",
            ],
        );
    }

    #[test]
    fn set_access_method_exists_from_15() {
        // Before 15 the statement is not PostgreSQL syntax: it fails, it rewrites nothing.
        let sql = "ALTER TABLE users SET ACCESS METHOD heap2";
        let at = |version| Config {
            postgres_version: version,
            ..Config::default()
        };
        assert!(fired_with(sql, &at(15)).contains(&ID));
        assert!(!fired_with(sql, &at(14)).contains(&ID));
    }
}
