use super::Severity;
use super::{Advice, Category, Check, Rule, StatementView, Violation, not_valid_variant};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "adding-check-constraint-without-not-valid",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Locking,
    summary: "ADD CHECK without NOT VALID scans every row under AccessExclusiveLock",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::AddCheck])
        .map(|action| {
            let (add, name) = not_valid_variant(input, action, "check");
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            let fix = format!("{add};\nALTER TABLE {table} VALIDATE CONSTRAINT {name}");
            let advice = Advice::sql(format!(
                "add it NOT VALID (no scan), then validate in a separate transaction (reads and writes continue):\n  \
                 {add};\n  ALTER TABLE {table} VALIDATE CONSTRAINT {name};"
            ))
            .with_fix(fix, false)
            .with_alembic(format!(
                "add it NOT VALID (no scan), then validate it in a later migration (reads and writes continue):\n  \
                 op.create_check_constraint(..., postgresql_not_valid=True)\n  \
                 op.execute(\"ALTER TABLE {table} VALIDATE CONSTRAINT {name}\")  # in the next revision"
            ));
            Violation::with(
                format!(
                    "adding a CHECK constraint scans every existing row while holding {}",
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
