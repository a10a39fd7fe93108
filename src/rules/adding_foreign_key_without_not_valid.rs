use super::{Category, Input, Rule, Violation, lock_phrase, not_valid_variant};
use crate::diagnostic::Severity;
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "adding-foreign-key-without-not-valid",
    severity: Severity::Error,
    category: Category::Locking,
    summary: "ADD FOREIGN KEY without NOT VALID validates every row while both tables are locked against writes",
    check: Some(check),
};

fn check(input: &Input) -> Vec<Violation> {
    input
        .existing(&[Form::AddForeignKey])
        .map(|action| {
            let referenced = match (&action.other, action.other_lock) {
                (Some(other), Some(lock)) => format!(" and {} on {other}", lock.name()),
                _ => String::new(),
            };
            let (add, name) = not_valid_variant(input, action, "fkey");
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            Violation::new(
                format!(
                    "adding a foreign key validates every existing row while holding {}{referenced}",
                    lock_phrase(action)
                ),
                format!(
                    "add it NOT VALID (no scan), then validate in a separate transaction (reads and writes continue):\n  \
                     {add};\n  ALTER TABLE {table} VALIDATE CONSTRAINT {name};\n\
                     Alembic: op.create_foreign_key(..., postgresql_not_valid=True), then op.execute(\"ALTER TABLE {table} VALIDATE CONSTRAINT {name}\")"
                ),
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
