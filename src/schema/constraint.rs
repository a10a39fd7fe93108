//! Replaying a constraint into the catalog: its definition as PostgreSQL prints it, the
//! name it chooses when none is given, the index a primary key, unique or exclusion
//! constraint builds, and the NOT NULL a primary key or a NOT NULL check implies.

use pg_query::protobuf::{ConstrType, Constraint as PgConstraint};
use pg_query::{Node, NodeEnum};
use std::sync::Arc;

use super::expr::{expr_sql, index_elem};
use super::keys::{has_index, relation_exists, strings};
use super::names::{choose, columns_part};
use super::{Catalog, Constraint, ConstraintKind, Key, Table};
use crate::parse::ident::quote_ident as quote;

/// Replays a constraint of the table `key` (a column's, `column`, or the table's).
pub(super) fn add_constraint(
    catalog: &mut Catalog,
    key: &Key,
    c: &PgConstraint,
    column: Option<&str>,
) {
    let Some(table) = catalog.tables.get(key) else {
        return;
    };
    let keys = |nodes: &[Node]| -> Vec<String> {
        let listed = strings(nodes);
        if listed.is_empty() {
            column.map(str::to_string).into_iter().collect()
        } else {
            listed
        }
    };
    // PostgreSQL 18's table constraint `CONSTRAINT n NOT NULL col`: nullability is kept
    // on the column.
    if c.contype == ConstrType::ConstrNotnull as i32 {
        let columns = keys(&c.keys);
        if let Some(table) = catalog.tables.get_mut(key).map(Arc::make_mut) {
            set_not_null(table, &columns);
        }
        return;
    }
    let validated = !c.skip_validation;
    let (kind, columns, definition, references, suffix) = match ConstrType::try_from(c.contype) {
        Ok(ConstrType::ConstrPrimary | ConstrType::ConstrUnique) if !c.indexname.is_empty() => {
            // ADD CONSTRAINT ... USING INDEX: the index becomes the constraint's, renamed.
            let index_key = (key.0.clone(), c.indexname.as_str().into());
            let Some(index) = catalog.indexes.remove(&index_key) else {
                return;
            };
            let primary = c.contype == ConstrType::ConstrPrimary as i32;
            let name = if c.conname.is_empty() {
                c.indexname.clone()
            } else {
                c.conname.clone()
            };
            let word = if primary { "PRIMARY KEY" } else { "UNIQUE" };
            let table = catalog
                .tables
                .get_mut(key)
                .map(Arc::make_mut)
                .expect("checked above");
            if primary {
                set_not_null(table, &index.columns);
            }
            let constraint = Constraint {
                name,
                kind: if primary {
                    ConstraintKind::PrimaryKey
                } else {
                    ConstraintKind::Unique
                },
                definition: format!("{word} ({})", column_list(&index.columns)),
                columns: index.columns.iter().map(|c| c.to_string()).collect(),
                validated: true,
                references: None,
                not_null_of: None,
            };
            catalog.hints.constraint(key, &constraint);
            table.constraints.push(Arc::new(constraint));
            return;
        }
        Ok(ConstrType::ConstrPrimary) => {
            let columns = keys(&c.keys);
            let def = format!("PRIMARY KEY ({})", column_list(&columns));
            (ConstraintKind::PrimaryKey, columns, def, None, "pkey")
        }
        Ok(ConstrType::ConstrUnique) => {
            let columns = keys(&c.keys);
            let nulls = if c.nulls_not_distinct {
                " NULLS NOT DISTINCT"
            } else {
                ""
            };
            let def = format!("UNIQUE{nulls} ({})", column_list(&columns));
            (ConstraintKind::Unique, columns, def, None, "key")
        }
        Ok(ConstrType::ConstrForeign) => {
            let columns = keys(&c.fk_attrs);
            let Some(pk) = &c.pktable else { return };
            let target = catalog.rel_key(pk);
            let mut referenced = strings(&c.pk_attrs);
            if referenced.is_empty() {
                // REFERENCES t: the referenced table's primary key.
                referenced = catalog
                    .tables
                    .get(&target)
                    .and_then(|t| {
                        t.constraints
                            .iter()
                            .find(|c| c.kind == ConstraintKind::PrimaryKey)
                    })
                    .map(|c| c.columns.clone())
                    .unwrap_or_default();
            }
            let mut def = format!(
                "FOREIGN KEY ({}) REFERENCES {}",
                column_list(&columns),
                super::ddl::qualified(&target)
            );
            if !referenced.is_empty() {
                def.push_str(&format!("({})", column_list(&referenced)));
            }
            for (action, word) in [(&c.fk_upd_action, "UPDATE"), (&c.fk_del_action, "DELETE")] {
                let what = match action.as_str() {
                    "r" => "RESTRICT",
                    "c" => "CASCADE",
                    "n" => "SET NULL",
                    "d" => "SET DEFAULT",
                    _ => continue,
                };
                def.push_str(&format!(" ON {word} {what}"));
            }
            (
                ConstraintKind::ForeignKey,
                columns,
                def,
                Some(target),
                "fkey",
            )
        }
        Ok(ConstrType::ConstrCheck) => {
            let Some(expr) = c.raw_expr.as_deref() else {
                return;
            };
            let first = first_column(expr).or_else(|| column.map(str::to_string));
            let def = format!("CHECK ({})", expr_sql(expr));
            (
                ConstraintKind::Check,
                first.into_iter().collect(),
                def,
                None,
                "check",
            )
        }
        Ok(ConstrType::ConstrExclusion) => {
            let mut columns = Vec::new();
            let mut elements = Vec::new();
            for pair in &c.exclusions {
                let Some(NodeEnum::List(pair)) = &pair.node else {
                    continue;
                };
                let (Some(Some(NodeEnum::IndexElem(elem))), Some(op)) = (
                    pair.items.first().map(|n| n.node.as_ref()),
                    pair.items.get(1),
                ) else {
                    continue;
                };
                let ops = match &op.node {
                    Some(NodeEnum::List(l)) => strings(&l.items).join("."),
                    _ => String::new(),
                };
                let (sql, name) = index_elem(elem);
                columns.push(name);
                elements.push(format!("{sql} WITH {ops}"));
            }
            let method = if c.access_method.is_empty() {
                "gist"
            } else {
                &c.access_method
            };
            let mut def = format!("EXCLUDE USING {method} ({})", elements.join(", "));
            if let Some(w) = c.where_clause.as_deref() {
                def.push_str(&format!(" WHERE ({})", expr_sql(w)));
            }
            (ConstraintKind::Exclusion, columns, def, None, "excl")
        }
        _ => return,
    };
    let name = if c.conname.is_empty() {
        let part = match kind {
            ConstraintKind::PrimaryKey => None,
            ConstraintKind::Check if columns.is_empty() => None,
            ConstraintKind::Check => columns.first().cloned(),
            _ => Some(columns_part(&columns)),
        };
        let taken = |n: &str| {
            table.constraints.iter().any(|c| c.name == n)
                || (has_index(kind) && relation_exists(catalog, &(key.0.clone(), n.into())))
        };
        choose(&key.1, part.as_deref(), suffix, taken)
    } else {
        c.conname.clone()
    };
    let not_null_of = match kind {
        ConstraintKind::Check => c.raw_expr.as_deref().and_then(not_null_test),
        _ => None,
    };
    let table = catalog
        .tables
        .get_mut(key)
        .map(Arc::make_mut)
        .expect("checked above");
    if kind == ConstraintKind::PrimaryKey {
        set_not_null(table, &columns);
    }
    let constraint = Constraint {
        name,
        kind,
        columns,
        definition,
        validated,
        references: references.map(Box::new),
        not_null_of,
    };
    catalog.hints.constraint(key, &constraint);
    table.constraints.push(Arc::new(constraint));
}

