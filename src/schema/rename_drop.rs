//! Replaying renames and drops into the catalog: what moves or goes along with the object
//! (a table's indexes, constraints and owned sequences; references to a renamed table;
//! a schema's contents), as PostgreSQL does.

use std::sync::Arc;

use pg_query::NodeEnum;
use pg_query::protobuf::ObjectType;

use super::keys::has_index;
use super::{Catalog, Key, Name, Table};
use crate::parse::ident::quote_ident as quote;

/// DROP COLUMN: the indexes and constraints that use the column go with it.
pub(super) fn drop_column(catalog: &mut Catalog, key: &Key, column: &str) {
    let Some(table) = catalog.tables.get_mut(key).map(Arc::make_mut) else {
        return;
    };
    table.columns.retain(|c| c.name != column);
    table
        .constraints
        .retain(|c| !c.columns.iter().any(|c| c == column));
    for index in catalog.indexes_on(key) {
        if catalog.indexes[&index].columns.iter().any(|c| c == column) {
            catalog.indexes.remove(&index);
        }
    }
    for sequence in catalog.owned_sequences(key) {
        if catalog.sequences[&sequence]
            .owned_by
            .as_ref()
            .is_some_and(|(_, c)| c == column)
        {
            catalog.sequences.remove(&sequence);
        }
    }
}

pub(super) fn rename(catalog: &mut Catalog, s: &pg_query::protobuf::RenameStmt) {
    let object = ObjectType::try_from(s.rename_type).unwrap_or(ObjectType::Undefined);
    let new = s.newname.clone();
    match object {
        ObjectType::ObjectColumn => {
            let Some(rv) = &s.relation else { return };
            let key = catalog.rel_key(rv);
            let Some(table) = catalog.tables.get_mut(&key).map(Arc::make_mut) else {
                return;
            };
            let old = &s.subname;
            for column in table.columns.iter_mut().filter(|c| c.name == *old) {
                Arc::make_mut(column).name = new.as_str().into();
            }
            for c in table.constraints.iter_mut().map(Arc::make_mut) {
                rename_in(&mut c.columns, old, &new);
                // The table's own columns: all of a CHECK, a foreign key up to REFERENCES.
                let own = c
                    .definition
                    .find(" REFERENCES ")
                    .unwrap_or(c.definition.len());
                c.definition =
                    rename_identifier(&c.definition[..own], old, &new) + &c.definition[own..];
            }
            // Foreign keys that reference the column, this table's included.
            let referenced = format!(" REFERENCES {}(", super::ddl::qualified(&key));
            for dependent in catalog.dependents(&key) {
                let refers = |c: &super::Constraint| c.references.as_deref() == Some(&key);
                let t = catalog
                    .tables
                    .get_mut(&dependent)
                    .expect("a dependent table");
                if !t.constraints.iter().any(|c| refers(c)) {
                    continue;
                }
                for c in Arc::make_mut(t)
                    .constraints
                    .iter_mut()
                    .filter(|c| refers(c))
                    .map(Arc::make_mut)
                {
                    if let Some(at) = c.definition.find(&referenced) {
                        let start = at + referenced.len();
                        let end = c.definition[start..]
                            .find(')')
                            .map_or(c.definition.len(), |e| start + e);
                        let columns = rename_identifier(&c.definition[start..end], old, &new);
                        c.definition.replace_range(start..end, &columns);
                    }
                }
            }
            for index in catalog.indexes_on(&key) {
                let index = (catalog.indexes.get_mut(&index).map(Arc::make_mut))
                    .expect("an index on the table");
                rename_in(&mut index.columns, old, &new);
                rename_in(&mut index.include, old, &new);
                for k in &mut index.keys {
                    *k = rename_identifier(k, old, &new).into();
                }
                if let Some(p) = &mut index.predicate {
                    *p = rename_identifier(p, old, &new);
                }
            }
            for sequence in catalog.owned_sequences(&key) {
                let sequence = (catalog.sequences.get_mut(&sequence).map(Arc::make_mut))
                    .expect("an owned sequence");
                if let Some((_, c)) = &mut sequence.owned_by
                    && c == old
                {
                    *c = new.clone();
                }
            }
        }
        ObjectType::ObjectTabconstraint => {
            let Some(rv) = &s.relation else { return };
            let key = catalog.rel_key(rv);
            if let Some(table) = catalog.tables.get_mut(&key).map(Arc::make_mut) {
                for c in table.constraints.iter_mut().filter(|c| c.name == s.subname) {
                    Arc::make_mut(c).name = new.clone();
                    catalog.hints.constraint(&key, c);
                }
            }
        }
        ObjectType::ObjectSchema => {
            let old = s.subname.clone();
            if catalog.schemas.contains(&old) {
                let schemas = Arc::make_mut(&mut catalog.schemas);
                schemas.remove(&old);
                schemas.insert(new.clone());
            }
            rename_schema(catalog, &old, &new);
        }
        ObjectType::ObjectType => {
            let Some(key) = s.object.as_deref().and_then(|o| match &o.node {
                Some(NodeEnum::List(l)) => catalog.list_key(&l.items),
                _ => None,
            }) else {
                return;
            };
            let renamed: Key = (key.0.clone(), new.as_str().into());
            // Renaming a type the model does not know still gives the new name a type.
            catalog.gone.remove(&renamed);
            if let Some(values) = catalog.enums.remove(&key) {
                catalog.mark_gone(key.clone());
                let of_type = |c: &super::Column| {
                    c.ty.name == key.1 && c.type_schema().unwrap_or("public") == key.0
                };
                let uses = |t: &Table| t.columns.iter().any(|c| of_type(c));
                for t in catalog.tables.values_mut().filter(|t| uses(t)) {
                    for c in &mut Arc::make_mut(t).columns {
                        if of_type(c) {
                            Arc::make_mut(c).ty.name = renamed.1.clone();
                        }
                    }
                }
                catalog.hints.name(&renamed);
                catalog.enums.insert(renamed, values);
            }
        }
        ObjectType::ObjectTable
        | ObjectType::ObjectIndex
        | ObjectType::ObjectSequence
        | ObjectType::ObjectView
        | ObjectType::ObjectMatview
        | ObjectType::ObjectForeignTable => {
            let Some(rv) = &s.relation else { return };
            let old = catalog.rel_key(rv);
            let renamed = (old.0.clone(), new.as_str().into());
            rename_relation(catalog, &old, &renamed);
        }
        _ => {}
    }
}

