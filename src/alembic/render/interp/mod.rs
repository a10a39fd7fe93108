//! Executes the statements of `upgrade()`/`downgrade()` (and helpers of the same file)
//! statically, recording the SQL each `op.*` call emits.

use std::ops::Range;

use rustpython_parser::ast::{self, Expr, Stmt};

use crate::alembic::revision::{AutocommitBlock, DeclaredColumns, RenderedStatement, Unrenderable};
use crate::python::{self, Env, EvalError, EvalResult, Value, bind_target, iterate, span_of};

use super::names::is_foreign;
use super::objects::object;
use super::{approx, ops, type_decorator};

mod effectless;
mod imports;
mod library;
mod runtime_if;

pub use imports::ImportState;

/// The interpreter's names, hashed with aHash: looked up at every name a revision
/// evaluates, where SipHash cost more than the lookups.
pub(super) type HashMap<K, V> = std::collections::HashMap<K, V, ahash::RandomState>;

/// Helpers may call helpers; this bounds recursion.
const MAX_CALL_DEPTH: usize = 16;
/// Statements executed per rendered function, loops and helpers included: a static
/// renderer must finish on any input.
const MAX_STEPS: usize = 100_000;

/// What a statement did to control flow.
enum Flow {
    Next,
    Return(Value),
}

pub struct Interp<'a> {
    /// Module-level names: imports, constants, functions.
    pub globals: HashMap<String, Value>,
    functions: HashMap<String, &'a ast::StmtFunctionDef>,
    /// Local scopes: the rendered function's, then one per helper call or comprehension.
    scopes: Vec<HashMap<String, Value>>,
    pub statements: Vec<RenderedStatement>,
    pub unrenderable: Vec<Unrenderable>,
    pub autocommit_blocks: Vec<AutocommitBlock>,
    autocommit_depth: usize,
    /// Span of the helper call in the rendered function while a helper runs: the origin of
    /// whatever the helper emits.
    call_site: Option<Range<usize>>,
    depth: usize,
    steps: usize,
    budget: python::Budget,
    /// Op calls are refused while module-level constants are evaluated.
    pub emitting: bool,
    /// The project modules the revision imports ([`ImportState`]).
    pub imports: ImportState<'a>,
    /// Named types `create_table` created in this function (see [`ops::Effect::types`]).
    pub created_types: Vec<String>,
}

impl<'a> Interp<'a> {
    pub fn new() -> Self {
        Interp {
            globals: HashMap::default(),
            functions: HashMap::default(),
            scopes: Vec::new(),
            statements: Vec::new(),
            unrenderable: Vec::new(),
            autocommit_blocks: Vec::new(),
            autocommit_depth: 0,
            call_site: None,
            depth: 0,
            steps: 0,
            budget: python::Budget::default(),
            emitting: false,
            imports: ImportState::default(),
            created_types: Vec::new(),
        }
    }

    pub fn define_function(&mut self, def: &'a ast::StmtFunctionDef) {
        let key = self.function_key(def.name.as_str());
        self.functions.insert(key.clone(), def);
        self.set(def.name.as_str(), Value::Function(key));
    }

    /// Bind in the innermost scope (module globals when no function runs).
    fn set(&mut self, name: &str, value: Value) {
        match self.scopes.last_mut() {
            Some(scope) => scope.insert(name.to_string(), value),
            None => {
                self.forget_pending(name);
                self.module_globals().insert(name.to_string(), value)
            }
        };
    }

    /// Record a statement emitted by an op call at `span`.
    fn emit(&mut self, sql: String, span: Range<usize>) -> Result<(), String> {
        if !self.emitting {
            return Err("operation outside upgrade()/downgrade()".into());
        }
        let origin = self.call_site.clone().unwrap_or(span);
        // Alembic's offline `_exec` expands tabs and strips the compiled statement.
        let sql = sql.replace('\t', "    ");
        let sql = sql.trim().trim_end_matches(';').trim_end().to_string();
        self.statements.push(RenderedStatement {
            sql,
            origin,
            autocommit: self.autocommit_depth > 0,
            existing: None,
            approximate: Vec::new(),
            creates_type: None,
            columns: Vec::new(),
        });
        Ok(())
    }

    /// Render an operation called at `span` and record its statements (approximate when
    /// the rendering put placeholders for unknown values); the call's value.
    fn perform(
        &mut self,
        render: impl FnOnce() -> EvalResult<ops::Effect>,
        span: Range<usize>,
    ) -> EvalResult {
        self.perform_declaring(render, span, Vec::new())
    }

