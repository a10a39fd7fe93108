//! Static evaluation of Python expressions.
//!
//! Only what migrations need is evaluated: literals, containers, names, attribute access,
//! calls, string formatting and concatenation, comparisons and boolean logic over known
//! values. Everything else is an [`EvalError`] naming the construct, never a guess.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::ops::Range;

use rustpython_parser::ast::{self, Constant, Expr, Ranged};

use super::budget::{Budget, check_str_len};
use super::builtins::{builtin_function, builtin_method, iterate};
use super::format::{apply_spec, percent_format};
use super::value::{Value, canonical_path};

/// Why an expression or statement cannot be evaluated statically.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    pub span: Range<usize>,
    pub message: String,
}

impl EvalError {
    pub fn new(span: Range<usize>, message: impl Into<String>) -> Self {
        EvalError {
            span,
            message: message.into(),
        }
    }
}

pub type EvalResult<T = Value> = Result<T, EvalError>;

pub fn span_of(node: &impl Ranged) -> Range<usize> {
    let range = node.range();
    range.start().to_usize()..range.end().to_usize()
}

/// What the evaluator asks of its surroundings: names, library objects and calls.
pub trait Env {
    /// The value bound to `name`.
    fn lookup(&mut self, name: &str, span: Range<usize>) -> EvalResult;
    /// Bind a name in the innermost scope (comprehension targets).
    fn assign(&mut self, name: &str, value: Value);
    fn push_scope(&mut self);
    fn pop_scope(&mut self);
    /// Call a library path, a method on a library object, or a function of the file.
    fn call(
        &mut self,
        callee: Value,
        args: Vec<Value>,
        kwargs: Vec<(String, Value)>,
        span: Range<usize>,
    ) -> EvalResult;
    /// `module.attr` for an imported path the environment knows the module of (a module
    /// it read); `None` extends the path (`sa.types` → `sqlalchemy.types`).
    fn path_attribute(&mut self, path: &str, attr: &str) -> Option<Value> {
        let _ = (path, attr);
        None
    }
    /// `value.attr` where `value` is a library object or runtime value.
    fn attribute(&mut self, value: Value, attr: &str, span: Range<usize>) -> EvalResult;
    /// The file's evaluation limits (see [`Budget`]).
    fn budget(&mut self) -> &mut Budget;
    /// Called once per comprehension item, so the environment can bound the work done.
    fn tick(&mut self, span: Range<usize>) -> EvalResult<()> {
        let _ = span;
        Ok(())
    }
    /// A comparison with a library object on one side builds a SQL expression
    /// (`sa.column("seats") > 0`); `op` is the SQL operator.
    fn sql_comparison(
        &mut self,
        op: &str,
        left: Value,
        right: Value,
        span: Range<usize>,
    ) -> EvalResult {
        let _ = (left, right);
        Err(EvalError::new(span, format!("SQL operator `{op}`")))
    }
}

/// Evaluates `expr` within the environment's [`Budget`]: nesting depth and the bytes of
/// values built are bounded, so any input finishes in bounded stack and memory.
pub fn eval<E: Env>(env: &mut E, expr: &Expr) -> EvalResult {
    let span = span_of(expr);
    let limit = |message| EvalError::new(span.clone(), message);
    env.budget().enter().map_err(limit)?;
    let value = eval_unbounded(env, expr, span.clone());
    env.budget().leave();
    let value = value?;
    env.budget().charge(&value).map_err(limit)?;
    Ok(value)
}

