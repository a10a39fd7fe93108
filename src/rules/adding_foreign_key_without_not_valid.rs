use super::Severity;
use super::{Advice, Category, Check, Rule, StatementView, Violation, not_valid_variant};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "adding-foreign-key-without-not-valid",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Locking,
    summary: "ADD FOREIGN KEY without NOT VALID validates every row while both tables are locked against writes",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::AddForeignKey])
        .map(|action| {
            let referenced = match (&action.other, action.other_lock) {
                (Some(other), Some(lock)) => format!(" and {} on {other}", lock.name()),
                _ => String::new(),
            };
            let (add, name) = not_valid_variant(input, action, "fkey");
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            let fix = format!("{add};\nALTER TABLE {table} VALIDATE CONSTRAINT {name}");
            let advice = Advice::sql(format!(
                "add it NOT VALID (no scan), then validate in a separate transaction (reads and writes continue):\n  \
                 {add};\n  ALTER TABLE {table} VALIDATE CONSTRAINT {name};"
            ))
            .with_fix(fix, false)
            .with_alembic(format!(
                "add it NOT VALID (no scan), then validate it in a later migration (reads and writes continue):\n  \
                 op.create_foreign_key(..., postgresql_not_valid=True)\n  \
                 op.execute(\"ALTER TABLE {table} VALIDATE CONSTRAINT {name}\")  # in the next revision"
            ));
            Violation::with(
                format!(
                    "adding a foreign key validates every existing row while holding {}{referenced}",
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
            "adding-foreign-key-without-not-valid",
            &[
                "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID",
                "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk",
                "CREATE TABLE orders (user_id int); ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id)",
            ],
            &[
                "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)",
                "ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users",
            ],
        );
    }
}
