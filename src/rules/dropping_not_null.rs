//! ALTER COLUMN ... DROP NOT NULL on an existing table.

use super::advice::{python_string, schema_kwarg};
use super::{Advice, Category, Check, Rule, Severity, StatementView, Violation};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "dropping-not-null",
    severity: Severity::Info,
    default_enabled: true,
    category: Category::Compatibility,
    summary: "ALTER COLUMN ... DROP NOT NULL lets NULLs in, which application code still running may not expect",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::DropNotNull])
        .map(|action| {
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            let column = super::or_placeholder(&action.column, "<column>");
            Violation::with(
                format!(
                    "dropping NOT NULL on {table}.{column} lets NULLs in: application code that \
                     still assumes the column always has a value (older versions running during \
                     the deploy, reports, other services) can fail on the first NULL; it takes {}",
                    action.lock_phrase()
                ),
                Advice::sql(format!(
                    "first deploy code that handles NULL in {column} everywhere it is read, then \
                     drop the constraint:\n  ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL;"
                ))
                .with_alembic(|| format!(
                    "first deploy code that handles NULL in {column} everywhere it is read, then \
                     drop the constraint:\n  op.alter_column({}, {}, nullable=True{})",
                    python_string(action.relation.as_ref().map_or("<table>", |r| r.name.as_str())),
                    python_string(action.column.as_deref().unwrap_or("<column>")),
                    schema_kwarg(action.relation.as_ref()),
                )),
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
            "dropping-not-null",
            &[
                "CREATE TABLE t (id int NOT NULL); ALTER TABLE t ALTER COLUMN id DROP NOT NULL",
                "ALTER TABLE users ALTER COLUMN email SET NOT NULL",
            ],
            &[
                "ALTER TABLE users ALTER COLUMN email DROP NOT NULL",
                "ALTER TABLE app.users ALTER email DROP NOT NULL, ADD COLUMN x int",
            ],
        );
    }
}