fn eval_unbounded<E: Env>(env: &mut E, expr: &Expr, span: Range<usize>) -> EvalResult {
    match expr {
        Expr::Constant(c) => constant(&c.value, span),
        Expr::JoinedStr(joined) => {
            let mut out = String::new();
            for part in &joined.values {
                out.push_str(&eval_str_part(env, part)?);
                check_str_len(Some(out.len())).map_err(|m| EvalError::new(span.clone(), m))?;
            }
            Ok(Value::Str(out))
        }
        Expr::FormattedValue(_) => Ok(Value::Str(eval_str_part(env, expr)?)),
        Expr::Name(name) => env.lookup(name.id.as_str(), span),
        Expr::List(list) => Ok(Value::List(eval_elements(env, &list.elts)?)),
        Expr::Tuple(tuple) => Ok(Value::Tuple(eval_elements(env, &tuple.elts)?)),
        Expr::Set(set) => Ok(Value::List(eval_elements(env, &set.elts)?)),
        Expr::Dict(dict) => {
            let mut pairs = DictPairs::with_capacity(dict.values.len());
            for (key, value) in dict.keys.iter().zip(&dict.values) {
                let value = eval(env, value)?;
                match key {
                    Some(key) => {
                        let key = eval(env, key)?;
                        pairs.insert(key, value);
                    }
                    // `**other` inside a dict display.
                    None => match value {
                        Value::Dict(other) => {
                            other.into_iter().for_each(|(k, v)| pairs.insert(k, v))
                        }
                        other => {
                            return Err(EvalError::new(
                                span,
                                format!("`**` of a {}", other.type_name()),
                            ));
                        }
                    },
                }
            }
            Ok(Value::Dict(pairs.pairs))
        }
        Expr::Attribute(attribute) => {
            let value = eval(env, &attribute.value)?;
            get_attribute(env, value, attribute.attr.as_str(), span)
        }
        Expr::Call(call) => {
            let callee = eval(env, &call.func)?;
            let mut args = Vec::with_capacity(call.args.len());
            for arg in &call.args {
                match arg {
                    Expr::Starred(starred) => match eval(env, &starred.value)? {
                        Value::List(items) | Value::Tuple(items) => args.extend(items),
                        other => {
                            return Err(EvalError::new(
                                span_of(arg),
                                format!("`*` of a {}", other.type_name()),
                            ));
                        }
                    },
                    arg => args.push(eval(env, arg)?),
                }
            }
            let mut kwargs = Vec::with_capacity(call.keywords.len());
            for keyword in &call.keywords {
                let value = eval(env, &keyword.value)?;
                match &keyword.arg {
                    Some(name) => kwargs.push((name.to_string(), value)),
                    None => match value {
                        Value::Dict(pairs) => {
                            for (k, v) in pairs {
                                let Value::Str(k) = k else {
                                    return Err(EvalError::new(
                                        span_of(keyword),
                                        "`**` with non-string keys",
                                    ));
                                };
                                kwargs.push((k, v));
                            }
                        }
                        other => {
                            return Err(EvalError::new(
                                span_of(keyword),
                                format!("`**` of a {}", other.type_name()),
                            ));
                        }
                    },
                }
            }
            call_value(env, callee, args, kwargs, span)
        }
        Expr::BinOp(binop) => {
            let left = eval(env, &binop.left)?;
            let right = eval(env, &binop.right)?;
            // `a & b`, `a | b` of SQL expressions are SQLAlchemy's AND / OR.
            let conjunction = match binop.op {
                ast::Operator::BitAnd => Some("AND"),
                ast::Operator::BitOr => Some("OR"),
                _ => None,
            };
            if let Some(sql_op) = conjunction
                && (matches!(left, Value::Object(_)) || matches!(right, Value::Object(_)))
            {
                return env.sql_comparison(sql_op, left, right, span);
            }
            binary(binop.op, left, right).map_err(|m| EvalError::new(span, m))
        }
        Expr::UnaryOp(unary) => {
            let operand = eval(env, &unary.operand)?;
            match (unary.op, operand) {
                // `~clause` of a SQL expression is SQLAlchemy's NOT.
                (ast::UnaryOp::Invert, operand @ Value::Object(_)) => {
                    env.sql_comparison("NOT", Value::None, operand, span)
                }
                (ast::UnaryOp::Not, v) => v
                    .truthy()
                    .map(|b| Value::Bool(!b))
                    .ok_or_else(|| EvalError::new(span, "`not` of a runtime value")),
                (ast::UnaryOp::USub, Value::Int(i)) => {
                    Ok(Value::Int(i.checked_neg().ok_or_else(|| overflow(&span))?))
                }
                (ast::UnaryOp::USub, Value::Float(f)) => Ok(Value::Float(-f)),
                (ast::UnaryOp::UAdd, v @ (Value::Int(_) | Value::Float(_))) => Ok(v),
                (op, v) => Err(EvalError::new(
                    span,
                    format!("unary {op:?} of a {}", v.type_name()),
                )),
            }
        }
        Expr::BoolOp(boolop) => {
            let mut last = Value::None;
            for value in &boolop.values {
                last = eval(env, value)?;
                let truth = last.truthy().ok_or_else(|| {
                    EvalError::new(span.clone(), "boolean logic over a runtime value")
                })?;
                match boolop.op {
                    ast::BoolOp::And if !truth => return Ok(last),
                    ast::BoolOp::Or if truth => return Ok(last),
                    _ => {}
                }
            }
            Ok(last)
        }
        Expr::Compare(compare) => {
            let mut left = eval(env, &compare.left)?;
            if let ([op], [right]) = (compare.ops.as_slice(), compare.comparators.as_slice())
                && let Some(sql_op) = sql_operator(*op)
            {
                let right = eval(env, right)?;
                if matches!(left, Value::Object(_)) || matches!(right, Value::Object(_)) {
                    return env.sql_comparison(sql_op, left, right, span);
                }
                return comparison(*op, &left, &right)
                    .map(Value::Bool)
                    .map_err(|m| EvalError::new(span, m));
            }
            for (op, right) in compare.ops.iter().zip(&compare.comparators) {
                let right = eval(env, right)?;
                if !comparison(*op, &left, &right).map_err(|m| EvalError::new(span.clone(), m))? {
                    return Ok(Value::Bool(false));
                }
                left = right;
            }
            Ok(Value::Bool(true))
        }
        Expr::IfExp(ifexp) => {
            let test = eval(env, &ifexp.test)?;
            match test.truthy() {
                Some(true) => eval(env, &ifexp.body),
                Some(false) => eval(env, &ifexp.orelse),
                None => Err(EvalError::new(
                    span,
                    "conditional expression over a runtime value",
                )),
            }
        }
        Expr::Subscript(subscript) => {
            let value = eval(env, &subscript.value)?;
            let index = eval(env, &subscript.slice)?;
            subscript_value(&value, &index).map_err(|m| EvalError::new(span, m))
        }
        Expr::ListComp(comp) => {
            let items =
                comprehension(env, &comp.generators, &mut |env| eval(env, &comp.elt), span)?;
            Ok(Value::List(items))
        }
        Expr::GeneratorExp(comp) => {
            let items =
                comprehension(env, &comp.generators, &mut |env| eval(env, &comp.elt), span)?;
            Ok(Value::List(items))
        }
        Expr::Lambda(_) => Err(EvalError::new(span, "lambda expression")),
        Expr::Await(_) | Expr::Yield(_) | Expr::YieldFrom(_) => {
            Err(EvalError::new(span, "generator/async expression"))
        }
        Expr::NamedExpr(_) => Err(EvalError::new(span, "assignment expression (`:=`)")),
        Expr::Starred(_) => Err(EvalError::new(span, "starred expression")),
        Expr::Slice(_) => Err(EvalError::new(span, "slice")),
        Expr::SetComp(_) | Expr::DictComp(_) => Err(EvalError::new(span, "set/dict comprehension")),
    }
}

