//! A table as `op.create_table` (or the throwaway table of `op.add_column`) builds it: its
//! implicit primary key, derived constraints and indexes, and the DDL they render to.

use crate::python::Value;

use crate::alembic::render::approx;
use crate::alembic::render::names::sa_name;
use crate::alembic::render::quote::{qualified, quote, string_literal};

use super::args::string_list;
use super::column::{Autoincrement, Column};
use super::constraint::{Constraint, ConstraintKind, Deferral, table_constraint};
use super::index::{Index, default_convention_name};

/// A table being created (`op.create_table`) or the throwaway table `op.add_column` builds.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub schema: Option<String>,
    pub columns: Vec<Column>,
    /// Constraints in SQLAlchemy's creation order, the primary key excluded.
    pub constraints: Vec<Constraint>,
    pub primary_key: Option<Constraint>,
    pub indexes: Vec<Index>,
    pub comment: Option<String>,
    pub post_create: String,
    /// `prefixes=[...]` and `IF NOT EXISTS`, between CREATE and the table name.
    pub create_prefix: String,
    pub if_not_exists: bool,
}

impl Table {
    /// Builds the table from `create_table`'s positional items (columns, constraints, indexes).
    pub fn new(
        name: &str,
        schema: Option<String>,
        items: &[Value],
        options: &[(String, Value)],
    ) -> Result<Table, String> {
        let mut columns = Vec::new();
        let mut explicit = Vec::new();
        let mut explicit_pk = None;
        let mut index_objects = Vec::new();
        for item in items {
            let Some(object) = item.as_object() else {
                return Err(format!("a {} among create_table items", item.type_name()));
            };
            match sa_name(&object.path) {
                Some("Column") => columns.push(Column::from_object(object)?),
                Some("Index") => index_objects.push(object),
                Some("PrimaryKeyConstraint") => explicit_pk = Some(table_constraint(object)?),
                _ => explicit.push(table_constraint(object)?),
            }
        }
        // An explicit PrimaryKeyConstraint marks its columns as primary key (and NOT NULL).
        if let Some(Constraint {
            kind: ConstraintKind::PrimaryKey { columns: pk, .. },
            ..
        }) = &explicit_pk
        {
            for column in columns.iter_mut() {
                column.primary_key = pk.contains(&column.name);
            }
        }
        let mut table = Table {
            name: name.to_string(),
            schema,
            columns,
            constraints: explicit,
            primary_key: None,
            indexes: Vec::new(),
            comment: None,
            post_create: String::new(),
            create_prefix: String::new(),
            if_not_exists: false,
        };
        table.primary_key = match explicit_pk {
            Some(pk) => Some(pk),
            None => table.implicit_primary_key(),
        };
        for object in index_objects {
            let name = object
                .args
                .first()
                .and_then(Value::as_str)
                .map(str::to_string);
            let elements = object.args.get(1..).unwrap_or_default();
            table
                .indexes
                .push(Index::from_parts(name, elements, &object.kwargs)?);
        }
        table.add_column_derived()?;
        for (key, value) in options {
            match (key.as_str(), value) {
                ("comment", Value::Str(c)) => table.comment = Some(c.clone()),
                ("comment", Value::None) => {}
                ("comment", v) if approx::unknown_name(v).is_some() => {
                    table.comment = approx::text(v)
                }
                ("postgresql_partition_by", Value::Str(p)) => {
                    table.post_create.push_str(&format!("\n PARTITION BY {p}"))
                }
                ("postgresql_inherits", v) => {
                    let names = string_list(Some(v))?;
                    let names: Vec<String> = names.iter().map(|n| quote(n)).collect();
                    table
                        .post_create
                        .push_str(&format!("\n INHERITS ({})", names.join(", ")));
                }
                ("postgresql_tablespace", Value::Str(t)) => table
                    .post_create
                    .push_str(&format!("\n TABLESPACE {}", quote(t))),
                ("prefixes", v) => {
                    for prefix in string_list(Some(v))? {
                        table.create_prefix.push_str(&prefix);
                        table.create_prefix.push(' ');
                    }
                }
                ("if_not_exists", v) if v.truthy() == Some(true) => table.if_not_exists = true,
                ("schema" | "info" | "keep_existing" | "extend_existing" | "if_not_exists", _) => {}
                // Other dialects' options (`sqlite_autoincrement`, `mysql_engine`): the
                // PostgreSQL dialect ignores them.
                (other, _) if is_other_dialect_option(other) => {}
                (other, _) => return Err(format!("create_table option `{other}`")),
            }
        }
        Ok(table)
    }

