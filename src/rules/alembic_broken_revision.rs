//! A revision Alembic cannot load or place: a missing or duplicate id, a `down_revision` or
//! `depends_on` naming nothing, a duplicate branch label, a cycle (found by the graph).

use super::{Advice, Category, Check, GraphViolation, Rule, Severity};
use crate::alembic::graph::{GraphProblemKind, RevisionGraph};

pub static RULE: Rule = Rule {
    id: "alembic-broken-revision",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Alembic,
    summary: "a down_revision or depends_on that names no revision, a duplicate revision id, or a cycle",
    check: Check::Graph(check),
};

fn check(graph: &RevisionGraph) -> Vec<GraphViolation> {
    graph
        .problems()
        .into_iter()
        .filter(|problem| problem.kind == GraphProblemKind::BrokenRevision)
        .map(|problem| GraphViolation {
            file: problem.file,
            line: problem.line,
            message: problem.message,
            advice: Advice::sql(
                "point down_revision/depends_on at existing revision ids (`alembic history` lists them) \
                 and give every revision file its own `revision` id",
            ),
        })
        .collect()
}