/// SQL text (a CHECK expression, an index key) with the identifier `old` renamed to `new`,
/// quoted or not; string literals are left alone. The text names one table's columns, as
/// PostgreSQL keeps such expressions by column number and prints them with the new name.
pub(super) fn rename_identifier(text: &str, old: &str, new: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let token_len = match c {
            '\'' | '"' => {
                // Up to the closing quote; a doubled quote is part of the token.
                let mut end = 1;
                loop {
                    match rest[end..].find(c) {
                        Some(i) if rest[end + i + 1..].starts_with(c) => end += i + 2,
                        Some(i) => break end + i + 1,
                        None => break rest.len(),
                    }
                }
            }
            c if c.is_alphabetic() || c == '_' => rest
                .find(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '$'))
                .unwrap_or(rest.len()),
            c => c.len_utf8(),
        };
        let token = &rest[..token_len];
        let name = if c == '"' && token.len() >= 2 {
            Some(token[1..token.len() - 1].replace("\"\"", "\""))
        } else if c.is_alphabetic() || c == '_' {
            Some(token.to_lowercase())
        } else {
            None
        };
        // A name followed by `(` is a function's, not a column's.
        let call = rest[token_len..].trim_start().starts_with('(');
        if name.as_deref() == Some(old) && !call {
            out.push_str(&quote(new));
        } else {
            out.push_str(token);
        }
        rest = &rest[token_len..];
    }
    out
}

pub(super) fn rename_in<T: AsRef<str> + for<'a> From<&'a str>>(
    list: &mut [T],
    old: &str,
    new: &str,
) {
    for item in list.iter_mut().filter(|i| i.as_ref() == old) {
        *item = T::from(new);
    }
}