    fn implicit_primary_key(&self) -> Option<Constraint> {
        let mut columns: Vec<String> = self
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.clone())
            .collect();
        if columns.is_empty() {
            return None;
        }
        // `columns_autoinc_first`.
        if let Some(auto) = self.autoincrement_column_name(&columns)
            && let Some(position) = columns.iter().position(|c| *c == auto)
        {
            let auto = columns.remove(position);
            columns.insert(0, auto);
        }
        Some(Constraint {
            name: None,
            kind: ConstraintKind::PrimaryKey {
                columns,
                include: Vec::new(),
            },
            deferral: Deferral::default(),
        })
    }

    fn pk_columns(&self) -> Vec<String> {
        match &self.primary_key {
            Some(Constraint {
                kind: ConstraintKind::PrimaryKey { columns, .. },
                ..
            }) => columns.clone(),
            _ => Vec::new(),
        }
    }

    fn autoincrement_column_name(&self, pk: &[String]) -> Option<String> {
        let pk_columns: Vec<&Column> = pk
            .iter()
            .filter_map(|n| self.columns.iter().find(|c| &c.name == n))
            .collect();
        if let [only] = pk_columns.as_slice() {
            // A table-level ForeignKeyConstraint on the column counts like a column ForeignKey.
            let in_table_fk = self.constraints.iter().any(|c| {
                matches!(&c.kind, ConstraintKind::ForeignKey { columns, .. } if columns.contains(&only.name))
            });
            let fk_blocks = in_table_fk && only.autoincrement == Autoincrement::Auto;
            return match only.autoincrement {
                Autoincrement::True => Some(only.name.clone()),
                Autoincrement::Auto | Autoincrement::IgnoreFk
                    if only.can_autoincrement(false) && !fk_blocks =>
                {
                    Some(only.name.clone())
                }
                _ => None,
            };
        }
        pk_columns
            .iter()
            .find(|c| c.autoincrement == Autoincrement::True)
            .map(|c| c.name.clone())
    }

    /// The column SQLAlchemy renders as SERIAL, if any.
    pub fn autoincrement_column(&self) -> Option<String> {
        self.autoincrement_column_name(&self.pk_columns())
    }

    /// Constraints and indexes that `Column(unique=, index=)`, `ForeignKey` and non-native enums
    /// attach when the column joins the table, in column order.
    fn add_column_derived(&mut self) -> Result<(), String> {
        for column in &self.columns {
            if column.index {
                let name =
                    default_convention_name(self.schema.as_deref(), &self.name, &column.name);
                self.indexes.push(Index {
                    name: Some(name),
                    elements: vec![quote(&column.name)],
                    unique: column.unique,
                    ..Index::default()
                });
            } else if column.unique {
                self.constraints.push(Constraint {
                    name: None,
                    kind: ConstraintKind::Unique {
                        columns: vec![column.name.clone()],
                        include: Vec::new(),
                        nulls_not_distinct: None,
                    },
                    deferral: Deferral::default(),
                });
            }
            if let Some(e) = column.sql_type.enum_type()
                && !e.native
                && e.create_constraint
            {
                let values: Vec<String> = e.values.iter().map(|v| string_literal(v)).collect();
                self.constraints.push(Constraint {
                    name: e.name.clone(),
                    kind: ConstraintKind::Check {
                        sql: format!("{} IN ({})", quote(&column.name), values.join(", ")),
                        not_valid: false,
                    },
                    deferral: Deferral::default(),
                });
            }
            self.constraints.extend(column.foreign_keys.iter().cloned());
        }
        Ok(())
    }

    /// `CREATE TABLE` as `visit_create_table` lays it out.
    pub fn create_sql(&self) -> String {
        let schema = self.schema.as_deref();
        let auto = self.autoincrement_column();
        let mut lines: Vec<String> = self
            .columns
            .iter()
            .map(|c| c.create_sql(schema, auto.as_deref() == Some(c.name.as_str())))
            .collect();
        if let Some(pk) = &self.primary_key {
            lines.push(pk.sql());
        }
        let created_with = |c: &&Constraint| {
            !matches!(
                c.kind,
                ConstraintKind::ForeignKey {
                    use_alter: true,
                    ..
                }
            )
        };
        lines.extend(
            self.constraints
                .iter()
                .filter(created_with)
                .map(Constraint::sql),
        );
        let if_not_exists = if self.if_not_exists {
            "IF NOT EXISTS "
        } else {
            ""
        };
        format!(
            "CREATE {}TABLE {if_not_exists}{} (\n\t{}\n){}",
            self.create_prefix,
            qualified(schema, &self.name),
            lines.join(", \n\t"),
            self.post_create
        )
    }

    /// `CREATE TYPE` for the native enums `create_table` creates first, once per name: each
    /// as its qualified name (what the migration's memo of created types is keyed by) and
    /// its statement.
    pub fn enum_creates(&self) -> Result<Vec<(String, String)>, String> {
        let mut out: Vec<(String, String)> = Vec::new();
        for column in &self.columns {
            if let Some(e) = column.sql_type.enum_type()
                && e.native
                && e.create_type
            {
                let name = e.qualified_name(self.schema.as_deref())?;
                if !out.iter().any(|(seen, _)| *seen == name) {
                    out.push((name, e.create_sql(self.schema.as_deref())?));
                }
            }
        }
        Ok(out)
    }

    pub fn table_comment_sql(&self) -> Option<String> {
        self.comment.as_ref().map(|c| {
            format!(
                "COMMENT ON TABLE {} IS {}",
                qualified(self.schema.as_deref(), &self.name),
                string_literal(c)
            )
        })
    }

    pub fn column_comment_sql(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter_map(|c| {
                let comment = c.comment.as_ref()?;
                Some(format!(
                    "COMMENT ON COLUMN {}.{} IS {}",
                    qualified(self.schema.as_deref(), &self.name),
                    quote(&c.name),
                    string_literal(comment)
                ))
            })
            .collect()
    }

    pub fn index_sql(&self) -> Result<Vec<String>, String> {
        self.indexes
            .iter()
            .map(|i| i.create_sql(self.schema.as_deref(), &self.name))
            .collect()
    }
}

/// A keyword argument for another dialect SQLAlchemy ships (`sqlite_autoincrement`,
/// `mysql_engine`): the PostgreSQL dialect ignores it.
pub fn is_other_dialect_option(name: &str) -> bool {
    ["sqlite_", "mysql_", "mariadb_", "mssql_", "oracle_"]
        .iter()
        .any(|prefix| {
            name.strip_prefix(prefix)
                .is_some_and(|rest| !rest.is_empty())
        })
}
