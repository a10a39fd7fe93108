//! Parsing a Python module: with ruff's parser, about four times faster than
//! rustpython-parser's, conversion included (the benchmark's 2,000 revisions, read and
//! parsed on one thread: 41 ms against 183 ms; `cargo bench --bench python_floor -- DIR`
//! prints both), its tree converted to the rustpython tree the evaluator and the renderer read. Whatever the
//! conversion does not carry over (f-strings, `match`, type parameters, integers past 64
//! bits) and every syntax error are parsed again by rustpython-parser, so the tree and the
//! error messages are exactly what they were with rustpython alone (`tests/python_parse.rs`
//! compares the two trees on every revision file of the fixtures).

use ruff_python_ast as ruff;
use ruff_text_size::Ranged;
use rustpython_parser::ast::{self, Constant};
use rustpython_parser::text_size::{TextRange, TextSize};

/// The module's statements, or rustpython-parser's error (`source_path` names the file in
/// it).
pub fn parse_module(
    source: &str,
    source_path: &str,
) -> Result<ast::ModModule, rustpython_parser::ParseError> {
    if let Some(module) = parse_with_ruff(source) {
        return Ok(module);
    }
    match rustpython_parser::parse(source, rustpython_parser::Mode::Module, source_path)? {
        ast::Mod::Module(module) => Ok(module),
        // Mode::Module parses a module.
        _ => unreachable!("a module parse returned another kind of tree"),
    }
}

/// The module through ruff's parser, when it parses and converts completely. A panic in
/// ruff's parser (a bug of its) falls back to rustpython's too.
pub fn parse_with_ruff(source: &str) -> Option<ast::ModModule> {
    let parse = || ruff_python_parser::parse_module(source).ok();
    let parsed = std::panic::catch_unwind(parse).ok().flatten()?;
    Some(ast::ModModule {
        range: Default::default(),
        body: suite(source, &parsed.syntax().body)?,
        type_ignores: Vec::new(),
    })
}

fn range(node: &impl Ranged) -> TextRange {
    let r = node.range();
    TextRange::new(
        TextSize::new(r.start().to_u32()),
        TextSize::new(r.end().to_u32()),
    )
}

fn ident(id: &ruff::Identifier) -> ast::Identifier {
    ast::Identifier::new(id.as_str())
}

/// `src`: the module's text, which a decorated definition's range is found in.
fn suite(src: &str, body: &[ruff::Stmt]) -> Option<Vec<ast::Stmt>> {
    body.iter().map(|s| stmt(src, s)).collect()
}

fn exprs(list: &[ruff::Expr]) -> Option<Vec<ast::Expr>> {
    list.iter().map(expr).collect()
}

fn boxed(e: &ruff::Expr) -> Option<Box<ast::Expr>> {
    expr(e).map(Box::new)
}

fn opt(e: &Option<Box<ruff::Expr>>) -> Option<Option<Box<ast::Expr>>> {
    match e {
        Some(e) => Some(Some(boxed(e)?)),
        None => Some(None),
    }
}

/// rustpython has a type of its own for each `async` (or `except*`) form, with the same
/// fields as the plain one: builds the one `$other` says.
macro_rules! plain_or {
    ($other:expr, $plain:ident($plain_type:ident), $variant:ident($variant_type:ident)
        { $($field:ident $(: $value:expr)?),* $(,)? }) => {
        if $other {
            ast::Stmt::$variant(ast::$variant_type { $($field $(: $value)?),* })
        } else {
            ast::Stmt::$plain(ast::$plain_type { $($field $(: $value)?),* })
        }
    };
}

