//! A char(n) / character(n) column: blank-padded, prefer text.

use super::advice::python_string;
use super::column_types::{Declared, alembic_declaration, declaration};
use super::{Advice, Category, Check, Rule, Severity, StatementView, Violation};

pub static RULE: Rule = Rule {
    id: "banned-char-type",
    severity: Severity::Info,
    default_enabled: true,
    category: Category::Design,
    summary: "a char(n) / character(n) column, which pads values with spaces",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .typed_columns()
        .iter()
        // `char(n)` parses as bpchar; the quoted one-byte type "char" keeps its name.
        .filter(|c| c.raw_name == "bpchar")
        .map(|c| {
            let array = if c.column_type.array { "[]" } else { "" };
            let n = c.column_type.modifiers.first().copied().unwrap_or(1);
            let length = format!("char_length({}) = {n}", c.quoted());
            // A CHECK clause fits a column definition, not ALTER COLUMN ... TYPE.
            let (check, sa_check) = match (c.declared, c.column_type.array) {
                (Declared::AlterType, _) | (_, true) => (String::new(), String::new()),
                _ => (
                    format!(" CHECK ({length})"),
                    format!(", sa.CheckConstraint({})", python_string(&length)),
                ),
            };
            Violation::with(
                format!(
                    "{} is {}: values are padded with spaces to the length, trailing spaces are \
                     ignored in comparisons but not by every client or pattern match, and it is \
                     stored no more compactly than text",
                    c.place(),
                    c.column_type
                ),
                Advice::sql(format!(
                    "use text, with a CHECK constraint if the length matters:\n  {}",
                    declaration(c, &format!("text{array}{check}"))
                ))
                .with_alembic(|| {
                    format!(
                        "use text, with a CHECK constraint if the length matters:\n  {}",
                        alembic_declaration(c, &format!("sa.Text(){sa_check}"))
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
            "banned-char-type",
            &[
                "CREATE TABLE t (code text)",
                "CREATE TABLE t (flag \"char\")",
                "CREATE TABLE t (code varchar(2))",
            ],
            &[
                "CREATE TABLE t (code char(2))",
                "CREATE TABLE t (code character(2))",
                "CREATE TABLE t (code char)",
                "ALTER TABLE t ADD COLUMN code CHAR(3)",
                "ALTER TABLE t ALTER COLUMN code TYPE character(3)",
            ],
        );
    }
}
