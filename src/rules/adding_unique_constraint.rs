use pg_query::NodeEnum;
use pg_query::protobuf::ConstrType;

use super::Severity;
use super::advice::{
    added_column, indented, is_not_null, python_string, schema_kwarg, split_column_constraint,
};
use super::{Advice, Category, Check, Rule, StatementView, Violation};
use crate::facts::Form;
use crate::parse::ident::quote_ident;

pub static RULE: Rule = Rule {
    id: "adding-unique-constraint",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Locking,
    summary: "ADD UNIQUE / PRIMARY KEY / EXCLUDE builds an index under AccessExclusiveLock",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::AddUnique, Form::AddPrimaryKey, Form::AddExclude])
        .map(|action| {
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            let bare_table = action.relation.as_ref().map_or("t", |r| r.name.as_str());
            let schema = schema_kwarg(action.relation.as_ref());
            let column = action.column.as_deref().unwrap_or("column");
            let kind = match action.form {
                Form::AddPrimaryKey => "PRIMARY KEY",
                Form::AddExclude => "EXCLUDE",
                _ => "UNIQUE",
            };
            let message = format!(
                "adding a {kind} constraint builds its index while holding {}",
                action.lock_phrase()
            );
            if action.form == Form::AddExclude {
                return Violation::new(
                    message,
                    "exclusion constraints cannot be added from an existing index: run this in a \
                     maintenance window, or enforce the rule in the application and build a plain \
                     index CONCURRENTLY",
                );
            }
            let suffix = if action.form == Form::AddPrimaryKey { "pkey" } else { "key" };
            let name = (action.constraint().map(str::to_string))
                .unwrap_or_else(|| format!("{bare_table}_{column}_{suffix}"));
            let bare_name = name.clone();
            let name = quote_ident(&name);
            let bare_index = format!("{bare_table}_{column}_idx");
            let index = quote_ident(&bare_index);
            let keys = constraint_keys(input, action);
            let key_list = keys.iter().map(|k| quote_ident(k)).collect::<Vec<_>>().join(", ");
            let mut steps = Vec::new();
            // A column the statement adds must exist before an index can be built on it.
            let added = added_column(input.node, action.subcommand());
            let contype = if action.form == Form::AddPrimaryKey {
                ConstrType::ConstrPrimary
            } else {
                ConstrType::ConstrUnique
            };
            let split = split_column_constraint(input.node, action.subcommand(), contype, &bare_name);
            if let Some((add_column, _)) = &split {
                steps.push(format!("{add_column};"));
            }
            // PRIMARY KEY ... USING INDEX sets its columns NOT NULL, scanning the table under
            // AccessExclusiveLock unless a validated CHECK (c IS NOT NULL) proves it (12+).
            let nullable: Vec<&String> = if action.form == Form::AddPrimaryKey {
                keys.iter()
                    .filter(|_| !added.as_ref().is_some_and(is_not_null))
                    .filter(|k| {
                        !action
                            .relation
                            .as_ref()
                            .is_some_and(|t| input.state.has_validated_not_null_check(t, k))
                    })
                    .collect()
            } else {
                Vec::new()
            };
            // The NOT NULL proof's constraint and the column, quoted, for each nullable key.
            let proofs: Vec<(String, String)> = (nullable.iter())
                .map(|key| (quote_ident(&format!("{bare_table}_{key}_not_null")), quote_ident(key)))
                .collect();
            for (check, key) in &proofs {
                steps.push(format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({key} IS NOT NULL) NOT VALID;\n\
                     ALTER TABLE {table} VALIDATE CONSTRAINT {check};  -- separate transaction; reads and writes continue\n\
                     ALTER TABLE {table} ALTER COLUMN {key} SET NOT NULL;  -- PostgreSQL 12+: the CHECK spares the scan\n\
                     ALTER TABLE {table} DROP CONSTRAINT {check};"
                ));
            }
            let attach = format!(
                "CREATE UNIQUE INDEX CONCURRENTLY {index} ON {table} ({key_list});\n\
                 ALTER TABLE {table} ADD CONSTRAINT {name} {kind} USING INDEX {index}"
            );
            steps.push(format!("{attach};"));
            let fix = steps.join("\n").trim_end_matches(';').to_string();
            let intro = if nullable.is_empty() {
                "build the unique index concurrently, then attach it (a brief lock)".to_string()
            } else {
                format!(
                    "PRIMARY KEY ... USING INDEX also sets {} NOT NULL, which scans the table under \
                     AccessExclusiveLock unless a validated CHECK proves it: prove NOT NULL first, then build \
                     the unique index concurrently and attach it (a brief lock)",
                    proofs.iter().map(|(_, key)| key.as_str()).collect::<Vec<_>>().join(", ")
                )
            };
            let advice = Advice::sql(format!("{intro}:\n  {}", indented(&steps.join("\n"))))
                .with_fix(fix, false)
                .with_alembic(|| {
                    let mut alembic = Vec::new();
                    if split.is_some() {
                        alembic.push(format!(
                            "op.add_column({}, sa.Column({}, ...){schema})  # without unique/primary_key",
                            python_string(bare_table),
                            python_string(column)
                        ));
                    }
                    for ((check, key), bare_key) in proofs.iter().zip(&nullable) {
                        alembic.push(format!(
                            "op.execute({})\n  \
                             op.execute({})  # in the next revision\n  \
                             op.alter_column({}, {}, nullable=False{schema})  # PostgreSQL 12+: no scan",
                            python_string(&format!(
                                "ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({key} IS NOT NULL) NOT VALID"
                            )),
                            python_string(&format!("ALTER TABLE {table} VALIDATE CONSTRAINT {check}")),
                            python_string(bare_table),
                            python_string(bare_key)
                        ));
                    }
                    alembic.push(format!(
                        "with op.get_context().autocommit_block():\n      \
                         op.create_index({}, {}, [{}], unique=True, postgresql_concurrently=True{schema})\n  \
                         op.execute({})",
                        python_string(&bare_index),
                        python_string(bare_table),
                        keys.iter().map(|k| python_string(k)).collect::<Vec<_>>().join(", "),
                        python_string(&format!(
                            "ALTER TABLE {table} ADD CONSTRAINT {name} {kind} USING INDEX {index}"
                        ))
                    ));
                    format!("{intro}:\n  {}", alembic.join("\n  "))
                });
            Violation::with(message, advice)
        })
        .collect()
}