fn stmt(src: &str, s: &ruff::Stmt) -> Option<ast::Stmt> {
    use ruff::Stmt as S;
    let r = range(s);
    Some(match s {
        S::FunctionDef(f) => {
            if f.type_params.is_some() {
                return None;
            }
            let r = after_decorators(src, r, &f.decorator_list);
            let name = ident(&f.name);
            let args = Box::new(parameters(Some(&f.parameters))?);
            let body = suite(src, &f.body)?;
            let decorator_list = decorators(&f.decorator_list)?;
            let returns = opt(&f.returns)?;
            plain_or!(
                f.is_async,
                FunctionDef(StmtFunctionDef),
                AsyncFunctionDef(StmtAsyncFunctionDef) {
                    range: r,
                    name,
                    args,
                    body,
                    decorator_list,
                    returns,
                    type_comment: None,
                    type_params: Vec::new(),
                }
            )
        }
        S::ClassDef(c) => {
            if c.type_params.is_some() {
                return None;
            }
            let (bases, keywords) = match &c.arguments {
                Some(arguments) => (exprs(&arguments.args)?, keywords(&arguments.keywords)?),
                None => (Vec::new(), Vec::new()),
            };
            ast::Stmt::ClassDef(ast::StmtClassDef {
                range: after_decorators(src, r, &c.decorator_list),
                name: ident(&c.name),
                bases,
                keywords,
                body: suite(src, &c.body)?,
                decorator_list: decorators(&c.decorator_list)?,
                type_params: Vec::new(),
            })
        }
        S::Return(s) => ast::Stmt::Return(ast::StmtReturn {
            range: r,
            value: opt(&s.value)?,
        }),
        S::Delete(s) => ast::Stmt::Delete(ast::StmtDelete {
            range: r,
            targets: exprs(&s.targets)?,
        }),
        S::Assign(s) => ast::Stmt::Assign(ast::StmtAssign {
            range: r,
            targets: exprs(&s.targets)?,
            value: boxed(&s.value)?,
            type_comment: None,
        }),
        S::AugAssign(s) => ast::Stmt::AugAssign(ast::StmtAugAssign {
            range: r,
            target: boxed(&s.target)?,
            op: operator(s.op),
            value: boxed(&s.value)?,
        }),
        S::AnnAssign(s) => ast::Stmt::AnnAssign(ast::StmtAnnAssign {
            range: r,
            target: boxed(&s.target)?,
            annotation: boxed(&s.annotation)?,
            value: opt(&s.value)?,
            simple: s.simple,
        }),
        S::For(s) => {
            let (target, iter) = (boxed(&s.target)?, boxed(&s.iter)?);
            let (body, orelse) = (suite(src, &s.body)?, suite(src, &s.orelse)?);
            plain_or!(
                s.is_async,
                For(StmtFor),
                AsyncFor(StmtAsyncFor) {
                    range: r,
                    target,
                    iter,
                    body,
                    orelse,
                    type_comment: None,
                }
            )
        }
        S::While(s) => ast::Stmt::While(ast::StmtWhile {
            range: r,
            test: boxed(&s.test)?,
            body: suite(src, &s.body)?,
            orelse: suite(src, &s.orelse)?,
        }),
        S::If(s) => ast::Stmt::If(ast::StmtIf {
            range: r,
            test: boxed(&s.test)?,
            body: suite(src, &s.body)?,
            orelse: elif_else(src, &s.elif_else_clauses)?,
        }),
        S::With(s) => {
            let items = (s.items.iter())
                .map(|item| {
                    Some(ast::WithItem {
                        range: Default::default(),
                        context_expr: expr(&item.context_expr)?,
                        optional_vars: opt(&item.optional_vars)?,
                    })
                })
                .collect::<Option<Vec<_>>>()?;
            let body = suite(src, &s.body)?;
            plain_or!(
                s.is_async,
                With(StmtWith),
                AsyncWith(StmtAsyncWith) {
                    range: r,
                    items,
                    body,
                    type_comment: None,
                }
            )
        }
        S::Raise(s) => ast::Stmt::Raise(ast::StmtRaise {
            range: r,
            exc: opt(&s.exc)?,
            cause: opt(&s.cause)?,
        }),
        S::Try(s) => {
            let handlers = (s.handlers.iter())
                .map(|ruff::ExceptHandler::ExceptHandler(h)| {
                    Some(ast::ExceptHandler::ExceptHandler(
                        ast::ExceptHandlerExceptHandler {
                            range: range(h),
                            type_: opt(&h.type_)?,
                            name: h.name.as_ref().map(ident),
                            body: suite(src, &h.body)?,
                        },
                    ))
                })
                .collect::<Option<Vec<_>>>()?;
            let (body, orelse, finalbody) = (
                suite(src, &s.body)?,
                suite(src, &s.orelse)?,
                suite(src, &s.finalbody)?,
            );
            plain_or!(
                s.is_star,
                Try(StmtTry),
                TryStar(StmtTryStar) {
                    range: r,
                    body,
                    handlers,
                    orelse,
                    finalbody,
                }
            )
        }
        S::Assert(s) => ast::Stmt::Assert(ast::StmtAssert {
            range: r,
            test: boxed(&s.test)?,
            msg: opt(&s.msg)?,
        }),
        S::Import(s) if !s.is_lazy => ast::Stmt::Import(ast::StmtImport {
            range: r,
            names: s.names.iter().map(alias).collect(),
        }),
        S::ImportFrom(s) if !s.is_lazy => ast::Stmt::ImportFrom(ast::StmtImportFrom {
            range: r,
            module: s.module.as_ref().map(ident),
            names: s.names.iter().map(alias).collect(),
            level: Some(ast::Int::new(s.level)),
        }),
        S::Global(s) => ast::Stmt::Global(ast::StmtGlobal {
            range: r,
            names: s.names.iter().map(ident).collect(),
        }),
        S::Nonlocal(s) => ast::Stmt::Nonlocal(ast::StmtNonlocal {
            range: r,
            names: s.names.iter().map(ident).collect(),
        }),
        S::Expr(s) => ast::Stmt::Expr(ast::StmtExpr {
            range: r,
            value: boxed(&s.value)?,
        }),
        S::Pass(_) => ast::Stmt::Pass(ast::StmtPass { range: r }),
        S::Break(_) => ast::Stmt::Break(ast::StmtBreak { range: r }),
        S::Continue(_) => ast::Stmt::Continue(ast::StmtContinue { range: r }),
        // match, type aliases, lazy imports, IPython escapes: rustpython parses them.
        _ => return None,
    })
}

