use pg_query::NodeEnum;

use super::Severity;
use super::advice::autocommit_block;
use super::{Advice, Category, Check, Rule, StatementView, Violation, deparse_with};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "dropping-index-non-concurrently",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Locking,
    summary: "DROP INDEX without CONCURRENTLY locks the index's table against reads and writes",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::DropIndex])
        .map(|action| {
            let concurrent = deparse_with(input.node, |node| {
                if let NodeEnum::DropStmt(drop) = node {
                    drop.concurrent = true;
                }
            })
            .unwrap_or_else(|| "DROP INDEX CONCURRENTLY ...".into());
            let advice = Advice::sql(format!(
                "drop it concurrently, outside a transaction block:\n  {concurrent};"
            ))
            .with_fix(concurrent.clone(), false)
            .with_alembic_call(concurrently_outside_transaction);
            Violation::with(
                format!(
                    "dropping an index takes {}, and the same lock on its table",
                    action.lock_phrase()
                ),
                advice,
            )
        })
        .collect()
}

/// The Alembic way: the same call with `postgresql_concurrently=True`, in an autocommit
/// block.
fn concurrently_outside_transaction(call: &str) -> String {
    format!(
        "drop it concurrently, outside the migration's transaction:\n{}",
        autocommit_block(call, Some("postgresql_concurrently=True"))
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::assert_cases;

    #[test]
    fn cases() {
        assert_cases(
            "dropping-index-non-concurrently",
            &[
                "DROP INDEX CONCURRENTLY users_email",
                "CREATE INDEX users_email ON users (email); DROP INDEX users_email",
            ],
            &[
                "DROP INDEX users_email",
                "DROP INDEX IF EXISTS app.users_email, app.users_name",
            ],
        );
    }
}