fn sql_operator(op: ast::CmpOp) -> Option<&'static str> {
    use ast::CmpOp::*;
    Some(match op {
        Eq => "=",
        NotEq => "!=",
        Lt => "<",
        LtE => "<=",
        Gt => ">",
        GtE => ">=",
        _ => return None,
    })
}

fn overflow(span: &Range<usize>) -> EvalError {
    EvalError::new(span.clone(), "integer overflow")
}

fn eval_elements<E: Env>(env: &mut E, elements: &[Expr]) -> EvalResult<Vec<Value>> {
    let mut out = Vec::with_capacity(elements.len());
    for element in elements {
        match element {
            Expr::Starred(starred) => match eval(env, &starred.value)? {
                Value::List(items) | Value::Tuple(items) => out.extend(items),
                other => {
                    return Err(EvalError::new(
                        span_of(element),
                        format!("`*` of a {}", other.type_name()),
                    ));
                }
            },
            element => out.push(eval(env, element)?),
        }
    }
    Ok(out)
}

/// The pairs of a dict display being built: a key already there keeps its place and takes
/// the new value, as in Python. Keys are found through their hash, so a large literal is
/// not quadratic.
struct DictPairs {
    pairs: Vec<(Value, Value)>,
    /// Key hash → the places of the keys with that hash.
    index: HashMap<u64, Vec<usize>>,
}

impl DictPairs {
    fn with_capacity(capacity: usize) -> Self {
        DictPairs {
            pairs: Vec::with_capacity(capacity),
            index: HashMap::with_capacity(capacity),
        }
    }

