use pg_query::NodeEnum;
use pg_query::protobuf::ReindexObjectType;

use super::Severity;
use super::advice::{autocommit_block, indented, python_string};
use super::{Advice, Category, Check, Rule, StatementView, Violation, deparse_with};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "reindexing-non-concurrently",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Locking,
    summary: "REINDEX without CONCURRENTLY blocks writes to the table (and reads through its indexes) for the whole rebuild; a warning before PostgreSQL 12, which has no concurrent form",
    check: Check::Statement(check),
};

const FORMS: &[Form] = &[
    Form::ReindexTable,
    Form::ReindexIndex,
    Form::ReindexSchemaOrDatabase,
];

fn check(input: &StatementView) -> Vec<Violation> {
    let NodeEnum::ReindexStmt(stmt) = input.node else {
        return Vec::new();
    };
    // REINDEX SCHEMA/DATABASE CONCURRENTLY share their lock-model row with the plain form.
    let concurrently = stmt
        .params
        .iter()
        .any(|p| matches!(&p.node, Some(NodeEnum::DefElem(d)) if d.defname == "concurrently"));
    if concurrently {
        return Vec::new();
    }
    input
        .facts
        .actions
        .iter()
        .filter(|a| FORMS.contains(&a.form))
        .filter(|a| a.relation.as_ref().is_none_or(|r| !input.state.is_new(r)))
        .map(|action| {
            let message = match (&action.relation, action.form) {
                (Some(_), Form::ReindexTable) => format!(
                    "REINDEX rebuilds every index of the table while holding {} for the whole rebuild; \
                     each index is locked in AccessExclusiveLock while it is rebuilt, so reads through it block too",
                    action.lock_phrase()
                ),
                (Some(_), _) => format!(
                    "REINDEX rebuilds the index while holding {} for the whole rebuild, and blocks writes to its table",
                    action.lock_phrase()
                ),
                (None, _) => "REINDEX rebuilds every index in scope, locking each table in turn against writes \
                     and each index against reads for its rebuild"
                    .to_string(),
            };
            if input.state.version < 12 {
                return Violation::with(
                    message,
                    Advice::sql(
                        "PostgreSQL before 12 has no REINDEX CONCURRENTLY: build a replacement index \
                         instead and swap it in:\n  \
                         CREATE INDEX CONCURRENTLY <index>_new ON <table> (<columns>);\n  \
                         DROP INDEX CONCURRENTLY <index>;\n  \
                         ALTER INDEX <index>_new RENAME TO <index>;",
                    )
                    .with_alembic(||
                        "PostgreSQL before 12 has no REINDEX CONCURRENTLY: build a replacement index \
                         instead and swap it in:\n  \
                         with op.get_context().autocommit_block():\n      \
                         op.create_index(\"<index>_new\", \"<table>\", [\"<column>\"], postgresql_concurrently=True)\n      \
                         op.drop_index(\"<index>\", postgresql_concurrently=True)\n  \
                         op.execute(\"ALTER INDEX <index>_new RENAME TO <index>\")",
                    ),
                )
                .with_severity(Severity::Warning);
            }
            if stmt.kind() == ReindexObjectType::ReindexObjectSystem {
                // PostgreSQL refuses it: "cannot reindex system catalogs concurrently".
                return Violation::with(
                    message,
                    Advice::sql(
                        "system catalogs cannot be reindexed concurrently: run it when the \
                         database is quiet, with a short lock_timeout so that it gives up rather \
                         than queue every query behind it",
                    ),
                );
            }
            let concurrent = written_concurrently(input.sql, stmt)
                .or_else(|| {
                    deparse_with(input.node, |node| {
                        if let NodeEnum::ReindexStmt(stmt) = node {
                            stmt.params.push(pg_query::Node {
                                node: Some(NodeEnum::DefElem(Box::new(
                                    pg_query::protobuf::DefElem {
                                        defname: "concurrently".into(),
                                        defaction: pg_query::protobuf::DefElemAction::DefelemUnspec
                                            as i32,
                                        ..Default::default()
                                    },
                                ))),
                            });
                        }
                    })
                })
                .unwrap_or_else(|| "REINDEX (CONCURRENTLY) ...".into());
            let advice = Advice::sql(format!(
                "rebuild concurrently, outside a transaction block:\n  {};",
                indented(&concurrent)
            ))
            .with_fix(concurrent.clone(), false)
            .with_alembic(|| format!(
                "rebuild concurrently, outside the migration's transaction:\n{}",
                autocommit_block(&format!("op.execute({})", python_string(&concurrent)), None)
            ));
            Violation::with(message, advice)
        })
        .collect()
}

