//! CREATE INDEX CONCURRENTLY on a table the schema model knows is partitioned: PostgreSQL
//! refuses it ("cannot create index on partitioned table concurrently").

use pg_query::NodeEnum;
use pg_query::protobuf::{IndexStmt, RangeVar};

use super::{Advice, Category, Check, Rule, Severity, StatementView, Violation, deparse_with};
use crate::facts::Relation;
use crate::parse::ident::quote_ident;
use crate::state::FileState;

pub static RULE: Rule = Rule {
    id: "index-concurrently-on-partitioned-table",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Locking,
    summary: "CREATE INDEX CONCURRENTLY on a partitioned table, which PostgreSQL refuses",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    let NodeEnum::IndexStmt(index) = input.node else {
        return Vec::new();
    };
    let Some(rv) = &index.relation else {
        return Vec::new();
    };
    let table = Relation::new(Some(&rv.schemaname), &rv.relname);
    if !index.concurrent || !input.state.catalog.is_partitioned(&table) {
        return Vec::new();
    }
    vec![Violation::with(
        format!(
            "{table} is partitioned (an earlier statement made it so): PostgreSQL refuses \
             CREATE INDEX CONCURRENTLY on a partitioned table"
        ),
        Advice::sql(format!(
            "build the index on each partition concurrently and attach it to an index on the parent \
             alone (each statement outside a transaction block where it says CONCURRENTLY):\n{}",
            partition_plan(index, input.state)
        )),
    )]
}

/// The per-partition plan for an index on a partitioned table: the parent's index `ON
/// ONLY` (invalid, and instant), each partition's built concurrently, each attached;
/// the parent's index becomes valid when the last one is.
pub fn partition_plan(index: &IndexStmt, state: &FileState) -> String {
    let Some(rv) = &index.relation else {
        return String::new();
    };
    let table = Relation::new(Some(&rv.schemaname), &rv.relname);
    let parent_name = if index.idxname.is_empty() {
        format!("{}_idx", rv.relname)
    } else {
        index.idxname.clone()
    };
    let with = |relation: RangeVar, name: String, concurrent: bool, only: bool| {
        deparse_with(&NodeEnum::IndexStmt(Box::new(index.clone())), |node| {
            if let NodeEnum::IndexStmt(i) = node {
                i.relation = Some(RangeVar {
                    inh: !only,
                    ..relation
                });
                i.idxname = name;
                i.concurrent = concurrent;
            }
        })
        .unwrap_or_default()
    };
    let mut lines = vec![format!(
        "  {};",
        with(rv.clone(), parent_name.clone(), false, true)
    )];
    let partitions = state.catalog.partitions(&table);
    let partitions: Vec<crate::schema::Key> = if partitions.is_empty() {
        vec![(rv.schemaname.as_str().into(), "<partition>".into())]
    } else {
        partitions.into_iter().cloned().collect()
    };
    for (schema, name) in partitions {
        let child_index = format!("{name}_{parent_name}");
        let relation = RangeVar {
            schemaname: if schema == "public" {
                String::new()
            } else {
                schema.to_string()
            },
            relname: name.to_string(),
            ..rv.clone()
        };
        lines.push(format!(
            "  {};",
            with(relation, child_index.clone(), true, false)
        ));
        lines.push(format!(
            "  ALTER INDEX {} ATTACH PARTITION {};",
            quote_ident(&parent_name),
            quote_ident(&child_index)
        ));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::assert_cases;

    #[test]
    fn cases() {
        assert_cases(
            "index-concurrently-on-partitioned-table",
            &[
                "CREATE INDEX CONCURRENTLY e_at ON events (at)",
                "CREATE TABLE events (at date) PARTITION BY RANGE (at); CREATE INDEX e_at ON ONLY events (at)",
                "CREATE TABLE events (at date); CREATE INDEX CONCURRENTLY e_at ON events (at)",
            ],
            &[
                "CREATE TABLE events (at date) PARTITION BY RANGE (at); CREATE INDEX CONCURRENTLY e_at ON events (at)",
            ],
        );
    }

    #[test]
    fn the_plan_names_each_known_partition() {
        let sql = "CREATE TABLE events (at date) PARTITION BY RANGE (at);\n\
                   CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n\
                   CREATE INDEX CONCURRENTLY events_at_idx ON events (at);\n";
        let report = crate::lint::lint_sql(
            crate::source::SourceFile::new("t.sql", sql),
            &crate::config::Config::default(),
        );
        let finding = report
            .findings
            .iter()
            .find(|f| f.rule.id == "index-concurrently-on-partitioned-table")
            .expect("fires");
        let help = finding.advice.sql.clone().unwrap_or_default();
        assert!(
            help.contains("CREATE INDEX events_at_idx ON ONLY events USING btree (at);")
                && help.contains(
                    "CREATE INDEX CONCURRENTLY events_2024_events_at_idx ON events_2024 USING btree (at);"
                )
                && help.contains("ALTER INDEX events_at_idx ATTACH PARTITION events_2024_events_at_idx;"),
            "{help}"
        );
    }
}
