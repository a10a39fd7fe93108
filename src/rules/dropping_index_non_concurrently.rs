use pg_query::NodeEnum;

use super::{Category, Input, Rule, Violation, deparse_with, lock_phrase};
use crate::diagnostic::Severity;
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "dropping-index-non-concurrently",
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "DROP INDEX without CONCURRENTLY locks the index's table against reads and writes",
    check: Some(check),
};

fn check(input: &Input) -> Vec<Violation> {
    input
        .existing(&[Form::DropIndex])
        .map(|action| {
            let concurrent = deparse_with(input.node, |node| {
                if let NodeEnum::DropStmt(drop) = node {
                    drop.concurrent = true;
                }
            })
            .unwrap_or_else(|| "DROP INDEX CONCURRENTLY ...".into());
            Violation::new(
                format!(
                    "dropping an index takes {}, and the same lock on its table",
                    lock_phrase(action)
                ),
                format!(
                    "drop it concurrently, outside a transaction block:\n  {concurrent};\n\
                     Alembic: with op.get_context().autocommit_block(): op.drop_index(..., postgresql_concurrently=True)"
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
