//! Constraints (primary key, unique, check, foreign key, exclude) read from recorded calls,
//! and their clauses as `CREATE TABLE` and `ALTER TABLE ... ADD` render them.

use crate::python::{Object, Value};

use crate::alembic::render::names::{explicit_name, sa_name};
use crate::alembic::render::quote::{qualified, quote};
use crate::alembic::render::sql::{StrAs, expression};

use super::args::{opt_bool, opt_str, string_list};

/// Deferrability clauses shared by constraints.
#[derive(Debug, Clone, Default)]
pub struct Deferral {
    pub deferrable: Option<bool>,
    pub initially: Option<String>,
}

impl Deferral {
    fn from(object: &Object) -> Result<Self, String> {
        let deferrable = match object.kwarg("deferrable") {
            None | Some(Value::None) => None,
            Some(v) => Some(v.truthy().ok_or("`deferrable` is a runtime value")?),
        };
        Ok(Deferral {
            deferrable,
            initially: opt_str(object, "initially")?,
        })
    }

    fn sql(&self) -> String {
        let mut text = String::new();
        match self.deferrable {
            Some(true) => text.push_str(" DEFERRABLE"),
            Some(false) => text.push_str(" NOT DEFERRABLE"),
            None => {}
        }
        if let Some(initially) = &self.initially {
            text.push_str(&format!(" INITIALLY {initially}"));
        }
        text
    }
}

