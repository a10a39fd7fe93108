//! Expressions written back as SQL, as PostgreSQL's deparser writes them: what the
//! catalog keeps of a column default, a CHECK, an index expression or predicate.

use pg_query::{Node, NodeEnum};

/// An expression as PostgreSQL's deparser writes it.
pub(super) fn expr_sql(node: &Node) -> String {
    plain_constant(node).unwrap_or_else(|| deparsed(node))
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
    use pg_query::protobuf::{ResTarget, SelectStmt};
    let select = NodeEnum::SelectStmt(Box::new(SelectStmt {
        target_list: vec![Node {
            node: Some(NodeEnum::ResTarget(Box::new(ResTarget {
                val: Some(Box::new(node.clone())),
                ..Default::default()
            }))),
        }],
        // Zero is "undefined" for these enums, which the C deparser asserts against.
        op: pg_query::protobuf::SetOperation::SetopNone as i32,
        limit_option: pg_query::protobuf::LimitOption::Default as i32,
        ..Default::default()
    }));
    select
        .deparse(Default::default())
        .ok()
        .and_then(|s| s.strip_prefix("SELECT ").map(str::to_string))
        .unwrap_or_else(|| "NULL".into())
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
}