    fn insert(&mut self, key: Value, value: Value) {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut hasher);
        let places = self.index.entry(hasher.finish()).or_default();
        match places.iter().find(|&&at| self.pairs[at].0 == key) {
            Some(&at) => self.pairs[at].1 = value,
            None => {
                places.push(self.pairs.len());
                self.pairs.push((key, value));
            }
        }
    }
}

fn comprehension<E: Env>(
    env: &mut E,
    generators: &[ast::Comprehension],
    element: &mut dyn FnMut(&mut E) -> EvalResult,
    span: Range<usize>,
) -> EvalResult<Vec<Value>> {
    let Some((first, rest)) = generators.split_first() else {
        return Ok(vec![element(env)?]);
    };
    if first.is_async {
        return Err(EvalError::new(span, "async comprehension"));
    }
    let iterable = eval(env, &first.iter)?;
    let items = iterate(&iterable).map_err(|m| EvalError::new(span_of(&first.iter), m))?;
    let mut out = Vec::new();
    env.push_scope();
    let result = (|| {
        'items: for item in items {
            env.tick(span.clone())?;
            bind_target(env, &first.target, item)?;
            for condition in &first.ifs {
                match eval(env, condition)?.truthy() {
                    Some(true) => {}
                    Some(false) => continue 'items,
                    None => {
                        return Err(EvalError::new(
                            span_of(condition),
                            "comprehension filter over a runtime value",
                        ));
                    }
                }
            }
            out.extend(comprehension(env, rest, element, span.clone())?);
        }
        Ok(())
    })();
    env.pop_scope();
    result.map(|()| out)
}

/// Assign `value` to a `for`/assignment target: a name or a (nested) tuple of names.
pub fn bind_target<E: Env>(env: &mut E, target: &Expr, value: Value) -> EvalResult<()> {
    match target {
        Expr::Name(name) => {
            env.assign(name.id.as_str(), value);
            Ok(())
        }
        Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
            let items = match value {
                Value::List(items) | Value::Tuple(items) if items.len() == elts.len() => items,
                Value::Runtime(origin) => {
                    for element in elts {
                        bind_target(env, element, Value::Runtime(origin.clone()))?;
                    }
                    return Ok(());
                }
                other => {
                    return Err(EvalError::new(
                        span_of(target),
                        format!(
                            "cannot unpack a {} into {} names",
                            other.type_name(),
                            elts.len()
                        ),
                    ));
                }
            };
            for (element, item) in elts.iter().zip(items) {
                bind_target(env, element, item)?;
            }
            Ok(())
        }
        _ => Err(EvalError::new(
            span_of(target),
            "assignment to an attribute or subscript",
        )),
    }
}

fn constant(value: &Constant, span: Range<usize>) -> EvalResult {
    Ok(match value {
        Constant::None => Value::None,
        Constant::Bool(b) => Value::Bool(*b),
        Constant::Str(s) => Value::Str(s.clone()),
        Constant::Int(i) => Value::Int(
            i.to_string()
                .parse()
                .map_err(|_| EvalError::new(span, "integer literal out of range"))?,
        ),
        Constant::Float(f) => Value::Float(*f),
        Constant::Tuple(items) => {
            let items: EvalResult<Vec<Value>> =
                items.iter().map(|c| constant(c, span.clone())).collect();
            Value::Tuple(items?)
        }
        Constant::Bytes(_) => return Err(EvalError::new(span, "bytes literal")),
        Constant::Complex { .. } => return Err(EvalError::new(span, "complex literal")),
        Constant::Ellipsis => return Err(EvalError::new(span, "`...` used as a value")),
    })
}

