//! A json column: prefer jsonb.

use super::column_types::{alembic_declaration, declaration};
use super::{Advice, Category, Check, Rule, Severity, StatementView, Violation};

pub static RULE: Rule = Rule {
    id: "prefer-jsonb-over-json",
    severity: Severity::Info,
    default_enabled: true,
    category: Category::Design,
    summary: "a json column, which stores text re-parsed on every access and has no equality or index support",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .typed_columns()
        .iter()
        .filter(|c| c.column_type.name == "json")
        .map(|c| {
            let array = if c.column_type.array { "[]" } else { "" };
            Violation::with(
                format!(
                    "{} is {}: it stores the text as written, re-parsed on every access, with no \
                     equality operator (DISTINCT, GROUP BY, UNION fail) and no GIN index support",
                    c.place(),
                    c.column_type
                ),
                Advice::sql(format!(
                    "use jsonb:\n  {}",
                    declaration(c, &format!("jsonb{array}"))
                ))
                .with_alembic(|| {
                    format!(
                        "use jsonb (from sqlalchemy.dialects import postgresql):\n  {}",
                        alembic_declaration(c, "postgresql.JSONB()")
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
            "prefer-jsonb-over-json",
            &[
                "CREATE TABLE t (data jsonb)",
                "ALTER TABLE t ADD COLUMN data jsonb NOT NULL DEFAULT '{}'",
            ],
            &[
                "CREATE TABLE t (data json)",
                "CREATE TABLE t (data JSON NOT NULL)",
                "ALTER TABLE t ADD COLUMN data json",
                "ALTER TABLE t ALTER COLUMN data TYPE json USING data::json",
            ],
        );
    }
}
