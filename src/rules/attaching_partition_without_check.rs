//! ATTACH PARTITION of an existing table without a validated CHECK constraint that lets
//! PostgreSQL skip the scan of the partition.

use pg_query::{NodeEnum, NodeRef};

use pg_query::protobuf::{AlterTableStmt, AlterTableType, CreateStmt};

use super::advice::{indented, python_string};
use super::{
    Advice, Category, Check, CheckedStatement, FileView, Rule, Severity, Summary, Violation,
};
use crate::facts::{Action, Facts, Form, Relation, RelationLock};
use crate::parse::ident::quote_ident;

pub static RULE: Rule = Rule {
    id: "attaching-partition-without-check",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Locking,
    summary: "ATTACH PARTITION scans the partition under lock unless a validated CHECK constraint on its key columns was added earlier in the migration",
    check: Check::File(check),
};

fn check(input: &FileView) -> Vec<Violation> {
    let mut out = Vec::new();
    for (i, statement) in input.statements().enumerate() {
        for attach in attaches(statement.facts) {
            let (Some(parent), Some(partition)) = (&attach.relation, &attach.other) else {
                continue;
            };
            // A partition created in this migration is empty: its scan costs nothing.
            let Some(mode) = statement.lock_on_existing(partition) else {
                continue;
            };
            let keys = partition_keys(input.statements().take(i), parent);
            if has_validated_check(input, i, partition, &keys) {
                continue;
            }
            out.push(violation(&statement, attach, partition, mode, &keys).at_statement(i));
        }
    }
    out
}

/// The attaches of a statement that scan the partition: the only statements this check
/// flags ([`super::file_checks_may_flag`]).
fn attaches(facts: &Facts) -> impl Iterator<Item = &Action> {
    (facts.actions.iter()).filter(|a| a.form == Form::AttachPartition && a.scans)
}

pub(super) fn may_flag(facts: &Facts) -> bool {
    attaches(facts).next().is_some()
}

fn violation(
    statement: &CheckedStatement,
    attach: &Action,
    partition: &Relation,
    mode: crate::facts::LockMode,
    keys: &[String],
) -> Violation {
    let held = RelationLock {
        relation: partition.clone(),
        mode,
    };
    let name = quote_ident(&format!("{}_partition_bound", partition.name));
    let condition = if keys.is_empty() {
        "<key column> IS NOT NULL AND <the partition bound>".to_string()
    } else {
        keys.iter()
            .map(|k| format!("{} IS NOT NULL", quote_ident(k)))
            .chain(std::iter::once("<the partition bound>".to_string()))
            .collect::<Vec<_>>()
            .join(" AND ")
    };
    let steps = [
        format!("ALTER TABLE {partition} ADD CONSTRAINT {name} CHECK ({condition}) NOT VALID;"),
        format!("ALTER TABLE {partition} VALIDATE CONSTRAINT {name};"),
        format!("{};", statement.sql.trim()),
        format!("ALTER TABLE {partition} DROP CONSTRAINT {name};"),
    ];
    Violation::with(
        format!(
            "ATTACH PARTITION scans every row of {partition} to check the partition bound while \
             holding {held} and {} for the whole scan; no validated CHECK constraint on the \
             partition's key columns was added before it that would let PostgreSQL skip the scan",
            attach.lock_phrase()
        ),
        Advice::sql(format!(
            "first add a CHECK constraint matching the partition bound, NOT VALID, and validate it \
             (ShareUpdateExclusiveLock: reads and writes continue), in transactions of their own; \
             the attach then skips the scan:\n  {}",
            indented(&steps.join("\n"))
        ))
        .with_fix(steps.join("\n"), true)
        .with_alembic(|| format!(
            "first add a CHECK constraint matching the partition bound, NOT VALID, and validate it \
             outside the migration's transaction:\n  {}\n  \
             with op.get_context().autocommit_block():\n      op.execute({})\n  \
             op.execute({})",
            format_args!(
                "op.execute({})",
                python_string(steps[0].trim_end_matches(';'))
            ),
            python_string(steps[1].trim_end_matches(';')),
            python_string(steps[2].trim_end_matches(';'))
        )),
    )
}

/// The partition key columns of `parent`, when an earlier statement created it.
fn partition_keys<'a>(
    earlier: impl Iterator<Item = CheckedStatement<'a>>,
    parent: &Relation,
) -> Vec<String> {
    earlier
        .filter_map(|s| match s.summary {
            Summary::PartitionedTable(table) if table.0.same(parent) => Some(&table.1),
            _ => None,
        })
        .flatten()
        .cloned()
        .collect()
}

/// A partitioned table's name and partition key columns ([`Summary`]).
pub(super) fn partition_keys_of(stmt: &CreateStmt) -> Option<(Relation, Vec<String>)> {
    let rv = stmt.relation.as_ref()?;
    let spec = stmt.partspec.as_ref()?;
    let keys = spec
        .part_params
        .iter()
        .flat_map(|param| match &param.node {
            Some(NodeEnum::PartitionElem(elem)) if !elem.name.is_empty() => vec![elem.name.clone()],
            Some(NodeEnum::PartitionElem(elem)) => elem
                .expr
                .as_ref()
                .and_then(|e| e.node.as_ref())
                .map(columns)
                .unwrap_or_default(),
            _ => Vec::new(),
        })
        .collect();
    Some((Relation::new(Some(&rv.schemaname), &rv.relname), keys))
}

