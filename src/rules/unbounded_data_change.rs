use pg_query::NodeEnum;

use super::Severity;
use super::advice::python_string;
use super::{Advice, Category, Check, Rule, StatementView, Violation};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "unbounded-data-change",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Locking,
    summary: "UPDATE or DELETE without WHERE on an existing table changes every row in one transaction",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    let (verb, unbounded) = match input.node {
        NodeEnum::UpdateStmt(stmt) => ("UPDATE", stmt.where_clause.is_none()),
        NodeEnum::DeleteStmt(stmt) => ("DELETE", stmt.where_clause.is_none()),
        _ => return Vec::new(),
    };
    if !unbounded {
        return Vec::new();
    }
    input
        .existing(&[Form::UpdateOrDelete])
        .map(|action| {
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            let batch = match verb {
                "UPDATE" => format!(
                    "UPDATE {table} SET ... WHERE id IN (SELECT id FROM {table} WHERE <not yet done> ORDER BY id LIMIT 10000);"
                ),
                _ => format!(
                    "DELETE FROM {table} WHERE id IN (SELECT id FROM {table} ORDER BY id LIMIT 10000);"
                ),
            };
            Violation::with(
                format!(
                    "{verb} without WHERE changes every row of {table} in one transaction: it takes {} \
                     and row locks on every row until commit, so concurrent writes to any row wait, \
                     and it leaves a dead copy of every row behind",
                    action.lock_phrase()
                ),
                Advice::sql(format!(
                    "change the rows in batches, each in its own short transaction:\n  {batch}  -- repeat until 0 rows"
                ))
                .with_alembic(|| format!(
                    "change the rows in batches, each in its own short transaction:\n  \
                     with op.get_context().autocommit_block():\n      \
                     op.execute({})  # repeat until 0 rows",
                    python_string(&batch)
                )),
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
            "unbounded-data-change",
            &[
                "UPDATE users SET active = true WHERE id < 1000",
                "DELETE FROM users WHERE deleted_at IS NOT NULL",
                "CREATE TABLE t (n int); UPDATE t SET n = 0",
                "INSERT INTO users (id) VALUES (1)",
            ],
            &[
                "UPDATE users SET active = true",
                "DELETE FROM app.sessions",
                "UPDATE users u SET name = o.name FROM old_users o",
            ],
        );
    }
}
