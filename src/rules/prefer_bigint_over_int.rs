//! An integer, smallint or serial primary key column: ids that can run out.

use super::column_types::{alembic_declaration, declaration};
use super::{Advice, Category, Check, Rule, Severity, StatementView, Violation};

pub static RULE: Rule = Rule {
    id: "prefer-bigint-over-int",
    severity: Severity::Info,
    default_enabled: true,
    category: Category::Design,
    summary: "an integer, smallint or serial primary key column, whose ids can run out",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    let mut found = primary_keys(input);
    found.extend(narrow_references(input));
    found
}

/// Foreign key columns narrower than the column they reference, as the schema model
/// knows it (`user_id integer REFERENCES users` where users.id is bigint): inserts fail
/// once the referenced ids pass the narrower type's limit.
fn narrow_references(input: &StatementView) -> Vec<Violation> {
    use pg_query::NodeEnum;
    use pg_query::protobuf::{ConstrType, Constraint};
    let (rv, elements): (_, Vec<&pg_query::Node>) = match input.node {
        NodeEnum::CreateStmt(s) => (s.relation.as_ref(), s.table_elts.iter().collect()),
        NodeEnum::AlterTableStmt(s) => (
            s.relation.as_ref(),
            s.cmds
                .iter()
                .filter_map(|c| match &c.node {
                    Some(NodeEnum::AlterTableCmd(c)) => c.def.as_deref(),
                    _ => None,
                })
                .collect(),
        ),
        _ => return Vec::new(),
    };
    let Some(rv) = rv else { return Vec::new() };
    // Where a referencing column is declared: underlined rather than the whole statement.
    let clause = match input.node {
        NodeEnum::CreateStmt(_) => crate::parse::ColumnClause::TableElement,
        _ => crate::parse::ColumnClause::AddColumn,
    };
    let names = |nodes: &[pg_query::Node]| -> Vec<String> {
        nodes
            .iter()
            .filter_map(|n| match &n.node {
                Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                _ => None,
            })
            .collect()
    };
    // (column, its declared type, the foreign key)
    let mut pairs: Vec<(String, Option<crate::facts::types::ColumnType>, &Constraint)> = Vec::new();
    let declared = |column: &str| {
        elements.iter().find_map(|e| match &e.node {
            Some(NodeEnum::ColumnDef(c)) if c.colname == column => c
                .type_name
                .as_ref()
                .map(crate::facts::types::ColumnType::from_type_name),
            _ => None,
        })
    };
    for element in &elements {
        match &element.node {
            Some(NodeEnum::ColumnDef(col)) => {
                for c in &col.constraints {
                    if let Some(NodeEnum::Constraint(c)) = &c.node
                        && c.contype == ConstrType::ConstrForeign as i32
                    {
                        pairs.push((col.colname.clone(), declared(&col.colname), c));
                    }
                }
            }
            Some(NodeEnum::Constraint(c)) if c.contype == ConstrType::ConstrForeign as i32 => {
                let fk = names(&c.fk_attrs);
                if let [column] = fk.as_slice() {
                    pairs.push((column.clone(), declared(column), c));
                }
            }
            _ => {}
        }
    }
    let table = crate::facts::Relation::new(Some(&rv.schemaname), &rv.relname);
    let width = |name: &str| match name {
        "int2" => Some(2),
        "int4" => Some(4),
        "int8" => Some(8),
        _ => None,
    };
    pairs
        .into_iter()
        .filter_map(|(column, ty, fk)| {
            let ty = ty.or_else(|| input.state.column_type(&table, &column))?;
            // Only an int2 or int4 column can be narrower: the others need no lookup.
            if width(&ty.name)? >= 8 || ty.array {
                return None;
            }
            let pk = fk.pktable.as_ref()?;
            let target = crate::facts::Relation::new(Some(&pk.schemaname), &pk.relname);
            let referenced = match names(&fk.pk_attrs).as_slice() {
                [one] => one.clone(),
                [] => input
                    .state
                    .catalog
                    .table(&target)?
                    .constraints
                    .iter()
                    .find(|c| c.kind == crate::schema::ConstraintKind::PrimaryKey)
                    .and_then(|c| match c.columns.as_slice() {
                        [one] => Some(one.clone()),
                        _ => None,
                    })?,
                _ => return None,
            };
            let target_type = input.state.column_type(&target, &referenced)?;
            if width(&ty.name)? >= width(&target_type.name)? {
                return None;
            }
            Some(Violation::with(
                format!(
                    "{table}.{} is {ty} but references {target}.{} which is {target_type}: inserts fail \
                     once the referenced ids outgrow {ty}",
                    crate::parse::ident::quote_ident(&column),
                    crate::parse::ident::quote_ident(&referenced),
                ),
                Advice::sql(format!(
                    "declare the referencing column as {target_type}, like the column it references"
                )),
            )
            .at_clause(input.clause(&column, clause)))
        })
        .collect()
}

