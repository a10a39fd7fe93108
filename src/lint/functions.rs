//! PL/pgSQL functions a file creates and later calls: a call runs the body, whose
//! statements are linted where the call is (`lint_unfinished`).

use std::ops::Range;

use crate::parse;

/// The function a statement calls when it is nothing but a call: `SELECT f(...)`,
/// `SELECT schema.f(...)` or `CALL p(...)`.
pub(super) fn called_function(node: &pg_query::NodeEnum) -> Option<&str> {
    use pg_query::NodeEnum;
    let call = match node {
        NodeEnum::SelectStmt(select)
            if select.from_clause.is_empty() && select.target_list.len() == 1 =>
        {
            match select.target_list[0].node.as_ref()? {
                NodeEnum::ResTarget(target) => match target.val.as_deref()?.node.as_ref()? {
                    NodeEnum::FuncCall(call) => call.as_ref(),
                    _ => return None,
                },
                _ => return None,
            }
        }
        NodeEnum::CallStmt(call) => call.funccall.as_deref()?,
        _ => return None,
    };
    match call.funcname.last()?.node.as_ref()? {
        NodeEnum::String(name) => Some(name.sval.as_str()),
        _ => None,
    }
}

/// A PL/pgSQL function created earlier in the file: its body is parsed at its first call.
pub(super) enum Function {
    /// Where its statement is, read again at its first call: most functions are never
    /// called, and a big file's bodies kept to its end were megabytes.
    Created(Range<usize>),
    Parsed(Option<parse::plpgsql::Body>),
}

impl Function {
    /// What a call runs; `sql` is the text the function's statement was parsed from.
    pub(super) fn body(&mut self, sql: &str) -> Option<&parse::plpgsql::Body> {
        if let Function::Created(span) = self {
            let start = span.start;
            let statement = sql.get(span.clone()).map(parse::parse_sql);
            let created = statement.and_then(|s| s.statements.into_iter().next()?.function);
            *self = Function::Parsed(created.and_then(|c| c.moved(start).parse(sql)));
        }
        match self {
            Function::Parsed(body) => body.as_ref(),
            Function::Created(_) => None,
        }
    }
}
