use pg_query::NodeEnum;

use super::Severity;
use super::advice::{autocommit_block, indented};
use super::{Advice, Category, Check, Rule, StatementView, Violation, deparse_with};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "creating-index-non-concurrently",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Locking,
    summary: "CREATE INDEX without CONCURRENTLY on an existing table blocks writes for the whole build",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::CreateIndex])
        .map(|action| {
            let concurrent = written_concurrently(input)
                .or_else(|| {
                    deparse_with(input.node, |node| {
                        if let NodeEnum::IndexStmt(index) = node {
                            index.concurrent = true;
                        }
                    })
                })
                .unwrap_or_else(|| "CREATE INDEX CONCURRENTLY ...".into());
            let partitioned = match input.node {
                NodeEnum::IndexStmt(index) => action
                    .relation
                    .as_ref()
                    .filter(|r| input.state.catalog.is_partitioned(r))
                    .map(|_| index),
                _ => None,
            };
            // PostgreSQL refuses CONCURRENTLY on a partitioned table: one partition at a time.
            let advice = match partitioned {
                Some(index) => Advice::sql(format!(
                    "the table is partitioned, where CONCURRENTLY is refused: build the index on each \
                     partition concurrently and attach it to an index on the parent alone:\n{}",
                    super::index_concurrently_on_partitioned_table::partition_plan(index, input.state)
                )),
                None => Advice::sql(format!(
                    "build it concurrently, outside a transaction block:\n  {};",
                    indented(&concurrent)
                ))
                .with_fix(concurrent.clone(), false)
                .with_alembic_call(concurrently_outside_transaction),
            };
            Violation::with(
                format!(
                    "building an index takes {} for the whole build",
                    action.lock_phrase()
                ),
                advice,
            )
        })
        .collect()
}

/// The statement as written, with CONCURRENTLY after INDEX: the user's own formatting and
/// comments, and no deparse (a copy of the tree and a round trip through the C deparser:
/// 1.8 % of the instructions of linting the benchmark's first 300 migrations, callgrind).
fn written_concurrently(input: &StatementView) -> Option<String> {
    let NodeEnum::IndexStmt(index) = input.node else {
        return None;
    };
    let words: &[&str] = match index.unique {
        true => &["create", "unique", "index"],
        false => &["create", "index"],
    };
    crate::parse::split::with_keyword_after(input.sql, words, "concurrently")
}

/// The Alembic way: the same call with `postgresql_concurrently=True`, in an autocommit
/// block.
fn concurrently_outside_transaction(call: &str) -> String {
    format!(
        "build it concurrently, outside the migration's transaction:\n{}",
        autocommit_block(call, Some("postgresql_concurrently=True"))
    )
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
