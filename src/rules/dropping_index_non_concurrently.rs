use pg_query::NodeEnum;
use pg_query::protobuf::DropBehavior;

use super::Severity;
use super::advice::{autocommit_block, indented};
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
            let message = format!(
                "dropping an index takes {}, and the same lock on its table",
                action.lock_phrase()
            );
            let on_partitioned =
                (action.relation.as_ref()).is_some_and(|index| of_partitioned_table(input, index));
            Violation::with(message, advice(input.node, on_partitioned))
        })
        .collect()
}

/// The statement dropped concurrently, as PostgreSQL takes it: one index a statement,
/// never CASCADE, never an index of a partitioned table (the DROP INDEX docs).
fn advice(node: &NodeEnum, on_partitioned: bool) -> Advice {
    let alembic = concurrently_outside_transaction;
    let NodeEnum::DropStmt(drop) = node else {
        return Advice::sql("drop it with DROP INDEX CONCURRENTLY, outside a transaction block");
    };
    if on_partitioned {
        return Advice::sql(
            "an index of a partitioned table cannot be dropped concurrently: drop it when the \
             table is quiet, with a short lock_timeout so that it gives up rather than queue \
             every query behind it",
        );
    }
    // One statement a named index: CONCURRENTLY takes one.
    let each: Vec<String> = (drop.objects.iter())
        .filter_map(|object| {
            deparse_with(node, |node| {
                if let NodeEnum::DropStmt(drop) = node {
                    drop.objects = vec![object.clone()];
                    drop.concurrent = true;
                    drop.behavior = DropBehavior::DropRestrict.into();
                }
            })
        })
        .collect();
    let statements = match each.is_empty() {
        true => "DROP INDEX CONCURRENTLY ...".to_string(),
        false => each.join(";\n"),
    };
    let shown = indented(&statements);
    if drop.behavior() == DropBehavior::DropCascade {
        // Without CASCADE it is another statement: what depends on the index stays, and
        // the drop fails. No fix, then: the user decides about the dependents.
        return Advice::sql(format!(
            "CONCURRENTLY refuses CASCADE: drop what depends on the index first (CASCADE \
             would drop it with the index), then, outside a transaction block:\n  {shown};"
        ))
        .with_alembic_call(alembic);
    }
    let how = match each.len() {
        0 | 1 => "drop it concurrently, outside a transaction block",
        _ => "drop each index concurrently (CONCURRENTLY takes one), outside a transaction block",
    };
    Advice::sql(format!("{how}:\n  {shown};"))
        .with_fix(statements, false)
        .with_alembic_call(alembic)
}

/// Whether `index` is an index of a partitioned table, as far as the catalog knows.
fn of_partitioned_table(input: &StatementView, index: &crate::facts::Relation) -> bool {
    (input.state.catalog.index_table(index)).is_some_and(|table| table.partition_by.is_some())
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
    use crate::rules::cases::{advice_after, assert_cases};

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

    /// The advice PostgreSQL accepts: the DROP INDEX docs allow one index a concurrent
    /// statement, no CASCADE, and no index of a partitioned table.
    #[test]
    fn advice_is_what_postgresql_takes() {
        let rule = "dropping-index-non-concurrently";
        let advice_after = |history: &str, sql: &str| advice_after(rule, history, sql);
        let advice = |sql: &str| advice_after("", sql);
        let (help, fix) = advice("DROP INDEX users_email");
        assert!(
            help.ends_with("\n  DROP INDEX CONCURRENTLY users_email;"),
            "{help}"
        );
        assert_eq!(fix.as_deref(), Some("DROP INDEX CONCURRENTLY users_email"));

        let (help, fix) = advice("DROP INDEX IF EXISTS app.users_email, app.users_name");
        let each = "DROP INDEX CONCURRENTLY IF EXISTS app.users_email;\n\
                    DROP INDEX CONCURRENTLY IF EXISTS app.users_name";
        assert_eq!(fix.as_deref(), Some(each));
        assert!(help.starts_with("drop each index concurrently"), "{help}");
        assert!(
            help.ends_with(&format!("\n  {};", each.replace('\n', "\n  "))),
            "{help}"
        );

        let (help, fix) = advice("DROP INDEX users_email CASCADE");
        assert_eq!(fix, None);
        assert!(help.starts_with("CONCURRENTLY refuses CASCADE"), "{help}");
        assert!(
            help.ends_with("\n  DROP INDEX CONCURRENTLY users_email;"),
            "{help}"
        );

        let partitioned = "CREATE TABLE events (at date) PARTITION BY RANGE (at);
            CREATE INDEX events_at ON events (at);";
        let (help, fix) = advice_after(partitioned, "DROP INDEX events_at");
        assert_eq!(fix, None);
        assert!(help.contains("cannot be dropped concurrently"), "{help}");
    }
}
