use pg_query::NodeEnum;

use super::Severity;
use super::advice::{autocommit_block, python_string};
use super::{Advice, Category, Check, Rule, StatementView, Violation, deparse_with};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "detaching-partition-non-concurrently",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Locking,
    summary: "DETACH PARTITION without CONCURRENTLY locks the partitioned table against reads and writes (PostgreSQL 14+)",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    // The concurrent form exists from 14 on: before that there is nothing better to suggest.
    if input.state.version < crate::facts::entry(Form::DetachPartitionConcurrently).since {
        return Vec::new();
    }
    input
        .existing(&[Form::DetachPartition])
        .map(|action| {
            let concurrent = deparse_with(input.node, |node| {
                if let NodeEnum::AlterTableStmt(stmt) = node {
                    for cmd in &mut stmt.cmds {
                        if let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_mut()
                            && let Some(NodeEnum::PartitionCmd(part)) =
                                cmd.def.as_deref_mut().and_then(|d| d.node.as_mut())
                            {
                                part.concurrent = true;
                            }
                    }
                }
            })
            .unwrap_or_else(|| "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY".into());
            let advice = Advice::sql(format!(
                "detach it concurrently, outside a transaction block (the parent then takes only \
                 ShareUpdateExclusiveLock; not possible when the parent has a default partition):\n  \
                 {concurrent};"
            ))
            .with_fix(concurrent.clone(), false)
            .with_alembic(|| format!(
                "detach it concurrently, outside the migration's transaction:\n{}",
                autocommit_block(&format!("op.execute({})", python_string(&concurrent)), None)
            ));
            Violation::with(
                format!(
                    "detaching a partition takes {}: every query on the partitioned table waits",
                    action.lock_phrase()
                ),
                advice,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::cases::{assert_cases, fired_with};

    const ID: &str = "detaching-partition-non-concurrently";
    const DETACH: &str = "ALTER TABLE events DETACH PARTITION events_2024";

    #[test]
    fn cases() {
        assert_cases(
            ID,
            &[
                "ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY",
                "ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                "CREATE TABLE events (at date) PARTITION BY RANGE (at); ALTER TABLE events DETACH PARTITION events_2024",
            ],
            &[
                DETACH,
                "ALTER TABLE app.events DETACH PARTITION app.events_2024",
            ],
        );
    }

    #[test]
    fn from_14_only() {
        let at = |version| Config {
            postgres_version: version,
            ..Config::default()
        };
        assert!(!fired_with(DETACH, &at(13)).contains(&ID));
        assert!(fired_with(DETACH, &at(14)).contains(&ID));
    }
}