fn primary_keys(input: &StatementView) -> Vec<Violation> {
    input
        .typed_columns()
        .iter()
        .filter(|c| c.primary_key && !c.column_type.array)
        .filter_map(|c| {
            let (max, serial) = match c.column_type.name.as_str() {
                "int4" => ("2147483647", false),
                "int2" => ("32767", false),
                "serial" | "serial4" => ("2147483647", true),
                "smallserial" | "serial2" => ("32767", true),
                _ => return None,
            };
            let (sql_type, sa_type) = if serial {
                (
                    "bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                    "sa.BigInteger(), sa.Identity(), primary_key=True",
                )
            } else {
                ("bigint PRIMARY KEY", "sa.BigInteger(), primary_key=True")
            };
            Some(
                Violation::with(
                    format!(
                        "primary key {} is {}: its ids run out at {max}, and widening it to bigint \
                     later rewrites the table and every table that references it",
                        c.place(),
                        c.column_type
                    ),
                    Advice::sql(format!(
                        "declare the key as bigint:\n  {}",
                        declaration(c, sql_type)
                    ))
                    .with_alembic(|| {
                        format!(
                            "declare the key as bigint:\n  {}",
                            alembic_declaration(c, sa_type)
                        )
                    }),
                )
                .at_clause(input.clause_of(c)),
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
            "prefer-bigint-over-int",
            &[
                "CREATE TABLE t (id bigint PRIMARY KEY)",
                "CREATE TABLE t (id bigserial PRIMARY KEY)",
                "CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n int)",
                "CREATE TABLE t (id uuid, n integer, PRIMARY KEY (id))",
                "ALTER TABLE t ADD COLUMN n int",
                "CREATE TABLE u (id int8 PRIMARY KEY); CREATE TABLE o (id bigint PRIMARY KEY, u_id bigint REFERENCES u)",
                "CREATE TABLE o (id bigint PRIMARY KEY, u_id int REFERENCES unknown_table)",
            ],
            &[
                "CREATE TABLE t (id int PRIMARY KEY)",
                "CREATE TABLE t (id integer, PRIMARY KEY (id))",
                "CREATE TABLE t (id serial PRIMARY KEY)",
                "CREATE TABLE t (id smallint PRIMARY KEY)",
                "CREATE TABLE t (id int4 PRIMARY KEY)",
                "CREATE TABLE t (a bigint, b int, CONSTRAINT t_pk PRIMARY KEY (a, b))",
                "ALTER TABLE t ADD COLUMN id int PRIMARY KEY",
                "CREATE TABLE u (id bigint PRIMARY KEY); CREATE TABLE o (id bigint PRIMARY KEY, u_id int REFERENCES u)",
                "CREATE TABLE u (id bigint PRIMARY KEY); CREATE TABLE o (id bigint PRIMARY KEY, u_id int, FOREIGN KEY (u_id) REFERENCES u (id))",
                "CREATE TABLE u (id bigint PRIMARY KEY); CREATE TABLE o (id bigint PRIMARY KEY); ALTER TABLE o ADD COLUMN u_id integer REFERENCES u (id)",
                // A bigserial column is an int8 (it was missed while it read as "bigserial").
                "CREATE TABLE u (id bigserial PRIMARY KEY); CREATE TABLE o (id bigint PRIMARY KEY, u_id int REFERENCES u (id))",
                "CREATE TABLE u (id bigint PRIMARY KEY); ALTER TABLE u ADD COLUMN n bigserial UNIQUE; CREATE TABLE o (id bigint PRIMARY KEY, n int REFERENCES u (n))",
            ],
        );
    }
}
