//! The catalog as SQL DDL that recreates it on an empty database (`locksmith schema`):
//! names of constraints, indexes and sequences spelled out, objects in an order that runs
//! (types and sequences, tables, partitions, indexes, foreign keys, views).

use std::fmt::Write;

use super::keys::has_index;
use super::{Catalog, Column, ConstraintKind, Key};
use crate::facts::types::ColumnType;
use crate::parse::ident::quote_ident;

/// A type as PostgreSQL's `format_type` prints it (`character varying(20)`).
pub fn type_sql(ty: &ColumnType) -> String {
    let mods = |m: &[i64]| {
        if m.is_empty() {
            String::new()
        } else {
            format!(
                "({})",
                m.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
            )
        }
    };
    let m = mods(&ty.modifiers);
    let base = match ty.name.as_str() {
        "int4" => "integer".to_string(),
        "int8" => "bigint".into(),
        "int2" => "smallint".into(),
        "bool" => "boolean".into(),
        "float8" => "double precision".into(),
        "float4" => "real".into(),
        "varchar" => format!("character varying{m}"),
        "bpchar" if m.is_empty() => "character(1)".into(),
        "bpchar" => format!("character{m}"),
        "bit" if m.is_empty() => "bit(1)".into(),
        "varbit" => format!("bit varying{m}"),
        "timestamptz" => format!("timestamp{m} with time zone"),
        "timestamp" => format!("timestamp{m} without time zone"),
        "timetz" => format!("time{m} with time zone"),
        "time" => format!("time{m} without time zone"),
        other => format!("{}{m}", quote_ident(other)),
    };
    if ty.array { format!("{base}[]") } else { base }
}

/// `schema.name`, the schema left out when it is `public`.
pub fn qualified(key: &Key) -> String {
    if key.0 == "public" {
        quote_ident(&key.1)
    } else {
        format!("{}.{}", quote_ident(&key.0), quote_ident(&key.1))
    }
}

fn column_sql(c: &Column) -> String {
    let mut sql = format!("{} {}", quote_ident(&c.name), c.type_sql());
    if let Some(kind) = c.identity() {
        let _ = write!(sql, " GENERATED {kind} AS IDENTITY");
    }
    if let Some(expr) = c.generated() {
        let _ = write!(sql, " GENERATED ALWAYS AS ({expr}) STORED");
    }
    if let Some(default) = &c.default {
        let _ = write!(sql, " DEFAULT {default}");
    }
    if c.not_null {
        sql.push_str(" NOT NULL");
    }
    sql
}

/// Constraints kept inside CREATE TABLE: those that need no other table and are valid.
fn inline(kind: ConstraintKind, validated: bool) -> bool {
    kind != ConstraintKind::ForeignKey && validated
}

pub fn render(catalog: &Catalog) -> String {
    let mut out = String::new();
    for schema in catalog.schemas.iter() {
        if schema != "public" {
            let _ = writeln!(out, "CREATE SCHEMA {};", quote_ident(schema));
        }
    }
    for (key, values) in &catalog.enums {
        let values: Vec<String> = values
            .iter()
            .map(|v| format!("'{}'", v.replace('\'', "''")))
            .collect();
        let _ = writeln!(
            out,
            "CREATE TYPE {} AS ENUM ({});",
            qualified(key),
            values.join(", ")
        );
    }
    for (key, sequence) in &catalog.sequences {
        let as_type = sequence
            .data_type
            .as_ref()
            .map(|t| format!(" AS {t}"))
            .unwrap_or_default();
        let _ = writeln!(out, "CREATE SEQUENCE {}{as_type};", qualified(key));
    }
    // Parents before their partitions.
    let mut tables: Vec<_> = catalog.tables.iter().collect();
    tables.sort_by_key(|(k, t)| (t.partition_of.is_some(), (*k).clone()));
    for (key, table) in tables {
        if let Some((parent, bound)) = &table.partition_of {
            let _ = writeln!(
                out,
                "CREATE TABLE {} PARTITION OF {} {bound};",
                qualified(key),
                qualified(parent)
            );
            continue;
        }
        let mut lines: Vec<String> = table.columns.iter().map(|c| column_sql(c)).collect();
        for c in &table.constraints {
            if inline(c.kind, c.validated) {
                lines.push(format!(
                    "CONSTRAINT {} {}",
                    quote_ident(&c.name),
                    c.definition
                ));
            }
        }
        let _ = write!(
            out,
            "CREATE TABLE {} (\n    {}\n)",
            qualified(key),
            lines.join(",\n    ")
        );
        if let Some(by) = &table.partition_by {
            let _ = write!(out, " PARTITION BY {by}");
        }
        out.push_str(";\n");
    }
    for (key, sequence) in &catalog.sequences {
        if let Some((table, column)) = &sequence.owned_by {
            let _ = writeln!(
                out,
                "ALTER SEQUENCE {} OWNED BY {}.{};",
                qualified(key),
                qualified(table),
                quote_ident(column)
            );
        }
    }
    for (key, index) in &catalog.indexes {
        let unique = if index.unique { "UNIQUE " } else { "" };
        let only = if index.valid { "" } else { "ONLY " };
        let _ = write!(
            out,
            "CREATE {unique}INDEX {} ON {only}{} USING {} ({})",
            quote_ident(&key.1),
            qualified(&index.table),
            index.method,
            index.keys.join(", ")
        );
        if !index.include.is_empty() {
            let include: Vec<String> = index.include.iter().map(|c| quote_ident(c)).collect();
            let _ = write!(out, " INCLUDE ({})", include.join(", "));
        }
        if let Some(predicate) = &index.predicate {
            let _ = write!(out, " WHERE {predicate}");
        }
        out.push_str(";\n");
    }
    for (key, table) in &catalog.tables {
        if table.partition_of.is_some() {
            continue;
        }
        for c in &table.constraints {
            if !inline(c.kind, c.validated) && !has_index(c.kind) {
                let not_valid = if c.validated { "" } else { " NOT VALID" };
                let _ = writeln!(
                    out,
                    "ALTER TABLE {} ADD CONSTRAINT {} {}{not_valid};",
                    qualified(key),
                    quote_ident(&c.name),
                    c.definition
                );
            }
        }
    }
    for (key, view) in &catalog.views {
        let kind = if view.materialized {
            "MATERIALIZED VIEW"
        } else {
            "VIEW"
        };
        let _ = writeln!(
            out,
            "CREATE {kind} {} AS {};",
            qualified(key),
            view.definition
        );
    }
    out
}
