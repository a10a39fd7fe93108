//! A timestamp (without time zone) column: prefer timestamptz.

use super::column_types::{alembic_declaration, declaration};
use super::{Advice, Category, Check, Rule, Severity, StatementView, Violation};

pub static RULE: Rule = Rule {
    id: "prefer-timestamptz",
    severity: Severity::Info,
    default_enabled: true,
    category: Category::Design,
    summary: "a timestamp without time zone column, which stores wall-clock times with no zone",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .typed_columns()
        .iter()
        .filter(|c| c.column_type.name == "timestamp")
        .map(|c| {
            let mut new_type = c.column_type.clone();
            new_type.name = "timestamptz".into();
            Violation::with(
                format!(
                    "{} is {}: it stores a wall-clock time without its zone, so values written \
                     under different TimeZone settings cannot be compared and arithmetic across \
                     daylight-saving changes is off",
                    c.place(),
                    c.column_type
                ),
                Advice::sql(format!(
                    "use timestamptz (timestamp with time zone):\n  {}",
                    declaration(c, &new_type.to_string())
                ))
                .with_alembic(|| {
                    format!(
                        "use timestamptz (timestamp with time zone):\n  {}",
                        alembic_declaration(c, "sa.DateTime(timezone=True)")
                    )
                }),
            )
            .at_clause(input.clause_of(c))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::assert_cases;

    #[test]
    fn cases() {
        assert_cases(
            "prefer-timestamptz",
            &[
                "CREATE TABLE t (created_at timestamptz)",
                "CREATE TABLE t (created_at timestamp with time zone)",
                "ALTER TABLE t ADD COLUMN d date",
            ],
            &[
                "CREATE TABLE t (created_at timestamp)",
                "CREATE TABLE t (created_at timestamp(3) without time zone)",
                "ALTER TABLE t ADD COLUMN created_at timestamp NOT NULL DEFAULT now()",
                "ALTER TABLE t ALTER COLUMN created_at TYPE timestamp",
            ],
        );
    }
}
