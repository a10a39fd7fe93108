//! Replaying one statement into the catalog. Each handler follows what PostgreSQL does to
//! its own catalog for the statement (default names, NOT NULL implied by PRIMARY KEY,
//! serial columns as sequences, indexes and constraints dropped with their column).

use pg_query::protobuf::{
    AlterTableType, ColumnDef, ConstrType, Constraint as PgConstraint, ObjectType, RangeVar,
};
use pg_query::{Node, NodeEnum};
use std::sync::Arc;

use super::constraint::add_constraint;
use super::expr::{expr_sql, index_elem};
use super::keys::{relation_exists, strings};
use super::names::{choose, columns_part};
use super::rename_drop::{self, rename_in};
use super::{Catalog, Column, Index, Key, Replayed, Sequence, Table, View};
use crate::facts::types::ColumnType;
use crate::parse::deparse;

pub fn apply(catalog: &mut Catalog, node: &NodeEnum) -> Replayed {
    match node {
        NodeEnum::CreateSchemaStmt(s) => {
            if !catalog.schemas.contains(&s.schemaname) {
                Arc::make_mut(&mut catalog.schemas).insert(s.schemaname.clone());
            }
        }
        NodeEnum::CreateStmt(s) => create_table(catalog, s),
        NodeEnum::AlterTableStmt(s) => {
            let Some(rv) = &s.relation else {
                return Replayed::Opaque;
            };
            let key = catalog.rel_key(rv);
            for cmd in &s.cmds {
                if let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node {
                    alter_table(catalog, &key, cmd);
                }
            }
        }
        NodeEnum::RenameStmt(s) => rename_drop::rename(catalog, s),
        NodeEnum::DropStmt(s) => rename_drop::drop(catalog, s),
        NodeEnum::IndexStmt(s) => create_index(catalog, s),
        NodeEnum::CreateEnumStmt(s) => {
            if let Some(key) = catalog.new_list_key(&s.type_name) {
                catalog.gone.remove(&key);
                let values = s
                    .vals
                    .iter()
                    .filter_map(|v| match &v.node {
                        Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                        _ => None,
                    })
                    .collect();
                catalog.hints.name(&key);
                catalog.enums.entry(key).or_insert(values);
            }
        }
        NodeEnum::AlterEnumStmt(s) => alter_enum(catalog, s),
        NodeEnum::CreateSeqStmt(s) => {
            let Some(rv) = &s.sequence else {
                return Replayed::Opaque;
            };
            let key = catalog.new_rel_key(rv);
            catalog.gone.remove(&key);
            let mut sequence = Sequence::default();
            sequence_options(catalog, &mut sequence, &s.options);
            catalog.hints.sequence(&key, &sequence);
            catalog.sequences.entry(key).or_insert(Arc::new(sequence));
        }
        NodeEnum::AlterSeqStmt(s) => {
            let Some(rv) = &s.sequence else {
                return Replayed::Opaque;
            };
            let key = catalog.rel_key(rv);
            if let Some(sequence) = catalog.sequences.get(&key) {
                let mut sequence = Sequence::clone(sequence);
                sequence_options(catalog, &mut sequence, &s.options);
                catalog.hints.sequence(&key, &sequence);
                catalog.sequences.insert(key, Arc::new(sequence));
            }
        }
        NodeEnum::ViewStmt(s) => {
            let (Some(rv), Some(query)) = (&s.view, &s.query) else {
                return Replayed::Opaque;
            };
            let definition = query
                .node
                .as_ref()
                .and_then(|q| deparse(q.clone()))
                .unwrap_or_default();
            let key = catalog.new_rel_key(rv);
            catalog.gone.remove(&key);
            catalog.hints.name(&key);
            catalog.views.insert(
                key,
                View {
                    definition,
                    materialized: false,
                },
            );
        }
        NodeEnum::CreateTableAsStmt(s) if s.objtype == ObjectType::ObjectMatview as i32 => {
            let (Some(into), Some(query)) = (&s.into, &s.query) else {
                return Replayed::Opaque;
            };
            let Some(rv) = &into.rel else {
                return Replayed::Opaque;
            };
            let definition = query
                .node
                .as_ref()
                .and_then(|q| deparse(q.clone()))
                .unwrap_or_default();
            let key = catalog.new_rel_key(rv);
            catalog.gone.remove(&key);
            catalog.hints.name(&key);
            catalog.views.entry(key).or_insert(View {
                definition,
                materialized: true,
            });
        }
        NodeEnum::VariableSetStmt(s) => {
            catalog.set(s);
            return Replayed::Control;
        }
        NodeEnum::TransactionStmt(_) | NodeEnum::VariableShowStmt(_) | NodeEnum::CommentStmt(_) => {
            return Replayed::Control;
        }
        _ => return Replayed::Opaque,
    }
    Replayed::Modelled
}

