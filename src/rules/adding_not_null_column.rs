use super::Severity;
use super::advice::{python_string, schema_kwarg};
use super::{Advice, Category, Check, Rule, StatementView, Violation, or_placeholder};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "adding-not-null-column",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Locking,
    summary: "ADD COLUMN ... NOT NULL without a DEFAULT on an existing table",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::AddColumnNotNull])
        .map(|action| {
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            let column = or_placeholder(&action.column, "column");
            let ty = action.column_type.as_ref().map_or("type".into(), ToString::to_string);
            let fix = format!("ALTER TABLE {table} ADD COLUMN {column} {ty} NOT NULL DEFAULT <value>");
            let advice = Advice::sql(format!(
                "give the column a constant default (PostgreSQL 11+ stores it without a rewrite):\n  \
                 {fix};\n\
                 or add it nullable, backfill it in batches, then see `locksmith rule setting-not-null`"
            ))
            .with_fix(fix, true)
            .with_alembic(|| format!(
                "give the column a constant server_default (PostgreSQL 11+ stores it without a rewrite):\n  \
                 op.add_column({}, sa.Column({}, ..., nullable=False, server_default=\"<value>\"){})\n\
                 or add it with nullable=True, backfill it in batches, then see `locksmith rule setting-not-null`",
                python_string(action.relation.as_ref().map_or("", |r| r.name.as_str())),
                python_string(action.column.as_deref().unwrap_or("column")),
                schema_kwarg(action.relation.as_ref()),
            ));
            Violation::with(
                format!(
                    "adding NOT NULL column {column} without a DEFAULT fails as soon as {table} has a row; \
                     it takes {}",
                    action.lock_phrase()
                ),
                advice,
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
            "adding-not-null-column",
            &[
                "ALTER TABLE users ADD COLUMN age int",
                "ALTER TABLE users ADD COLUMN age int NOT NULL DEFAULT 0",
                "CREATE TABLE users (id int); ALTER TABLE users ADD COLUMN age int NOT NULL",
                "ALTER TABLE users ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY NOT NULL",
            ],
            &[
                "ALTER TABLE users ADD COLUMN age int NOT NULL",
                "ALTER TABLE app.users ADD COLUMN note text, ADD COLUMN age int NOT NULL",
                "ALTER TABLE users ADD COLUMN age int NOT NULL DEFAULT NULL",
            ],
        );
    }
}