#[derive(Debug, Clone)]
pub enum ConstraintKind {
    PrimaryKey {
        columns: Vec<String>,
        include: Vec<String>,
    },
    Unique {
        columns: Vec<String>,
        include: Vec<String>,
        nulls_not_distinct: Option<bool>,
    },
    Check {
        sql: String,
        not_valid: bool,
    },
    ForeignKey {
        columns: Vec<String>,
        ref_schema: Option<String>,
        ref_table: String,
        ref_columns: Vec<String>,
        ondelete: Option<String>,
        onupdate: Option<String>,
        match_: Option<String>,
        not_valid: bool,
        /// `use_alter=True`: left out of `CREATE TABLE` (SQLAlchemy's `CreateTable` skips
        /// it, and Alembic's `create_table` never adds it after).
        use_alter: bool,
    },
    /// `(element, operator)` pairs, already rendered.
    Exclude {
        elements: Vec<(String, String)>,
        using: String,
        where_: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub struct Constraint {
    pub name: Option<String>,
    pub kind: ConstraintKind,
    pub deferral: Deferral,
}

impl Constraint {
    /// The constraint clause as in `CREATE TABLE` and `ALTER TABLE ... ADD`.
    pub fn sql(&self) -> String {
        let mut text = match &self.name {
            Some(name) => format!("CONSTRAINT {} ", quote(name)),
            None => String::new(),
        };
        let list = |columns: &[String]| {
            columns
                .iter()
                .map(|c| quote(c))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let include = |columns: &[String]| {
            if columns.is_empty() {
                String::new()
            } else {
                format!(" INCLUDE ({})", list(columns))
            }
        };
        match &self.kind {
            ConstraintKind::PrimaryKey {
                columns,
                include: inc,
            } => {
                text.push_str(&format!(
                    "PRIMARY KEY ({}){}{}",
                    list(columns),
                    include(inc),
                    self.deferral.sql()
                ));
            }
            ConstraintKind::Unique {
                columns,
                include: inc,
                nulls_not_distinct,
            } => {
                let distinct = match nulls_not_distinct {
                    Some(true) => "NULLS NOT DISTINCT ",
                    Some(false) => "NULLS DISTINCT ",
                    None => "",
                };
                text.push_str(&format!(
                    "UNIQUE {distinct}({}){}{}",
                    list(columns),
                    include(inc),
                    self.deferral.sql()
                ));
            }
            ConstraintKind::Check { sql, not_valid } => {
                text.push_str(&format!("CHECK ({sql}){}", self.deferral.sql()));
                if *not_valid {
                    text.push_str(" NOT VALID");
                }
            }
            ConstraintKind::ForeignKey {
                columns,
                ref_schema,
                ref_table,
                ref_columns,
                ondelete,
                onupdate,
                match_,
                not_valid,
                use_alter: _,
            } => {
                text.push_str(&format!(
                    "FOREIGN KEY({}) REFERENCES {} ({})",
                    list(columns),
                    qualified(ref_schema.as_deref(), ref_table),
                    list(ref_columns)
                ));
                if let Some(m) = match_ {
                    text.push_str(&format!(" MATCH {m}"));
                }
                if let Some(action) = ondelete {
                    text.push_str(&format!(" ON DELETE {action}"));
                }
                if let Some(action) = onupdate {
                    text.push_str(&format!(" ON UPDATE {action}"));
                }
                text.push_str(&self.deferral.sql());
                if *not_valid {
                    text.push_str(" NOT VALID");
                }
            }
            ConstraintKind::Exclude {
                elements,
                using,
                where_,
            } => {
                let elements: Vec<String> = elements
                    .iter()
                    .map(|(e, op)| format!("{e} WITH {op}"))
                    .collect();
                text.push_str(&format!(
                    "EXCLUDE USING {} ({})",
                    using.to_lowercase(),
                    elements.join(", ")
                ));
                if let Some(w) = where_ {
                    text.push_str(&format!(" WHERE ({w})"));
                }
                text.push_str(&self.deferral.sql());
            }
        }
        text
    }
}

/// `"table.column"` or `"schema.table.column"`.
fn split_target(target: &str) -> Result<(Option<String>, String, String), String> {
    let parts: Vec<&str> = target.split('.').collect();
    match parts.as_slice() {
        [table, column] => Ok((None, table.to_string(), column.to_string())),
        [schema @ .., table, column] if !schema.is_empty() => Ok((
            Some(schema.join(".")),
            table.to_string(),
            column.to_string(),
        )),
        _ => Err(format!(
            "foreign key target `{target}` is not `table.column`"
        )),
    }
}

/// `sa.ForeignKeyConstraint(...)` or `sa.ForeignKey(...)` on `columns`.
pub fn foreign_key(
    object: &Object,
    columns: Vec<String>,
    targets: &[String],
) -> Result<Constraint, String> {
    let mut ref_schema = None;
    let mut ref_table = String::new();
    let mut ref_columns = Vec::new();
    for target in targets {
        let (schema, table, column) = split_target(target)?;
        ref_schema = schema;
        ref_table = table;
        ref_columns.push(column);
    }
    if ref_table.is_empty() {
        return Err("foreign key without a target".into());
    }
    Ok(Constraint {
        name: opt_str(object, "name")?
            .map(|n| explicit_name(&n))
            .transpose()?,
        kind: ConstraintKind::ForeignKey {
            columns,
            ref_schema,
            ref_table,
            ref_columns,
            ondelete: opt_str(object, "ondelete")?,
            onupdate: opt_str(object, "onupdate")?,
            match_: opt_str(object, "match")?,
            not_valid: opt_bool(object, "postgresql_not_valid")?.unwrap_or(false),
            use_alter: opt_bool(object, "use_alter")?.unwrap_or(false),
        },
        deferral: Deferral::from(object)?,
    })
}

/// A table-level constraint object passed to `create_table`.
pub fn table_constraint(object: &Object) -> Result<Constraint, String> {
    // `CheckConstraint(sqltext, name)`: the only one of these whose name may be positional.
    let name = match (sa_name(&object.path), object.param(1, "name")) {
        (Some("CheckConstraint"), Some(Value::Str(name))) => Some(name.clone()),
        (Some("CheckConstraint"), Some(Value::None) | None) => None,
        (Some("CheckConstraint"), Some(other)) => {
            return Err(format!("CheckConstraint name is a {}", other.type_name()));
        }
        _ => opt_str(object, "name")?,
    };
    let name = name.map(|n| explicit_name(&n)).transpose()?;
    let deferral = Deferral::from(object)?;
    let kind = match sa_name(&object.path) {
        Some("PrimaryKeyConstraint") => ConstraintKind::PrimaryKey {
            columns: string_list(Some(&Value::List(object.args.clone())))?,
            include: string_list(object.kwarg("postgresql_include"))?,
        },
        Some("UniqueConstraint") => ConstraintKind::Unique {
            columns: string_list(Some(&Value::List(object.args.clone())))?,
            include: string_list(object.kwarg("postgresql_include"))?,
            nulls_not_distinct: opt_bool(object, "postgresql_nulls_not_distinct")?,
        },
        Some("CheckConstraint") => ConstraintKind::Check {
            sql: expression(
                object
                    .param(0, "sqltext")
                    .ok_or("CheckConstraint without a condition")?,
                StrAs::Text,
            )?,
            not_valid: opt_bool(object, "postgresql_not_valid")?.unwrap_or(false),
        },
        Some("ForeignKeyConstraint") => {
            let columns = string_list(object.param(0, "columns"))?;
            let targets = string_list(object.param(1, "refcolumns"))?;
            return foreign_key(object, columns, &targets);
        }
        Some("ExcludeConstraint") => exclude(object)?,
        _ => return Err(format!("`{}` as a table constraint", object.path)),
    };
    Ok(Constraint {
        name,
        kind,
        deferral,
    })
}

/// `postgresql.ExcludeConstraint((element, operator), ..., using=, where=)`.
pub fn exclude(object: &Object) -> Result<ConstraintKind, String> {
    let mut elements = Vec::new();
    for pair in &object.args {
        match pair.as_sequence() {
            Some([element, Value::Str(operator)]) => {
                elements.push((expression(element, StrAs::Column)?, operator.clone()))
            }
            _ => return Err("exclude element is not an `(expression, operator)` pair".into()),
        }
    }
    let using = match object.kwarg("using") {
        None => "gist".to_string(),
        Some(Value::Str(s)) => s.clone(),
        Some(other) => return Err(format!("`using` is a {}", other.type_name())),
    };
    let where_ = match object.kwarg("where") {
        None | Some(Value::None) => None,
        Some(v) => Some(expression(v, StrAs::Text)?),
    };
    Ok(ConstraintKind::Exclude {
        elements,
        using,
        where_,
    })
}
