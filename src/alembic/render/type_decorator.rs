//! `class GUID(TypeDecorator): impl = sa.CHAR`, in a revision or a project module it
//! imports: a column type whose DDL is its `impl`'s. SQLAlchemy compiles a TypeDecorator
//! as `load_dialect_impl()`, by default `impl` built with the arguments the decorator was
//! called with (`to_instance`), or `impl` itself when it is already an instance. A class
//! that may change that (`load_dialect_impl`, `__init__`, any other method or attribute)
//! is not recognised, and stays unknown.

use std::ops::Range;

use rustpython_parser::ast::{self, Constant, Expr, Stmt};

use crate::python::{Env, EvalError, EvalResult, Object, Value, eval, span_of};

use super::names::sa_name;
use super::objects::object;

/// The path of a recognised class: `args` are its name and its `impl`.
const CLASS: &str = "locksmith.TypeDecorator";
/// Methods that only process values, never the DDL.
const VALUE_METHODS: &[&str] = &[
    "process_bind_param",
    "process_result_value",
    "process_literal_param",
    "python_type",
    "copy",
    "coerce_compared_value",
];

/// The class `def` defines, when it is a TypeDecorator this module can render.
pub fn class<E: Env>(env: &mut E, def: &ast::StmtClassDef) -> Option<Value> {
    let [base] = def.bases.as_slice() else {
        return None;
    };
    if !def.keywords.is_empty() || !def.decorator_list.is_empty() {
        return None;
    }
    match eval(env, base) {
        Ok(Value::Path(path)) if sa_name(&path) == Some("TypeDecorator") => {}
        _ => return None,
    }
    let mut implementation = None;
    for stmt in &def.body {
        match stmt {
            Stmt::Assign(assign) => match assign.targets.as_slice() {
                [Expr::Name(name)] if name.id.as_str() == "impl" => {
                    implementation = Some(eval(env, &assign.value).ok()?);
                }
                [Expr::Name(name)] if name.id.as_str() == "cache_ok" => {}
                _ => return None,
            },
            Stmt::FunctionDef(method) if VALUE_METHODS.contains(&method.name.as_str()) => {}
            Stmt::Pass(_) => {}
            Stmt::Expr(ast::StmtExpr { value, .. })
                if matches!(
                    &**value,
                    Expr::Constant(ast::ExprConstant {
                        value: Constant::Str(_),
                        ..
                    })
                ) => {}
            _ => return None,
        }
    }
    let implementation = implementation?;
    let path = match &implementation {
        Value::Path(path) => path.as_str(),
        Value::Object(object) => object.path.as_str(),
        _ => return None,
    };
    // An enum type creates a type of its own (CREATE TYPE) through the decorator's
    // events: not followed.
    match sa_name(path) {
        None | Some("Enum" | "ENUM" | "TypeDecorator") => return None,
        Some(_) => {}
    }
    Some(object(
        CLASS,
        vec![Value::Str(def.name.to_string()), implementation],
        vec![],
        span_of(def),
    ))
}

/// `class JSONB(JSON): __visit_name__ = "JSONB"`: a subclass of a SQLAlchemy type that only
/// renames what the compiler visits. On PostgreSQL it compiles as the type of that name
/// (`visit_JSONB`), so it is that type. Anything else in the body leaves it unknown.
pub fn visit_name_class<E: Env>(env: &mut E, def: &ast::StmtClassDef) -> Option<Value> {
    let [base] = def.bases.as_slice() else {
        return None;
    };
    if !def.keywords.is_empty() || !def.decorator_list.is_empty() {
        return None;
    }
    match eval(env, base) {
        Ok(Value::Path(path)) if sa_name(&path).is_some() => {}
        _ => return None,
    }
    let mut visit_name = None;
    for stmt in &def.body {
        match stmt {
            Stmt::Assign(assign) => match assign.targets.as_slice() {
                [Expr::Name(name)] if name.id.as_str() == "__visit_name__" => {
                    visit_name = eval(env, &assign.value).ok()?.as_str().map(str::to_string);
                }
                [Expr::Name(name)] if ["cache_ok", "inherit_cache"].contains(&name.id.as_str()) => {
                }
                _ => return None,
            },
            Stmt::Pass(_) => {}
            Stmt::Expr(ast::StmtExpr { value, .. })
                if matches!(
                    &**value,
                    Expr::Constant(ast::ExprConstant {
                        value: Constant::Str(_),
                        ..
                    })
                ) => {}
            _ => return None,
        }
    }
    let name = visit_name?;
    // Only names PostgreSQL's compiler knows as types: anything else stays unknown.
    let path = format!("sqlalchemy.dialects.postgresql.{name}");
    super::types::SqlType::from_value(&Value::Path(path.clone())).ok()?;
    Some(Value::Path(path))
}

pub fn is_class(object: &Object) -> bool {
    object.path == CLASS
}

/// `GUID(...)`: the `impl` type built with the same arguments, or the `impl` instance.
pub fn instance(
    class: &Object,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
    span: Range<usize>,
) -> EvalResult {
    match class.args.get(1) {
        Some(Value::Path(path)) => Ok(object(path, args, kwargs, span)),
        Some(instance @ Value::Object(_)) => Ok(instance.clone()),
        _ => Err(EvalError::new(span, "TypeDecorator without a known impl")),
    }
}
