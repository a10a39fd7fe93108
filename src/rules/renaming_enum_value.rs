//! ALTER TYPE ... RENAME VALUE.

use pg_query::NodeEnum;

use super::advice::python_string;
use super::{Advice, Category, Check, Rule, Severity, StatementView, Violation};

pub static RULE: Rule = Rule {
    id: "renaming-enum-value",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Compatibility,
    summary: "ALTER TYPE ... RENAME VALUE breaks application code still reading or writing the old value during the deploy",
    check: Check::Statement(check),
};

fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

fn check(input: &StatementView) -> Vec<Violation> {
    let NodeEnum::AlterEnumStmt(stmt) = input.node else {
        return Vec::new();
    };
    if stmt.old_val.is_empty() {
        return Vec::new();
    }
    let (type_name, _) = super::adding_enum_value_in_transaction::summary(stmt);
    let (old, new) = (literal(&stmt.old_val), literal(&stmt.new_val));
    vec![Violation::with(
        format!(
            "renaming value {old} of {type_name} to {new} breaks application code still running \
             during the deploy: writing {old} fails (invalid input value for enum), and code \
             that compares with {old} no longer matches rows"
        ),
        Advice::sql(format!(
            "add the new value, move the rows over, and stop using the old one (enum values \
             cannot be dropped, so it stays unused):\n  ALTER TYPE {type_name} ADD VALUE {new};\n  \
             -- after deploying code that writes and reads {new} (a separate transaction):\n  \
             UPDATE <table> SET <column> = {new} WHERE <column> = {old};"
        ))
        .with_alembic(|| format!(
            "add the new value outside the migration's transaction, and move the rows over in a \
             later migration, after deploying code that uses it:\n  \
             with op.get_context().autocommit_block():\n      \
             op.execute({})",
            python_string(&format!("ALTER TYPE {type_name} ADD VALUE {new}"))
        )),
    )]
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::assert_cases;

    #[test]
    fn cases() {
        assert_cases(
            "renaming-enum-value",
            &[
                "ALTER TYPE mood ADD VALUE 'meh'",
                "ALTER TYPE mood RENAME TO feeling",
            ],
            &[
                "ALTER TYPE mood RENAME VALUE 'sad' TO 'unhappy'",
                "ALTER TYPE app.mood RENAME VALUE 'it''s ok' TO 'fine'",
            ],
        );
    }
}