/// One part of an f-string: literal text or `{expr!conv:spec}`.
fn eval_str_part<E: Env>(env: &mut E, part: &Expr) -> EvalResult<String> {
    match part {
        Expr::FormattedValue(formatted) => {
            let span = span_of(part);
            let value = eval(env, &formatted.value)?;
            let value = match formatted.conversion {
                ast::ConversionFlag::Repr | ast::ConversionFlag::Ascii => {
                    Value::Str(value.py_repr().ok_or_else(|| {
                        EvalError::new(span.clone(), format!("repr of a {}", value.type_name()))
                    })?)
                }
                _ => value,
            };
            let spec = match &formatted.format_spec {
                Some(spec) => match eval(env, spec)? {
                    Value::Str(s) => s,
                    _ => return Err(EvalError::new(span, "non-string format spec")),
                },
                None => String::new(),
            };
            if let Value::Runtime(origin) = &value {
                return Err(EvalError::new(
                    span,
                    format!("f-string of a runtime value ({origin})"),
                ));
            }
            apply_spec(&value, &spec).map_err(|m| EvalError::new(span, m))
        }
        other => match eval(env, other)? {
            Value::Str(s) => Ok(s),
            v => Err(EvalError::new(
                span_of(other),
                format!("f-string part is a {}", v.type_name()),
            )),
        },
    }
}

/// `value.attr`: methods of builtin values here, library objects through the [`Env`].
pub fn get_attribute<E: Env>(
    env: &mut E,
    value: Value,
    attr: &str,
    span: Range<usize>,
) -> EvalResult {
    match value {
        Value::Path(path) => Ok(env.path_attribute(&path, attr).unwrap_or_else(|| {
            // Joined by hand: `format!` cost several times the copying here.
            let mut joined = String::with_capacity(path.len() + 1 + attr.len());
            joined.push_str(&path);
            joined.push('.');
            joined.push_str(attr);
            Value::Path(canonical_path(joined))
        })),
        Value::Str(_) | Value::List(_) | Value::Tuple(_) | Value::Dict(_) => {
            Ok(Value::Method(Box::new(value), attr.to_string()))
        }
        Value::Object(_) | Value::Runtime(_) | Value::Method(..) => {
            env.attribute(value, attr, span)
        }
        other => Err(EvalError::new(
            span,
            format!("attribute `{attr}` of a {}", other.type_name()),
        )),
    }
}

fn call_value<E: Env>(
    env: &mut E,
    callee: Value,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
    span: Range<usize>,
) -> EvalResult {
    if let Value::Method(receiver, name) = &callee
        && matches!(
            **receiver,
            Value::Str(_) | Value::List(_) | Value::Tuple(_) | Value::Dict(_)
        )
    {
        return builtin_method(receiver, name, &args, &kwargs).map_err(|m| EvalError::new(span, m));
    }
    if let Value::Path(path) = &callee
        && let Some(name) = path.strip_prefix("builtins.")
    {
        return builtin_function(name, &args).map_err(|m| EvalError::new(span, m));
    }
    env.call(callee, args, kwargs, span)
}

fn binary(op: ast::Operator, left: Value, right: Value) -> Result<Value, String> {
    use ast::Operator::*;
    Ok(match (op, left, right) {
        (Add, Value::Str(a), Value::Str(b)) => {
            check_str_len(a.len().checked_add(b.len()))?;
            Value::Str(a + &b)
        }
        (Add, Value::List(a), Value::List(b)) => Value::List(a.into_iter().chain(b).collect()),
        (Add, Value::Tuple(a), Value::Tuple(b)) => Value::Tuple(a.into_iter().chain(b).collect()),
        (Mod, Value::Str(template), args) => Value::Str(percent_format(&template, &args)?),
        (Mult, Value::Str(s), Value::Int(n)) | (Mult, Value::Int(n), Value::Str(s)) => {
            let n = usize::try_from(n).unwrap_or(0);
            check_str_len(s.len().checked_mul(n))?;
            Value::Str(s.repeat(n))
        }
        (op, Value::Int(a), Value::Int(b)) => match op {
            Add => Value::Int(a.checked_add(b).ok_or("integer overflow")?),
            Sub => Value::Int(a.checked_sub(b).ok_or("integer overflow")?),
            Mult => Value::Int(a.checked_mul(b).ok_or("integer overflow")?),
            Div if b != 0 => Value::Float(a as f64 / b as f64),
            FloorDiv if b != 0 => Value::Int(a.checked_div_euclid(b).ok_or("integer overflow")?),
            Mod if b != 0 => Value::Int(a.checked_rem_euclid(b).ok_or("integer overflow")?),
            Pow if (0..64).contains(&b) => {
                Value::Int(a.checked_pow(b as u32).ok_or("integer overflow")?)
            }
            _ => return Err(format!("integer operation {op:?}")),
        },
        (op, a @ (Value::Int(_) | Value::Float(_)), b @ (Value::Int(_) | Value::Float(_))) => {
            let (a, b) = (as_float(&a), as_float(&b));
            Value::Float(match op {
                Add => a + b,
                Sub => a - b,
                Mult => a * b,
                Div if b != 0.0 => a / b,
                _ => return Err(format!("float operation {op:?}")),
            })
        }
        (op, a, b) => {
            return Err(format!(
                "operator {op:?} between a {} and a {}",
                a.type_name(),
                b.type_name()
            ));
        }
    })
}

