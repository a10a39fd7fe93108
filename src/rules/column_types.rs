//! The columns a statement declares or retypes, with their types as written: shared by the
//! column-type rules (`prefer-*`, `banned-char-type`). Reads CREATE TABLE, ALTER TABLE ...
//! ADD COLUMN and ALTER TABLE ... ALTER COLUMN ... TYPE.

use std::rc::Rc;

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, ConstrType, RangeVar, TypeName};

use super::advice::python_string;
use crate::facts::types::ColumnType;
use crate::parse::ColumnClause;
use crate::parse::ident::quote_ident;

/// How the column is declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    CreateTable,
    AddColumn,
    AlterType,
}

/// One column with its written type. Its names are the statement's tree's, borrowed: a
/// column was five allocations (7 % of those linting 3,200 files), for rules that mostly
/// find nothing to say.
#[derive(Debug, Clone)]
pub struct TypedColumn<'a> {
    /// The table, quoted as SQL (`app.users`), once for all the statement's columns.
    pub table: Rc<str>,
    /// The table's bare name, for Alembic.
    pub bare_table: &'a str,
    /// The table's schema, bare, when the statement names one (Alembic's `schema=`).
    pub schema: Option<&'a str>,
    /// The column's bare name.
    pub column: &'a str,
    pub column_type: ColumnType,
    /// The type's last name exactly as parsed (`bpchar` for `char(n)`, `char` for `"char"`).
    pub raw_name: &'a str,
    pub declared: Declared,
    /// Part of the table's primary key (column or table constraint of a CREATE TABLE, or a
    /// PRIMARY KEY on an added column).
    pub primary_key: bool,
}

impl TypedColumn<'_> {
    /// The column, quoted as SQL (borrowed when it needs no quotes, as most do not).
    pub fn quoted(&self) -> std::borrow::Cow<'_, str> {
        crate::parse::ident::quoted_ident(self.column)
    }

    /// `, schema="app"` for an Alembic call on the column's table when it names a schema,
    /// nothing when it does not.
    pub fn schema_kwarg(&self) -> String {
        let table = crate::facts::Relation::new(self.schema, self.bare_table);
        super::advice::schema_kwarg(Some(&table))
    }

    /// Where it is declared, for messages: `users.id`.
    pub fn place(&self) -> String {
        // Joined at its final length, not grown by `format!`: most findings about a
        // column name it.
        [&*self.table, ".", &self.quoted()].concat()
    }

    /// The kind of clause that declares or retypes it in its statement's text.
    pub fn clause_kind(&self) -> ColumnClause {
        match self.declared {
            Declared::CreateTable => ColumnClause::TableElement,
            Declared::AddColumn => ColumnClause::AddColumn,
            Declared::AlterType => ColumnClause::AlterColumn,
        }
    }
}

fn table_name(rv: Option<&RangeVar>) -> (Rc<str>, &str) {
    let Some(rv) = rv else {
        return ("<table>".into(), "<table>");
    };
    let quoted = if rv.schemaname.is_empty() {
        quote_ident(&rv.relname)
    } else {
        format!(
            "{}.{}",
            quote_ident(&rv.schemaname),
            quote_ident(&rv.relname)
        )
    };
    (quoted.into(), &rv.relname)
}

fn is_primary(constraints: &[pg_query::Node]) -> bool {
    constraints.iter().any(|c| {
        matches!(&c.node, Some(NodeEnum::Constraint(c))
            if c.contype == ConstrType::ConstrPrimary as i32)
    })
}

/// Alembic's version table (its default name), created by the bookkeeping of an offline
/// `upgrade --sql` script: its `varchar(32)` column is Alembic's choice, not the project's.
const ALEMBIC_VERSION_TABLE: &str = "alembic_version";

