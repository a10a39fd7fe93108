//! The mapping of parse trees onto lock-model rows: one [`Action`] per thing a statement
//! does, each resolved against the model for the target PostgreSQL version.

use pg_query::NodeEnum;
use pg_query::protobuf::{ObjectType, ReindexObjectType};

use super::alter_table::alter_table_cmd;
use super::reads::{range_var, read_tables, referenced_tables, sequence_functions, sources};
use super::{Action, Facts, Form, History, LockMode, Related, Relation};

/// Maps one parsed statement onto lock-model rows. `history` supplies what
/// earlier statements established (column types, validated NOT NULL checks).
pub fn analyze(node: &NodeEnum, history: &dyn History) -> Facts {
    let v = history.version();
    // Most statements are one action; the rest are shrunk to fit below.
    let mut actions = Vec::with_capacity(1);
    match node {
        NodeEnum::AlterTableStmt(stmt) => {
            let relation = stmt.relation.as_ref().map(Relation::from_range_var);
            for (i, cmd) in stmt.cmds.iter().enumerate() {
                if let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node {
                    let before = actions.len();
                    alter_table_cmd(cmd, relation.as_ref(), history, &mut actions);
                    for action in &mut actions[before..] {
                        action.set_subcommand(i);
                    }
                }
            }
        }
        NodeEnum::RenameStmt(stmt) => {
            let relation = stmt.relation.as_ref().map(Relation::from_range_var);
            let form = match ObjectType::try_from(stmt.rename_type) {
                Ok(ObjectType::ObjectColumn) => Form::RenameColumn,
                Ok(ObjectType::ObjectIndex) => Form::RenameIndex,
                Ok(ObjectType::ObjectTabconstraint) => Form::RenameConstraint,
                Ok(
                    ObjectType::ObjectTable
                    | ObjectType::ObjectView
                    | ObjectType::ObjectMatview
                    | ObjectType::ObjectSequence
                    | ObjectType::ObjectForeignTable,
                ) => Form::RenameTable,
                _ => Form::NoRelationLock,
            };
            let relation = if form == Form::NoRelationLock {
                None
            } else {
                relation
            };
            // PostgreSQL's default names of index-backed constraints: the index has the
            // constraint's name and is renamed (and locked) with it.
            let index_backed = [("_pkey"), ("_key"), ("_excl")]
                .iter()
                .any(|suffix| stmt.subname.ends_with(suffix));
            let (form, index) = match form {
                Form::RenameConstraint if index_backed => (
                    Form::RenameIndexConstraint,
                    relation
                        .as_ref()
                        .map(|r| Relation::new(r.schema.as_deref(), &stmt.subname)),
                ),
                _ => (form, None),
            };
            let mut action = Action::new(form, relation, v)
                .with_other(index, v)
                .with_detail(format!("new name {}", stmt.newname));
            match form {
                Form::RenameColumn => action = action.with_column(&stmt.subname),
                Form::RenameConstraint | Form::RenameIndexConstraint => {
                    action = action.with_constraint(&stmt.subname)
                }
                _ => {}
            }
            actions.push(action);
        }
        NodeEnum::CreateStmt(stmt) => {
            let relation = stmt.relation.as_ref().map(Relation::from_range_var);
            if stmt.partbound.is_some() {
                let parent = stmt.inh_relations.iter().find_map(|n| match &n.node {
                    Some(NodeEnum::RangeVar(rv)) => Some(Relation::from_range_var(rv)),
                    _ => None,
                });
                actions.push(
                    Action::new(Form::CreateTablePartitionOf, relation, v).with_other(parent, v),
                );
            } else {
                let referenced = referenced_tables(stmt);
                if referenced.is_empty() {
                    actions.push(Action::new(Form::CreateTable, relation.clone(), v));
                }
                for other in referenced {
                    actions.push(
                        Action::new(Form::CreateTableReferences, relation.clone(), v)
                            .with_other(Some(other), v),
                    );
                }
                for parent in stmt.inh_relations.iter().filter_map(range_var) {
                    actions.push(Action::new(Form::InheritsParent, Some(parent), v));
                }
            }
            for element in &stmt.table_elts {
                if let Some(NodeEnum::TableLikeClause(like)) = &element.node {
                    let source = like.relation.as_ref().map(Relation::from_range_var);
                    actions.push(Action::new(Form::LikeSource, source, v));
                }
            }
        }
        NodeEnum::CreateTableAsStmt(stmt) => {
            let relation = stmt
                .into
                .as_ref()
                .and_then(|i| i.rel.as_ref())
                .map(Relation::from_range_var);
            let form = if stmt.objtype == ObjectType::ObjectMatview as i32 {
                Form::CreateMaterializedView
            } else {
                Form::CreateTableAs
            };
            actions.push(Action::new(form, relation, v));
            sources(stmt.query.as_deref(), Form::QuerySource, v, &mut actions);
        }
        NodeEnum::DropStmt(stmt) => {
            let form = match ObjectType::try_from(stmt.remove_type) {
                Ok(
                    ObjectType::ObjectTable
                    | ObjectType::ObjectForeignTable
                    | ObjectType::ObjectSequence,
                ) => Form::DropTable,
                Ok(ObjectType::ObjectIndex) if stmt.concurrent => Form::DropIndexConcurrently,
                Ok(ObjectType::ObjectIndex) => Form::DropIndex,
                Ok(ObjectType::ObjectView | ObjectType::ObjectMatview) => Form::DropView,
                Ok(ObjectType::ObjectTrigger) => Form::DropTrigger,
                Ok(ObjectType::ObjectPolicy) => Form::Policy,
                _ => Form::NoRelationLock,
            };
            for object in &stmt.objects {
                let names = match &object.node {
                    Some(NodeEnum::List(list)) => list.items.as_slice(),
                    _ => std::slice::from_ref(object),
                };
                let action = if matches!(form, Form::DropTrigger | Form::Policy) {
                    // [schema.]table.trigger: the lock is on the table.
                    Action::new(
                        form,
                        names
                            .split_last()
                            .and_then(|(_, t)| Relation::from_names(t)),
                        v,
                    )
                } else if form == Form::NoRelationLock {
                    Action::new(form, None, v)
                } else if matches!(form, Form::DropIndex | Form::DropIndexConcurrently) {
                    // The index's table is locked too; it is named when the file or an
                    // earlier migration created the index (else it stays "the table of i").
                    let index = Relation::from_names(names);
                    let table = index.as_ref().and_then(|i| history.index_table(i));
                    let mut action = Action::new(form, index, v);
                    if table.is_some() {
                        action.related.set(Related::IndexTable, None);
                    }
                    action.with_other(table, v)
                } else {
                    Action::new(form, Relation::from_names(names), v)
                };
                actions.push(action);
            }
        }
        NodeEnum::TruncateStmt(stmt) => {
            let cascade = stmt.behavior == pg_query::protobuf::DropBehavior::DropCascade as i32;
            for rel in &stmt.relations {
                if let Some(NodeEnum::RangeVar(rv)) = &rel.node {
                    let mut action =
                        Action::new(Form::Truncate, Some(Relation::from_range_var(rv)), v);
                    if cascade {
                        action.set_detail(Some(CASCADE.into()));
                    }
                    actions.push(action);
                }
            }
        }
        NodeEnum::AlterDomainStmt(stmt) => actions.push(alter_domain(stmt, v)),
        NodeEnum::IndexStmt(stmt) => {
            let form = if stmt.concurrent {
                Form::CreateIndexConcurrently
            } else {
                Form::CreateIndex
            };
            let mut action = Action::new(
                form,
                stmt.relation.as_ref().map(Relation::from_range_var),
                v,
            );
            if !stmt.idxname.is_empty() {
                action = action.with_detail(format!("index {}", stmt.idxname));
            }
            actions.push(action);
        }
        NodeEnum::ReindexStmt(stmt) => {
            let concurrently = stmt.params.iter().any(
                |p| matches!(&p.node, Some(NodeEnum::DefElem(d)) if d.defname == "concurrently"),
            );
            let kind = ReindexObjectType::try_from(stmt.kind);
            let form = match kind {
                Ok(ReindexObjectType::ReindexObjectIndex) if concurrently => {
                    Form::ReindexIndexConcurrently
                }
                Ok(ReindexObjectType::ReindexObjectTable) if concurrently => {
                    Form::ReindexConcurrently
                }
                Ok(ReindexObjectType::ReindexObjectIndex) => Form::ReindexIndex,
                Ok(ReindexObjectType::ReindexObjectTable) => Form::ReindexTable,
                _ => Form::ReindexSchemaOrDatabase,
            };
            let relation = match form {
                Form::ReindexSchemaOrDatabase => None,
                _ => stmt.relation.as_ref().map(Relation::from_range_var),
            };
            actions.push(Action::new(form, relation, v));
        }
        NodeEnum::ViewStmt(stmt) => {
            // Only OR REPLACE can find an existing view to lock; a new view blocks nobody.
            let form = if stmt.replace {
                Form::ReplaceView
            } else {
                Form::CreateView
            };
            actions.push(Action::new(
                form,
                stmt.view.as_ref().map(Relation::from_range_var),
                v,
            ));
            sources(stmt.query.as_deref(), Form::ViewSource, v, &mut actions);
        }
        NodeEnum::RefreshMatViewStmt(stmt) => {
            let form = if stmt.concurrent {
                Form::RefreshMaterializedViewConcurrently
            } else {
                Form::RefreshMaterializedView
            };
            actions.push(Action::new(
                form,
                stmt.relation.as_ref().map(Relation::from_range_var),
                v,
            ));
        }
        NodeEnum::AlterEnumStmt(stmt) => {
            let form = if stmt.old_val.is_empty() {
                Form::AlterEnumAddValue
            } else {
                Form::NoRelationLock
            };
            actions.push(Action::new(form, None, v));
        }
        NodeEnum::CreateTrigStmt(stmt) => {
            actions.push(Action::new(
                Form::CreateTrigger,
                stmt.relation.as_ref().map(Relation::from_range_var),
                v,
            ));
        }
        NodeEnum::VacuumStmt(stmt) => {
            let full = stmt
                .options
                .iter()
                .any(|o| matches!(&o.node, Some(NodeEnum::DefElem(d)) if d.defname == "full"));
            let form = match (stmt.is_vacuumcmd, full) {
                (false, _) => Form::Analyze,
                (true, true) => Form::VacuumFull,
                (true, false) => Form::Vacuum,
            };
            let relations: Vec<Relation> = stmt
                .rels
                .iter()
                .filter_map(|r| match &r.node {
                    Some(NodeEnum::VacuumRelation(vr)) => {
                        vr.relation.as_ref().map(Relation::from_range_var)
                    }
                    _ => None,
                })
                .collect();
            if relations.is_empty() {
                actions.push(Action::new(form, None, v));
            }
            actions.extend(relations.into_iter().map(|r| Action::new(form, Some(r), v)));
        }
        NodeEnum::ClusterStmt(stmt) => {
            let mut action = Action::new(
                Form::Cluster,
                stmt.relation.as_ref().map(Relation::from_range_var),
                v,
            );
            // Row note: CLUSTER without a table name cannot run inside a transaction block.
            action.in_transaction = action.relation.is_some();
            actions.push(action);
        }
        NodeEnum::CommentStmt(stmt) => {
            let names = match stmt.object.as_deref().and_then(|o| o.node.as_ref()) {
                Some(NodeEnum::List(list)) => list.items.clone(),
                _ => Vec::new(),
            };
            let action = match ObjectType::try_from(stmt.objtype) {
                Ok(
                    ObjectType::ObjectTable | ObjectType::ObjectView | ObjectType::ObjectMatview,
                ) => Action::new(Form::Comment, Relation::from_names(&names), v),
                Ok(ObjectType::ObjectColumn) => match names.split_last() {
                    Some((column, table)) => {
                        let column = match &column.node {
                            Some(NodeEnum::String(s)) => s.sval.clone(),
                            _ => String::new(),
                        };
                        Action::new(Form::Comment, Relation::from_names(table), v)
                            .with_column(&column)
                    }
                    None => Action::new(Form::Comment, None, v),
                },
                _ => Action::new(Form::NoRelationLock, None, v),
            };
            actions.push(action);
        }
        NodeEnum::GrantStmt(stmt) => {
            // GRANT ... ON [TABLE] t: since PostgreSQL 18 the tables named are locked.
            let tables: Vec<Relation> = if stmt.objtype == ObjectType::ObjectTable as i32 {
                stmt.objects
                    .iter()
                    .filter_map(|n| match &n.node {
                        Some(NodeEnum::RangeVar(rv)) => Some(Relation::from_range_var(rv)),
                        _ => None,
                    })
                    .collect()
            } else {
                Vec::new()
            };
            if tables.is_empty() {
                actions.push(Action::new(Form::NoRelationLock, None, v));
            }
            actions.extend(
                tables
                    .into_iter()
                    .map(|t| Action::new(Form::Grant, Some(t), v)),
            );
        }
        NodeEnum::GrantRoleStmt(_) => actions.push(Action::new(Form::NoRelationLock, None, v)),
        NodeEnum::CreateSeqStmt(stmt) => {
            actions.push(Action::new(
                Form::CreateSequence,
                stmt.sequence.as_ref().map(Relation::from_range_var),
                v,
            ));
        }
        NodeEnum::AlterSeqStmt(stmt) => {
            actions.push(Action::new(
                Form::AlterSequence,
                stmt.sequence.as_ref().map(Relation::from_range_var),
                v,
            ));
        }
        NodeEnum::InsertStmt(stmt) => {
            actions.push(Action::new(
                Form::Insert,
                stmt.relation.as_ref().map(Relation::from_range_var),
                v,
            ));
            sources(
                stmt.select_stmt.as_deref(),
                Form::QuerySource,
                v,
                &mut actions,
            );
            sequence_functions(node, v, &mut actions);
        }
        NodeEnum::CopyStmt(stmt) => {
            if let Some(rv) = &stmt.relation {
                let form = if stmt.is_from {
                    Form::CopyFrom
                } else {
                    Form::CopyTo
                };
                actions.push(Action::new(form, Some(Relation::from_range_var(rv)), v));
            }
            sources(stmt.query.as_deref(), Form::QuerySource, v, &mut actions);
            if actions.is_empty() {
                actions.push(Action::new(Form::NoRelationLock, None, v));
            }
        }
        NodeEnum::CreatePolicyStmt(stmt) => {
            let table = stmt.table.as_ref().map(Relation::from_range_var);
            actions.push(Action::new(Form::Policy, table, v));
        }
        NodeEnum::AlterPolicyStmt(stmt) => {
            let table = stmt.table.as_ref().map(Relation::from_range_var);
            actions.push(Action::new(Form::Policy, table, v));
        }
        NodeEnum::UpdateStmt(stmt) => {
            actions.push(Action::new(
                Form::UpdateOrDelete,
                stmt.relation.as_ref().map(Relation::from_range_var),
                v,
            ));
        }
        NodeEnum::DeleteStmt(stmt) => {
            actions.push(Action::new(
                Form::UpdateOrDelete,
                stmt.relation.as_ref().map(Relation::from_range_var),
                v,
            ));
        }
        // `SELECT ... INTO t` creates t, like CREATE TABLE t AS SELECT.
        NodeEnum::SelectStmt(stmt) if stmt.into_clause.is_some() => {
            let relation = stmt
                .into_clause
                .as_ref()
                .and_then(|i| i.rel.as_ref())
                .map(Relation::from_range_var);
            let sources = read_tables(node)
                .into_iter()
                .filter(|t| Some(t) != relation.as_ref());
            let reads: Vec<Action> = sources
                .map(|t| Action::new(Form::QuerySource, Some(t), v))
                .collect();
            actions.push(Action::new(Form::CreateTableAs, relation, v));
            actions.extend(reads);
        }
        NodeEnum::SelectStmt(stmt) => {
            let form = if stmt.locking_clause.is_empty() {
                Form::Select
            } else {
                Form::SelectForUpdate
            };
            let tables = read_tables(node);
            actions.extend(tables.into_iter().map(|t| Action::new(form, Some(t), v)));
            sequence_functions(node, v, &mut actions);
            if actions.is_empty() {
                actions.push(Action::new(Form::NoRelationLock, None, v));
            }
        }
        NodeEnum::LockStmt(stmt) => {
            let mode = LockMode::from_number(stmt.mode).unwrap_or(LockMode::AccessExclusiveLock);
            for rel in &stmt.relations {
                if let Some(NodeEnum::RangeVar(rv)) = &rel.node {
                    let mut action =
                        Action::new(Form::LockTable, Some(Relation::from_range_var(rv)), v);
                    action.lock = Some(mode);
                    actions.push(action);
                }
            }
        }
        NodeEnum::TransactionStmt(_)
        | NodeEnum::VariableSetStmt(_)
        | NodeEnum::VariableShowStmt(_)
        | NodeEnum::CreateFunctionStmt(_)
        | NodeEnum::CreateSchemaStmt(_)
        | NodeEnum::CreateExtensionStmt(_)
        | NodeEnum::CreateEnumStmt(_)
        | NodeEnum::CompositeTypeStmt(_)
        | NodeEnum::CreateDomainStmt(_)
        | NodeEnum::CreateRoleStmt(_)
        | NodeEnum::AlterRoleStmt(_)
        | NodeEnum::AlterFunctionStmt(_)
        | NodeEnum::AlterDefaultPrivilegesStmt(_)
        | NodeEnum::CreateCastStmt(_)
        | NodeEnum::DefineStmt(_)
        | NodeEnum::CheckPointStmt(_)
        | NodeEnum::NotifyStmt(_)
        | NodeEnum::ListenStmt(_) => actions.push(Action::new(Form::NoRelationLock, None, v)),
        _ => {
            // Why the model leaves it out (src/facts/coverage.rs).
            let why = match super::coverage::coverage(node) {
                Some(
                    super::coverage::Coverage::NotModelled(why)
                    | super::coverage::Coverage::NotTopLevel(why),
                ) => why.to_string(),
                _ => format!("{} is not modelled", super::coverage::node_name(node)),
            };
            actions.push(Action::new(Form::Unmodelled, None, v).with_detail(why))
        }
    }
    // A statement's facts are kept until its file is done: no room to spare (a vector
    // pushed to grows to four at once).
    actions.shrink_to_fit();
    Facts { actions }
}