    /// [`Self::perform`] for an op call with `sa.Column(...)` arguments (`columns`).
    fn perform_declaring(
        &mut self,
        render: impl FnOnce() -> EvalResult<ops::Effect>,
        span: Range<usize>,
        columns: DeclaredColumns,
    ) -> EvalResult {
        let (effect, unknown) = approx::collecting(render);
        let ops::Effect {
            statements,
            value,
            existing,
            types,
        } = effect?;
        let first = self.statements.len();
        let mut created = Vec::new();
        for (name, sql) in types {
            if !self.created_types.contains(&name) {
                self.emit(sql, span.clone())
                    .map_err(|m| EvalError::new(span.clone(), m))?;
                if let Some(statement) = self.statements.last_mut() {
                    statement.creates_type = Some(name.clone());
                }
                created.push(name);
            }
        }
        self.created_types.extend(created);
        for sql in statements {
            self.emit(sql, span.clone())
                .map_err(|m| EvalError::new(span.clone(), m))?;
        }
        // Only a column written inside the call it reports on: one built by a helper
        // elsewhere (or in another module) would point away from the call.
        let origin = self.call_site.clone().unwrap_or(span);
        let columns: Vec<_> = (columns.into_iter())
            .filter(|(_, at)| origin.start <= at.start && at.end <= origin.end)
            .collect();
        for statement in &mut self.statements[first..] {
            statement.existing = existing.clone();
            statement.approximate = unknown.clone();
            statement.columns = columns.clone();
        }
        Ok(value)
    }

    /// Render the body of `upgrade()`/`downgrade()`: each statement on its own, an
    /// unrenderable one recorded and skipped.
    pub fn run_function(&mut self, def: &'a ast::StmtFunctionDef) {
        self.emitting = true;
        self.steps = 0;
        let scope = self.entry_parameters(def);
        self.scopes.push(scope);
        self.run_top_block(&def.body);
        self.scopes.pop();
        self.emitting = false;
    }

    /// Parameters of `upgrade()`/`downgrade()`: some projects call revisions themselves
    /// (`upgrade(op, tables)`), or env.py passes arguments. `op` is Alembic's op; a default
    /// is what Alembic's own call (no arguments) gives; anything else is unknown until run.
    fn entry_parameters(&mut self, def: &ast::StmtFunctionDef) -> HashMap<String, Value> {
        let args = &def.args;
        let parameters = (args.posonlyargs.iter())
            .chain(&args.args)
            .chain(&args.kwonlyargs);
        let mut scope = HashMap::default();
        for parameter in parameters {
            let name = parameter.def.arg.as_str();
            let value = match &parameter.default {
                _ if name == "op" => Value::Path("alembic.op".into()),
                Some(default) => python::eval(self, default).unwrap_or_else(|e| {
                    Value::Runtime(format!("parameter `{name}` (default: {})", e.message))
                }),
                None => Value::Runtime(format!("parameter `{name}` of `{}()`", def.name)),
            };
            scope.insert(name.to_string(), value);
        }
        for rest in [&args.vararg, &args.kwarg].into_iter().flatten() {
            let name = rest.arg.as_str();
            let value = Value::Runtime(format!("parameter `{name}` of `{}()`", def.name));
            scope.insert(name.to_string(), value);
        }
        scope
    }

    /// Statements lexically inside the rendered function. Returns false after `return`.
    fn run_top_block(&mut self, body: &'a [Stmt]) -> bool {
        for stmt in body {
            let emitted = self.statements.len();
            let blocks = self.autocommit_blocks.len();
            match self.run_top_stmt(stmt) {
                Ok(true) => {}
                Ok(false) => return false,
                Err(error) => {
                    // An unrenderable statement contributes no SQL at all.
                    self.statements.truncate(emitted);
                    self.autocommit_blocks.truncate(blocks);
                    let item = Unrenderable {
                        span: statement_head(stmt, &error),
                        message: error.message,
                    };
                    // A loop body fails once per iteration: one report says it all.
                    if !self.unrenderable.contains(&item) {
                        self.unrenderable.push(item);
                    }
                }
            }
        }
        true
    }