/// The options of CREATE or ALTER SEQUENCE, `OWNED BY` found in `catalog`.
fn sequence_options(catalog: &Catalog, sequence: &mut Sequence, options: &[Node]) {
    for option in options {
        let Some(NodeEnum::DefElem(d)) = &option.node else {
            continue;
        };
        let arg = d.arg.as_deref().and_then(|a| a.node.as_ref());
        match (d.defname.as_str(), arg) {
            ("as", Some(NodeEnum::TypeName(t))) => {
                sequence.data_type = Some(super::ddl::type_sql(&ColumnType::from_type_name(t)))
            }
            ("owned_by", Some(NodeEnum::List(l))) => {
                let parts = strings(&l.items);
                sequence.owned_by = match parts.as_slice() {
                    [table, column] => Some((catalog.found("", table), column.clone())),
                    [schema, table, column] => {
                        Some(((schema.into(), table.into()), column.clone()))
                    }
                    _ => None,
                };
            }
            _ => {}
        }
    }
}

fn create_table(catalog: &mut Catalog, s: &pg_query::protobuf::CreateStmt) {
    let Some(rv) = &s.relation else { return };
    let key = catalog.new_rel_key(rv);
    if catalog.tables.contains_key(&key) {
        return; // IF NOT EXISTS, or an error in PostgreSQL: either way nothing changes
    }
    catalog.gone.remove(&key);
    let mut table = Table::default();
    // Only a partitioned table or a partition needs its clauses as SQL.
    let deparsed = if s.partspec.is_some() || s.partbound.is_some() {
        deparse(NodeEnum::CreateStmt(s.clone())).unwrap_or_default()
    } else {
        String::new()
    };
    if s.partspec.is_some() {
        table.partition_by = deparsed
            .find(" PARTITION BY ")
            .map(|i| deparsed[i + 14..].trim().to_string());
    }
    if let (Some(_), Some(parent)) = (&s.partbound, s.inh_relations.first())
        && let Some(NodeEnum::RangeVar(parent)) = &parent.node
    {
        let parent = catalog.rel_key(parent);
        let bound = deparsed
            .find(" FOR VALUES ")
            .map(|i| deparsed[i + 1..].to_string())
            .or_else(|| {
                deparsed
                    .ends_with(" DEFAULT")
                    .then(|| "DEFAULT".to_string())
            })
            .unwrap_or_default();
        // A partition has its parent's columns.
        if let Some(p) = catalog.tables.get(&parent) {
            table.columns = p.columns.clone();
        }
        table.partition_of = Some((parent, bound));
    }
    // Sized once: pushed a column at a time, the vector was grown, then shrunk below.
    table.columns.reserve_exact(
        (s.table_elts.iter())
            .filter(|e| matches!(e.node, Some(NodeEnum::ColumnDef(_))))
            .count(),
    );
    catalog.hints.table(&key, &table);
    catalog.tables.insert(key.clone(), Arc::new(table));
    for element in &s.table_elts {
        match &element.node {
            Some(NodeEnum::ColumnDef(col)) => add_column(catalog, &key, col),
            Some(NodeEnum::Constraint(c)) => add_constraint(catalog, &key, c, None),
            _ => {}
        }
    }
    for c in &s.constraints {
        if let Some(NodeEnum::Constraint(c)) = &c.node {
            add_constraint(catalog, &key, c, None);
        }
    }
    // Built by pushes, which leave up to half of each vector spare: a catalog keeps its
    // tables to the end of the run.
    if let Some(table) = catalog.tables.get_mut(&key) {
        let table = Arc::make_mut(table);
        table.columns.shrink_to_fit();
        table.constraints.shrink_to_fit();
    }
}