/// The key columns of the constraint the action adds.
fn constraint_keys(input: &StatementView, action: &crate::facts::Action) -> Vec<String> {
    let from_node = match input.node {
        NodeEnum::AlterTableStmt(stmt) => action
            .subcommand()
            .and_then(|i| stmt.cmds.get(i))
            .and_then(|cmd| match &cmd.node {
                Some(NodeEnum::AlterTableCmd(cmd)) => cmd.def.as_deref(),
                _ => None,
            })
            .and_then(|def| match &def.node {
                Some(NodeEnum::Constraint(c)) => Some(
                    c.keys
                        .iter()
                        .filter_map(|k| match &k.node {
                            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            }),
        _ => None,
    };
    from_node
        .filter(|keys| !keys.is_empty())
        .unwrap_or_else(|| vec![action.column.clone().unwrap_or_else(|| "column".into())])
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::assert_cases;

    #[test]
    fn cases() {
        assert_cases(
            "adding-unique-constraint",
            &[
                "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx",
                "ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_id_idx",
                "CREATE TABLE users (email text); ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)",
            ],
            &[
                "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)",
                "ALTER TABLE users ADD PRIMARY KEY (id)",
                "ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&)",
                "ALTER TABLE users ADD COLUMN handle text UNIQUE",
            ],
        );
    }
}