    /// Like [`Self::run_stmt`], but compound statements recurse into [`Self::run_top_block`]
    /// so one bad statement in a `with`/`if`/`for` body does not hide the others.
    fn run_top_stmt(&mut self, stmt: &'a Stmt) -> EvalResult<bool> {
        self.step(stmt)?;
        match stmt {
            Stmt::With(with) => {
                let mut result = Ok(true);
                self.with_items(&with.items, span_of(stmt), &mut |this| {
                    result = Ok(this.run_top_block(&with.body));
                    Ok(())
                })?;
                result
            }
            Stmt::If(if_) => match self.decide(&if_.test) {
                Ok(branch) => Ok(self.run_top_block(if branch { &if_.body } else { &if_.orelse })),
                Err(_) if self.set_runtime_names(if_) => Ok(true),
                Err(error) => Err(error),
            },
            Stmt::For(for_) => {
                let items = self.loop_items(&for_.iter)?;
                for item in items {
                    // Once the file's budget is spent every body statement fails: stop.
                    self.budget
                        .check()
                        .map_err(|m| EvalError::new(span_of(stmt), m))?;
                    bind_target(self, &for_.target, item)?;
                    if !self.run_top_block(&for_.body) {
                        return Ok(false);
                    }
                }
                Ok(self.run_top_block(&for_.orelse))
            }
            Stmt::Try(ast::StmtTry {
                body,
                orelse,
                finalbody,
                ..
            })
            | Stmt::TryStar(ast::StmtTryStar {
                body,
                orelse,
                finalbody,
                ..
            }) => {
                // Offline nothing raises: the body, `else`, then `finally`; never a handler.
                let went_on = self.run_top_block(body) && self.run_top_block(orelse);
                // `finally` runs even after a `return`.
                let finished = self.run_top_block(finalbody);
                Ok(went_on && finished)
            }
            Stmt::Return(_) => Ok(false),
            _ => match self.run_stmt(stmt)? {
                Flow::Next => Ok(true),
                Flow::Return(_) => Ok(false),
            },
        }
    }

