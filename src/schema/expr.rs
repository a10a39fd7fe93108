//! Expressions written back as SQL, as PostgreSQL's deparser writes them: what the
//! catalog keeps of a column default, a CHECK, an index expression or predicate.

use pg_query::{Node, NodeEnum};

use super::keys::strings;
use crate::parse::ident::quote_ident as quote;

/// An expression as PostgreSQL's deparser writes it.
pub(super) fn expr_sql(node: &Node) -> String {
    if let Some(plain) = plain_constant(node) {
        return plain;
    }
    let Some(shape) = common_shape(node) else {
        return deparsed_once(node);
    };
    // A history repeats a few such defaults thousands of times (`now()`,
    // `gen_random_uuid()`, `'{}'::jsonb`): each is deparsed once per thread.
    DEPARSED.with(|memo| {
        let mut memo = memo.borrow_mut();
        if let Some(sql) = memo.get(&shape) {
            return sql.clone();
        }
        let sql = deparsed(node);
        if memo.len() >= MEMO_MAX {
            memo.clear();
        }
        memo.insert(shape, sql.clone());
        sql
    })
}

/// An index element as SQL, and the name PostgreSQL gives its column.
pub(super) fn index_elem(elem: &pg_query::protobuf::IndexElem) -> (String, String) {
    use pg_query::protobuf::{SortByDir, SortByNulls};
    let (mut sql, name) = match elem.expr.as_deref() {
        Some(expr) => {
            let name = match expr.node.as_ref() {
                Some(NodeEnum::FuncCall(f)) => strings(&f.funcname).pop(),
                Some(NodeEnum::ColumnRef(c)) => strings(&c.fields).pop(),
                _ => None,
            };
            (
                format!("({})", expr_sql(expr)),
                name.unwrap_or_else(|| "expr".into()),
            )
        }
        None => (quote(&elem.name), elem.name.clone()),
    };
    let opclass = strings(&elem.opclass);
    if !opclass.is_empty() {
        sql.push(' ');
        sql.push_str(&opclass.join("."));
    }
    if elem.ordering == SortByDir::SortbyDesc as i32 {
        sql.push_str(" DESC");
    }
    if elem.nulls_ordering == SortByNulls::SortbyNullsFirst as i32 {
        sql.push_str(" NULLS FIRST");
    } else if elem.nulls_ordering == SortByNulls::SortbyNullsLast as i32 {
        sql.push_str(" NULLS LAST");
    }
    (sql, name)
}

/// Expressions remembered per thread, at most (and by [`deparsed_once`]).
const MEMO_MAX: usize = 4096;

/// The longest encoding [`deparsed_once`] remembers an expression by: with
/// [`MEMO_MAX`], a few MiB at most (a CHECK's encoding is typically a few hundred bytes).
const EXACT_KEY_MAX: usize = 1024;

/// Expressions deparsed already, by their exact encoding ([`deparsed_once`]).
static DEPARSED_EXACT: std::sync::LazyLock<std::sync::Mutex<super::FastMap<Vec<u8>, String>>> =
    std::sync::LazyLock::new(Default::default);

/// [`deparsed`], remembered by the expression's exact protobuf encoding (locations
/// included): a directory's replay and the lint of each of its files apply the same
/// parse trees, so each CHECK or default not of a common shape was deparsed twice. The
/// same encoding is the same tree, so the answer is the same; shared between threads,
/// since a file's replay and its lint may run on different workers.
fn deparsed_once(node: &Node) -> String {
    let key = prost::Message::encode_to_vec(node);
    if key.len() > EXACT_KEY_MAX {
        return deparsed(node);
    }
    let memo = || DEPARSED_EXACT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(sql) = memo().get(&key) {
        return sql.clone();
    }
    let sql = deparsed(node);
    let mut memo = memo();
    if memo.len() >= MEMO_MAX {
        memo.clear();
    }
    memo.insert(key, sql.clone());
    sql
}

thread_local! {
    static DEPARSED: std::cell::RefCell<super::FastMap<String, String>> = Default::default();
}

