use pg_query::NodeEnum;

use super::{Category, Input, Rule, Violation, deparse_with, lock_phrase};
use crate::diagnostic::Severity;
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "creating-index-non-concurrently",
    severity: Severity::Error,
    category: Category::Locking,
    summary: "CREATE INDEX without CONCURRENTLY on an existing table blocks writes for the whole build",
    check: Some(check),
};

fn check(input: &Input) -> Vec<Violation> {
    input
        .existing(&[Form::CreateIndex])
        .map(|action| {
            let concurrent = deparse_with(input.node, |node| {
                if let NodeEnum::IndexStmt(index) = node {
                    index.concurrent = true;
                }
            })
            .unwrap_or_else(|| "CREATE INDEX CONCURRENTLY ...".into());
            Violation::new(
                format!("building an index takes {} for the whole build", lock_phrase(action)),
                format!(
                    "build it concurrently, outside a transaction block:\n  {concurrent};\n\
                     Alembic: with op.get_context().autocommit_block(): op.create_index(..., postgresql_concurrently=True)"
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
            "creating-index-non-concurrently",
            &[
                "CREATE INDEX CONCURRENTLY users_email ON users (email)",
                "CREATE TABLE users (email text); CREATE INDEX users_email ON users (email)",
            ],
            &[
                "CREATE INDEX users_email ON users (email)",
                "CREATE UNIQUE INDEX IF NOT EXISTS users_email ON app.users (lower(email)) WHERE deleted_at IS NULL",
            ],
        );
    }
}
