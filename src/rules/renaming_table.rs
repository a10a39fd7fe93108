use pg_query::NodeEnum;
use pg_query::protobuf::ObjectType;

use super::Severity;
use super::{Category, Check, Rule, StatementView, Violation};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "renaming-table",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Compatibility,
    summary: "RENAME TO on a table breaks application code still using the old name during the deploy",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    let sequence = matches!(input.node, NodeEnum::RenameStmt(r)
        if r.rename_type == ObjectType::ObjectSequence as i32);
    input
        .existing(&[Form::RenameTable])
        .map(|action| {
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            if sequence {
                // No view can stand in for a sequence; defaults follow it by OID.
                return Violation::new(
                    format!(
                        "renaming sequence {table} breaks running application code that still names it \
                         (nextval('{table}'), setval, currval); it takes {}",
                        action.lock_phrase()
                    ),
                    "column defaults keep working (nextval('...'::regclass) follows the sequence, not its \
                     name), but nothing can keep the old name alive: first deploy code that no longer names \
                     the sequence (or uses pg_get_serial_sequence()), then rename it",
                );
            }
            Violation::new(
                format!(
                    "renaming {table} breaks running application code that still uses the old name; it takes {}",
                    action.lock_phrase()
                ),
                "rename in two releases: rename the table and create a view with the old name \
                 (CREATE VIEW old_name AS SELECT * FROM new_name) so old code keeps working, \
                 then drop the view once no code uses it",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::{assert_cases, messages};

    #[test]
    fn a_sequence_is_not_called_a_table_nor_given_view_advice() {
        let sql = "ALTER SEQUENCE users_id_seq RENAME TO accounts_id_seq";
        let found = messages("renaming-table", sql);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("renaming sequence users_id_seq"),
            "{}",
            found[0]
        );
        let source = crate::source::SourceFile::new("t.sql", sql);
        let report = crate::lint::lint_sql(source, &crate::config::Config::default());
        let help = report
            .findings
            .iter()
            .find(|f| f.rule.id == "renaming-table")
            .unwrap();
        let help = help.advice.sql.as_deref().unwrap();
        assert!(!help.contains("VIEW"), "{help}");
    }

    #[test]
    fn cases() {
        assert_cases(
            "renaming-table",
            &[
                "CREATE TABLE users (id int); ALTER TABLE users RENAME TO accounts",
                "ALTER INDEX users_email RENAME TO users_email_idx",
            ],
            &[
                "ALTER TABLE users RENAME TO accounts",
                "ALTER SEQUENCE users_id_seq RENAME TO accounts_id_seq",
            ],
        );
    }
}