/// Everything the deparser reads of an expression of a common kind, as a key (what it
/// leaves out is a location): a function called without arguments, a SQL value function
/// (`CURRENT_TIMESTAMP`), a string constant cast to a type without modifiers, a column
/// compared with a constant (`amount >= 0`) or tested for NULL (a CHECK's usual forms).
fn common_shape(node: &Node) -> Option<String> {
    use pg_query::protobuf::AExprKind;
    use pg_query::protobuf::a_const::Val;
    let names = |nodes: &[Node]| -> Option<String> {
        let mut out = String::new();
        for n in nodes {
            let NodeEnum::String(s) = n.node.as_ref()? else {
                return None;
            };
            out.push_str(&s.sval);
            out.push('\0');
        }
        Some(out)
    };
    match node.node.as_ref()? {
        NodeEnum::FuncCall(f)
            if f.args.is_empty()
                && f.agg_order.is_empty()
                && f.agg_filter.is_none()
                && f.over.is_none()
                && !(f.agg_within_group || f.agg_star || f.agg_distinct || f.func_variadic) =>
        {
            Some(format!("f{}\0{}", f.funcformat, names(&f.funcname)?))
        }
        NodeEnum::AExpr(e) if e.kind == AExprKind::AexprOp as i32 => {
            let column = column_name(e.lexpr.as_deref()?)?;
            let constant = plain_constant(e.rexpr.as_deref()?)?;
            Some(format!("o{}{column}\0{constant}", names(&e.name)?))
        }
        NodeEnum::NullTest(t) if t.xpr.is_none() && !t.argisrow => {
            let column = column_name(t.arg.as_deref()?)?;
            Some(format!("n{}\0{column}", t.nulltesttype))
        }
        NodeEnum::SqlvalueFunction(v) if v.xpr.is_none() => {
            Some(format!("v{}\0{}\0{}", v.op, v.r#type, v.typmod))
        }
        NodeEnum::TypeCast(cast) => {
            let ty = cast.type_name.as_ref()?;
            let NodeEnum::AConst(constant) = cast.arg.as_deref()?.node.as_ref()? else {
                return None;
            };
            let (false, Some(Val::Sval(text))) = (constant.isnull, constant.val.as_ref()) else {
                return None;
            };
            let plain = ty.typmods.is_empty() && ty.array_bounds.is_empty();
            (plain && !ty.setof && !ty.pct_type).then_some(())?;
            Some(format!(
                "c{}\0{}\0{}\0{}",
                ty.type_oid,
                ty.typemod,
                names(&ty.names)?,
                text.sval
            ))
        }
        _ => None,
    }
}

/// The name of a column reference of one plain name (`amount`, not `t.amount` or `*`).
fn column_name(node: &Node) -> Option<&str> {
    let NodeEnum::ColumnRef(c) = node.node.as_ref()? else {
        return None;
    };
    match c.fields.as_slice() {
        [field] => match field.node.as_ref()? {
            NodeEnum::String(s) => Some(&s.sval),
            _ => None,
        },
        _ => None,
    }
}

/// A constant written as the deparser writes it, without the round trip through it
/// (protobuf out and back, the C deparser): most column defaults are one (`DEFAULT 0`,
/// `DEFAULT 'draft'`, `DEFAULT false`). Anything it might write otherwise (a negative
/// number, a string with a quote or backslash, a bit string) is left to the deparser.
fn plain_constant(node: &Node) -> Option<String> {
    use pg_query::protobuf::a_const::Val;
    let NodeEnum::AConst(constant) = node.node.as_ref()? else {
        return None;
    };
    if constant.isnull {
        return Some("NULL".into());
    }
    match constant.val.as_ref()? {
        Val::Ival(i) if i.ival >= 0 => Some(i.ival.to_string()),
        Val::Fval(f) if f.fval.bytes().all(|b| b.is_ascii_digit() || b == b'.') => {
            Some(f.fval.clone())
        }
        Val::Boolval(b) => Some(if b.boolval { "true" } else { "false" }.into()),
        Val::Sval(s) if !s.sval.contains(['\'', '\\']) => Some(format!("'{}'", s.sval)),
        _ => None,
    }
}

fn deparsed(node: &Node) -> String {
    crate::parse::deparse_expression(node).unwrap_or_else(|| "NULL".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expression of `SELECT expr`, as the parser gives it.
    fn parsed(expr: &str) -> Node {
        let sql = format!("SELECT {expr}");
        let statement = crate::parse::parse_sql(&sql).statements.remove(0);
        let NodeEnum::SelectStmt(select) = statement.node else {
            panic!("{sql}")
        };
        let Some(NodeEnum::ResTarget(target)) = select.target_list[0].node.clone() else {
            panic!("{sql}")
        };
        *target.val.expect("a value")
    }

    /// Each is remembered by a key without its locations, so the key must hold all that
    /// tells two apart: each pair differs in one thing the deparser writes.
    #[test]
    fn comparisons_and_null_tests_are_remembered_by_what_the_deparser_writes() {
        let exprs = [
            "amount >= 0",
            "amount > 0",
            "amount >= 1",
            "\"Amount\" >= 0",
            "\"user\" >= 0",
            "amount >= '0'",
            "amount <> 'a'",
            "amount != 'a'",
            "amount = true",
            "amount = 1.50",
            "amount IS NOT NULL",
            "amount IS NULL",
            "\"order\" IS NULL",
        ];
        let mut keys = std::collections::HashSet::new();
        for expr in exprs {
            let node = parsed(expr);
            let key = common_shape(&node).unwrap_or_else(|| panic!("{expr}: no shape"));
            let at_another_place = parsed(&format!("   {expr}"));
            assert_eq!(
                common_shape(&at_another_place).as_ref(),
                Some(&key),
                "{expr}"
            );
            assert_eq!(expr_sql(&node), deparsed(&node), "{expr}");
            // `!=` is parsed as `<>`: the same expression, the same key.
            if expr != "amount != 'a'" {
                assert!(keys.insert(key), "{expr}: a key another expression has");
            }
        }
        for other in [
            "t.amount >= 0",
            "amount >= -1",
            "amount >= 'it''s'",
            "(a, b) IS NULL",
        ] {
            assert_eq!(common_shape(&parsed(other)), None, "{other}");
        }
    }

    #[test]
    fn an_expression_deparsed_again_is_answered_from_memory() {
        let node = parsed("amount >= 0 AND amount < 1000000");
        assert!(common_shape(&node).is_none());
        let first = expr_sql(&node);
        assert_eq!(first, "amount >= 0 AND amount < 1000000");
        let key = prost::Message::encode_to_vec(&node);
        assert_eq!(DEPARSED_EXACT.lock().unwrap().get(&key), Some(&first));
        assert_eq!(expr_sql(&node), first);
    }

    #[test]
    fn plain_constants_are_written_as_the_deparser_writes_them() {
        let mut written = 0;
        let mut cases: Vec<String> = [
            "0",
            "42",
            "2147483647",
            "2147483648",
            "99999999999999999999",
            "0.00",
            "12.5",
            ".5",
            "5.",
            "1e10",
            "1.5E-3",
            "-1",
            "-0.5",
            "true",
            "false",
            "TRUE",
            "NULL",
            "''",
            "'draft'",
            "'it''s'",
            "'a\\b'",
            "E'a\\nb'",
            "'héllo wörld'",
            "'line\nbreak'",
            "B'101'",
            "X'1F'",
            "'x'::text",
            "now()",
            "CURRENT_TIMESTAMP",
            "(1)",
        ]
        .map(String::from)
        .to_vec();
        // Every printable ASCII character in a string.
        cases.extend((b' '..=b'~').map(|b| format!("'<{}>'", b as char).replace("<'>", "<''>")));
        for case in &cases {
            let node = parsed(case);
            if let Some(plain) = plain_constant(&node) {
                written += 1;
                assert_eq!(plain, deparsed(&node), "{case}");
            }
        }
        // Most of them take the short way.
        assert!(written > cases.len() / 2, "{written} of {}", cases.len());
    }

    /// Expressions of a common shape are deparsed once per thread: the same expression
    /// elsewhere (another location) gets the same text, a different one its own.
    #[test]
    fn common_shapes_are_deparsed_once_and_told_apart() {
        let cases = [
            "now()",
            "pg_catalog.now()",
            "gen_random_uuid()",
            "\"Now\"()",
            "CURRENT_TIMESTAMP",
            "CURRENT_TIMESTAMP(3)",
            "CURRENT_DATE",
            "LOCALTIMESTAMP",
            "'{}'::jsonb",
            "'{}'::json",
            "'[]'::jsonb",
            "'a'::text",
            "'a'::varchar",
            "'a'::character varying",
            "'a'::public.mood",
            "'a'::\"Mood\"",
            "'it''s'::text",
            "'2024-01-01'::timestamp with time zone",
            "'a'::varchar(3)",
            "'{a}'::text[]",
            "count(*)",
            "max(x)",
        ];
        let mut shapes = std::collections::HashMap::new();
        for case in cases {
            // Twice each, at different locations: the memo must answer as the deparser.
            for sql in [case.to_string(), format!("     {case}")] {
                let node = parsed(&sql);
                assert_eq!(expr_sql(&node), deparsed(&node), "{sql}");
            }
            if let Some(shape) = common_shape(&parsed(case)) {
                assert_eq!(
                    common_shape(&parsed(&format!("  {case}"))),
                    Some(shape.clone())
                );
                // Only the same tree (`varchar` is `character varying`) shares a shape.
                if let Some(other) = shapes.insert(shape, case) {
                    let text = |sql: &str| deparsed(&parsed(sql));
                    assert_eq!(text(other), text(case), "{case} and {other} share a shape");
                }
            }
        }
        assert!(shapes.len() >= 14, "{shapes:?}");
    }
}
