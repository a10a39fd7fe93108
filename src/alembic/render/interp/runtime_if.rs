//! An `if` over data only known when the migration runs whose branches only set names
//! from values that run nothing (`ts = sa.text("now()")` in one branch, another in the
//! other): rendering goes on with those names holding runtime values, reported where one
//! decides a statement, and used as placeholders where it decides none. A branch that
//! does anything else (an operation, a call of the file's own function, a loop) keeps the
//! whole `if` unrenderable, as before.

use rustpython_parser::ast::{self, Expr, Stmt};

use crate::python::{self, Value};

use super::Interp;

impl<'a> Interp<'a> {
    /// Binds the names the `if`'s branches set to runtime values, when setting them is
    /// all the branches do; false (nothing bound) otherwise.
    pub(super) fn set_runtime_names(&mut self, if_: &'a ast::StmtIf) -> bool {
        let Some(names) = self.names_set_only(if_) else {
            return false;
        };
        for name in names {
            let origin = format!("{name} (set under an `if` over runtime data)");
            self.set(name, Value::Runtime(origin));
        }
        true
    }

    fn names_set_only(&mut self, if_: &'a ast::StmtIf) -> Option<Vec<&'a str>> {
        let mut names = Vec::new();
        for stmt in if_.body.iter().chain(&if_.orelse) {
            let (targets, value): (&[Expr], &Expr) = match stmt {
                Stmt::Assign(assign) => (&assign.targets, &assign.value),
                Stmt::AnnAssign(ast::StmtAnnAssign {
                    target,
                    value: Some(value),
                    ..
                }) => (std::slice::from_ref(&**target), value),
                Stmt::If(inner) => {
                    names.extend(self.names_set_only(inner)?);
                    continue;
                }
                Stmt::Pass(_) => continue,
                _ => return None,
            };
            if !self.runs_nothing(value) {
                return None;
            }
            for target in targets {
                let Expr::Name(name) = target else {
                    return None;
                };
                names.push(name.id.as_str());
            }
        }
        Some(names)
    }

    /// Literals, names, attributes, f-strings, operators, and calls of SQLAlchemy
    /// (`sa.text(...)`, `sa.func.now()`) over such: what evaluates without running any
    /// code of the migration's or emitting an operation.
    fn runs_nothing(&mut self, expr: &Expr) -> bool {
        match expr {
            Expr::Constant(_) | Expr::Name(_) | Expr::Attribute(_) => true,
            Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. }) => {
                elts.iter().all(|e| self.runs_nothing(e))
            }
            Expr::JoinedStr(joined) => joined.values.iter().all(|e| self.runs_nothing(e)),
            Expr::FormattedValue(formatted) => self.runs_nothing(&formatted.value),
            Expr::BinOp(op) => self.runs_nothing(&op.left) && self.runs_nothing(&op.right),
            Expr::Call(call) => {
                let library = matches!(
                    python::eval(self, &call.func),
                    Ok(Value::Path(path)) if path.starts_with("sqlalchemy.")
                );
                library
                    && call.args.iter().all(|a| self.runs_nothing(a))
                    && call.keywords.iter().all(|k| self.runs_nothing(&k.value))
            }
            _ => false,
        }
    }
}