fn as_float(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => 0.0,
    }
}

fn comparison(op: ast::CmpOp, left: &Value, right: &Value) -> Result<bool, String> {
    use ast::CmpOp::*;
    if let Value::Runtime(origin) = left {
        return Err(format!("comparison with {origin}"));
    }
    if let Value::Runtime(origin) = right {
        return Err(format!("comparison with {origin}"));
    }
    // Comparing a third-party constant would be a guess at its value.
    if let Some(path) = left.foreign_path().or(right.foreign_path()) {
        return Err(format!("comparison with `{path}`, not known statically"));
    }
    Ok(match op {
        Eq => values_equal(left, right),
        NotEq => !values_equal(left, right),
        Is => matches!(
            (left, right),
            (Value::None, Value::None)
                | (Value::Bool(true), Value::Bool(true))
                | (Value::Bool(false), Value::Bool(false))
        ),
        IsNot => !matches!(
            (left, right),
            (Value::None, Value::None)
                | (Value::Bool(true), Value::Bool(true))
                | (Value::Bool(false), Value::Bool(false))
        ),
        In | NotIn => {
            let found = match right {
                Value::Str(haystack) => match left {
                    Value::Str(needle) => haystack.contains(needle.as_str()),
                    _ => return Err("`in <str>` needs a string".into()),
                },
                Value::List(items) | Value::Tuple(items) => {
                    items.iter().any(|i| values_equal(i, left))
                }
                Value::Dict(pairs) => pairs.iter().any(|(k, _)| values_equal(k, left)),
                other => return Err(format!("`in` a {}", other.type_name())),
            };
            found == matches!(op, In)
        }
        Lt | LtE | Gt | GtE => {
            let ordering = match (left, right) {
                (Value::Str(a), Value::Str(b)) => a.cmp(b),
                (a @ (Value::Int(_) | Value::Float(_)), b @ (Value::Int(_) | Value::Float(_))) => {
                    as_float(a)
                        .partial_cmp(&as_float(b))
                        .ok_or("comparison with NaN")?
                }
                (a, b) => {
                    return Err(format!(
                        "ordering a {} and a {}",
                        a.type_name(),
                        b.type_name()
                    ));
                }
            };
            match op {
                Lt => ordering.is_lt(),
                LtE => ordering.is_le(),
                Gt => ordering.is_gt(),
                _ => ordering.is_ge(),
            }
        }
    })
}

fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => *x as f64 == *y,
        (Value::Bool(x), Value::Int(y)) | (Value::Int(y), Value::Bool(x)) => *x as i64 == *y,
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| values_equal(a, b))
        }
        _ => a == b,
    }
}

fn subscript_value(value: &Value, index: &Value) -> Result<Value, String> {
    match (value, index) {
        (Value::List(items) | Value::Tuple(items), Value::Int(i)) => {
            let len = items.len() as i64;
            let i = if *i < 0 { len + i } else { *i };
            usize::try_from(i)
                .ok()
                .and_then(|i| items.get(i))
                .cloned()
                .ok_or_else(|| "index out of range".into())
        }
        (Value::Str(s), Value::Int(i)) => {
            let chars: Vec<char> = s.chars().collect();
            let i = if *i < 0 { chars.len() as i64 + i } else { *i };
            usize::try_from(i)
                .ok()
                .and_then(|i| chars.get(i))
                .map(|c| Value::Str(c.to_string()))
                .ok_or_else(|| "index out of range".into())
        }
        (Value::Dict(pairs), key) => pairs
            .iter()
            .find(|(k, _)| values_equal(k, key))
            .map(|(_, v)| v.clone())
            .ok_or_else(|| "key not in dict".into()),
        (Value::Runtime(origin), _) => Err(format!("subscript of a runtime value ({origin})")),
        (v, i) => Err(format!(
            "subscript of a {} by a {}",
            v.type_name(),
            i.type_name()
        )),
    }
}