/// `elif` and `else` clauses as rustpython nests them: an `elif` is an `if` alone in the
/// `orelse` of the one before.
fn elif_else(src: &str, clauses: &[ruff::ElifElseClause]) -> Option<Vec<ast::Stmt>> {
    let Some((first, rest)) = clauses.split_first() else {
        return Some(Vec::new());
    };
    match &first.test {
        None => suite(src, &first.body),
        Some(test) => {
            let end = clauses.last().map_or(first.range.end(), |c| c.range.end());
            Some(vec![ast::Stmt::If(ast::StmtIf {
                range: TextRange::new(
                    TextSize::new(first.range.start().to_u32()),
                    TextSize::new(end.to_u32()),
                ),
                test: boxed(test)?,
                body: suite(src, &first.body)?,
                orelse: elif_else(src, rest)?,
            })])
        }
    }
}

/// A decorated definition's range as rustpython gives it: from its `def` (`async`,
/// `class`), after the decorators and the comments and blank lines between.
fn after_decorators(src: &str, r: TextRange, list: &[ruff::Decorator]) -> TextRange {
    let Some(last) = list.last() else {
        return r;
    };
    let bytes = src.as_bytes();
    let mut at = last.range.end().to_usize();
    while let Some(&b) = bytes.get(at) {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'\\' => at += 1,
            b'#' => {
                while bytes.get(at).is_some_and(|&b| b != b'\n' && b != b'\r') {
                    at += 1;
                }
            }
            _ => break,
        }
    }
    TextRange::new(TextSize::new(at as u32), r.end())
}