    fn step(&mut self, stmt: &Stmt) -> EvalResult<()> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(EvalError::new(
                span_of(stmt),
                "too much work to render statically (loop too long)",
            ));
        }
        self.budget
            .check()
            .map_err(|m| EvalError::new(span_of(stmt), m))
    }

    fn decide(&mut self, test: &Expr) -> EvalResult<bool> {
        let value = python::eval(self, test).map_err(|e| {
            EvalError::new(e.span, format!("`if` over runtime data: {}", e.message))
        })?;
        value.truthy().ok_or_else(|| {
            let origin = match &value {
                Value::Runtime(origin) => origin.clone(),
                _ => "runtime data".into(),
            };
            EvalError::new(span_of(test), format!("`if` over {origin}"))
        })
    }

    fn loop_items(&mut self, iter: &Expr) -> EvalResult<Vec<Value>> {
        let value = python::eval(self, iter)?;
        iterate(&value).map_err(|m| EvalError::new(span_of(iter), m))
    }

    fn run_block(&mut self, body: &'a [Stmt]) -> EvalResult<Flow> {
        for stmt in body {
            if let Flow::Return(value) = self.run_stmt(stmt)? {
                return Ok(Flow::Return(value));
            }
        }
        Ok(Flow::Next)
    }

    /// One statement; any failure aborts the enclosing top-level statement.
    fn run_stmt(&mut self, stmt: &'a Stmt) -> EvalResult<Flow> {
        self.step(stmt)?;
        let span = span_of(stmt);
        match stmt {
            Stmt::Expr(expr) => {
                if !self.is_effectless_call(&expr.value) {
                    let value = python::eval(self, &expr.value)?;
                    // A third-party helper called for its effect may emit SQL.
                    if let (Expr::Call(call), Value::Runtime(_)) = (&*expr.value, &value)
                        && matches!(&*call.func, Expr::Name(_) | Expr::Attribute(_))
                        && let Ok(Value::Path(path)) = python::eval(self, &call.func)
                        && is_foreign(&path)
                    {
                        return Err(library::foreign_call(&path, span_of(&*expr.value)));
                    }
                }
            }
            Stmt::Pass(_) => {}
            Stmt::Assign(assign) => {
                let value = self.assigned_value(&assign.value, &assign.targets)?;
                for target in &assign.targets {
                    bind_target(self, target, value.clone())?;
                }
            }
            Stmt::AnnAssign(assign) => {
                if let Some(value) = &assign.value {
                    let value = self.assigned_value(value, std::slice::from_ref(&assign.target))?;
                    bind_target(self, &assign.target, value)?;
                }
            }
            Stmt::AugAssign(aug) => {
                let Expr::Name(name) = &*aug.target else {
                    return Err(EvalError::new(
                        span,
                        "augmented assignment to an attribute or subscript",
                    ));
                };
                let current = self.lookup(name.id.as_str(), span_of(&*aug.target))?;
                let operand = python::eval(self, &aug.value)?;
                let combined = match (aug.op, current, operand) {
                    (ast::Operator::Add, Value::Str(a), Value::Str(b)) => Value::Str(a + &b),
                    (ast::Operator::Add, Value::List(a), Value::List(b)) => {
                        Value::List(a.into_iter().chain(b).collect())
                    }
                    (ast::Operator::Add, Value::Int(a), Value::Int(b)) => {
                        Value::Int(a.saturating_add(b))
                    }
                    (op, a, b) => {
                        return Err(EvalError::new(
                            span,
                            format!("`{op:?}=` on a {} and a {}", a.type_name(), b.type_name()),
                        ));
                    }
                };
                self.set(name.id.as_str(), combined);
            }
            Stmt::If(if_) => {
                let branch = self.decide(&if_.test)?;
                return self.run_block(if branch { &if_.body } else { &if_.orelse });
            }
            Stmt::For(for_) => {
                for item in self.loop_items(&for_.iter)? {
                    bind_target(self, &for_.target, item)?;
                    if let Flow::Return(value) = self.run_block(&for_.body)? {
                        return Ok(Flow::Return(value));
                    }
                }
                return self.run_block(&for_.orelse);
            }
            Stmt::With(with) => {
                let mut flow = Ok(Flow::Next);
                self.with_items(&with.items, span, &mut |this| {
                    flow = this.run_block(&with.body);
                    Ok(())
                })?;
                return flow;
            }
            Stmt::Return(ret) => {
                let value = match &ret.value {
                    Some(value) => python::eval(self, value)?,
                    None => Value::None,
                };
                return Ok(Flow::Return(value));
            }
            Stmt::Import(_) | Stmt::ImportFrom(_) => self.bind_imports(stmt),
            Stmt::FunctionDef(def) => self.define_function(def),
            Stmt::While(_) => return Err(EvalError::new(span, "`while` loop")),
            Stmt::Try(ast::StmtTry {
                body,
                orelse,
                finalbody,
                ..
            })
            | Stmt::TryStar(ast::StmtTryStar {
                body,
                orelse,
                finalbody,
                ..
            }) => {
                // As in `run_top_stmt`; `finally` runs even after a `return` in the body.
                let flow = match self.run_block(body)? {
                    Flow::Next => self.run_block(orelse)?,
                    returned => returned,
                };
                return match self.run_block(finalbody)? {
                    Flow::Next => Ok(flow),
                    returned => Ok(returned),
                };
            }
            Stmt::Raise(_) => return Err(EvalError::new(span, "`raise` statement")),
            Stmt::Assert(_) => return Err(EvalError::new(span, "`assert` statement")),
            Stmt::Global(_) | Stmt::Nonlocal(_) => {
                return Err(EvalError::new(span, "`global`/`nonlocal` statement"));
            }
            Stmt::Delete(_) => return Err(EvalError::new(span, "`del` statement")),
            Stmt::ClassDef(_) => return Err(EvalError::new(span, "class definition")),
            _ => return Err(EvalError::new(span, "unsupported statement")),
        }
        Ok(Flow::Next)
    }

    /// The value of an assignment; a runtime result (`rows = conn.execute(...).fetchall()`)
    /// is an error here, and the names are bound to a runtime value so later uses say why.
    fn assigned_value(&mut self, value: &Expr, targets: &[Expr]) -> EvalResult {
        match python::eval(self, value) {
            Ok(value) => Ok(value),
            Err(error) => {
                let origin = format!("assigned from `{}`", short_source(value));
                for target in targets {
                    let _ = bind_target(self, target, Value::Runtime(origin.clone()));
                }
                Err(error)
            }
        }
    }

    /// Enter the context managers of a `with` statement and run `body` inside them.
    fn with_items(
        &mut self,
        items: &'a [ast::WithItem],
        span: Range<usize>,
        body: &mut dyn FnMut(&mut Self) -> EvalResult<()>,
    ) -> EvalResult<()> {
        let Some((item, rest)) = items.split_first() else {
            return body(self);
        };
        let manager = python::eval(self, &item.context_expr)?;
        match manager.as_object().map(|o| o.path.as_str()) {
            Some("alembic.batch_op") => {
                if let Some(target) = &item.optional_vars {
                    bind_target(self, target, manager.clone())?;
                }
                self.with_items(rest, span, body)
            }
            Some("alembic.autocommit_block") => {
                let outermost = self.autocommit_depth == 0;
                let start = self.statements.len();
                self.autocommit_depth += 1;
                let result = self.with_items(rest, span.clone(), body);
                self.autocommit_depth -= 1;
                if outermost {
                    let end = self.statements.len();
                    self.autocommit_blocks.push(AutocommitBlock {
                        span: span.clone(),
                        statements: start..end,
                    });
                }
                result
            }
            _ => Err(EvalError::new(
                span_of(&item.context_expr),
                format!("`with` over a {}", describe(&manager)),
            )),
        }
    }

    fn call_function(
        &mut self,
        name: &str,
        args: Vec<Value>,
        kwargs: Vec<(String, Value)>,
        span: Range<usize>,
    ) -> EvalResult {
        let Some(def) = self.functions.get(name).copied() else {
            return Err(EvalError::new(
                span,
                format!("call of unknown function `{name}`"),
            ));
        };
        if self.depth >= MAX_CALL_DEPTH {
            return Err(EvalError::new(
                span,
                format!("helper `{name}` recurses too deeply"),
            ));
        }
        // A project module's function runs among its module's names.
        let outer_module = self.enter_module_of(name);
        let scope = bind_parameters(self, def, args, kwargs)
            .map_err(|m| EvalError::new(span.clone(), format!("call of helper `{name}`: {m}")));
        let scope = match scope {
            Ok(scope) => scope,
            Err(error) => {
                self.leave_module(outer_module);
                return Err(error);
            }
        };
        let outer_site = self.call_site.clone();
        if outer_site.is_none() {
            self.call_site = Some(span.clone());
        }
        self.depth += 1;
        self.scopes.push(scope);
        let result = self.run_block(&def.body);
        self.scopes.pop();
        self.depth -= 1;
        self.call_site = outer_site;
        self.leave_module(outer_module);
        match result {
            Ok(Flow::Return(value)) => Ok(value),
            Ok(Flow::Next) => Ok(Value::None),
            Err(error) => Err(EvalError::new(
                span,
                format!("in helper `{name}`: {}", error.message),
            )),
        }
    }
}

