//! Calls with no SQL effect: logging, printing, warnings, sleeping. A statement that is only
//! such a call is skipped without evaluating its arguments (`logger.info(f"{datetime.now()}")`
//! needs the clock), as it emits nothing in offline mode either. Only known functions
//! qualify: a method of an unknown object stays unrenderable.

use rustpython_parser::ast::Expr;

use crate::python::{self, Value};

use super::Interp;

/// Calls that return a logger: the result is a library object whose logging methods
/// ([`LOGGER_METHODS`]) have no SQL effect.
const LOGGER_FACTORIES: &[&str] = &[
    "logging.getLogger",
    "structlog.get_logger",
    "structlog.getLogger",
];

/// Logger objects reached by import (`from loguru import logger`).
const LOGGERS: &[&str] = &["logging", "loguru.logger"];

/// Methods of a logger (and functions of the `logging` module) that only log.
const LOGGER_METHODS: &[&str] = &[
    "debug",
    "info",
    "warning",
    "warn",
    "error",
    "exception",
    "critical",
    "fatal",
    "log",
    "success",
    "trace",
    "setLevel",
];

/// Functions that only print, warn or wait.
const FUNCTIONS: &[&str] = &["builtins.print", "warnings.warn", "time.sleep"];

/// Whether calling `path` returns a logger.
pub(super) fn is_logger_factory(path: &str) -> bool {
    LOGGER_FACTORIES.contains(&path)
}

/// Whether calling `callee` has no SQL effect.
fn without_effect(callee: &Value) -> bool {
    match callee {
        Value::Path(path) => {
            FUNCTIONS.contains(&path.as_str())
                || path.rsplit_once('.').is_some_and(|(logger, method)| {
                    LOGGERS.contains(&logger) && LOGGER_METHODS.contains(&method)
                })
        }
        Value::Method(receiver, method) => {
            matches!(&**receiver, Value::Object(o) if is_logger_factory(&o.path))
                && LOGGER_METHODS.contains(&method.as_str())
        }
        _ => false,
    }
}

impl Interp<'_> {
    /// Whether the expression statement `expr` is a call with no SQL effect: it is then
    /// skipped. Only callees are evaluated, and only dotted names (attribute access has no
    /// side effect here); an argument that calls an operation, a helper of the file or
    /// anything not a dotted name keeps the statement evaluated as usual.
    pub(super) fn is_effectless_call(&mut self, expr: &Expr) -> bool {
        let Expr::Call(call) = expr else {
            return false;
        };
        let arguments = (call.args.iter()).chain(call.keywords.iter().map(|k| &k.value));
        self.callee(&call.func).is_some_and(|c| without_effect(&c))
            && arguments.into_iter().all(|a| self.harmless(a))
    }

    /// The value of a dotted name (`logger.info`, `datetime.now`); `None` for anything else.
    fn callee(&mut self, func: &Expr) -> Option<Value> {
        let mut part = func;
        while let Expr::Attribute(attribute) = part {
            part = &attribute.value;
        }
        matches!(part, Expr::Name(_))
            .then(|| python::eval(self, func).ok())
            .flatten()
    }

    /// Whether evaluating `expr` can emit nothing: no call of an operation, of the bind or
    /// migration context, or of a function of the file.
    fn harmless(&mut self, expr: &Expr) -> bool {
        match expr {
            Expr::Constant(_) | Expr::Name(_) => true,
            Expr::Attribute(e) => self.harmless(&e.value),
            Expr::Subscript(e) => self.harmless(&e.value) && self.harmless(&e.slice),
            Expr::FormattedValue(e) => self.harmless(&e.value),
            Expr::JoinedStr(e) => e.values.iter().all(|v| self.harmless(v)),
            Expr::BinOp(e) => self.harmless(&e.left) && self.harmless(&e.right),
            Expr::UnaryOp(e) => self.harmless(&e.operand),
            Expr::BoolOp(e) => e.values.iter().all(|v| self.harmless(v)),
            Expr::Compare(e) => {
                self.harmless(&e.left) && e.comparators.iter().all(|v| self.harmless(v))
            }
            Expr::List(e) => e.elts.iter().all(|v| self.harmless(v)),
            Expr::Tuple(e) => e.elts.iter().all(|v| self.harmless(v)),
            Expr::Call(call) => {
                let arguments = (call.args.iter()).chain(call.keywords.iter().map(|k| &k.value));
                let callee_harmless = match &*call.func {
                    // A method of what a harmless call returns (`datetime.now().isoformat()`):
                    // emitting would need an operation or the bind among the arguments.
                    Expr::Attribute(a) if matches!(&*a.value, Expr::Call(_)) => {
                        self.harmless(&a.value)
                    }
                    func => self.callee(func).is_some_and(|c| !may_emit(&c)),
                };
                callee_harmless && arguments.into_iter().all(|a| self.harmless(a))
            }
            _ => false,
        }
    }
}

/// Whether calling `callee` may emit SQL: Alembic's operations and objects, functions of
/// the file.
fn may_emit(callee: &Value) -> bool {
    match callee {
        Value::Path(path) => path == "alembic" || path.starts_with("alembic."),
        Value::Object(object) => object.path.starts_with("alembic."),
        Value::Method(receiver, _) => may_emit(receiver),
        Value::Function(_) => true,
        _ => false,
    }
}
