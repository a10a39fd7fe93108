//! Static rendering of Alembic revision files into the SQL `alembic upgrade --sql` prints
//! for PostgreSQL (Alembic 1.20 / SQLAlchemy 2.1), without running Python.
//!
//! The module body is read for imports, constants, helper functions and the revision
//! identifiers; `upgrade()` and `downgrade()` are then executed statement by statement by
//! [`interp::Interp`], which records what each `op.*` call emits ([`ops`]), building
//! SQLAlchemy schema objects ([`schema`], [`types`]) and SQL text ([`sql`]) as the
//! PostgreSQL dialect compiles them.

mod approx;
mod batch;
mod dml;
mod enum_ops;
mod execute;
mod interp;
mod metadata;
mod modules;
mod names;
mod objects;
mod ops;
mod pyvalues;
pub mod quote;
mod schema;
mod sql;
mod type_decorator;
mod types;

#[cfg(test)]
mod limits_tests;
#[cfg(test)]
mod modules_tests;
#[cfg(test)]
mod tests;

use std::ops::Range;

use rustpython_parser::Mode;
use rustpython_parser::ast::{self, Constant, Expr, Stmt};

use super::revision::{PythonError, RenderedFunction, RevisionFile};
use crate::python::{Value, span_of};
use interp::{ImportState, Interp};
pub use modules::{MAX_IMPORT_DEPTH, ModuleCache};

/// The stack a revision is rendered on, per byte of source beyond a fixed base.
/// rustpython-parser's syntax tree is dropped recursively (as are its own passes over it),
/// one frame per nesting level, and nesting without brackets is bounded only by the
/// file's length (`x = - - - 1`, `'a' + 'a' + ...`), so the stack grows with the file. A
/// thread's stack is reserved, not committed: pages never touched cost nothing. A
/// dedicated thread per file is the simplest way to size it per file (a shared pool's
/// stacks would have to fit the largest file any run may meet).
const STACK_BASE: usize = 32 << 20;
const STACK_PER_SOURCE_BYTE: usize = 1024;

/// Bracket nesting accepted: CPython's tokenizer refuses more ("too many nested
/// parentheses"), so Alembic could not import such a file either.
const MAX_BRACKET_NESTING: usize = 200;

/// Render a revision file. Only a Python syntax error fails; anything that cannot be
/// rendered statically is reported in [`RenderedFunction::unrenderable`]. Imports of the
/// project's own modules stay unknown: [`render_revision_with`] reads them.
pub fn render_revision(source: &str) -> Result<RevisionFile, PythonError> {
    render_revision_with(source, &ModuleCache::none())
}

/// [`render_revision`], reading the project modules the revision imports from `modules`.
pub fn render_revision_with(
    source: &str,
    modules: &ModuleCache,
) -> Result<RevisionFile, PythonError> {
    on_big_stack(source, || render_here(source, true, modules))
}

/// What a revision declares (its identifiers and message), without rendering
/// `upgrade()`/`downgrade()`: enough to place it in the revision graph.
pub fn read_revision_metadata(source: &str) -> Result<RevisionFile, PythonError> {
    if let Some(file) = metadata::scan(source) {
        return Ok(file);
    }
    on_big_stack(source, || render_here(source, false, &ModuleCache::none()))
}

/// [`read_revision_metadata`] by the parse alone (what the scan must agree with).
#[cfg(test)]
pub fn parse_revision_metadata(source: &str) -> Result<RevisionFile, PythonError> {
    on_big_stack(source, || render_here(source, false, &ModuleCache::none()))
}

fn on_big_stack(
    source: &str,
    render: impl FnOnce() -> Result<RevisionFile, PythonError> + Send,
) -> Result<RevisionFile, PythonError> {
    let stack = STACK_BASE.saturating_add(source.len().saturating_mul(STACK_PER_SOURCE_BYTE));
    crate::stack::with_stack(stack, render).unwrap_or_else(|e| {
        Err(PythonError {
            message: format!("cannot start a thread to render this file: {e}"),
            offset: 0,
        })
    })
}

/// Too-deep bracket nesting as a syntax error at the bracket that exceeds the limit, found
/// by the (non-recursive) lexer before the parser builds a tree that deep.
fn check_nesting(source: &str) -> Result<(), PythonError> {
    use rustpython_parser::{Tok, lexer::lex};
    // Lexing costs about half as much as parsing: most files are shown shallow enough
    // by a byte scan, and only the others are lexed (for the exact offset).
    if nesting_at_most(source.as_bytes(), MAX_BRACKET_NESTING) {
        return Ok(());
    }
    let mut depth = 0usize;
    for (token, range) in lex(source, Mode::Module).map_while(Result::ok) {
        match token {
            Tok::Lpar | Tok::Lsqb | Tok::Lbrace => depth += 1,
            Tok::Rpar | Tok::Rsqb | Tok::Rbrace => depth = depth.saturating_sub(1),
            _ => continue,
        }
        if depth > MAX_BRACKET_NESTING {
            return Err(PythonError {
                message: format!(
                    "too many nested parentheses (more than {MAX_BRACKET_NESTING}, Python's own limit)"
                ),
                offset: range.start().to_usize(),
            });
        }
    }
    Ok(())
}

/// True when no bracket outside strings and comments is nested deeper than `limit`, as
/// far as a byte scan can tell: it answers false (lex to know) when it meets a string it
/// cannot see the end of, so a true answer is one the lexer would agree with.
fn nesting_at_most(source: &[u8], limit: usize) -> bool {
    // No deeper than the number of opening brackets, strings and comments included: a
    // count most revisions stay under, taken far faster than the scan below.
    if memchr::memchr3_iter(b'(', b'[', b'{', source)
        .nth(limit)
        .is_none()
    {
        return true;
    }
    let (mut depth, mut at) = (0usize, 0);
    while let Some(&byte) = source.get(at) {
        at += 1;
        match byte {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return false;
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'#' => {
                while source.get(at).is_some_and(|&b| b != b'\n' && b != b'\r') {
                    at += 1;
                }
            }
            b'\'' | b'"' => match metadata::string_end(source, at - 1) {
                Some(end) => at = end,
                None => return false,
            },
            _ => {}
        }
    }
    true
}

fn render_here(
    source: &str,
    render_functions: bool,
    modules: &ModuleCache,
) -> Result<RevisionFile, PythonError> {
    check_nesting(source)?;
    let module = match crate::python::parse::parse_module(source, "<revision>") {
        Ok(module) => module,
        Err(error) => {
            return Err(PythonError {
                message: error.error.to_string(),
                offset: (error.offset.to_usize()).min(source.len()),
            });
        }
    };
    let mut interp = Interp::new();
    interp.imports = ImportState::new(modules);
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
    let functions = if render_functions {
        functions
    } else {
        Vec::new()
    };
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
        Stmt::FunctionDef(def) if matches!(def.name.as_str(), "upgrade" | "downgrade") => {
            // A later definition replaces an earlier one, as in Python.
            functions.retain(|f| f.name != def.name);
            functions.push(def);
        }
        Stmt::Assign(ast::StmtAssign { targets, value, .. }) => {
            for target in targets {
                record_identifier_span(target, value, revision);
            }
        }
        Stmt::AnnAssign(ast::StmtAnnAssign {
            target,
            value: Some(value),
            ..
        }) => record_identifier_span(target, value, revision),
        _ => {}
    }
    interp.module_statement(stmt);
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
    (name, Value::Path(crate::python::canonical_path(path)))
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
    interp.created_types.clear();
    interp.run_function(def);
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