/// The statement as written, with CONCURRENTLY after its object kind (`REINDEX TABLE
/// CONCURRENTLY t`): the form every version from 12 takes, where the option in parentheses
/// the deparser writes (`REINDEX (CONCURRENTLY) TABLE t`) needs 14.
fn written_concurrently(sql: &str, stmt: &pg_query::protobuf::ReindexStmt) -> Option<String> {
    let kind = match stmt.kind() {
        ReindexObjectType::ReindexObjectIndex => "index",
        ReindexObjectType::ReindexObjectTable => "table",
        ReindexObjectType::ReindexObjectSchema => "schema",
        ReindexObjectType::ReindexObjectDatabase => "database",
        _ => return None,
    };
    use crate::parse::split::{OPTION_LIST, with_keyword_after};
    with_keyword_after(sql, &["reindex", kind], "concurrently")
        .or_else(|| with_keyword_after(sql, &["reindex", OPTION_LIST, kind], "concurrently"))
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::Severity;
    use crate::rules::cases::{advice_after, assert_cases};

    const ID: &str = "reindexing-non-concurrently";

    /// Advice every supported version takes: `REINDEX (CONCURRENTLY)` is a syntax error
    /// before 14 (tried on 12 and 13), and system catalogs are never reindexed concurrently.
    #[test]
    fn advice_is_what_postgresql_takes() {
        let (help, fix) = advice_after(ID, "", "reindex table users");
        assert_eq!(fix.as_deref(), Some("reindex table concurrently users"));
        assert!(
            help.ends_with("\n  reindex table concurrently users;"),
            "{help}"
        );
        let (_, fix) = advice_after(ID, "", "REINDEX /* now */ INDEX app.users_email");
        assert_eq!(
            fix.as_deref(),
            Some("REINDEX /* now */ INDEX CONCURRENTLY app.users_email")
        );
        // Options in parentheses stay there: `REINDEX (VERBOSE, CONCURRENTLY)` needs 14.
        let (_, fix) = advice_after(ID, "", "REINDEX (VERBOSE) TABLE users");
        assert_eq!(
            fix.as_deref(),
            Some("REINDEX (VERBOSE) TABLE CONCURRENTLY users")
        );
        let (help, fix) = advice_after(ID, "", "REINDEX SYSTEM postgres");
        assert_eq!(fix, None);
        assert!(
            help.starts_with("system catalogs cannot be reindexed concurrently"),
            "{help}"
        );
    }

    #[test]
    fn cases() {
        assert_cases(
            ID,
            &[
                "REINDEX INDEX CONCURRENTLY users_email_idx",
                "REINDEX TABLE CONCURRENTLY users",
                "REINDEX (CONCURRENTLY) SCHEMA app",
                "CREATE INDEX users_email_idx ON users (email); REINDEX INDEX users_email_idx",
            ],
            &[
                "REINDEX INDEX users_email_idx",
                "REINDEX TABLE users",
                "REINDEX (VERBOSE) TABLE app.users",
                "REINDEX SCHEMA app",
                "REINDEX DATABASE app",
            ],
        );
    }

    #[test]
    fn a_warning_before_12_which_has_no_concurrent_form() {
        let severity = |version| {
            let config = Config {
                postgres_version: version,
                ..Config::default()
            };
            let source = crate::source::SourceFile::new("m.sql", "REINDEX TABLE users");
            let report = crate::lint::lint_sql(source, &config);
            let finding = report.findings.iter().find(|f| f.rule.id == ID).unwrap();
            (
                finding.severity,
                finding.help(&report.source).unwrap().into_owned(),
            )
        };
        let (at11, help11) = severity(11);
        assert_eq!(at11, Severity::Warning);
        assert!(help11.contains("no REINDEX CONCURRENTLY"), "{help11}");
        let (at12, help12) = severity(12);
        assert_eq!(at12, Severity::Error);
        assert!(
            help12.contains("REINDEX (CONCURRENTLY) TABLE users")
                || help12.contains("CONCURRENTLY"),
            "{help12}"
        );
        // The configured severity caps the per-finding one.
        let mut config = Config {
            postgres_version: 11,
            ..Config::default()
        };
        config.rules.insert(ID.into(), crate::config::Level::Info);
        let source = crate::source::SourceFile::new("m.sql", "REINDEX TABLE users");
        let report = crate::lint::lint_sql(source, &config);
        assert_eq!(
            report
                .findings
                .iter()
                .find(|f| f.rule.id == ID)
                .unwrap()
                .severity,
            Severity::Info
        );
    }
}
