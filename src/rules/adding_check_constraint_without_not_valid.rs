use super::{Category, Input, Rule, Violation, lock_phrase, not_valid_variant};
use crate::diagnostic::Severity;
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "adding-check-constraint-without-not-valid",
    severity: Severity::Error,
    category: Category::Locking,
    summary: "ADD CHECK without NOT VALID scans every row under AccessExclusiveLock",
    check: Some(check),
};

fn check(input: &Input) -> Vec<Violation> {
    input
        .existing(&[Form::AddCheck])
        .map(|action| {
            let (add, name) = not_valid_variant(input, action, "check");
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            Violation::new(
                format!(
                    "adding a CHECK constraint scans every existing row while holding {}",
                    lock_phrase(action)
                ),
                format!(
                    "add it NOT VALID (no scan), then validate in a separate transaction (reads and writes continue):\n  \
                     {add};\n  ALTER TABLE {table} VALIDATE CONSTRAINT {name};\n\
                     Alembic: op.create_check_constraint(..., postgresql_not_valid=True), then op.execute(\"ALTER TABLE {table} VALIDATE CONSTRAINT {name}\")"
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
            "adding-check-constraint-without-not-valid",
            &[
                "ALTER TABLE users ADD CONSTRAINT age_positive CHECK (age > 0) NOT VALID",
                "CREATE TABLE users (age int); ALTER TABLE users ADD CONSTRAINT age_positive CHECK (age > 0)",
            ],
            &[
                "ALTER TABLE users ADD CONSTRAINT age_positive CHECK (age > 0)",
                "ALTER TABLE users ADD CHECK (age > 0)",
            ],
        );
    }
}
