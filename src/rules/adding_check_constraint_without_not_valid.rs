use pg_query::protobuf::ConstrType;

use super::Severity;
use super::advice::{
    indented, not_valid_then_validate, python_string, schema_kwarg, split_column_constraint,
};
use super::{
    Advice, Category, Check, Rule, StatementView, Violation, not_valid_name, not_valid_sql,
};
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
            let (name, bare_name) = not_valid_name(action, "check");
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            let schema = schema_kwarg(action.relation.as_ref());
            let message = format!(
                "adding a CHECK constraint scans every existing row while holding {}",
                action.lock_phrase()
            );
            // A column constraint cannot be NOT VALID: split it off the ADD COLUMN.
            let split = split_column_constraint(
                input.node,
                action.subcommand(),
                ConstrType::ConstrCheck,
                &bare_name,
            );
            if let Some((add_column, add_check)) = split {
                let fix = format!(
                    "{add_column};\n{add_check};\nALTER TABLE {table} VALIDATE CONSTRAINT {name}"
                );
                let advice = Advice::sql(format!(
                    "a column constraint cannot be NOT VALID: add the column, then the CHECK as a table \
                     constraint NOT VALID (no scan), then validate it in a separate transaction (reads and \
                     writes continue):\n  {};",
                    indented(&fix)
                ))
                .with_fix(fix, false)
                .with_alembic(|| format!(
                    "add the column without the CHECK, then the CHECK NOT VALID, then validate it in a later \
                     migration (reads and writes continue):\n  \
                     op.add_column(...{schema})  # without the CheckConstraint\n  \
                     op.create_check_constraint({}, ..., postgresql_not_valid=True{schema})\n  \
                     op.execute({})  # in the next revision",
                    python_string(&bare_name),
                    python_string(&format!("ALTER TABLE {table} VALIDATE CONSTRAINT {name}"))
                ));
                return Violation::with(message, advice);
            }
            let advice = not_valid_then_validate(
                || not_valid_sql(input, action, &bare_name),
                &table,
                &name,
                &format!("op.create_check_constraint(..., postgresql_not_valid=True{schema})"),
            );
            Violation::with(message, advice)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::assert_cases;

    /// A column constraint cannot be NOT VALID: the help splits it off the ADD COLUMN.
    #[test]
    fn a_column_check_is_split_off_its_add_column() {
        let source = crate::source::SourceFile::new(
            "t.sql",
            "ALTER TABLE users ADD COLUMN age int NOT NULL DEFAULT 1 CHECK (age > 0)",
        );
        let report = crate::lint::lint_sql(source, &crate::config::Config::default());
        let finding = report
            .findings
            .iter()
            .find(|f| f.rule.id == "adding-check-constraint-without-not-valid")
            .unwrap();
        let help = finding.advice.sql.as_deref().unwrap();
        assert!(
            help.contains("ALTER TABLE users ADD COLUMN age int NOT NULL DEFAULT 1;"),
            "{help}"
        );
        assert!(
            help.contains(
                "ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age > 0) NOT VALID;"
            ),
            "{help}"
        );
        assert!(
            help.contains("VALIDATE CONSTRAINT users_age_check"),
            "{help}"
        );
    }

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
                "ALTER TABLE users ADD COLUMN age int CHECK (age > 0)",
            ],
        );
    }
}
