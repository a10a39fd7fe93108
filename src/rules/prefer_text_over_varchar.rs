//! A varchar(n) column: prefer text, with a CHECK constraint when the limit matters.

use super::advice::{python_string, sql_shown};
use super::column_types::{Declared, TypedColumn};
use super::{Advice, Category, Check, Rule, Severity, StatementView, Violation};
use crate::parse::ident::quote_ident;

pub static RULE: Rule = Rule {
    id: "prefer-text-over-varchar",
    severity: Severity::Info,
    default_enabled: true,
    category: Category::Design,
    summary: "a varchar(n) column, whose limit can only be raised with ALTER COLUMN ... TYPE",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .typed_columns()
        .iter()
        .filter(|c| c.column_type.name == "varchar")
        .filter_map(|c| {
            let n = *c.column_type.modifiers.first()?;
            Some(Violation::with(
                format!(
                    "{} is {}: the length limit is part of the type, so changing it later is an \
                     ALTER COLUMN ... TYPE under AccessExclusiveLock (lowering it rewrites the \
                     table), and text is no slower",
                    c.place(),
                    c.column_type
                ),
                advice(c, n),
            )
            .at_clause(input.clause_of(c)))
        })
        .collect()
}

fn advice(c: &TypedColumn, n: i64) -> Advice {
    // Each built only where it is shown: a `.sql` file shows the SQL advice, a revision the
    // Alembic advice.
    let intro = "use text, with a CHECK constraint if the limit matters:\n  ";
    let sql = sql_shown().then(|| format!("{intro}{}", sql_advice(c, n)));
    Advice {
        sql,
        ..Advice::default()
    }
    .with_alembic(|| format!("{intro}{}", alembic_advice(c, n)))
}

fn check_of(c: &TypedColumn, n: i64) -> String {
    format!("char_length({}) <= {n}", c.quoted())
}

fn constraint_name(c: &TypedColumn) -> String {
    format!("{}_{}_length", c.bare_table, c.column)
}

fn sql_advice(c: &TypedColumn, n: i64) -> String {
    let col = c.quoted();
    let array = if c.column_type.array { "[]" } else { "" };
    let check = check_of(c, n);
    match c.declared {
        Declared::CreateTable => format!(
            "CREATE TABLE {} (..., {col} text{array} CHECK ({check}), ...);",
            c.table
        ),
        Declared::AddColumn => format!(
            "ALTER TABLE {} ADD COLUMN {col} text{array} CHECK ({check});",
            c.table
        ),
        Declared::AlterType => format!(
            "ALTER TABLE {} ALTER COLUMN {col} TYPE text{array};\n  \
             ALTER TABLE {} ADD CONSTRAINT {} CHECK ({check}) NOT VALID;",
            c.table,
            c.table,
            quote_ident(&constraint_name(c))
        ),
    }
}

fn alembic_advice(c: &TypedColumn, n: i64) -> String {
    let check = check_of(c, n);
    let table_py = python_string(c.bare_table);
    let schema = c.schema_kwarg();
    let bare = python_string(c.column);
    let constraint_py = python_string(&constraint_name(c));
    match c.declared {
        Declared::CreateTable => format!(
            "op.create_table({table_py}, ..., sa.Column({bare}, sa.Text()), \
             sa.CheckConstraint({}, name={constraint_py}), ...{schema})",
            python_string(&check),
        ),
        Declared::AddColumn => format!(
            "op.add_column({table_py}, sa.Column({bare}, sa.Text(), \
             sa.CheckConstraint({}, name={constraint_py})){schema})",
            python_string(&check),
        ),
        Declared::AlterType => format!(
            "op.alter_column({table_py}, {bare}, type_=sa.Text(){schema})\n  \
             op.execute({})",
            python_string(&format!(
                "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({check}) NOT VALID",
                c.table,
                quote_ident(&constraint_name(c))
            ))
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::assert_cases;

    #[test]
    fn cases() {
        assert_cases(
            "prefer-text-over-varchar",
            &[
                "CREATE TABLE t (name text CHECK (char_length(name) <= 100))",
                "CREATE TABLE t (name varchar)",
                "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)",
                "ALTER TABLE t ADD COLUMN name text",
            ],
            &[
                "CREATE TABLE t (name varchar(100))",
                "CREATE TABLE t (name character varying(100))",
                "ALTER TABLE t ADD COLUMN name VARCHAR(20)",
                "ALTER TABLE t ALTER COLUMN name TYPE varchar(200)",
            ],
        );
    }
}
