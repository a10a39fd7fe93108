//! The relations a statement reads or uses without altering them: the tables of its query,
//! a new table's foreign-key targets, the sequences of `nextval`/`setval`.

use pg_query::NodeEnum;
use pg_query::protobuf::{ConstrType, Constraint};

use super::{Action, Form, Relation};

pub(super) fn referenced_tables(stmt: &pg_query::protobuf::CreateStmt) -> Vec<Relation> {
    let mut out = Vec::new();
    let mut push = |c: &Constraint| {
        if c.contype == ConstrType::ConstrForeign as i32
            && let Some(pk) = &c.pktable
        {
            let r = Relation::from_range_var(pk);
            if !out.contains(&r) {
                out.push(r);
            }
        }
    };
    for element in stmt.table_elts.iter().chain(&stmt.constraints) {
        match &element.node {
            Some(NodeEnum::ColumnDef(col)) => {
                for c in &col.constraints {
                    if let Some(NodeEnum::Constraint(c)) = &c.node {
                        push(c);
                    }
                }
            }
            Some(NodeEnum::Constraint(c)) => push(c),
            _ => {}
        }
    }
    out
}

pub(super) fn range_var(node: &pg_query::Node) -> Option<Relation> {
    match &node.node {
        Some(NodeEnum::RangeVar(rv)) => Some(Relation::from_range_var(rv)),
        _ => None,
    }
}

/// Every table a statement (or query) reads, once each, in order: the RangeVars of its
/// tree, less the names of its CTEs.
pub(super) fn read_tables(node: &NodeEnum) -> Vec<Relation> {
    use pg_query::NodeRef;
    let nodes = node.nodes();
    let ctes: Vec<&str> = nodes
        .iter()
        .filter_map(|(n, ..)| match n {
            NodeRef::CommonTableExpr(cte) => Some(cte.ctename.as_str()),
            _ => None,
        })
        .collect();
    // In the order they are written (the tree walk is not).
    let mut range_vars: Vec<&pg_query::protobuf::RangeVar> = nodes
        .iter()
        .filter_map(|(n, ..)| match n {
            NodeRef::RangeVar(rv) => Some(*rv),
            _ => None,
        })
        .filter(|rv| !(rv.schemaname.is_empty() && ctes.contains(&rv.relname.as_str())))
        .collect();
    range_vars.sort_by_key(|rv| rv.location);
    let mut out: Vec<Relation> = Vec::new();
    for rv in range_vars {
        let r = Relation::from_range_var(rv);
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

/// The tables a statement's query reads, as actions of `form` (ViewSource: parsed only;
/// QuerySource: planned and run).
pub(super) fn sources(query: Option<&pg_query::Node>, form: Form, v: u32, out: &mut Vec<Action>) {
    let Some(query) = query.and_then(|q| q.node.as_ref()) else {
        return;
    };
    for table in read_tables(query) {
        out.push(Action::new(form, Some(table), v));
    }
}

/// `nextval('s')` / `setval('s', ...)` with a literal sequence name lock the sequence.
pub(super) fn sequence_functions(node: &NodeEnum, v: u32, out: &mut Vec<Action>) {
    use pg_query::NodeRef;
    for (n, ..) in node.nodes() {
        let NodeRef::FuncCall(call) = n else { continue };
        let name = call.funcname.last().and_then(|n| match &n.node {
            Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
            _ => None,
        });
        if !matches!(name, Some("nextval" | "setval")) {
            continue;
        }
        let literal = call.args.first().and_then(|a| match a.node.as_ref()? {
            NodeEnum::AConst(c) => match &c.val {
                Some(pg_query::protobuf::a_const::Val::Sval(s)) => Some(s.sval.clone()),
                _ => None,
            },
            NodeEnum::TypeCast(cast) => match cast.arg.as_deref()?.node.as_ref()? {
                NodeEnum::AConst(c) => match &c.val {
                    Some(pg_query::protobuf::a_const::Val::Sval(s)) => Some(s.sval.clone()),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        });
        // 'app.seq' names a schema; a quoted name keeps its case.
        let Some(literal) = literal else { continue };
        let parts: Vec<String> = literal
            .split('.')
            .map(
                |p| match p.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                    Some(quoted) => quoted.to_string(),
                    None => p.to_ascii_lowercase(),
                },
            )
            .collect();
        let sequence = match parts.as_slice() {
            [schema, name] => Relation::new(Some(schema), name),
            [name] => Relation::new(None, name),
            _ => continue,
        };
        out.push(Action::new(Form::SequenceFunction, Some(sequence), v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(sql: &str) -> NodeEnum {
        let parsed = pg_query::parse(sql, pg_query::ParserOptions::DEFAULT).unwrap();
        parsed.protobuf.stmts[0]
            .stmt
            .as_ref()
            .unwrap()
            .node
            .clone()
            .unwrap()
    }

    #[test]
    fn tables_read_skip_cte_names() {
        let tables = read_tables(&node(
            "WITH recent AS (SELECT * FROM app.orders) SELECT * FROM recent JOIN users u ON true",
        ));
        let names: Vec<String> = tables.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["app.orders", "users"]);
    }

    #[test]
    fn sequence_functions_on_literal_names() {
        let mut out = Vec::new();
        sequence_functions(
            &node("SELECT nextval('app.\"Seq\"'), setval('other_seq'::regclass, 1), currval('x')"),
            15,
            &mut out,
        );
        let names: Vec<String> = out
            .iter()
            .filter_map(|a| a.relation.as_ref().map(ToString::to_string))
            .collect();
        assert_eq!(names, ["app.\"Seq\"", "other_seq"]);
        assert!(out.iter().all(|a| a.form == Form::SequenceFunction));
    }
}
