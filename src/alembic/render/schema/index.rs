//! `sa.Index(...)` and `op.create_index(...)` options, and the `CREATE INDEX` statement
//! PostgreSQL's DDL compiler renders for them.

use crate::python::Value;

use crate::alembic::render::approx;
use crate::alembic::render::names::{explicit_name, sa_name, truncated_label};
use crate::alembic::render::quote::{qualified, quote};
use crate::alembic::render::sql::{StrAs, expression};

use super::args::string_list;

/// `ix_%(column_0_label)s`, SQLAlchemy's default name of an index: `ix_`, the schema, the
/// table and the first column, shortened as SQLAlchemy shortens long names.
pub fn default_convention_name(schema: Option<&str>, table: &str, column: &str) -> String {
    let label = match schema {
        Some(schema) => format!("{schema}_{table}_{column}"),
        None => format!("{table}_{column}"),
    };
    truncated_label(&format!("ix_{label}"))
}

/// A `sa.Index(...)` or `op.create_index(...)`.
#[derive(Debug, Clone, Default)]
pub struct Index {
    pub name: Option<String>,
    /// Rendered elements, with their operator class.
    pub elements: Vec<String>,
    /// The first element's column name or expression text: what an index given no name
    /// is named after.
    pub first_key: Option<String>,
    pub unique: bool,
    pub concurrently: bool,
    pub if_not_exists: bool,
    pub using: Option<String>,
    pub include: Vec<String>,
    pub nulls_not_distinct: Option<bool>,
    pub with: Vec<(String, Value)>,
    pub tablespace: Option<String>,
    pub where_: Option<String>,
}

impl Index {
    /// Reads the index options shared by `sa.Index` and `op.create_index`; `elements` are the
    /// column names or expressions.
    pub fn from_parts(
        name: Option<String>,
        elements: &[Value],
        options: &[(String, Value)],
    ) -> Result<Index, String> {
        let get = |key: &str| options.iter().find(|(k, _)| k == key).map(|(_, v)| v);
        let flag = |key: &str| -> Result<bool, String> {
            match get(key) {
                None => Ok(false),
                Some(v) => v
                    .truthy()
                    .ok_or_else(|| format!("`{key}` is a runtime value")),
            }
        };
        let ops: Vec<(String, String)> = match get("postgresql_ops") {
            Some(Value::Dict(pairs)) => pairs
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
                .collect(),
            _ => Vec::new(),
        };
        let mut rendered = Vec::with_capacity(elements.len());
        let mut first_key = None;
        for element in elements {
            let mut sql = expression(element, StrAs::Column)?;
            // `postgresql_ops` is keyed by the element's key: a column's name, or an
            // expression's text as written (`{"lower(name)": "gin_trgm_ops"}`).
            let key = match element {
                Value::Str(s) => Some(s.as_str()),
                Value::Object(o) if matches!(sa_name(&o.path), Some("column" | "text")) => {
                    o.args.first().and_then(Value::as_str)
                }
                _ => None,
            };
            if rendered.is_empty() {
                first_key = key.map(str::to_string);
            }
            if let Some((_, op)) = key.and_then(|k| ops.iter().find(|(c, _)| c == k)) {
                sql.push(' ');
                sql.push_str(op);
            }
            rendered.push(sql);
        }
        let where_ = match get("postgresql_where") {
            None | Some(Value::None) => None,
            Some(v) => Some(expression(v, StrAs::Text)?),
        };
        let with = match get("postgresql_with") {
            Some(Value::Dict(pairs)) => pairs
                .iter()
                .map(|(k, v)| {
                    Ok((
                        k.as_str()
                            .ok_or("postgresql_with key is not a string")?
                            .to_string(),
                        v.clone(),
                    ))
                })
                .collect::<Result<Vec<_>, String>>()?,
            _ => Vec::new(),
        };
        Ok(Index {
            name,
            elements: rendered,
            first_key,
            unique: flag("unique")?,
            concurrently: flag("postgresql_concurrently")?,
            if_not_exists: flag("if_not_exists")?,
            using: get("postgresql_using")
                .and_then(Value::as_str)
                .map(str::to_lowercase),
            include: string_list(get("postgresql_include"))?,
            nulls_not_distinct: match get("postgresql_nulls_not_distinct") {
                None | Some(Value::None) => None,
                Some(v) => v.truthy(),
            },
            with,
            tablespace: get("postgresql_tablespace")
                .and_then(Value::as_str)
                .map(str::to_string),
            where_,
        })
    }

    /// The name SQLAlchemy's default naming convention, `ix_%(column_0_label)s`, gives an
    /// index created without one (`op.create_index(None, ...)`, `sa.Index(None, ...)`).
    /// The `target_metadata` env.py hands Alembic may set another convention, and env.py
    /// is not run: the name is noted as approximate. The statement's lock is the same.
    fn conventional_name(&self, schema: Option<&str>, table: &str) -> Result<String, String> {
        let first = self.first_key.as_deref().ok_or("index without a name")?;
        approx::note(
            "the index name (env.py's target_metadata may set a naming convention)".into(),
        );
        Ok(default_convention_name(schema, table, first))
    }

    /// `CREATE INDEX` on `schema.table`.
    pub fn create_sql(&self, schema: Option<&str>, table: &str) -> Result<String, String> {
        let name = &match &self.name {
            Some(name) => explicit_name(name)?,
            None => self.conventional_name(schema, table)?,
        };
        let mut text = String::from("CREATE ");
        if self.unique {
            text.push_str("UNIQUE ");
        }
        text.push_str("INDEX ");
        if self.concurrently {
            text.push_str("CONCURRENTLY ");
        }
        if self.if_not_exists {
            text.push_str("IF NOT EXISTS ");
        }
        text.push_str(&format!("{} ON {} ", quote(name), qualified(schema, table)));
        if let Some(using) = &self.using {
            text.push_str(&format!("USING {using} "));
        }
        text.push_str(&format!("({})", self.elements.join(", ")));
        if !self.include.is_empty() {
            let include: Vec<String> = self.include.iter().map(|c| quote(c)).collect();
            text.push_str(&format!(" INCLUDE ({})", include.join(", ")));
        }
        match self.nulls_not_distinct {
            Some(true) => text.push_str(" NULLS NOT DISTINCT"),
            Some(false) => text.push_str(" NULLS DISTINCT"),
            None => {}
        }
        if !self.with.is_empty() {
            let mut options = Vec::new();
            for (param, value) in &self.with {
                options.push(match value {
                    Value::None => param.clone(),
                    Value::Bool(b) => format!("{param} = {b}"),
                    other => format!(
                        "{param} = {}",
                        other.py_str().ok_or("postgresql_with value")?
                    ),
                });
            }
            text.push_str(&format!(" WITH ({})", options.join(", ")));
        }
        if let Some(tablespace) = &self.tablespace {
            text.push_str(&format!(" TABLESPACE {}", quote(tablespace)));
        }
        if let Some(where_) = &self.where_ {
            text.push_str(&format!(" WHERE {where_}"));
        }
        Ok(text)
    }
}