fn column_list(columns: &[impl AsRef<str>]) -> String {
    columns
        .iter()
        .map(|c| quote(c.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn set_not_null(table: &mut Table, columns: &[impl AsRef<str>]) {
    for column in &mut table.columns {
        if columns.iter().any(|c| c.as_ref() == column.name) {
            Arc::make_mut(column).not_null = true;
        }
    }
}

/// The first column an expression refers to (what PostgreSQL names a CHECK after).
fn first_column(node: &Node) -> Option<String> {
    let node = node.node.as_ref()?;
    node.nodes().into_iter().find_map(|(n, ..)| match n {
        pg_query::NodeRef::ColumnRef(c) => strings(&c.fields).pop(),
        _ => None,
    })
}

/// The column `CHECK (col IS NOT NULL)` proves NOT NULL (also inside an AND).
fn not_null_test(node: &Node) -> Option<String> {
    use pg_query::protobuf::{BoolExprType, NullTestType};
    match node.node.as_ref()? {
        NodeEnum::NullTest(t) if t.nulltesttype == NullTestType::IsNotNull as i32 => {
            match t.arg.as_deref()?.node.as_ref()? {
                NodeEnum::ColumnRef(c) => strings(&c.fields).pop(),
                _ => None,
            }
        }
        NodeEnum::BoolExpr(b) if b.boolop == BoolExprType::AndExpr as i32 => {
            b.args.iter().find_map(not_null_test)
        }
        _ => None,
    }
}
