use pg_query::NodeEnum;

use super::Severity;
use super::advice::{python_comment_text, python_string, schema_kwarg};
use super::{Advice, Category, Check, Rule, StatementView, Violation, or_placeholder};
use crate::facts::Form;
use crate::parse::ident::quote_ident;

pub static RULE: Rule = Rule {
    id: "renaming-column",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Compatibility,
    summary: "RENAME COLUMN breaks application code still using the old name during the deploy",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::RenameColumn])
        .map(|action| {
            let column = or_placeholder(&action.column, "column");
            let bare_new_name = match input.node {
                NodeEnum::RenameStmt(stmt) if !stmt.newname.is_empty() => stmt.newname.as_str(),
                _ => "new_name",
            };
            let new_name = quote_ident(bare_new_name);
            let table = action.relation.as_ref().map_or("t".into(), ToString::to_string);
            let bare_table = action.relation.as_ref().map_or("t", |r| r.name.as_str());
            let bare_column = action.column.as_deref().unwrap_or("column");
            let ty = action
                .relation
                .as_ref()
                .zip(action.column.as_deref())
                .and_then(|(t, c)| input.state.column_type(t, c))
                .map_or_else(|| format!("<type of {column}>"), |t| t.to_string());
            let advice = Advice::sql(format!(
                "expand and contract over several releases instead:\n  \
                 ALTER TABLE {table} ADD COLUMN {new_name} {ty};\n  \
                 -- deploy code that writes both columns, then backfill in batches:\n  \
                 UPDATE {table} SET {new_name} = {column} WHERE {new_name} IS NULL;\n  \
                 -- deploy code that reads {new_name} only, then in a later migration:\n  \
                 ALTER TABLE {table} DROP COLUMN {column};"
            ))
            .with_alembic(|| format!(
                "expand and contract over several releases instead:\n  \
                 op.add_column({t_py}, sa.Column({n_py}, ...){schema})  # the type of {c}\n  \
                 # deploy code that writes both columns, then backfill in batches:\n  \
                 op.execute({update})\n  \
                 # deploy code that reads {n} only, then in a later migration:\n  \
                 op.drop_column({t_py}, {c_py}{schema})",
                t_py = python_string(bare_table),
                schema = schema_kwarg(action.relation.as_ref()),
                n = python_comment_text(bare_new_name),
                n_py = python_string(bare_new_name),
                c = python_comment_text(bare_column),
                c_py = python_string(bare_column),
                update = python_string(&format!(
                    "UPDATE {table} SET {new_name} = {column} WHERE {new_name} IS NULL"
                )),
            ));
            Violation::with(
                format!(
                    "renaming column {column} breaks running application code that still uses the old name; it takes {}",
                    action.lock_phrase()
                ),
                advice,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::assert_cases;

    #[test]
    fn cases() {
        assert_cases(
            "renaming-column",
            &["CREATE TABLE users (name text); ALTER TABLE users RENAME COLUMN name TO full_name"],
            &[
                "ALTER TABLE users RENAME COLUMN name TO full_name",
                "ALTER TABLE app.users RENAME name TO full_name",
            ],
        );
    }

    /// The help is the expand-and-contract sequence with the statement's own names.
    #[test]
    fn help_names_the_table_and_both_columns() {
        let sql = "ALTER TABLE app.users RENAME COLUMN name TO full_name";
        let report = crate::lint::lint_sql(
            crate::source::SourceFile::new("t.sql", sql),
            &crate::config::Config::default(),
        );
        let finding = report
            .findings
            .iter()
            .find(|f| f.rule.id == "renaming-column")
            .unwrap();
        let help = finding.advice.sql.as_deref().unwrap();
        assert!(
            help.contains("ALTER TABLE app.users ADD COLUMN full_name <type of name>;")
                && help.contains("UPDATE app.users SET full_name = name WHERE full_name IS NULL;")
                && help.contains("ALTER TABLE app.users DROP COLUMN name;"),
            "{help}"
        );
    }

    /// A line break in a name, shown in a `#` comment of the Alembic advice, is written
    /// escaped: raw, it would end the comment and leave the rest of the name as code.
    #[test]
    fn alembic_comments_hold_names_with_line_breaks() {
        let sql = "ALTER TABLE users RENAME COLUMN \"e\nmail\" TO \"mail\r\nbox\"";
        let advice = crate::rules::cases::alembic_advice("renaming-column", sql);
        assert!(advice.contains(r#"# the type of "e\nmail""#), "{advice}");
        assert!(
            advice.contains(r#"# deploy code that reads "mail\r\nbox" only"#),
            "{advice}"
        );
        for line in advice.lines().skip(1) {
            let line = line.trim_start();
            assert!(
                line.starts_with("op.") || line.starts_with('#'),
                "{line:?} in {advice}"
            );
        }
        let plain = crate::rules::cases::alembic_advice(
            "renaming-column",
            "ALTER TABLE users RENAME COLUMN email TO mail",
        );
        assert!(plain.contains("# the type of email"), "{plain}");
    }
}
