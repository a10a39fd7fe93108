//! Parse trees printed back as SQL by PostgreSQL's deparser (libpg_query), for help texts
//! and the schema model. A tree is handed over by value: pg_query's own
//! `NodeEnum::deparse` copies the whole tree before printing it, which made a finding's
//! rewritten statement cost two copies of it.

use pg_query::NodeEnum;
use pg_query::protobuf::{
    LimitOption, Node, ParseResult, RawStmt, ResTarget, SelectStmt, SetOperation,
};

/// `statement` as SQL; `None` when the deparser refuses it.
pub fn deparse(statement: NodeEnum) -> Option<String> {
    let tree = ParseResult {
        // libpg_query does not read it (pg_query_readfuncs_protobuf.c).
        version: 0,
        stmts: vec![RawStmt {
            stmt: Some(Box::new(Node {
                node: Some(statement),
            })),
            stmt_location: 0,
            stmt_len: 0,
        }],
    };
    pg_query::deparse(&tree, Default::default()).ok()
}

/// An expression as SQL: what the deparser prints for `SELECT expr`, without `SELECT `.
pub fn deparse_expression(expr: &Node) -> Option<String> {
    let select = NodeEnum::SelectStmt(Box::new(SelectStmt {
        target_list: vec![Node {
            node: Some(NodeEnum::ResTarget(Box::new(ResTarget {
                val: Some(Box::new(expr.clone())),
                ..Default::default()
            }))),
        }],
        // Zero is "undefined" for these enums, which the C deparser asserts against.
        op: SetOperation::SetopNone as i32,
        limit_option: LimitOption::Default as i32,
        ..Default::default()
    }));
    deparse(select)?.strip_prefix("SELECT ").map(str::to_string)
}
