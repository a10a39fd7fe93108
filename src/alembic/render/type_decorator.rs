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
    if sa_name(&simple_subclass_base(env, def)?) != Some("TypeDecorator") {
        return None;
    }
    let implementation = class_attribute(env, def, "impl", &["cache_ok"], VALUE_METHODS)??;
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
    sa_name(&simple_subclass_base(env, def)?)?;
    let visit_name = class_attribute(
        env,
        def,
        "__visit_name__",
        &["cache_ok", "inherit_cache"],
        &[],
    )??;
    let name = visit_name.as_str()?;
    // Only names PostgreSQL's compiler knows as types: anything else stays unknown.
    let path = format!("sqlalchemy.dialects.postgresql.{name}");
    super::types::SqlType::from_value(&Value::Path(path.clone())).ok()?;
    Some(Value::Path(path))
}

/// The path of the one base class of `class X(base):`, without keywords or decorators.
fn simple_subclass_base<E: Env>(env: &mut E, def: &ast::StmtClassDef) -> Option<String> {
    let [base] = def.bases.as_slice() else {
        return None;
    };
    if !def.keywords.is_empty() || !def.decorator_list.is_empty() {
        return None;
    }
    match eval(env, base) {
        Ok(Value::Path(path)) => Some(path),
        _ => None,
    }
}

/// The value the class body assigns to `attribute`, when the body holds nothing but that,
/// the `ignored` attributes, the `methods` named, `pass` and docstrings: `None` for any
/// other content, `Some(None)` when the attribute is not assigned.
fn class_attribute<E: Env>(
    env: &mut E,
    def: &ast::StmtClassDef,
    attribute: &str,
    ignored: &[&str],
    methods: &[&str],
) -> Option<Option<Value>> {
    let mut value = None;
    for stmt in &def.body {
        match stmt {
            Stmt::Assign(assign) => match assign.targets.as_slice() {
                [Expr::Name(name)] if name.id.as_str() == attribute => {
                    value = Some(eval(env, &assign.value).ok()?);
                }
                [Expr::Name(name)] if ignored.contains(&name.id.as_str()) => {}
                _ => return None,
            },
            Stmt::FunctionDef(method) if methods.contains(&method.name.as_str()) => {}
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
    Some(value)
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