fn rename_relation(catalog: &mut Catalog, old: &Key, new: &Key) {
    let mut moved = true;
    if let Some(table) = catalog.tables.remove(old) {
        catalog.hints.table(new, &table);
        catalog.tables.insert(new.clone(), table);
        for key in catalog.indexes_on(old) {
            let index =
                (catalog.indexes.get_mut(&key).map(Arc::make_mut)).expect("an index on the table");
            index.table = new.clone();
            catalog.hints.index(&key, index);
        }
        let refers = |t: &Table| {
            t.constraints
                .iter()
                .any(|c| c.references.as_deref() == Some(old))
                || t.partition_of
                    .as_ref()
                    .is_some_and(|(parent, _)| parent == old)
        };
        // A table that references itself does so under its old name, now its new one's.
        let mut dependents = catalog.dependents(old);
        dependents.push(new.clone());
        for dependent in dependents {
            let Some(t) = catalog.tables.get_mut(&dependent) else {
                continue;
            };
            if !refers(t) {
                continue;
            }
            let t = Arc::make_mut(t);
            let referencing = t.constraints.iter_mut();
            for c in referencing.filter(|c| c.references.as_deref() == Some(old)) {
                let c = Arc::make_mut(c);
                c.references = Some(Box::new(new.clone()));
                c.definition = c.definition.replace(
                    &format!("REFERENCES {}", super::ddl::qualified(old)),
                    &format!("REFERENCES {}", super::ddl::qualified(new)),
                );
            }
            if let Some((parent, _)) = &mut t.partition_of
                && parent == old
            {
                *parent = new.clone();
            }
            catalog.hints.table(&dependent, t);
        }
        for key in catalog.owned_sequences(old) {
            let sequence =
                (catalog.sequences.get_mut(&key).map(Arc::make_mut)).expect("an owned sequence");
            if let Some((t, _)) = &mut sequence.owned_by {
                *t = new.clone();
            }
            catalog.hints.sequence(&key, sequence);
        }
    } else if let Some(index) = catalog.indexes.remove(old) {
        catalog.hints.index(new, &index);
        catalog.indexes.insert(new.clone(), index);
    } else if let Some(sequence) = catalog.sequences.remove(old) {
        catalog.hints.sequence(new, &sequence);
        catalog.sequences.insert(new.clone(), sequence);
    } else if let Some(view) = catalog.views.remove(old) {
        catalog.hints.name(new);
        catalog.views.insert(new.clone(), view);
    } else {
        // ALTER INDEX on a constraint's index renames the constraint too.
        moved = false;
        let owns = |t: &Table| (t.constraints.iter()).any(|c| c.name == old.1 && has_index(c.kind));
        for key in catalog.constraint_tables(&old.1) {
            let t = catalog
                .tables
                .get_mut(&key)
                .expect("a table with the constraint");
            if key.0 != old.0 || !owns(t) {
                continue;
            }
            for c in Arc::make_mut(t).constraints.iter_mut() {
                if c.name == old.1 && has_index(c.kind) {
                    Arc::make_mut(c).name = new.1.to_string();
                    catalog.hints.constraint(&key, c);
                    moved = true;
                }
            }
        }
    }
    if moved {
        catalog.mark_gone(old.clone());
    }
    // Renaming an object the model does not know still gives the new name an object.
    catalog.gone.remove(new);
}

fn rename_schema(catalog: &mut Catalog, old: &str, new: &str) {
    let move_key = |k: &Key| {
        if k.0 == old {
            (new.into(), k.1.clone())
        } else {
            k.clone()
        }
    };
    let keys: Vec<Key> = catalog
        .tables
        .keys()
        .filter(|k| k.0 == old)
        .cloned()
        .collect();
    for k in keys {
        rename_relation(catalog, &k, &move_key(&k));
    }
    catalog.indexes = std::mem::take(&mut catalog.indexes)
        .into_iter()
        .map(|(k, i)| (move_key(&k), i))
        .collect();
    catalog.sequences = std::mem::take(&mut catalog.sequences)
        .into_iter()
        .map(|(k, s)| (move_key(&k), s))
        .collect();
    catalog.views = std::mem::take(&mut catalog.views)
        .into_iter()
        .map(|(k, v)| (move_key(&k), v))
        .collect();
    catalog.enums = std::mem::take(&mut catalog.enums)
        .into_iter()
        .map(|(k, v)| (move_key(&k), v))
        .collect();
    catalog.rebuild_hints();
}

