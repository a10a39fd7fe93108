//! ALTER TABLE subcommands onto lock-model rows: one [`Action`] per subcommand (ADD COLUMN
//! with inline constraints gives several).

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableCmd, AlterTableType, ColumnDef, ConstrType, Constraint};

use super::types::{self, ColumnType};
use super::volatility::{self, Volatility};
use super::{Action, Form, History, Relation};

pub(super) fn alter_table_cmd(
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
            let already = relation.is_some_and(|r| history.column_is_not_null(r, &cmd.name));
            let proven =
                relation.is_some_and(|r| history.has_validated_not_null_check(r, &cmd.name));
            let form = if already {
                Form::SetNotNullAlreadyNotNull
            } else if proven {
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
            let target = relation.and_then(|r| history.foreign_key_target(r, &cmd.name));
            let action = match target {
                Some(target) => {
                    Action::new(Form::ValidateForeignKey, rel(), v).with_other(Some(target), v)
                }
                None => Action::new(Form::ValidateConstraint, rel(), v),
            };
            out.push(action.with_constraint(&cmd.name))
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
        T::AtClusterOn => {
            // CLUSTER ON names an index of the table's schema.
            let index = relation.map(|r| Relation::new(r.schema.as_deref(), &cmd.name));
            out.push(Action::new(Form::ClusterOn, rel(), v).with_other(index, v))
        }
        T::AtDropCluster => out.push(simple(Form::ClusterOn)),
        T::AtAddInherit | T::AtDropInherit => {
            let parent = match def {
                Some(NodeEnum::RangeVar(rv)) => Some(Relation::from_range_var(rv)),
                _ => None,
            };
            let form = if subtype == T::AtAddInherit {
                Form::InheritTable
            } else {
                Form::NoInheritTable
            };
            out.push(Action::new(form, rel(), v).with_other(parent, v))
        }
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
            out.push(Action::new(form, rel(), v).with_other(partition, v));
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
                    "{f} is neither a built-in function (PostgreSQL {}'s catalog) nor a known extension's, so it is assumed volatile (the default for CREATE FUNCTION)",
                    volatility::catalog_major()
                )),
            ),
        }
    } else if not_null {
        (Form::AddColumnNotNull, None)
    } else {
        (Form::AddColumn, None)
    };
    let mut action = Action::new(form, relation.cloned(), v).with_column(&col.colname);
    action.set_detail(detail);
    action.column_type = column_type.map(Box::new);
    out.push(action);

    // Inline constraints on the new column are their own actions.
    let before = out.len();
    for constraint in constraints.iter().copied() {
        add_constraint(constraint, relation, Some(&col.colname), v, out);
    }
    // PostgreSQL skips validating a new column's foreign key only when the column has no
    // DEFAULT clause at all (transformAlterTableStmt: `def->raw_default != NULL`).
    let has_default_clause = has(ConstrType::ConstrDefault).is_some() || col.raw_default.is_some();
    if has_default_clause {
        for action in &mut out[before..] {
            if action.form == Form::AddColumnReferences {
                let mut validated = Action::new(
                    Form::AddColumnReferencesValidated,
                    action.relation.clone(),
                    v,
                )
                .with_other(action.other.clone(), v);
                validated.column = action.column.take();
                validated.set_constraint(action.constraint().map(str::to_string));
                *action = validated;
            }
        }
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
    // A foreign key's referenced table; the index a constraint is made from (same schema).
    let other = match &c.pktable {
        Some(pk) => Some(Relation::from_range_var(pk)),
        None if form == Form::AddConstraintUsingIndex => {
            relation.map(|r| Relation::new(r.schema.as_deref(), &c.indexname))
        }
        None => None,
    };
    let mut action = Action::new(form, relation.cloned(), v)
        .with_other(other, v)
        .with_constraint(&c.conname);
    action.column = column.map(str::to_string).or_else(|| first_key(c));
    if matches!(form, Form::AddCheck | Form::AddCheckNotValid) {
        action.set_proves_not_null(c.raw_expr.as_deref().and_then(not_null_test_column));
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

/// Whether a `USING` expression is the column itself, or the column cast to the new type:
/// PostgreSQL plans the conversion and looks through what is then a relabeling of the
/// column (`ATColumnChangeRequiresRewrite`), so such a USING changes nothing when the
/// types are binary-coercible (`USING value::text` from varchar to text; pgadmin's
/// f656e56dfdc8). A cast to any other type is taken as a rewrite: `USING code::varchar`
/// to `varchar(20)` rewrites, since the length check from an unbounded varchar stays.
fn is_the_column(
    using: &NodeEnum,
    column: &str,
    old: Option<&ColumnType>,
    new: Option<&ColumnType>,
) -> bool {
    let names_column = |node: &NodeEnum| match node {
        NodeEnum::ColumnRef(reference) => (reference.fields.last())
            .is_some_and(|f| matches!(&f.node, Some(NodeEnum::String(s)) if s.sval == column)),
        _ => false,
    };
    match using {
        NodeEnum::TypeCast(cast) => {
            let (Some(arg), Some(via), Some(old), Some(new)) = (
                cast.arg.as_deref().and_then(|arg| arg.node.as_ref()),
                cast.type_name.as_ref().map(ColumnType::from_type_name),
                old,
                new,
            ) else {
                return false;
            };
            names_column(arg) && via == *new && (old == new || types::is_binary_coercible(old, new))
        }
        other => names_column(other),
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
    let using = (col.raw_default.as_deref())
        .and_then(|using| using.node.as_ref())
        .is_some_and(|using| !is_the_column(using, column, old_type.as_ref(), new_type.as_ref()));
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
    action.set_detail(Some(detail).filter(|d| !d.is_empty()));
    action.column_type = new_type.map(Box::new);
    action
}
