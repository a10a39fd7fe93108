//! The revision graph has more than one head (the graph finds them; this rule reports them).

use super::{Advice, Category, Check, GraphViolation, Rule, Severity};
use crate::alembic::graph::{GraphProblemKind, RevisionGraph};

pub static RULE: Rule = Rule {
    id: "alembic-multiple-heads",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Alembic,
    summary: "the Alembic revisions have more than one head: `alembic upgrade head` refuses to run",
    check: Check::Graph(check),
};

fn check(graph: &RevisionGraph) -> Vec<GraphViolation> {
    graph
        .problems()
        .into_iter()
        .filter(|problem| problem.kind == GraphProblemKind::MultipleHeads)
        .map(|problem| GraphViolation {
            file: problem.file,
            line: problem.line,
            message: problem.message,
            advice: Advice::sql(
                "join the heads with a merge revision: `alembic merge heads -m \"merge heads\"`",
            ),
        })
        .collect()
}