pub(super) fn drop(catalog: &mut Catalog, s: &pg_query::protobuf::DropStmt) {
    let object = ObjectType::try_from(s.remove_type).unwrap_or(ObjectType::Undefined);
    let cascade = s.behavior == pg_query::protobuf::DropBehavior::DropCascade as i32;
    for target in &s.objects {
        let key = match &target.node {
            Some(NodeEnum::List(l)) => catalog.list_key(&l.items),
            Some(NodeEnum::TypeName(t)) => catalog.list_key(&t.names),
            Some(NodeEnum::String(name)) => Some((name.sval.as_str().into(), Name::default())),
            _ => None,
        };
        let Some(key) = key else { continue };
        match object {
            ObjectType::ObjectTable | ObjectType::ObjectForeignTable => {
                drop_table(catalog, &key, cascade)
            }
            ObjectType::ObjectIndex if catalog.indexes.remove(&key).is_some() => {
                catalog.mark_gone(key);
            }
            ObjectType::ObjectSequence if catalog.sequences.remove(&key).is_some() => {
                catalog.mark_gone(key);
            }
            ObjectType::ObjectView | ObjectType::ObjectMatview => drop_view(catalog, &key, cascade),
            ObjectType::ObjectType if catalog.enums.remove(&key).is_some() => {
                catalog.mark_gone(key);
            }
            ObjectType::ObjectSchema => {
                let schema = key.0;
                if catalog.schemas.contains(schema.as_str()) {
                    Arc::make_mut(&mut catalog.schemas).remove(schema.as_str());
                }
                let tables: Vec<Key> = catalog
                    .tables
                    .keys()
                    .filter(|k| k.0 == schema)
                    .cloned()
                    .collect();
                for t in tables {
                    drop_table(catalog, &t, true);
                }
                catalog.indexes.retain(|k, _| k.0 != schema);
                catalog.sequences.retain(|k, _| k.0 != schema);
                catalog.views.retain(|k, _| k.0 != schema);
                catalog.enums.retain(|k, _| k.0 != schema);
            }
            _ => {}
        }
    }
}

/// DROP VIEW / MATERIALIZED VIEW: its indexes go with it; with CASCADE, the views built
/// on it too.
fn drop_view(catalog: &mut Catalog, key: &Key, cascade: bool) {
    if catalog.views.remove(key).is_none() {
        return;
    }
    catalog.mark_gone(key.clone());
    for index in catalog.indexes_on(key) {
        catalog.indexes.remove(&index);
    }
    if cascade {
        drop_dependent_views(catalog, key);
    }
}

/// What CASCADE takes along: the views whose query reads the relation `key` (their
/// definitions parsed again: views are few, CASCADE drops rare).
fn drop_dependent_views(catalog: &mut Catalog, key: &Key) {
    let reads = |definition: &str| {
        // Decoding a deep parse tree recurses: on a thread with the stack it needs.
        let tables = || {
            let parsed = pg_query::parse(definition, pg_query::ParserOptions::DEFAULT);
            parsed.map(|p| p.tables()).unwrap_or_default()
        };
        let tables = crate::stack::with_stack(crate::stack::WORKER_STACK, tables);
        tables
            .unwrap_or_default()
            .iter()
            .any(|name| match name.split_once('.') {
                Some((schema, table)) => schema == key.0 && table == key.1,
                None => key.0 == "public" && *name == key.1,
            })
    };
    let dependents: Vec<Key> = (catalog.views.iter())
        .filter(|(_, view)| reads(&view.definition))
        .map(|(k, _)| k.clone())
        .collect();
    for view in dependents {
        drop_view(catalog, &view, true);
    }
}

fn drop_table(catalog: &mut Catalog, key: &Key, cascade: bool) {
    if catalog.tables.remove(key).is_none() {
        return;
    }
    if cascade {
        drop_dependent_views(catalog, key);
    }
    catalog.mark_gone(key.clone());
    for index in catalog.indexes_on(key) {
        catalog.indexes.remove(&index);
    }
    for sequence in catalog.owned_sequences(key) {
        catalog.sequences.remove(&sequence);
    }
    let dependents = catalog.dependents(key);
    let partition = |t: &Table| t.partition_of.as_ref().is_some_and(|(p, _)| p == key);
    let partitions: Vec<&Key> = (dependents.iter())
        .filter(|d| partition(&catalog.tables[*d]))
        .collect();
    for p in partitions {
        drop_table(catalog, p, cascade);
    }
    if cascade {
        let refers = |t: &Table| {
            t.constraints
                .iter()
                .any(|c| c.references.as_deref() == Some(key))
        };
        for dependent in &dependents {
            let Some(t) = catalog.tables.get_mut(dependent) else {
                continue; // a partition dropped above
            };
            if refers(t) {
                Arc::make_mut(t)
                    .constraints
                    .retain(|c| c.references.as_deref() != Some(key));
            }
        }
    }
}