fn add_column(catalog: &mut Catalog, key: &Key, col: &ColumnDef) {
    let Some(table) = catalog.tables.get(key) else {
        return;
    };
    if table.columns.iter().any(|c| c.name == col.colname) {
        return; // ADD COLUMN IF NOT EXISTS, or a partition's own definition of a column
    }
    let ty = col
        .type_name
        .as_ref()
        .map(ColumnType::from_type_name)
        .unwrap_or_else(|| ColumnType {
            name: "unknown".into(),
            modifiers: Box::default(),
            array: false,
        });
    let serial = ty.serial_integer();
    let mut column = Column::new(
        &col.colname,
        ty,
        col.is_not_null,
        col.raw_default.as_deref().map(expr_sql),
    );
    column.set_type_schema(col.type_name.as_ref().and_then(|t| catalog.type_schema(t)));
    if let Some(integer) = serial {
        column.ty.name = integer.into();
        column.not_null = true;
        let taken = |n: &str| relation_exists(catalog, &(key.0.clone(), n.into()));
        let seq = choose(&key.1, Some(&col.colname), "seq", taken);
        let qualified = if key.0 == "public" {
            seq.clone()
        } else {
            format!("{}.{seq}", key.0)
        };
        column.default = Some(format!("nextval('{qualified}'::regclass)"));
        let sequence = Sequence {
            owned_by: Some((key.clone(), col.colname.clone())),
            data_type: None,
        };
        let seq_key = (key.0.clone(), seq.into());
        catalog.hints.sequence(&seq_key, &sequence);
        catalog.sequences.insert(seq_key, Arc::new(sequence));
    }
    let mut constraints = Vec::new();
    for c in &col.constraints {
        let Some(NodeEnum::Constraint(c)) = &c.node else {
            continue;
        };
        match ConstrType::try_from(c.contype) {
            Ok(ConstrType::ConstrNotnull) => column.not_null = true,
            Ok(ConstrType::ConstrNull) => column.not_null = false,
            Ok(ConstrType::ConstrDefault) => column.default = c.raw_expr.as_deref().map(expr_sql),
            Ok(ConstrType::ConstrIdentity) => {
                column.set_identity(Some(identity_kind(c)));
                column.not_null = true;
            }
            Ok(ConstrType::ConstrGenerated) => {
                column.set_generated(c.raw_expr.as_deref().map(expr_sql))
            }
            Ok(
                ConstrType::ConstrPrimary
                | ConstrType::ConstrUnique
                | ConstrType::ConstrForeign
                | ConstrType::ConstrCheck
                | ConstrType::ConstrExclusion,
            ) => constraints.push(c),
            _ => {}
        }
    }
    // A serial column's default names its own table's sequence: never shared.
    let column = match serial {
        Some(_) => Arc::new(column),
        None => catalog.shared_column(column),
    };
    if let Some(table) = catalog.tables.get_mut(key).map(Arc::make_mut) {
        table.columns.push(column);
    }
    for c in constraints {
        add_constraint(catalog, key, c, Some(&col.colname));
    }
}

fn identity_kind(c: &PgConstraint) -> String {
    if c.generated_when == "d" {
        "BY DEFAULT".into()
    } else {
        "ALWAYS".into()
    }
}

fn create_index(catalog: &mut Catalog, s: &pg_query::protobuf::IndexStmt) {
    let Some(rv) = &s.relation else { return };
    let table = catalog.rel_key(rv);
    if !catalog.tables.contains_key(&table) && !catalog.views.contains_key(&table) {
        return; // an index on a table the catalog never saw
    }
    // Sized to the index, not grown from four by pushes: a catalog keeps every index.
    let mut keys = Vec::with_capacity(s.index_params.len());
    let mut names = Vec::new();
    let mut columns = Vec::with_capacity(s.index_params.len());
    for param in &s.index_params {
        if let Some(NodeEnum::IndexElem(elem)) = &param.node {
            let (sql, name) = index_elem(elem);
            if elem.expr.is_none() {
                columns.push(super::Name::from(elem.name.as_str()));
            }
            keys.push(super::Name::from(sql));
            names.push(name);
        }
    }
    let include: Vec<String> = s
        .index_including_params
        .iter()
        .filter_map(|p| match &p.node {
            Some(NodeEnum::IndexElem(e)) => Some(e.name.clone()),
            _ => None,
        })
        .collect();
    let name = if s.idxname.is_empty() {
        let taken = |n: &str| relation_exists(catalog, &(table.0.clone(), n.into()));
        choose(&table.1, Some(&columns_part(&names)), "idx", taken)
    } else {
        s.idxname.clone()
    };
    let key = (table.0.clone(), name.into());
    if relation_exists(catalog, &key) {
        return;
    }
    catalog.gone.remove(&key);
    let partitioned = catalog
        .tables
        .get(&table)
        .is_some_and(|t| t.partition_by.is_some());
    let index = Index {
        table,
        unique: s.unique,
        method: if s.access_method.is_empty() {
            "btree".into()
        } else {
            s.access_method.as_str().into()
        },
        keys,
        columns,
        include,
        predicate: s.where_clause.as_deref().map(expr_sql),
        // ON ONLY a partitioned table: invalid until every partition's index is attached.
        valid: !partitioned || rv.inh,
        concurrently: s.concurrent,
    };
    catalog.hints.index(&key, &index);
    catalog.indexes.insert(key, Arc::new(index));
}

