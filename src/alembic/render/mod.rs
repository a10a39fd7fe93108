//! Static rendering of Alembic revision files into the SQL `alembic upgrade --sql` prints
//! for PostgreSQL (Alembic 1.20 / SQLAlchemy 2.1), without running Python.
//!
//! The module body is read for imports, constants, helper functions and the revision
//! identifiers; `upgrade()` and `downgrade()` are then executed statement by statement by
//! [`interp::Interp`], which records what each `op.*` call emits ([`ops`]), building
//! SQLAlchemy schema objects ([`schema`], [`types`]) and SQL text ([`sql`]) as the
//! PostgreSQL dialect compiles them.

mod interp;
mod names;
mod objects;
mod ops;
mod quote;
mod schema;
mod sql;
mod types;

#[cfg(test)]
mod tests;

use std::ops::Range;

use rustpython_parser::ast::{self, Constant, Expr, Stmt};
use rustpython_parser::{Mode, parse};

use super::revision::{PythonError, RenderedFunction, RevisionFile};
use crate::python::{Value, span_of};
use interp::Interp;

/// Render a revision file. Only a Python syntax error fails; anything that cannot be
/// rendered statically is reported in [`RenderedFunction::unrenderable`].
pub fn render_revision(source: &str) -> Result<RevisionFile, PythonError> {
    let module = match parse(source, Mode::Module, "<revision>") {
        Ok(ast::Mod::Module(module)) => module,
        Ok(_) => {
            return Err(PythonError {
                message: "not a Python module".into(),
                offset: 0,
            });
        }
        Err(error) => {
            return Err(PythonError {
                message: error.error.to_string(),
                offset: (error.offset.to_usize()).min(source.len()),
            });
        }
    };
    let mut interp = Interp::new();
    let mut revision = RevisionFile {
        message: docstring_first_line(&module.body),
        ..RevisionFile::default()
    };
    let mut functions: Vec<&ast::StmtFunctionDef> = Vec::new();
    for stmt in &module.body {
        read_module_statement(&mut interp, stmt, &mut revision, &mut functions);
    }
    let globals = &interp.globals;
    revision.revision = globals
        .get("revision")
        .and_then(Value::as_str)
        .map(str::to_string);
    revision.down_revision = string_or_tuple(globals.get("down_revision"));
    revision.branch_labels = string_or_tuple(globals.get("branch_labels"));
    revision.depends_on = string_or_tuple(globals.get("depends_on"));
    for def in functions {
        let rendered = render_function(&mut interp, def, source);
        match def.name.as_str() {
            "upgrade" => revision.upgrade = Some(rendered),
            _ => revision.downgrade = Some(rendered),
        }
    }
    Ok(revision)
}

/// Module level: imports, constants and functions are recorded; revision identifiers get
/// their spans. Statements that cannot be evaluated leave their names undefined.
fn read_module_statement<'a>(
    interp: &mut Interp<'a>,
    stmt: &'a Stmt,
    revision: &mut RevisionFile,
    functions: &mut Vec<&'a ast::StmtFunctionDef>,
) {
    match stmt {
        Stmt::Import(import) => {
            for alias in &import.names {
                let (name, value) = import_binding(None, alias);
                interp.globals.insert(name, value);
            }
        }
        Stmt::ImportFrom(import) => {
            let module = import.module.as_ref().map(|m| m.to_string());
            for alias in &import.names {
                let (name, value) = import_binding(module.as_deref(), alias);
                interp.globals.insert(name, value);
            }
        }
        Stmt::FunctionDef(def) => {
            interp.define_function(def);
            if matches!(def.name.as_str(), "upgrade" | "downgrade") {
                // A later definition replaces an earlier one, as in Python.
                functions.retain(|f| f.name != def.name);
                functions.push(def);
            }
        }
        Stmt::Assign(ast::StmtAssign { targets, value, .. }) => {
            for target in targets {
                record_identifier_span(target, value, revision);
                assign_global(interp, target, value);
            }
        }
        Stmt::AnnAssign(ast::StmtAnnAssign {
            target,
            value: Some(value),
            ..
        }) => {
            record_identifier_span(target, value, revision);
            assign_global(interp, target, value);
        }
        _ => {}
    }
}

fn assign_global(interp: &mut Interp, target: &Expr, value: &Expr) {
    let value = crate::python::eval(interp, value)
        .unwrap_or_else(|e| Value::Runtime(format!("module-level value: {}", e.message)));
    let _ = crate::python::bind_target(interp, target, value);
}

fn record_identifier_span(target: &Expr, value: &Expr, revision: &mut RevisionFile) {
    if let Expr::Name(name) = target {
        match name.id.as_str() {
            "revision" => revision.revision_span = Some(span_of(value)),
            "down_revision" => revision.down_revision_span = Some(span_of(value)),
            _ => {}
        }
    }
}

/// The name an import binds and the canonical library path it stands for.
pub(crate) fn import_binding(module: Option<&str>, alias: &ast::Alias) -> (String, Value) {
    let imported = alias.name.as_str();
    let path = match module {
        Some(module) => format!("{module}.{imported}"),
        None => imported.to_string(),
    };
    let name = match (&alias.asname, module) {
        (Some(asname), _) => asname.to_string(),
        // `import a.b` binds `a`.
        (None, None) => imported.split('.').next().unwrap_or(imported).to_string(),
        (None, Some(_)) => imported.to_string(),
    };
    let path = if alias.asname.is_none() && module.is_none() {
        name.clone()
    } else {
        path
    };
    (name, Value::Path(path))
}

fn string_or_tuple(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Str(s)) => vec![s.clone()],
        Some(Value::List(items) | Value::Tuple(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn docstring_first_line(body: &[Stmt]) -> Option<String> {
    match body.first() {
        Some(Stmt::Expr(ast::StmtExpr { value, .. })) => match &**value {
            Expr::Constant(ast::ExprConstant {
                value: Constant::Str(s),
                ..
            }) => s
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map(str::to_string),
            _ => None,
        },
        _ => None,
    }
}

fn render_function<'a>(
    interp: &mut Interp<'a>,
    def: &'a ast::StmtFunctionDef,
    source: &str,
) -> RenderedFunction {
    interp.statements.clear();
    interp.unrenderable.clear();
    interp.autocommit_blocks.clear();
    interp.run_function(&def.body);
    RenderedFunction {
        statements: std::mem::take(&mut interp.statements),
        unrenderable: std::mem::take(&mut interp.unrenderable),
        is_empty: def.body.iter().all(is_placeholder),
        def_span: def_line(def, source),
        autocommit_blocks: std::mem::take(&mut interp.autocommit_blocks),
    }
}

/// `pass`, `...` or a docstring.
fn is_placeholder(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Pass(_) => true,
        Stmt::Expr(ast::StmtExpr { value, .. }) => {
            matches!(
                &**value,
                Expr::Constant(ast::ExprConstant {
                    value: Constant::Str(_) | Constant::Ellipsis,
                    ..
                })
            )
        }
        _ => false,
    }
}

/// From `def` to the end of its line.
fn def_line(def: &ast::StmtFunctionDef, source: &str) -> Range<usize> {
    let start = span_of(def).start.min(source.len());
    let end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    start..end
}