/// Bind a helper's parameters: positional, keyword, defaults (evaluated now, statically).
fn bind_parameters(
    interp: &mut Interp,
    def: &ast::StmtFunctionDef,
    args: Vec<Value>,
    mut kwargs: Vec<(String, Value)>,
) -> Result<HashMap<String, Value>, String> {
    let mut scope = HashMap::default();
    let parameters: Vec<&ast::ArgWithDefault> =
        def.args.posonlyargs.iter().chain(&def.args.args).collect();
    let mut args = args.into_iter();
    for parameter in &parameters {
        let name = parameter.def.arg.as_str();
        let value = if let Some(value) = args.next() {
            value
        } else if let Some(position) = kwargs.iter().position(|(k, _)| k == name) {
            kwargs.remove(position).1
        } else if let Some(default) = &parameter.default {
            python::eval(interp, default).map_err(|e| e.message)?
        } else {
            return Err(format!("missing argument `{name}`"));
        };
        scope.insert(name.to_string(), value);
    }
    let rest: Vec<Value> = args.collect();
    match &def.args.vararg {
        Some(vararg) => {
            scope.insert(vararg.arg.to_string(), Value::Tuple(rest));
        }
        None if !rest.is_empty() => return Err("too many positional arguments".into()),
        None => {}
    }
    for parameter in &def.args.kwonlyargs {
        let name = parameter.def.arg.as_str();
        let value = if let Some(position) = kwargs.iter().position(|(k, _)| k == name) {
            kwargs.remove(position).1
        } else if let Some(default) = &parameter.default {
            python::eval(interp, default).map_err(|e| e.message)?
        } else {
            return Err(format!("missing keyword argument `{name}`"));
        };
        scope.insert(name.to_string(), value);
    }
    match &def.args.kwarg {
        Some(kwarg) => {
            let pairs = kwargs
                .into_iter()
                .map(|(k, v)| (Value::Str(k), v))
                .collect();
            scope.insert(kwarg.arg.to_string(), Value::Dict(pairs));
        }
        None if !kwargs.is_empty() => {
            return Err(format!("unexpected keyword argument `{}`", kwargs[0].0));
        }
        None => {}
    }
    Ok(scope)
}