fn alter_table(catalog: &mut Catalog, key: &Key, cmd: &pg_query::protobuf::AlterTableCmd) {
    use AlterTableType as T;
    let def = cmd.def.as_deref().and_then(|d| d.node.as_ref());
    let subtype = T::try_from(cmd.subtype).unwrap_or(T::Undefined);
    if subtype == T::AtAttachPartition || subtype == T::AtDetachPartition {
        if let Some(NodeEnum::PartitionCmd(p)) = def {
            let Some(rv) = &p.name else { return };
            let child = catalog.rel_key(rv);
            // ALTER INDEX parent ATTACH PARTITION child_index: the parent becomes valid.
            if let Some(index) = catalog.indexes.get_mut(key).map(Arc::make_mut) {
                index.valid = true;
                return;
            }
            if let Some(table) = catalog.tables.get_mut(&child).map(Arc::make_mut) {
                table.partition_of = (subtype == T::AtAttachPartition).then(|| {
                    let bound = p
                        .bound
                        .as_ref()
                        .map(|b| bound_sql(b, rv))
                        .unwrap_or_default();
                    (key.clone(), bound)
                });
                catalog.hints.dependent(key, &child);
            }
        }
        return;
    }
    if subtype == T::AtAddColumn {
        if let Some(NodeEnum::ColumnDef(col)) = def {
            add_column(catalog, key, col);
        }
        return;
    }
    if subtype == T::AtAddConstraint {
        if let Some(NodeEnum::Constraint(c)) = def {
            add_constraint(catalog, key, c, None);
        }
        return;
    }
    if subtype == T::AtDropColumn {
        rename_drop::drop_column(catalog, key, &cmd.name);
        return;
    }
    // ALTER COLUMN ... TYPE: the new type's schema, found before the table is borrowed.
    let new_type = match def {
        Some(NodeEnum::ColumnDef(col)) if subtype == T::AtAlterColumnType => {
            col.type_name.as_ref().map(|t| (t, catalog.type_schema(t)))
        }
        _ => None,
    };
    let Some(table) = catalog.tables.get_mut(key).map(Arc::make_mut) else {
        return;
    };
    let column = table.columns.iter_mut().find(|c| c.name == cmd.name);
    match (subtype, column.map(Arc::make_mut)) {
        (T::AtAlterColumnType, Some(column)) => {
            if let Some((t, type_schema)) = new_type {
                column.ty = ColumnType::from_type_name(t);
                column.set_type_schema(type_schema);
            }
        }
        (T::AtColumnDefault, Some(column)) => {
            column.default = cmd.def.as_deref().map(expr_sql);
        }
        (T::AtSetNotNull, Some(column)) => column.not_null = true,
        (T::AtDropNotNull, Some(column)) => column.not_null = false,
        (T::AtAddIdentity, Some(column)) => {
            if let Some(NodeEnum::Constraint(c)) = def {
                column.set_identity(Some(identity_kind(c)));
                column.not_null = true;
            }
        }
        (T::AtDropIdentity, Some(column)) => column.set_identity(None),
        (T::AtDropExpression, Some(column)) => column.set_generated(None),
        (T::AtDropConstraint, _) => table.constraints.retain(|c| c.name != cmd.name),
        (T::AtValidateConstraint, _) => {
            for c in table.constraints.iter_mut().filter(|c| c.name == cmd.name) {
                Arc::make_mut(c).validated = true;
            }
        }
        _ => {}
    }
}

fn bound_sql(bound: &pg_query::protobuf::PartitionBoundSpec, rv: &RangeVar) -> String {
    // Deparse a CREATE TABLE ... PARTITION OF with this bound and keep the bound's text.
    let stmt = NodeEnum::CreateStmt(pg_query::protobuf::CreateStmt {
        relation: Some(rv.clone()),
        inh_relations: vec![Node {
            node: Some(NodeEnum::RangeVar(rv.clone())),
        }],
        partbound: Some(bound.clone()),
        oncommit: 1,
        ..Default::default()
    });
    let sql = deparse(stmt).unwrap_or_default();
    sql.find(" FOR VALUES ")
        .map(|i| sql[i + 1..].to_string())
        .unwrap_or_else(|| "DEFAULT".into())
}

fn alter_enum(catalog: &mut Catalog, s: &pg_query::protobuf::AlterEnumStmt) {
    let Some(key) = catalog.list_key(&s.type_name) else {
        return;
    };
    let Some(values) = catalog.enums.get_mut(&key) else {
        return;
    };
    if !s.old_val.is_empty() {
        rename_in(values, &s.old_val, &s.new_val);
        return;
    }
    if values.contains(&s.new_val) {
        return;
    }
    let at = values
        .iter()
        .position(|v| *v == s.new_val_neighbor)
        .map(|i| i + usize::from(s.new_val_is_after))
        .unwrap_or(values.len());
    values.insert(at, s.new_val.clone());
}
