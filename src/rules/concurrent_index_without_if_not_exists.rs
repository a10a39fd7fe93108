//! `CREATE INDEX CONCURRENTLY` without `IF NOT EXISTS`: a build that fails (a deadlock, a
//! unique violation, a cancelled statement) leaves an INVALID index behind, and running
//! the migration again fails on its name.

use pg_query::NodeEnum;

use super::advice::{python_string, schema_kwarg};
use super::{Advice, Category, Check, Rule, Severity, StatementView, Violation, deparse_with};
use crate::facts::Relation;
use crate::parse::ident::quote_ident;

pub static RULE: Rule = Rule {
    id: "concurrent-index-without-if-not-exists",
    severity: Severity::Warning,
    default_enabled: false,
    category: Category::Transaction,
    summary: "CREATE INDEX CONCURRENTLY without IF NOT EXISTS: a failed build leaves an INVALID index that makes a retry fail",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    let NodeEnum::IndexStmt(stmt) = input.node else {
        return Vec::new();
    };
    if !stmt.concurrent || stmt.if_not_exists {
        return Vec::new();
    }
    let Some(rv) = &stmt.relation else {
        return Vec::new();
    };
    let table = Relation::new(Some(&rv.schemaname), &rv.relname);
    // A table created earlier in the file: a retry already fails at its CREATE TABLE.
    if input.state.is_new(&table) {
        return Vec::new();
    }
    // IF NOT EXISTS needs a name; an unnamed index gets one here (PostgreSQL's own choice
    // depends on what exists, so it cannot be predicted).
    let name = if stmt.idxname.is_empty() {
        format!("{}_{}_idx", rv.relname, first_column(input.node))
    } else {
        stmt.idxname.clone()
    };
    let index = Relation::new(Some(&rv.schemaname), &name);
    let create = deparse_with(input.node, |node| {
        if let NodeEnum::IndexStmt(s) = node {
            s.if_not_exists = true;
            s.idxname = name.clone();
        }
    })
    .unwrap_or_else(|| {
        format!(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {table} (...)",
            quote_ident(&name)
        )
    });
    let drop = format!("DROP INDEX CONCURRENTLY IF EXISTS {index}");
    let advice = Advice::sql(format!(
        "drop what a failed build left behind, then create it with IF NOT EXISTS (IF NOT EXISTS \
         alone would keep an INVALID index):\n  {drop};\n  {create};"
    ))
    .with_fix(format!("{drop};\n{create}"), false)
    .with_alembic(|| format!(
        "drop what a failed build left behind, then create it, in the autocommit block:\n  \
         op.drop_index({name_py}, table_name={table_py}, postgresql_concurrently=True, if_exists=True{schema})\n  \
         op.create_index({name_py}, {table_py}, [...], postgresql_concurrently=True, if_not_exists=True{schema})",
        name_py = python_string(&name),
        table_py = python_string(&rv.relname),
        schema = schema_kwarg(Some(&table)),
    ));
    vec![Violation::with(
        format!(
            "if this concurrent build of {} on {table} fails, it leaves an INVALID index \
             (still maintained on every write, never used by queries), and running the \
             migration again fails because the index already exists",
            if stmt.idxname.is_empty() {
                "an unnamed index".to_string()
            } else {
                format!("index {}", quote_ident(&name))
            }
        ),
        advice,
    )]
}

/// The first indexed column's name, for a name to suggest (`expr` for an expression).
fn first_column(node: &NodeEnum) -> String {
    let NodeEnum::IndexStmt(stmt) = node else {
        return "col".into();
    };
    stmt.index_params
        .iter()
        .find_map(|p| match &p.node {
            Some(NodeEnum::IndexElem(e)) if !e.name.is_empty() => Some(e.name.clone()),
            Some(NodeEnum::IndexElem(_)) => Some("expr".into()),
            _ => None,
        })
        .unwrap_or_else(|| "col".into())
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::cases::{assert_cases, fired_with};

    const ID: &str = "concurrent-index-without-if-not-exists";

    #[test]
    fn cases() {
        assert_cases(
            ID,
            &[
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email)",
                "CREATE INDEX users_email ON users (email)",
                "CREATE TABLE t (id int); CREATE INDEX CONCURRENTLY t_id ON t (id)",
            ],
            &[
                "CREATE INDEX CONCURRENTLY users_email ON users (email)",
                "CREATE UNIQUE INDEX CONCURRENTLY ON app.users (lower(email))",
            ],
        );
    }

    #[test]
    fn off_by_default() {
        let sql = "CREATE INDEX CONCURRENTLY users_email ON users (email)";
        assert!(!fired_with(sql, &Config::default()).contains(&ID));
    }

    #[test]
    fn the_fix_drops_the_invalid_index_first_and_names_an_unnamed_one() {
        let config = Config::default().enabling(crate::rules::find(ID).unwrap());
        let fix = |sql: &str| {
            let report =
                crate::lint::lint_sql(crate::source::SourceFile::new("t.sql", sql), &config);
            let finding = report.findings.iter().find(|f| f.rule.id == ID).unwrap();
            finding.advice.fix.as_ref().unwrap().replacement.clone()
        };
        assert_eq!(
            fix("CREATE INDEX CONCURRENTLY users_email ON users (email)"),
            "DROP INDEX CONCURRENTLY IF EXISTS users_email;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users USING btree (email)"
        );
        assert_eq!(
            fix("CREATE INDEX CONCURRENTLY ON app.users (email)"),
            "DROP INDEX CONCURRENTLY IF EXISTS app.users_email_idx;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON app.users USING btree (email)"
        );
    }
}
