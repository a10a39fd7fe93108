use pg_query::protobuf::ConstrType;

use super::Severity;
use super::advice::{added_column, column_constraints, is_not_null, python_string, schema_kwarg};
use super::{Advice, Category, Check, Rule, StatementView, Violation, or_placeholder};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "adding-column-with-volatile-default",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Rewrite,
    summary: "ADD COLUMN with a volatile DEFAULT (any DEFAULT before PostgreSQL 11) on an existing table, rewriting it",
    check: Check::Statement(check),
};

/// Serial, identity and stored generated columns rewrite too; `adding-serial-column` and
/// `adding-stored-generated-column` report them.
const ADD_COLUMN: &[Form] = &[Form::AddColumnDefault, Form::AddColumnVolatileDefault];

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(ADD_COLUMN)
        .filter(|action| action.rewrites && !super::adding_serial_column::is_serial(action))
        .map(|action| {
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            let column = or_placeholder(&action.column, "column");
            let bare_table = action.relation.as_ref().map_or("t", |r| r.name.as_str());
            let bare_column = action.column.as_deref().unwrap_or("column");
            let ty = action.column_type.as_ref().map_or("type".into(), ToString::to_string);
            let why = match (action.form, action.detail()) {
                (Form::AddColumnDefault, _) => "before PostgreSQL 11 any DEFAULT is written into every row".to_string(),
                (_, Some(detail)) => detail.to_string(),
                _ => "the default is volatile".into(),
            };
            let plain_type = ty;
            let col = added_column(input.node, action.subcommand());
            let expression = col
                .as_ref()
                .and_then(|col| {
                    column_constraints(col)
                        .find(|c| c.contype == ConstrType::ConstrDefault as i32)
                        .and_then(|c| c.raw_expr.as_deref())
                        .or(col.raw_default.as_deref())
                })
                .and_then(crate::parse::deparse_expression)
                .unwrap_or_else(|| "<expression>".into());
            // The column goes in nullable; a NOT NULL it was declared with comes back after
            // the backfill, proven by a CHECK first so that SET NOT NULL skips its scan (12+).
            let not_null = col.as_ref().is_some_and(is_not_null);
            let check_bare = format!("{bare_table}_{bare_column}_not_null");
            let check = crate::parse::ident::quote_ident(&check_bare);
            let (table_py, column_py) = (python_string(bare_table), python_string(bare_column));
            let check_py = python_string(&check_bare);
            let schema = schema_kwarg(action.relation.as_ref());
            let restore = if not_null {
                format!(
                    "\n  -- then restore NOT NULL without a long lock:\n  \
                     ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID;\n  \
                     ALTER TABLE {table} VALIDATE CONSTRAINT {check};  -- reads and writes continue\n  \
                     ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL;  -- PostgreSQL 12+: no scan\n  \
                     ALTER TABLE {table} DROP CONSTRAINT {check};"
                )
            } else {
                String::new()
            };
            let alembic_restore = if not_null {
                format!(
                    "\n  # then restore NOT NULL without a long lock, in a later revision:\n  \
                     op.create_check_constraint({check_py}, {table_py}, {}, postgresql_not_valid=True{schema})\n  \
                     op.execute({})\n  \
                     op.alter_column({table_py}, {column_py}, nullable=False{schema})  # PostgreSQL 12+: no scan\n  \
                     op.drop_constraint({check_py}, {table_py}{schema})",
                    python_string(&format!("{column} IS NOT NULL")),
                    python_string(&format!("ALTER TABLE {table} VALIDATE CONSTRAINT {check}"))
                )
            } else {
                String::new()
            };
            let nullable = if not_null { " (nullable for now)" } else { "" };
            let advice = Advice::sql(format!(
                "add the column without the per-row value{nullable}, then fill it in batches:\n  \
                 ALTER TABLE {table} ADD COLUMN {column} {plain_type};\n  \
                 ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {expression};  -- new rows only\n  \
                 UPDATE {table} SET {column} = {expression} WHERE {column} IS NULL;  -- in batches{restore}"
            ))
            .with_alembic(|| format!(
                "add the column without the per-row value{nullable}, then fill it in batches:\n  \
                 op.add_column({table_py}, sa.Column({column_py}, ..., nullable=True){schema})\n  \
                 op.alter_column({table_py}, {column_py}, server_default=sa.text({}){schema})  # new rows only\n  \
                 op.execute({})  # in batches{alembic_restore}",
                python_string(&expression),
                python_string(&format!("UPDATE {table} SET {column} = {expression} WHERE {column} IS NULL"))
            ));
            Violation::with(
                format!(
                    "adding column {column} rewrites {table} and its indexes while holding {}: {why}",
                    action.lock_phrase()
                ),
                advice,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::cases::{assert_cases, fired_with};

    const ID: &str = "adding-column-with-volatile-default";

    fn help(sql: &str) -> String {
        let source = crate::source::SourceFile::new("t.sql", sql);
        let report = crate::lint::lint_sql(source, &Config::default());
        let finding = report.findings.iter().find(|f| f.rule.id == ID).unwrap();
        finding.advice.sql.clone().unwrap()
    }

    /// The help drops NOT NULL to add the column; it must say to restore it.
    #[test]
    fn a_not_null_column_gets_its_not_null_back_after_the_backfill() {
        let help =
            help("ALTER TABLE users ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid()");
        assert!(help.contains("SET DEFAULT gen_random_uuid()"), "{help}");
        assert!(
            help.contains("UPDATE users SET token = gen_random_uuid() WHERE token IS NULL"),
            "{help}"
        );
        assert!(
            help.contains("CHECK (token IS NOT NULL) NOT VALID")
                && help.contains("ALTER TABLE users ALTER COLUMN token SET NOT NULL"),
            "{help}"
        );
        let nullable =
            self::help("ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()");
        assert!(!nullable.contains("SET NOT NULL"), "{nullable}");
    }

    #[test]
    fn cases() {
        assert_cases(
            ID,
            &[
                "ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now()",
                "ALTER TABLE users ADD COLUMN flags jsonb NOT NULL DEFAULT '{}'::jsonb",
                "ALTER TABLE users ADD COLUMN n int DEFAULT 0",
                // Reported by adding-serial-column and adding-stored-generated-column.
                "ALTER TABLE users ADD COLUMN id2 bigserial",
                "ALTER TABLE users ADD COLUMN n2 int GENERATED ALWAYS AS (id * 2) STORED",
                "ALTER TABLE users ADD COLUMN seq int GENERATED BY DEFAULT AS IDENTITY",
                "CREATE TABLE users (id int); ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()",
            ],
            &[
                "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()",
                "ALTER TABLE users ADD COLUMN r float8 NOT NULL DEFAULT random()",
                "ALTER TABLE users ADD COLUMN seen timestamptz DEFAULT clock_timestamp()",
                "ALTER TABLE users ADD COLUMN code text DEFAULT my_code()",
            ],
        );
    }

    #[test]
    fn any_default_rewrites_before_11_and_not_at_11() {
        let sql = "ALTER TABLE users ADD COLUMN n int DEFAULT 0";
        let at = |version| Config {
            postgres_version: version,
            ..Config::default()
        };
        assert!(fired_with(sql, &at(10)).contains(&ID));
        assert!(!fired_with(sql, &at(11)).contains(&ID));
    }
}