/// Every column the statement declares or retypes, in order (none of Alembic's version
/// table).
pub fn typed_columns(node: &NodeEnum) -> Vec<TypedColumn<'_>> {
    let mut out: Vec<TypedColumn> = Vec::new();
    fn push<'a>(
        out: &mut Vec<TypedColumn<'a>>,
        rv: Option<&'a RangeVar>,
        column: &'a str,
        type_name: Option<&'a TypeName>,
        declared: Declared,
        primary_key: bool,
    ) {
        let Some(type_name) = type_name else {
            return;
        };
        if rv.is_some_and(|rv| rv.relname == ALEMBIC_VERSION_TABLE) {
            return;
        }
        // Every column of a statement is on its one table: quoted once, shared after.
        let (table, bare_table) = match out.last() {
            Some(last) => (last.table.clone(), last.bare_table),
            None => table_name(rv),
        };
        out.push(TypedColumn {
            table,
            bare_table,
            schema: rv
                .map(|rv| rv.schemaname.as_str())
                .filter(|s| !s.is_empty()),
            column,
            column_type: ColumnType::from_type_name(type_name),
            raw_name: crate::facts::types::last_name(type_name),
            declared,
            primary_key,
        });
    }
    match node {
        NodeEnum::CreateStmt(stmt) => {
            let table_keys: Vec<String> = stmt
                .table_elts
                .iter()
                .filter_map(|e| match &e.node {
                    Some(NodeEnum::Constraint(c))
                        if c.contype == ConstrType::ConstrPrimary as i32 =>
                    {
                        Some(c.keys.iter())
                    }
                    _ => None,
                })
                .flatten()
                .filter_map(|k| match &k.node {
                    Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                    _ => None,
                })
                .collect();
            // One per element at most: a wide table's columns grow the vector once.
            out.reserve_exact(stmt.table_elts.len());
            for elt in &stmt.table_elts {
                if let Some(NodeEnum::ColumnDef(col)) = &elt.node {
                    let primary = is_primary(&col.constraints) || table_keys.contains(&col.colname);
                    push(
                        &mut out,
                        stmt.relation.as_ref(),
                        &col.colname,
                        col.type_name.as_ref(),
                        Declared::CreateTable,
                        primary,
                    );
                }
            }
        }
        NodeEnum::AlterTableStmt(stmt) => {
            for cmd in &stmt.cmds {
                let Some(NodeEnum::AlterTableCmd(cmd)) = &cmd.node else {
                    continue;
                };
                let Some(NodeEnum::ColumnDef(col)) =
                    cmd.def.as_deref().and_then(|d| d.node.as_ref())
                else {
                    continue;
                };
                match AlterTableType::try_from(cmd.subtype) {
                    Ok(AlterTableType::AtAddColumn) => push(
                        &mut out,
                        stmt.relation.as_ref(),
                        &col.colname,
                        col.type_name.as_ref(),
                        Declared::AddColumn,
                        is_primary(&col.constraints),
                    ),
                    Ok(AlterTableType::AtAlterColumnType) => push(
                        &mut out,
                        stmt.relation.as_ref(),
                        &cmd.name,
                        col.type_name.as_ref(),
                        Declared::AlterType,
                        false,
                    ),
                    _ => {}
                }
            }
        }
        _ => {}
    }
    out
}

/// The SQL clause that declares `column` with `new_type`, as its statement would: the
/// column definition of a CREATE TABLE / ADD COLUMN, or the ALTER COLUMN ... TYPE.
pub fn declaration(column: &TypedColumn, new_type: &str) -> String {
    let (head, before_name, before_type, tail) = match column.declared {
        Declared::CreateTable => ("CREATE TABLE ", " (..., ", " ", ", ...);"),
        Declared::AddColumn => ("ALTER TABLE ", " ADD COLUMN ", " ", ";"),
        Declared::AlterType => ("ALTER TABLE ", " ALTER COLUMN ", " TYPE ", ";"),
    };
    // Joined at its final length (`concat`), not grown by `format!`: the column type rules
    // write one for each column they flag.
    let (table, name) = (&*column.table, &*column.quoted());
    [head, table, before_name, name, before_type, new_type, tail].concat()
}

/// The same in Alembic, with `sa_type` an SQLAlchemy type expression (`sa.Text()`).
pub fn alembic_declaration(column: &TypedColumn, sa_type: &str) -> String {
    let (table, col) = (
        python_string(column.bare_table),
        python_string(column.column),
    );
    let schema = column.schema_kwarg();
    match column.declared {
        Declared::CreateTable => {
            format!("op.create_table({table}, ..., sa.Column({col}, {sa_type}), ...{schema})")
        }
        Declared::AddColumn => {
            format!("op.add_column({table}, sa.Column({col}, {sa_type}){schema})")
        }
        Declared::AlterType => {
            format!("op.alter_column({table}, {col}, type_={sa_type}{schema})")
        }
    }
}
