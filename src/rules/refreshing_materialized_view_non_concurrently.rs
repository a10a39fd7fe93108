use pg_query::NodeEnum;

use super::Severity;
use super::advice::python_string;
use super::{Advice, Category, Check, Rule, StatementView, Violation, deparse_with};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "refreshing-materialized-view-non-concurrently",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Locking,
    summary: "REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks reads of the view for the whole refresh",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::RefreshMaterializedView])
        .map(|action| {
            let view = action
                .relation
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            let message = format!(
                "refreshing {view} holds {} until the new contents are computed and swapped in",
                action.lock_phrase()
            );
            // PostgreSQL refuses CONCURRENTLY with WITH NO DATA, which computes nothing.
            if matches!(input.node, NodeEnum::RefreshMatViewStmt(stmt) if stmt.skip_data) {
                return Violation::with(
                    message,
                    Advice::sql(format!(
                        "WITH NO DATA cannot run concurrently: it empties {view}, and every query \
                         on it fails until it is refreshed again; if it should keep answering, \
                         refresh it concurrently with data instead"
                    )),
                );
            }
            let concurrent = deparse_with(input.node, |node| {
                if let NodeEnum::RefreshMatViewStmt(stmt) = node {
                    stmt.concurrent = true;
                }
            })
            .unwrap_or_else(|| "REFRESH MATERIALIZED VIEW CONCURRENTLY ...".into());
            let advice = Advice::sql(format!(
                "refresh it concurrently (reads continue; it needs a unique index on the view, and \
                 the view must already be populated):\n  \
                 CREATE UNIQUE INDEX CONCURRENTLY ON {view} (<key columns>);  -- once\n  \
                 {concurrent};"
            ))
            .with_fix(concurrent.clone(), false)
            .with_alembic(|| {
                format!(
                    "refresh it concurrently (it needs a unique index on the view):\n  \
                 op.execute({})",
                    python_string(&concurrent)
                )
            });
            Violation::with(message, advice)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::{advice_after, assert_cases};

    /// PostgreSQL refuses CONCURRENTLY with WITH NO DATA: no such fix is offered.
    #[test]
    fn with_no_data_gets_no_concurrent_fix() {
        let rule = "refreshing-materialized-view-non-concurrently";
        let (help, fix) = advice_after(rule, "", "REFRESH MATERIALIZED VIEW totals WITH NO DATA");
        assert_eq!(fix, None);
        assert!(
            help.starts_with("WITH NO DATA cannot run concurrently"),
            "{help}"
        );
        let (_, fix) = advice_after(rule, "", "REFRESH MATERIALIZED VIEW totals");
        assert_eq!(
            fix.as_deref(),
            Some("REFRESH MATERIALIZED VIEW CONCURRENTLY totals")
        );
    }

    #[test]
    fn cases() {
        assert_cases(
            "refreshing-materialized-view-non-concurrently",
            &[
                "REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals",
                "CREATE MATERIALIZED VIEW order_totals AS SELECT 1 AS n WITH NO DATA; REFRESH MATERIALIZED VIEW order_totals",
            ],
            &[
                "REFRESH MATERIALIZED VIEW order_totals",
                "REFRESH MATERIALIZED VIEW app.order_totals WITH DATA",
            ],
        );
    }
}
