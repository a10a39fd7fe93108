//! The mapping of parse trees onto lock-model rows: one [`Action`] per thing a statement
//! does, each resolved against the model for the target PostgreSQL version.

use pg_query::NodeEnum;
use pg_query::protobuf::{
    AlterTableCmd, AlterTableType, ColumnDef, ConstrType, Constraint, ObjectType, ReindexObjectType,
};

use super::types::{self, ColumnType};
use super::volatility::{self, Volatility};
use super::{Action, Facts, Form, History, LockMode, Relation};

/// Maps one parsed statement onto lock-model rows. `history` supplies what
/// earlier statements established (column types, validated NOT NULL checks).
pub fn analyze(node: &NodeEnum, history: &dyn History) -> Facts {
    let v = history.version();
    let mut actions = Vec::new();
    match node {
        NodeEnum::AlterTableStmt(stmt) => {
            let relation = stmt.relation.as_ref().map(Relation::from_range_var);
            for (i, cmd) in stmt.cmds.iter().enumerate() {
                if let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node {
                    let before = actions.len();
                    alter_table_cmd(cmd, relation.as_ref(), history, &mut actions);
                    for action in &mut actions[before..] {
                        action.subcommand = Some(i);
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
            let mut action =
                Action::new(form, relation, v).with_detail(format!("new name {}", stmt.newname));
            match form {
                Form::RenameColumn => action = action.with_column(&stmt.subname),
                Form::RenameConstraint => action = action.with_constraint(&stmt.subname),
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
                    Action::new(Form::CreateTablePartitionOf, relation, v).with_other(parent),
                );
            } else {
                let referenced = referenced_tables(stmt);
                if referenced.is_empty() {
                    actions.push(Action::new(Form::CreateTable, relation.clone(), v));
                }
                for other in referenced {
                    actions.push(
                        Action::new(Form::CreateTableReferences, relation.clone(), v)
                            .with_other(Some(other)),
                    );
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
        }
        NodeEnum::DropStmt(stmt) => {
            let form = match ObjectType::try_from(stmt.remove_type) {
                Ok(ObjectType::ObjectTable | ObjectType::ObjectForeignTable) => Form::DropTable,
                Ok(ObjectType::ObjectIndex) if stmt.concurrent => Form::DropIndexConcurrently,
                Ok(ObjectType::ObjectIndex) => Form::DropIndex,
                Ok(ObjectType::ObjectView | ObjectType::ObjectMatview) => Form::DropView,
                Ok(ObjectType::ObjectTrigger) => Form::DropTrigger,
                _ => Form::NoRelationLock,
            };
            for object in &stmt.objects {
                let names = match &object.node {
                    Some(NodeEnum::List(list)) => list.items.as_slice(),
                    _ => std::slice::from_ref(object),
                };
                let action = if form == Form::DropTrigger {
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
                        action.detail = Some(CASCADE.into());
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
                Ok(
                    ReindexObjectType::ReindexObjectIndex | ReindexObjectType::ReindexObjectTable,
                ) if concurrently => Form::ReindexConcurrently,
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
        NodeEnum::GrantStmt(_) | NodeEnum::GrantRoleStmt(_) => {
            actions.push(Action::new(Form::Grant, None, v))
        }
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
        NodeEnum::SelectStmt(stmt) => {
            let form = if stmt.locking_clause.is_empty() {
                Form::Select
            } else {
                Form::SelectForUpdate
            };
            let tables: Vec<Relation> = stmt
                .from_clause
                .iter()
                .filter_map(|n| match &n.node {
                    Some(NodeEnum::RangeVar(rv)) => Some(Relation::from_range_var(rv)),
                    _ => None,
                })
                .collect();
            if tables.is_empty() {
                actions.push(Action::new(Form::NoRelationLock, None, v));
            }
            actions.extend(tables.into_iter().map(|t| Action::new(form, Some(t), v)));
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
        | NodeEnum::CreatePolicyStmt(_)
        | NodeEnum::CreateCastStmt(_)
        | NodeEnum::DefineStmt(_)
        | NodeEnum::CheckPointStmt(_)
        | NodeEnum::NotifyStmt(_)
        | NodeEnum::ListenStmt(_)
        | NodeEnum::AlterObjectSchemaStmt(_) => {
            actions.push(Action::new(Form::NoRelationLock, None, v))
        }
        _ => actions.push(Action::new(Form::Unmodelled, None, v)),
    }
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
            Some(NodeEnum::String(s)) => Some(super::quote_ident(&s.sval)),
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

fn alter_table_cmd(
    cmd: &AlterTableCmd,
    relation: Option<&Relation>,
    history: &dyn History,
    out: &mut Vec<Action>,
) {
    use AlterTableType as T;
    let v = history.version();
    let rel = || relation.cloned();
    let def = cmd.def.as_deref().and_then(|d| d.node.as_ref());
    let subtype = AlterTableType::try_from(cmd.subtype).unwrap_or(T::Undefined);
    let simple = |form: Form| Action::new(form, rel(), v).with_column(&cmd.name);
    match subtype {
        T::AtAddColumn => {
            if let Some(NodeEnum::ColumnDef(col)) = def {
                add_column(col, relation, v, out);
            }
        }
        T::AtColumnDefault | T::AtCookedColumnDefault => out.push(simple(Form::AlterColumnDefault)),
        T::AtDropNotNull => out.push(simple(Form::DropNotNull)),
        T::AtSetNotNull => {
            let proven =
                relation.is_some_and(|r| history.has_validated_not_null_check(r, &cmd.name));
            let form = if proven {
                Form::SetNotNullWithValidatedCheck
            } else {
                Form::SetNotNull
            };
            out.push(simple(form));
        }
        T::AtSetStatistics | T::AtSetOptions | T::AtResetOptions => {
            out.push(simple(Form::AlterColumnStatistics))
        }
        T::AtSetStorage | T::AtSetCompression => out.push(simple(Form::AlterColumnStorage)),
        T::AtAddIdentity
        | T::AtSetIdentity
        | T::AtDropIdentity
        | T::AtSetExpression
        | T::AtDropExpression => out.push(simple(Form::AlterColumnIdentity)),
        T::AtDropColumn => out.push(simple(Form::DropColumn)),
        T::AtAddConstraint => {
            if let Some(NodeEnum::Constraint(constraint)) = def {
                add_constraint(constraint, relation, None, v, out);
            }
        }
        T::AtValidateConstraint => {
            out.push(Action::new(Form::ValidateConstraint, rel(), v).with_constraint(&cmd.name))
        }
        T::AtDropConstraint => {
            out.push(Action::new(Form::DropConstraint, rel(), v).with_constraint(&cmd.name))
        }
        T::AtAlterConstraint => {
            out.push(Action::new(Form::AlterConstraint, rel(), v).with_constraint(&cmd.name))
        }
        T::AtAlterColumnType => {
            if let Some(NodeEnum::ColumnDef(col)) = def {
                out.push(alter_column_type(&cmd.name, col, relation, history));
            }
        }
        T::AtChangeOwner => out.push(simple(Form::ChangeOwner)),
        T::AtClusterOn | T::AtDropCluster => out.push(simple(Form::ClusterOn)),
        T::AtSetLogged => out.push(simple(Form::SetLogged)),
        T::AtSetUnLogged => out.push(simple(Form::SetUnlogged)),
        T::AtSetAccessMethod => out.push(simple(Form::SetAccessMethod)),
        T::AtSetTableSpace => out.push(simple(Form::SetTablespace)),
        T::AtSetRelOptions | T::AtResetRelOptions | T::AtReplaceRelOptions => {
            out.push(simple(Form::SetStorageParameters))
        }
        T::AtEnableTrig
        | T::AtEnableAlwaysTrig
        | T::AtEnableReplicaTrig
        | T::AtDisableTrig
        | T::AtEnableTrigAll
        | T::AtDisableTrigAll
        | T::AtEnableTrigUser
        | T::AtDisableTrigUser => out.push(simple(Form::EnableDisableTrigger)),
        T::AtReplicaIdentity => out.push(simple(Form::ReplicaIdentity)),
        T::AtEnableRowSecurity
        | T::AtDisableRowSecurity
        | T::AtForceRowSecurity
        | T::AtNoForceRowSecurity => out.push(simple(Form::RowSecurity)),
        T::AtAttachPartition | T::AtDetachPartition | T::AtDetachPartitionFinalize => {
            let Some(NodeEnum::PartitionCmd(part)) = def else {
                return;
            };
            let form = match subtype {
                T::AtAttachPartition => Form::AttachPartition,
                _ if part.concurrent || subtype == T::AtDetachPartitionFinalize => {
                    Form::DetachPartitionConcurrently
                }
                _ => Form::DetachPartition,
            };
            let partition = part.name.as_ref().map(Relation::from_range_var);
            out.push(Action::new(form, rel(), v).with_other(partition));
        }
        _ => out.push(simple(Form::OtherAlterTable)),
    }
}

fn add_column(col: &ColumnDef, relation: Option<&Relation>, v: u32, out: &mut Vec<Action>) {
    let column_type = col.type_name.as_ref().map(ColumnType::from_type_name);
    let constraints: Vec<&Constraint> = col
        .constraints
        .iter()
        .filter_map(|c| match &c.node {
            Some(NodeEnum::Constraint(c)) => Some(c.as_ref()),
            _ => None,
        })
        .collect();
    let has = |t: ConstrType| constraints.iter().find(|c| c.contype == t as i32).copied();
    let not_null = col.is_not_null || has(ConstrType::ConstrNotnull).is_some();
    let default = has(ConstrType::ConstrDefault)
        .and_then(|c| c.raw_expr.as_deref())
        .and_then(|e| e.node.as_ref())
        .or(col.raw_default.as_deref().and_then(|e| e.node.as_ref()))
        // `DEFAULT NULL` is no default at all.
        .filter(|e| !matches!(e, NodeEnum::AConst(c) if c.isnull));
    let serial = column_type.as_ref().is_some_and(ColumnType::is_serial);

    let generated = has(ConstrType::ConstrGenerated);
    let (form, detail) = if has(ConstrType::ConstrIdentity).is_some() || !col.identity.is_empty() {
        (Form::AddColumnIdentity, None)
    } else if generated.is_some_and(|c| c.generated_kind == "v") || col.generated == "v" {
        // PostgreSQL 18's VIRTUAL generated column is computed when read: nothing is stored.
        (
            Form::AddColumn,
            Some("a virtual generated column is computed when read".to_string()),
        )
    } else if generated.is_some() || !col.generated.is_empty() {
        (Form::AddColumnGenerated, None)
    } else if serial {
        let ty = column_type
            .as_ref()
            .map(|t| t.name.clone())
            .unwrap_or_default();
        (
            Form::AddColumnVolatileDefault,
            Some(format!("{ty} fills every row from nextval()")),
        )
    } else if let Some(default) = default {
        match volatility::default_volatility(default) {
            Volatility::NonVolatile => (Form::AddColumnDefault, None),
            Volatility::Volatile(f) => (
                Form::AddColumnVolatileDefault,
                Some(format!("{f} is volatile")),
            ),
            Volatility::Unknown(f) => (
                Form::AddColumnVolatileDefault,
                Some(format!(
                    "{f} is not known to be stable, so it is assumed volatile (the default for CREATE FUNCTION)"
                )),
            ),
        }
    } else if not_null {
        (Form::AddColumnNotNull, None)
    } else {
        (Form::AddColumn, None)
    };
    let mut action = Action::new(form, relation.cloned(), v).with_column(&col.colname);
    action.detail = detail;
    action.column_type = column_type;
    out.push(action);

    // Inline constraints on the new column are their own actions.
    for constraint in constraints {
        add_constraint(constraint, relation, Some(&col.colname), v, out);
    }
}

fn add_constraint(
    c: &Constraint,
    relation: Option<&Relation>,
    column: Option<&str>,
    v: u32,
    out: &mut Vec<Action>,
) {
    let not_valid = c.skip_validation;
    let form = match ConstrType::try_from(c.contype) {
        Ok(ConstrType::ConstrForeign) if column.is_some() => Form::AddColumnReferences,
        Ok(ConstrType::ConstrForeign) if not_valid => Form::AddForeignKeyNotValid,
        Ok(ConstrType::ConstrForeign) => Form::AddForeignKey,
        Ok(ConstrType::ConstrCheck) if not_valid => Form::AddCheckNotValid,
        Ok(ConstrType::ConstrCheck) => Form::AddCheck,
        Ok(ConstrType::ConstrUnique | ConstrType::ConstrPrimary) if !c.indexname.is_empty() => {
            Form::AddConstraintUsingIndex
        }
        Ok(ConstrType::ConstrUnique) => Form::AddUnique,
        Ok(ConstrType::ConstrPrimary) => Form::AddPrimaryKey,
        Ok(ConstrType::ConstrExclusion) => Form::AddExclude,
        // NOT NULL / DEFAULT / identity / generated on a new column are part of ADD COLUMN.
        _ if column.is_some() => return,
        _ => Form::OtherAlterTable,
    };
    let other = c.pktable.as_ref().map(Relation::from_range_var);
    let mut action = Action::new(form, relation.cloned(), v)
        .with_other(other)
        .with_constraint(&c.conname);
    action.column = column.map(str::to_string).or_else(|| first_key(c));
    if matches!(form, Form::AddCheck | Form::AddCheckNotValid) {
        action.proves_not_null = c.raw_expr.as_deref().and_then(not_null_test_column);
    }
    out.push(action);
}

fn first_key(c: &Constraint) -> Option<String> {
    c.keys
        .iter()
        .chain(&c.fk_attrs)
        .find_map(|k| match &k.node {
            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
}

/// `c IS NOT NULL` (possibly one arm of an AND) → `c`.
fn not_null_test_column(expr: &pg_query::Node) -> Option<String> {
    match expr.node.as_ref()? {
        NodeEnum::NullTest(test)
            if test.nulltesttype == pg_query::protobuf::NullTestType::IsNotNull as i32 =>
        {
            match test.arg.as_deref()?.node.as_ref()? {
                NodeEnum::ColumnRef(col) => col.fields.iter().rev().find_map(|f| match &f.node {
                    Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                    _ => None,
                }),
                _ => None,
            }
        }
        NodeEnum::BoolExpr(b) if b.boolop == pg_query::protobuf::BoolExprType::AndExpr as i32 => {
            b.args.iter().find_map(not_null_test_column)
        }
        _ => None,
    }
}

fn alter_column_type(
    column: &str,
    col: &ColumnDef,
    relation: Option<&Relation>,
    history: &dyn History,
) -> Action {
    let new_type = col.type_name.as_ref().map(ColumnType::from_type_name);
    let old_type = relation.and_then(|r| history.column_type(r, column));
    let using = col.raw_default.is_some();
    let (form, detail) = match (&old_type, &new_type) {
        (Some(old), Some(new)) if !using && types::is_binary_coercible(old, new) => (
            Form::AlterColumnTypeCoercible,
            format!("{old} to {new} is binary-coercible"),
        ),
        (Some(old), Some(new)) => (
            Form::AlterColumnType,
            format!("{old} to {new} is not binary-coercible, so it is known to rewrite"),
        ),
        (None, Some(new)) if types::has_coercible_sources(new) => (
            Form::AlterColumnType,
            format!(
                "the column's current type is not known from this migration; if it is binary-coercible to {new} \
                 (e.g. a shorter varchar), there is no rewrite and this finding can be ignored"
            ),
        ),
        (None, Some(_)) => (
            Form::AlterColumnType,
            "the column's current type is not known from the migrations".to_string(),
        ),
        _ => (Form::AlterColumnType, String::new()),
    };
    let mut action = Action::new(form, relation.cloned(), history.version()).with_column(column);
    action.detail = Some(detail).filter(|d| !d.is_empty());
    action.column_type = new_type;
    action
}

fn referenced_tables(stmt: &pg_query::protobuf::CreateStmt) -> Vec<Relation> {
    let mut out = Vec::new();
    let mut push = |c: &Constraint| {
        if c.contype == ConstrType::ConstrForeign as i32 {
            if let Some(pk) = &c.pktable {
                let r = Relation::from_range_var(pk);
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
    };
    for element in stmt.table_elts.iter().chain(&stmt.constraints) {
        match &element.node {
            Some(NodeEnum::ColumnDef(col)) => {
                for c in &col.constraints {
                    if let Some(NodeEnum::Constraint(c)) = &c.node {
                        push(c);
                    }
                }
            }
            Some(NodeEnum::Constraint(c)) => push(c),
            _ => {}
        }
    }
    out
}
