//! Statements that contradict the catalog. Only what replay established counts: a table
//! the catalog never saw may well exist (created outside the migrations), so only objects
//! known to be gone, columns and constraints missing from a known table, and creations
//! of known objects are reported.

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, ObjectType};

use super::ddl::qualified;
use super::keys::relation_exists;
use super::{Catalog, Key};

pub fn contradictions(catalog: &Catalog, node: &NodeEnum) -> Vec<String> {
    let mut out = Vec::new();
    let gone = |key: &Key, what: &str, out: &mut Vec<String>| {
        if catalog.gone.contains(key)
            && !relation_exists(catalog, key)
            && !catalog.enums.contains_key(key)
        {
            out.push(format!(
                "{what} {} does not exist at this point (dropped or renamed earlier)",
                qualified(key)
            ));
        }
    };
    match node {
        NodeEnum::CreateStmt(s) if !s.if_not_exists => {
            if let Some(rv) = &s.relation {
                let key = catalog.new_rel_key(rv);
                if relation_exists(catalog, &key) {
                    out.push(format!("relation {} already exists", qualified(&key)));
                }
            }
        }
        NodeEnum::IndexStmt(s) if !s.if_not_exists && !s.idxname.is_empty() => {
            let schema = s
                .relation
                .as_ref()
                .map(|rv| catalog.rel_key(rv))
                .map(|k| k.0);
            let key = (
                schema.unwrap_or_else(|| "public".into()),
                s.idxname.as_str().into(),
            );
            if relation_exists(catalog, &key) {
                out.push(format!("relation {} already exists", qualified(&key)));
            }
        }
        NodeEnum::IndexStmt(s) => {
            if let Some(rv) = &s.relation {
                gone(&catalog.rel_key(rv), "table", &mut out);
            }
        }
        NodeEnum::CreateEnumStmt(s) => {
            if let Some(key) = catalog.new_list_key(&s.type_name)
                && catalog.enums.contains_key(&key)
            {
                out.push(format!("type {} already exists", qualified(&key)));
            }
        }
        NodeEnum::CreateSeqStmt(s) if !s.if_not_exists => {
            if let Some(key) = s.sequence.as_ref().map(|rv| catalog.new_rel_key(rv))
                && relation_exists(catalog, &key)
            {
                out.push(format!("relation {} already exists", qualified(&key)));
            }
        }
        NodeEnum::AlterEnumStmt(s) => {
            if let Some(values) = catalog
                .list_key(&s.type_name)
                .and_then(|k| catalog.enums.get(&k))
            {
                if !s.old_val.is_empty() && !values.contains(&s.old_val) {
                    out.push(format!("enum value '{}' does not exist", s.old_val));
                } else if s.old_val.is_empty()
                    && !s.skip_if_new_val_exists
                    && values.contains(&s.new_val)
                {
                    out.push(format!("enum value '{}' already exists", s.new_val));
                }
            }
        }
        NodeEnum::AlterTableStmt(s) if !s.missing_ok => {
            let Some(rv) = &s.relation else { return out };
            let key = catalog.rel_key(rv);
            let what = if s.objtype == ObjectType::ObjectIndex as i32 {
                "index"
            } else {
                "table"
            };
            gone(&key, what, &mut out);
            if let Some(table) = catalog.tables.get(&key) {
                for cmd in &s.cmds {
                    let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node else {
                        continue;
                    };
                    let has_column = table.columns.iter().any(|c| c.name == cmd.name);
                    use AlterTableType as T;
                    match T::try_from(cmd.subtype).unwrap_or(T::Undefined) {
                        T::AtAddColumn if !cmd.missing_ok => {
                            if let Some(NodeEnum::ColumnDef(col)) =
                                cmd.def.as_deref().and_then(|d| d.node.as_ref())
                                && table.columns.iter().any(|c| c.name == col.colname)
                            {
                                out.push(format!(
                                    "column {}.{} already exists",
                                    key.1, col.colname
                                ));
                            }
                        }
                        T::AtDropColumn
                        | T::AtAlterColumnType
                        | T::AtColumnDefault
                        | T::AtSetNotNull
                        | T::AtDropNotNull
                            if !cmd.missing_ok && !has_column =>
                        {
                            out.push(format!(
                                "column {}.{} does not exist at this point",
                                key.1, cmd.name
                            ));
                        }
                        T::AtDropConstraint | T::AtValidateConstraint
                            if !cmd.missing_ok
                                && !table.constraints.iter().any(|c| c.name == cmd.name) =>
                        {
                            out.push(format!(
                                "constraint {} of table {} does not exist at this point",
                                cmd.name, key.1
                            ));
                        }
                        T::AtAddConstraint => {
                            if let Some(NodeEnum::Constraint(c)) =
                                cmd.def.as_deref().and_then(|d| d.node.as_ref())
                                && !c.conname.is_empty()
                                && table.constraints.iter().any(|k| k.name == c.conname)
                            {
                                out.push(format!(
                                    "constraint {} of table {} already exists",
                                    c.conname, key.1
                                ));
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        NodeEnum::RenameStmt(s) if !s.missing_ok => {
            let object = ObjectType::try_from(s.rename_type).unwrap_or(ObjectType::Undefined);
            match object {
                ObjectType::ObjectColumn | ObjectType::ObjectTabconstraint => {
                    let Some(key) = s.relation.as_ref().map(|rv| catalog.rel_key(rv)) else {
                        return out;
                    };
                    gone(&key, "table", &mut out);
                    if let Some(table) = catalog.tables.get(&key) {
                        let (what, found) = if object == ObjectType::ObjectColumn {
                            ("column", table.columns.iter().any(|c| c.name == s.subname))
                        } else {
                            (
                                "constraint",
                                table.constraints.iter().any(|c| c.name == s.subname),
                            )
                        };
                        if !found {
                            out.push(format!(
                                "{what} {}.{} does not exist at this point",
                                key.1, s.subname
                            ));
                        }
                    }
                }
                ObjectType::ObjectTable
                | ObjectType::ObjectIndex
                | ObjectType::ObjectSequence
                | ObjectType::ObjectView
                | ObjectType::ObjectMatview => {
                    if let Some(key) = s.relation.as_ref().map(|rv| catalog.rel_key(rv)) {
                        gone(&key, "relation", &mut out);
                        let renamed = (key.0.clone(), s.newname.as_str().into());
                        if relation_exists(catalog, &key) && relation_exists(catalog, &renamed) {
                            out.push(format!("relation {} already exists", qualified(&renamed)));
                        }
                    }
                }
                _ => {}
            }
        }
        NodeEnum::DropStmt(s) if !s.missing_ok => {
            let what = match ObjectType::try_from(s.remove_type) {
                Ok(ObjectType::ObjectTable) => "table",
                Ok(ObjectType::ObjectIndex) => "index",
                Ok(ObjectType::ObjectSequence) => "sequence",
                Ok(ObjectType::ObjectView) => "view",
                Ok(ObjectType::ObjectMatview) => "materialized view",
                Ok(ObjectType::ObjectType) => "type",
                _ => return out,
            };
            for target in &s.objects {
                let key = match &target.node {
                    Some(NodeEnum::List(l)) => catalog.list_key(&l.items),
                    Some(NodeEnum::TypeName(t)) => catalog.list_key(&t.names),
                    _ => None,
                };
                if let Some(key) = key {
                    gone(&key, what, &mut out);
                }
            }
        }
        _ => {}
    }
    out
}
