//! `CREATE` / `DROP` / `ADD COLUMN` / `DROP COLUMN` / `DROP CONSTRAINT` without
//! `IF NOT EXISTS` / `IF EXISTS` where the migration runs outside a transaction: a run that
//! fails part way leaves the earlier statements applied, and running it again fails on
//! them.

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, ObjectType, RangeVar};

use super::{Advice, Category, Check, Rule, Severity, StatementView, Violation, deparse_with};
use crate::facts::Relation;

pub static RULE: Rule = Rule {
    id: "prefer-robust-statements",
    severity: Severity::Warning,
    default_enabled: false,
    category: Category::Transaction,
    summary: "CREATE/DROP (and ADD/DROP COLUMN, DROP CONSTRAINT) without IF NOT EXISTS/IF EXISTS outside a transaction, so a retry after a partial failure fails",
    check: Check::Statement(check),
};

/// What a statement lacks: the clause, what it does, and whether the object would then
/// already exist (`true`) or be gone (`false`) on a retry.
struct Missing {
    what: String,
    clause: &'static str,
    exists_on_retry: bool,
}

fn check(input: &StatementView) -> Vec<Violation> {
    // In a transaction a failure rolls everything back, so a retry starts clean.
    if input.state.in_transaction {
        return Vec::new();
    }
    let is_new = |rv: &Option<RangeVar>| {
        rv.as_ref().is_some_and(|rv| {
            input
                .state
                .is_new(&Relation::new(Some(&rv.schemaname), &rv.relname))
        })
    };
    let mut missing = Vec::new();
    match input.node {
        NodeEnum::CreateStmt(stmt) if !stmt.if_not_exists => {
            let temp = stmt
                .relation
                .as_ref()
                .is_some_and(|r| r.relpersistence == "t");
            if !temp {
                missing.push(create(format!("create table {}", name(&stmt.relation))));
            }
        }
        // CREATE INDEX CONCURRENTLY is concurrent-index-without-if-not-exists's: its fix
        // must drop an INVALID index first.
        NodeEnum::IndexStmt(stmt)
            if !stmt.if_not_exists && !stmt.concurrent && !is_new(&stmt.relation) =>
        {
            missing.push(create(format!("create index on {}", name(&stmt.relation))));
        }
        NodeEnum::CreateSeqStmt(stmt) if !stmt.if_not_exists => {
            missing.push(create(format!("create sequence {}", name(&stmt.sequence))));
        }
        NodeEnum::CreateSchemaStmt(stmt) if !stmt.if_not_exists => {
            missing.push(create(format!("create schema {}", stmt.schemaname)));
        }
        NodeEnum::CreateExtensionStmt(stmt) if !stmt.if_not_exists => {
            missing.push(create(format!("create extension {}", stmt.extname)));
        }
        NodeEnum::CreateTableAsStmt(stmt) if !stmt.if_not_exists => {
            let target = stmt.into.as_ref().and_then(|i| i.rel.clone());
            missing.push(create(format!("create table {} as", name(&target))));
        }
        NodeEnum::DropStmt(stmt) if !stmt.missing_ok => {
            missing.push(Missing {
                what: format!(
                    "drop {} {}",
                    object_kind(stmt.remove_type()),
                    stmt.objects
                        .iter()
                        .map(object_name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                clause: "IF EXISTS",
                exists_on_retry: false,
            });
        }
        NodeEnum::AlterTableStmt(stmt) if !is_new(&stmt.relation) => {
            for cmd in &stmt.cmds {
                let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node else {
                    continue;
                };
                if cmd.missing_ok {
                    continue;
                }
                let column = || match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
                    Some(NodeEnum::ColumnDef(col)) => col.colname.clone(),
                    _ => cmd.name.clone(),
                };
                match cmd.subtype() {
                    AlterTableType::AtAddColumn => {
                        missing.push(create(format!("add column {}", column())));
                    }
                    AlterTableType::AtDropColumn => missing.push(Missing {
                        what: format!("drop column {}", cmd.name),
                        clause: "IF EXISTS",
                        exists_on_retry: false,
                    }),
                    AlterTableType::AtDropConstraint => missing.push(Missing {
                        what: format!("drop constraint {}", cmd.name),
                        clause: "IF EXISTS",
                        exists_on_retry: false,
                    }),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    if missing.is_empty() {
        return Vec::new();
    }
    let robust = robust_sql(input.node);
    let mut advice = Advice::sql(format!(
        "make it safe to run again:\n  {};",
        robust
            .as_deref()
            .unwrap_or("-- add IF NOT EXISTS / IF EXISTS")
    ))
    .with_alembic(|| {
        "pass if_not_exists=True / if_exists=True to the op call where it takes one \
         (create_table, create_index, add_column, drop_table, drop_index, drop_column), \
         or op.execute() the SQL with IF NOT EXISTS / IF EXISTS"
    });
    if let Some(robust) = robust {
        advice = advice.with_fix(robust, false);
    }
    missing
        .into_iter()
        .map(|m| {
            let why = if m.exists_on_retry {
                "already exists"
            } else {
                "is already gone"
            };
            Violation::with(
                format!(
                    "{} without {} runs outside a transaction: if the migration fails after it, running it again fails here because the object {why}",
                    m.what, m.clause
                ),
                advice.clone(),
            )
        })
        .collect()
}

fn create(what: String) -> Missing {
    Missing {
        what,
        clause: "IF NOT EXISTS",
        exists_on_retry: true,
    }
}

fn name(rv: &Option<RangeVar>) -> String {
    rv.as_ref()
        .map(|rv| Relation::new(Some(&rv.schemaname), &rv.relname).to_string())
        .unwrap_or_default()
}

fn object_kind(kind: ObjectType) -> String {
    match kind {
        ObjectType::ObjectMatview => "materialized view".into(),
        ObjectType::ObjectForeignTable => "foreign table".into(),
        ObjectType::ObjectTsconfiguration => "text search configuration".into(),
        other => format!("{other:?}")
            .trim_start_matches("Object")
            .to_lowercase(),
    }
}

/// A dropped object's name as written (`app.users`), from its list of name parts.
fn object_name(object: &pg_query::protobuf::Node) -> String {
    let part = |n: &pg_query::protobuf::Node| match &n.node {
        Some(NodeEnum::String(s)) => Some(s.sval.clone()),
        _ => None,
    };
    match &object.node {
        Some(NodeEnum::List(list)) => list
            .items
            .iter()
            .filter_map(part)
            .collect::<Vec<_>>()
            .join("."),
        Some(NodeEnum::TypeName(ty)) => ty
            .names
            .iter()
            .filter_map(part)
            .collect::<Vec<_>>()
            .join("."),
        Some(NodeEnum::ObjectWithArgs(f)) => f
            .objname
            .iter()
            .filter_map(part)
            .collect::<Vec<_>>()
            .join("."),
        _ => part(object).unwrap_or_default(),
    }
}

/// The statement with every missing `IF [NOT] EXISTS` added (`None` when the deparser
/// cannot print it, or an unnamed index, which `IF NOT EXISTS` needs a name for).
fn robust_sql(node: &NodeEnum) -> Option<String> {
    if let NodeEnum::IndexStmt(stmt) = node
        && stmt.idxname.is_empty()
    {
        return None;
    }
    deparse_with(node, |node| match node {
        NodeEnum::CreateStmt(s) => s.if_not_exists = true,
        NodeEnum::IndexStmt(s) => s.if_not_exists = true,
        NodeEnum::CreateSeqStmt(s) => s.if_not_exists = true,
        NodeEnum::CreateSchemaStmt(s) => s.if_not_exists = true,
        NodeEnum::CreateExtensionStmt(s) => s.if_not_exists = true,
        NodeEnum::CreateTableAsStmt(s) => s.if_not_exists = true,
        NodeEnum::DropStmt(s) => s.missing_ok = true,
        NodeEnum::AlterTableStmt(s) => {
            for cmd in &mut s.cmds {
                if let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_mut()
                    && matches!(
                        cmd.subtype(),
                        AlterTableType::AtAddColumn
                            | AlterTableType::AtDropColumn
                            | AlterTableType::AtDropConstraint
                    )
                {
                    cmd.missing_ok = true;
                }
            }
        }
        _ => {}
    })
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::cases::{assert_cases, fired_with};

    const ID: &str = "prefer-robust-statements";

    #[test]
    fn cases() {
        assert_cases(
            ID,
            &[
                "CREATE TABLE IF NOT EXISTS t (id bigint)",
                "CREATE TEMP TABLE scratch (id int)",
                "CREATE INDEX IF NOT EXISTS users_email ON users (email)",
                "DROP TABLE IF EXISTS t",
                "DROP INDEX CONCURRENTLY IF EXISTS users_email",
                "ALTER TABLE users ADD COLUMN IF NOT EXISTS age int",
                "ALTER TABLE users DROP COLUMN IF EXISTS age, DROP CONSTRAINT IF EXISTS c",
                "CREATE EXTENSION IF NOT EXISTS pgcrypto",
                // In a transaction a failure rolls back everything.
                "BEGIN; CREATE TABLE t (id int); DROP TABLE old; COMMIT",
                // Reported by concurrent-index-without-if-not-exists.
                "CREATE INDEX CONCURRENTLY users_email ON users (email)",
                // Changes no IF [NOT] EXISTS applies to.
                "ALTER TABLE users ALTER COLUMN age SET DEFAULT 0",
                "UPDATE users SET age = 0 WHERE age IS NULL",
            ],
            &[
                "CREATE TABLE t (id bigint)",
                "CREATE INDEX users_email ON users (email)",
                "DROP TABLE t",
                "DROP INDEX CONCURRENTLY users_email",
                "DROP TYPE mood",
                "ALTER TABLE users ADD COLUMN age int",
                "ALTER TABLE users DROP COLUMN age",
                "ALTER TABLE users DROP CONSTRAINT users_age_check",
                "CREATE SEQUENCE s",
                "CREATE SCHEMA app",
                "CREATE EXTENSION pgcrypto",
                "CREATE TABLE t2 AS SELECT 1 AS x",
                "BEGIN; SELECT 1; COMMIT; CREATE TABLE t (id int)",
            ],
        );
    }

    #[test]
    fn off_by_default_and_silent_in_an_assumed_transaction() {
        assert!(!fired_with("CREATE TABLE t (id int)", &Config::default()).contains(&ID));
        let rule = crate::rules::find(ID).unwrap();
        let assumed = Config {
            assume_in_transaction: true,
            ..Config::default()
        }
        .enabling(rule);
        assert!(!fired_with("CREATE TABLE t (id int)", &assumed).contains(&ID));
    }

    #[test]
    fn one_finding_per_missing_clause_and_the_fix_adds_them() {
        let sql = "ALTER TABLE users ADD COLUMN a int, DROP COLUMN b";
        let config = Config::default().enabling(crate::rules::find(ID).unwrap());
        let report = crate::lint::lint_sql(crate::source::SourceFile::new("t.sql", sql), &config);
        let ours: Vec<_> = report.findings.iter().filter(|f| f.rule.id == ID).collect();
        assert_eq!(ours.len(), 2, "{ours:?}");
        assert!(
            ours[0]
                .message
                .starts_with("add column a without IF NOT EXISTS")
        );
        assert!(
            ours[1]
                .message
                .starts_with("drop column b without IF EXISTS")
        );
        let report = crate::lint::lint_sql(
            crate::source::SourceFile::new("t.sql", "DROP TYPE app.mood, color"),
            &config,
        );
        assert_eq!(
            report.findings[0].message,
            "drop type app.mood, color without IF EXISTS runs outside a transaction: if the migration fails after it, running it again fails here because the object is already gone"
        );
        let fix = ours[0].advice.fix.as_ref().unwrap();
        assert_eq!(
            fix.replacement,
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS a int, DROP IF EXISTS b"
        );
    }
}