fn decorators(list: &[ruff::Decorator]) -> Option<Vec<ast::Expr>> {
    list.iter().map(|d| expr(&d.expression)).collect()
}

fn alias(a: &ruff::Alias) -> ast::Alias {
    ast::Alias {
        range: range(a),
        name: ident(&a.name),
        asname: a.asname.as_ref().map(ident),
    }
}

fn keywords(list: &[ruff::Keyword]) -> Option<Vec<ast::Keyword>> {
    (list.iter())
        .map(|k| {
            Some(ast::Keyword {
                range: range(k),
                arg: k.arg.as_ref().map(ident),
                value: expr(&k.value)?,
            })
        })
        .collect()
}

fn parameters(p: Option<&ruff::Parameters>) -> Option<ast::Arguments> {
    let Some(p) = p else {
        return Some(ast::Arguments {
            range: Default::default(),
            posonlyargs: Vec::new(),
            args: Vec::new(),
            vararg: None,
            kwonlyargs: Vec::new(),
            kwarg: None,
        });
    };
    let with_defaults = |list: &[ruff::ParameterWithDefault]| -> Option<Vec<ast::ArgWithDefault>> {
        (list.iter())
            .map(|p| {
                Some(ast::ArgWithDefault {
                    range: Default::default(),
                    def: parameter(&p.parameter)?,
                    default: opt(&p.default)?,
                })
            })
            .collect()
    };
    // `*args`, `**kwargs`: rustpython's range starts at the name.
    let alone = |p: &Option<Box<ruff::Parameter>>| -> Option<Option<Box<ast::Arg>>> {
        let Some(p) = p else {
            return Some(None);
        };
        let mut arg = parameter(p)?;
        arg.range = TextRange::new(range(&p.name).start(), arg.range.end());
        Some(Some(Box::new(arg)))
    };
    Some(ast::Arguments {
        range: Default::default(),
        posonlyargs: with_defaults(&p.posonlyargs)?,
        args: with_defaults(&p.args)?,
        vararg: alone(&p.vararg)?,
        kwonlyargs: with_defaults(&p.kwonlyargs)?,
        kwarg: alone(&p.kwarg)?,
    })
}

fn parameter(p: &ruff::Parameter) -> Option<ast::Arg> {
    Some(ast::Arg {
        range: range(p),
        arg: ident(&p.name),
        annotation: opt(&p.annotation)?,
        type_comment: None,
    })
}

fn comprehensions(list: &[ruff::Comprehension]) -> Option<Vec<ast::Comprehension>> {
    (list.iter())
        .map(|c| {
            Some(ast::Comprehension {
                range: Default::default(),
                target: expr(&c.target)?,
                iter: expr(&c.iter)?,
                ifs: exprs(&c.ifs)?,
                is_async: c.is_async,
            })
        })
        .collect()
}

fn context(ctx: ruff::ExprContext) -> Option<ast::ExprContext> {
    Some(match ctx {
        ruff::ExprContext::Load => ast::ExprContext::Load,
        ruff::ExprContext::Store => ast::ExprContext::Store,
        ruff::ExprContext::Del => ast::ExprContext::Del,
        ruff::ExprContext::Invalid => return None,
    })
}

fn operator(op: ruff::Operator) -> ast::Operator {
    use ruff::Operator as O;
    match op {
        O::Add => ast::Operator::Add,
        O::Sub => ast::Operator::Sub,
        O::Mult => ast::Operator::Mult,
        O::MatMult => ast::Operator::MatMult,
        O::Div => ast::Operator::Div,
        O::Mod => ast::Operator::Mod,
        O::Pow => ast::Operator::Pow,
        O::LShift => ast::Operator::LShift,
        O::RShift => ast::Operator::RShift,
        O::BitOr => ast::Operator::BitOr,
        O::BitXor => ast::Operator::BitXor,
        O::BitAnd => ast::Operator::BitAnd,
        O::FloorDiv => ast::Operator::FloorDiv,
    }
}