/// The detail of a `TRUNCATE ... CASCADE` action.
pub const CASCADE: &str = "CASCADE: every table with a foreign key to it is truncated too";

/// `ALTER DOMAIN`: adding a constraint checks every column of the domain's type, in tables
/// the statement does not name (the lock is the row's `other` lock, on each of them).
fn alter_domain(stmt: &pg_query::protobuf::AlterDomainStmt, v: u32) -> Action {
    let constraint = match stmt.def.as_deref().and_then(|d| d.node.as_ref()) {
        Some(NodeEnum::Constraint(c)) if stmt.subtype == "C" => c,
        _ => return Action::new(Form::Unmodelled, None, v),
    };
    let form = if constraint.skip_validation {
        Form::AlterDomainAddConstraintNotValid
    } else {
        Form::AlterDomainAddConstraint
    };
    let domain: Vec<String> = stmt
        .type_name
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::String(s)) => Some(crate::parse::ident::quote_ident(&s.sval)),
            _ => None,
        })
        .collect();
    let mut action = Action::new(form, None, v)
        .with_constraint(&constraint.conname)
        .with_detail(format!("domain {}", domain.join(".")));
    // The tables using the domain are not named, but the lock on each of them is known.
    action.other_lock = super::entry(form).other_lock;
    action
}