/// Span of an unrenderable statement: the statement itself for simple ones, its header for
/// compound ones (so the diagnostic underlines `for x in rows:`, not the whole loop).
fn statement_head(stmt: &Stmt, error: &EvalError) -> Range<usize> {
    let span = span_of(stmt);
    let header_end = match stmt {
        Stmt::If(s) => Some(span_of(&*s.test).end),
        Stmt::For(s) => Some(span_of(&*s.iter).end),
        Stmt::While(s) => Some(span_of(&*s.test).end),
        Stmt::With(s) => s.items.last().map(|i| span_of(&i.context_expr).end),
        _ => None,
    };
    match header_end {
        Some(end) if error.span.start >= span.start && error.span.end <= end => span.start..end,
        Some(end) => {
            // The failure is inside the body: point at the body statement's span.
            if error.span.start > end && error.span.end <= span.end {
                error.span.clone()
            } else {
                span.start..end
            }
        }
        None => span,
    }
}

fn short_source(expr: &Expr) -> String {
    match expr {
        Expr::Call(call) => format!("{}(...)", short_source(&call.func)),
        Expr::Attribute(attribute) => {
            format!("{}.{}", short_source(&attribute.value), attribute.attr)
        }
        Expr::Name(name) => name.id.to_string(),
        _ => "an expression".into(),
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Object(o) => format!("`{}(...)`", o.path),
        Value::Path(p) => format!("`{p}`"),
        Value::Runtime(origin) => format!("runtime value ({origin})"),
        other => other.type_name().to_string(),
    }
}

impl Env for Interp<'_> {
    fn budget(&mut self) -> &mut python::Budget {
        &mut self.budget
    }

    fn lookup(&mut self, name: &str, span: Range<usize>) -> EvalResult {
        for scope in self.scopes.iter().rev() {
            if let Some(value) = scope.get(name) {
                return Ok(value.clone());
            }
        }
        if let Some(value) = self.module_global(name) {
            return Ok(value.clone());
        }
        if let Some(value) = self.pending_global(name) {
            return Ok(value);
        }
        const BUILTINS: &[&str] = &[
            "str",
            "repr",
            "int",
            "float",
            "bool",
            "len",
            "list",
            "tuple",
            "sorted",
            "reversed",
            "enumerate",
            "range",
            "print",
        ];
        if BUILTINS.contains(&name) {
            return Ok(Value::Path(format!("builtins.{name}")));
        }
        if name == "__name__" {
            return Ok(Value::Runtime("the module's `__name__`".into()));
        }
        Err(EvalError::new(
            span,
            format!("name `{name}` is not defined statically"),
        ))
    }

    fn assign(&mut self, name: &str, value: Value) {
        self.set(name, value);
    }

    fn push_scope(&mut self) {
        // Comprehension scopes see the enclosing locals.
        let inherited = self.scopes.last().cloned().unwrap_or_default();
        self.scopes.push(inherited);
    }

    fn pop_scope(&mut self) {
        self.scopes.pop();
    }

    fn call(
        &mut self,
        callee: Value,
        args: Vec<Value>,
        kwargs: Vec<(String, Value)>,
        span: Range<usize>,
    ) -> EvalResult {
        match callee {
            Value::Function(name) => self.call_function(&name, args, kwargs, span),
            Value::Object(class) if type_decorator::is_class(&class) => {
                type_decorator::instance(&class, args, kwargs, span)
            }
            Value::Path(path) => self.call_path(&path, args, kwargs, span),
            Value::Method(receiver, method) => {
                self.call_method(*receiver, &method, args, kwargs, span)
            }
            Value::Runtime(origin) => Err(EvalError::new(span, format!("{origin} called"))),
            other => Err(EvalError::new(
                span,
                format!("call of a {}", other.type_name()),
            )),
        }
    }

    fn path_attribute(&mut self, path: &str, attr: &str) -> Option<Value> {
        self.module_attribute(path, attr)
    }

    fn attribute(&mut self, value: Value, attr: &str, span: Range<usize>) -> EvalResult {
        library::attribute(value, attr, span)
    }

    fn tick(&mut self, span: Range<usize>) -> EvalResult<()> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(EvalError::new(
                span,
                "too much work to render statically (comprehension too long)",
            ));
        }
        Ok(())
    }

    fn sql_comparison(
        &mut self,
        op: &str,
        left: Value,
        right: Value,
        span: Range<usize>,
    ) -> EvalResult {
        if op == "NOT" {
            return Ok(library::negated(right, span));
        }
        Ok(object(
            "sqlalchemy.__binary__",
            vec![left, Value::Str(op.to_string()), right],
            vec![],
            span,
        ))
    }
}