fn compare(op: ruff::CmpOp) -> ast::CmpOp {
    use ruff::CmpOp as C;
    match op {
        C::Eq => ast::CmpOp::Eq,
        C::NotEq => ast::CmpOp::NotEq,
        C::Lt => ast::CmpOp::Lt,
        C::LtE => ast::CmpOp::LtE,
        C::Gt => ast::CmpOp::Gt,
        C::GtE => ast::CmpOp::GtE,
        C::Is => ast::CmpOp::Is,
        C::IsNot => ast::CmpOp::IsNot,
        C::In => ast::CmpOp::In,
        C::NotIn => ast::CmpOp::NotIn,
    }
}

fn constant(r: TextRange, value: Constant, kind: Option<String>) -> ast::Expr {
    ast::Expr::Constant(ast::ExprConstant {
        range: r,
        value,
        kind,
    })
}

fn expr(e: &ruff::Expr) -> Option<ast::Expr> {
    use ruff::Expr as E;
    let r = range(e);
    Some(match e {
        E::BoolOp(e) => ast::Expr::BoolOp(ast::ExprBoolOp {
            range: r,
            op: match e.op {
                ruff::BoolOp::And => ast::BoolOp::And,
                ruff::BoolOp::Or => ast::BoolOp::Or,
            },
            values: exprs(&e.values)?,
        }),
        E::Named(e) => ast::Expr::NamedExpr(ast::ExprNamedExpr {
            range: r,
            target: boxed(&e.target)?,
            value: boxed(&e.value)?,
        }),
        E::BinOp(e) => ast::Expr::BinOp(ast::ExprBinOp {
            range: r,
            left: boxed(&e.left)?,
            op: operator(e.op),
            right: boxed(&e.right)?,
        }),
        E::UnaryOp(e) => ast::Expr::UnaryOp(ast::ExprUnaryOp {
            range: r,
            op: match e.op {
                ruff::UnaryOp::Invert => ast::UnaryOp::Invert,
                ruff::UnaryOp::Not => ast::UnaryOp::Not,
                ruff::UnaryOp::UAdd => ast::UnaryOp::UAdd,
                ruff::UnaryOp::USub => ast::UnaryOp::USub,
            },
            operand: boxed(&e.operand)?,
        }),
        E::Lambda(e) => ast::Expr::Lambda(ast::ExprLambda {
            range: r,
            args: Box::new(parameters(e.parameters.as_deref())?),
            body: boxed(&e.body)?,
        }),
        E::If(e) => ast::Expr::IfExp(ast::ExprIfExp {
            range: r,
            test: boxed(&e.test)?,
            body: boxed(&e.body)?,
            orelse: boxed(&e.orelse)?,
        }),
        E::Dict(e) => {
            let mut keys = Vec::with_capacity(e.items.len());
            let mut values = Vec::with_capacity(e.items.len());
            for item in &e.items {
                keys.push(match &item.key {
                    Some(key) => Some(expr(key)?),
                    None => None,
                });
                values.push(expr(&item.value)?);
            }
            ast::Expr::Dict(ast::ExprDict {
                range: r,
                keys,
                values,
            })
        }
        E::Set(e) => ast::Expr::Set(ast::ExprSet {
            range: r,
            elts: exprs(&e.elts)?,
        }),
        E::ListComp(e) => ast::Expr::ListComp(ast::ExprListComp {
            range: r,
            elt: boxed(&e.elt)?,
            generators: comprehensions(&e.generators)?,
        }),
        E::SetComp(e) => ast::Expr::SetComp(ast::ExprSetComp {
            range: r,
            elt: boxed(&e.elt)?,
            generators: comprehensions(&e.generators)?,
        }),
        E::DictComp(e) => ast::Expr::DictComp(ast::ExprDictComp {
            range: r,
            // `{**d for ...}` is not Python rustpython parses.
            key: boxed(e.key.as_deref()?)?,
            value: boxed(&e.value)?,
            generators: comprehensions(&e.generators)?,
        }),
        E::Generator(e) => ast::Expr::GeneratorExp(ast::ExprGeneratorExp {
            range: r,
            elt: boxed(&e.elt)?,
            generators: comprehensions(&e.generators)?,
        }),
        E::Await(e) => ast::Expr::Await(ast::ExprAwait {
            range: r,
            value: boxed(&e.value)?,
        }),
        E::Yield(e) => ast::Expr::Yield(ast::ExprYield {
            range: r,
            value: opt(&e.value)?,
        }),
        E::YieldFrom(e) => ast::Expr::YieldFrom(ast::ExprYieldFrom {
            range: r,
            value: boxed(&e.value)?,
        }),
        E::Compare(e) => ast::Expr::Compare(ast::ExprCompare {
            range: r,
            left: boxed(&e.left)?,
            ops: e.ops.iter().copied().map(compare).collect(),
            comparators: exprs(&e.comparators)?,
        }),
        E::Call(e) => ast::Expr::Call(ast::ExprCall {
            range: r,
            func: boxed(&e.func)?,
            args: exprs(&e.arguments.args)?,
            keywords: keywords(&e.arguments.keywords)?,
        }),
        E::StringLiteral(e) => {
            let kind = e.value.is_unicode().then(|| "u".to_string());
            constant(r, Constant::Str(e.value.to_str().to_string()), kind)
        }
        E::BytesLiteral(e) => constant(r, Constant::Bytes(e.value.bytes().collect()), None),
        E::NumberLiteral(e) => constant(
            r,
            match &e.value {
                // Past 64 bits: rustpython's own big integer.
                ruff::Number::Int(int) => Constant::Int(int.as_u64()?.into()),
                ruff::Number::Float(value) => Constant::Float(*value),
                ruff::Number::Complex { real, imag } => Constant::Complex {
                    real: *real,
                    imag: *imag,
                },
            },
            None,
        ),
        E::BooleanLiteral(e) => constant(r, Constant::Bool(e.value), None),
        E::NoneLiteral(_) => constant(r, Constant::None, None),
        E::EllipsisLiteral(_) => constant(r, Constant::Ellipsis, None),
        E::Attribute(e) => ast::Expr::Attribute(ast::ExprAttribute {
            range: r,
            value: boxed(&e.value)?,
            attr: ident(&e.attr),
            ctx: context(e.ctx)?,
        }),
        E::Subscript(e) => ast::Expr::Subscript(ast::ExprSubscript {
            range: r,
            value: boxed(&e.value)?,
            slice: boxed(&e.slice)?,
            ctx: context(e.ctx)?,
        }),
        E::Starred(e) => ast::Expr::Starred(ast::ExprStarred {
            range: r,
            value: boxed(&e.value)?,
            ctx: context(e.ctx)?,
        }),
        E::Name(e) => ast::Expr::Name(ast::ExprName {
            range: r,
            id: ast::Identifier::new(e.id.as_str()),
            ctx: context(e.ctx)?,
        }),
        E::List(e) => ast::Expr::List(ast::ExprList {
            range: r,
            elts: exprs(&e.elts)?,
            ctx: context(e.ctx)?,
        }),
        E::Tuple(e) => ast::Expr::Tuple(ast::ExprTuple {
            range: r,
            elts: exprs(&e.elts)?,
            ctx: context(e.ctx)?,
        }),
        E::Slice(e) => ast::Expr::Slice(ast::ExprSlice {
            range: r,
            lower: opt(&e.lower)?,
            upper: opt(&e.upper)?,
            step: opt(&e.step)?,
        }),
        // f-strings (rustpython's JoinedStr), t-strings, IPython escapes.
        _ => return None,
    })
}