/// A CHECK constraint on `partition`, validated before the attach (added without NOT VALID,
/// or NOT VALID and then validated), that names every key column (any CHECK, when the keys
/// are not known from this migration).
fn has_validated_check(
    input: &FileView,
    attach_at: usize,
    partition: &Relation,
    keys: &[String],
) -> bool {
    let on_partition = |a: &&Action| a.relation.as_ref().is_some_and(|r| r.same(partition));
    let covers = |s: &CheckedStatement, a: &Action| {
        let named = check_columns(s, a);
        keys.iter().all(|k| named.contains(k))
    };
    let validated_in = |statements: std::ops::Range<usize>, name: &str| {
        statements.into_iter().any(|k| {
            let later = input.statement(k).facts;
            (later.actions.iter().filter(on_partition))
                .any(|v| v.form == Form::ValidateConstraint && v.constraint() == Some(name))
        })
    };
    (0..attach_at).any(|j| {
        let s = input.statement(j);
        s.facts
            .actions
            .iter()
            .filter(on_partition)
            .any(|a| match a.form {
                Form::AddCheck => covers(&s, a),
                Form::AddCheckNotValid => {
                    covers(&s, a)
                        && (a.constraint()).is_some_and(|name| validated_in(j + 1..attach_at, name))
                }
                _ => false,
            })
    })
}

/// The columns a CHECK constraint's expression names.
fn check_columns(statement: &CheckedStatement, action: &Action) -> Vec<String> {
    match statement.summary {
        Summary::AlterTable(checks) => checks
            .iter()
            .find(|(i, _)| Some(*i) == action.subcommand())
            .map(|(_, columns)| columns.clone())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Whether the check reads an ALTER TABLE after the walk besides its CHECK constraints:
/// an attach, or a validation that makes an earlier CHECK count.
pub(super) fn reads_later(stmt: &AlterTableStmt) -> bool {
    stmt.cmds.iter().any(|cmd| match cmd.node.as_ref() {
        Some(NodeEnum::AlterTableCmd(cmd)) => matches!(
            AlterTableType::try_from(cmd.subtype),
            Ok(AlterTableType::AtAttachPartition | AlterTableType::AtValidateConstraint)
        ),
        _ => false,
    })
}

/// For each subcommand of an ALTER TABLE that adds a constraint with an expression: the
/// columns the expression names ([`Summary`]).
pub(super) fn check_columns_of(stmt: &AlterTableStmt) -> Vec<(usize, Vec<String>)> {
    stmt.cmds
        .iter()
        .enumerate()
        .filter_map(|(i, cmd)| {
            let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() else {
                return None;
            };
            match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
                Some(NodeEnum::Constraint(c)) => {
                    let expr = c.raw_expr.as_deref().and_then(|e| e.node.as_ref())?;
                    Some((i, columns(expr)))
                }
                _ => None,
            }
        })
        .collect()
}

fn columns(expr: &NodeEnum) -> Vec<String> {
    expr.nodes()
        .into_iter()
        .filter_map(|(node, ..)| match node {
            NodeRef::ColumnRef(col) => col.fields.iter().rev().find_map(|f| match &f.node {
                Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                _ => None,
            }),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::assert_cases;

    const ID: &str = "attaching-partition-without-check";
    const ATTACH: &str = "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')";

    #[test]
    fn cases() {
        let validated = format!(
            "ALTER TABLE events_2024 ADD CONSTRAINT b CHECK (at IS NOT NULL AND at >= '2024-01-01' \
             AND at < '2025-01-01') NOT VALID; ALTER TABLE events_2024 VALIDATE CONSTRAINT b; {ATTACH}"
        );
        let checked = format!(
            "ALTER TABLE events_2024 ADD CONSTRAINT b CHECK (at >= '2024-01-01' AND at < '2025-01-01'); {ATTACH}"
        );
        let keyed = |check: &str| {
            format!(
                "CREATE TABLE events (id int, at date, kind text) PARTITION BY RANGE (at); \
                 ALTER TABLE events_2024 ADD CONSTRAINT b CHECK ({check}); {ATTACH}"
            )
        };
        let not_validated = format!(
            "ALTER TABLE events_2024 ADD CONSTRAINT b CHECK (at >= '2024-01-01') NOT VALID; {ATTACH}"
        );
        let new_partition = format!("CREATE TABLE events_2024 (id int, at date); {ATTACH}");
        assert_cases(
            ID,
            &[
                &validated,
                &checked,
                &keyed("at >= '2024-01-01' AND at < '2025-01-01'"),
                &new_partition,
                "ALTER TABLE events DETACH PARTITION events_2023",
            ],
            &[
                ATTACH,
                &not_validated,
                // A check on another column than the key.
                &keyed("kind <> ''"),
                "ALTER TABLE app.events ATTACH PARTITION app.events_default DEFAULT",
            ],
        );
    }
}
