//! DROP DATABASE and DROP SCHEMA in a migration.

use pg_query::NodeEnum;
use pg_query::protobuf::{DropBehavior, ObjectType};

use super::{Advice, Category, Check, Rule, Severity, StatementView, Violation};
use crate::parse::ident::quote_ident;

pub static RULE: Rule = Rule {
    id: "dropping-database-or-schema",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Compatibility,
    summary: "DROP DATABASE or DROP SCHEMA deletes every object in it, and its data",
    check: Check::Statement(check),
};

fn names(objects: &[pg_query::Node]) -> Vec<String> {
    objects
        .iter()
        .filter_map(|o| match &o.node {
            Some(NodeEnum::String(s)) => Some(quote_ident(&s.sval)),
            _ => None,
        })
        .collect()
}

fn check(input: &StatementView) -> Vec<Violation> {
    let message = match input.node {
        NodeEnum::DropdbStmt(stmt) => format!(
            "DROP DATABASE {} deletes the whole database: every table and its data, for every \
             application that uses it",
            quote_ident(&stmt.dbname)
        ),
        NodeEnum::DropStmt(stmt) if stmt.remove_type == ObjectType::ObjectSchema as i32 => {
            let cascade = stmt.behavior == DropBehavior::DropCascade as i32;
            format!(
                "DROP SCHEMA {} {}: running application code that uses it breaks, and its data \
                 is gone",
                names(&stmt.objects).join(", "),
                if cascade {
                    "deletes every table, view, function and type in it (CASCADE), and every \
                     object elsewhere that depends on them"
                } else {
                    "deletes the schema (it fails while anything is still in it, unless CASCADE)"
                }
            )
        }
        _ => return Vec::new(),
    };
    vec![Violation::with(
        message,
        Advice::sql(
            "do not drop databases or schemas in a migration: first deploy code that no longer \
             uses them, take a backup, and drop them by hand; to keep the data for now, rename \
             the schema aside instead:\n  ALTER SCHEMA <schema> RENAME TO <schema>_old;",
        )
        .with_alembic(|| {
            "do not drop databases or schemas in a migration: first deploy code that no longer \
             uses them, take a backup, and drop them by hand; to keep the data for now:\n  \
             op.execute(\"ALTER SCHEMA <schema> RENAME TO <schema>_old\")"
        }),
    )]
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::assert_cases;

    #[test]
    fn cases() {
        assert_cases(
            "dropping-database-or-schema",
            &[
                "DROP TABLE users",
                "CREATE SCHEMA app",
                "DROP TYPE mood",
                "ALTER SCHEMA app RENAME TO app_old",
            ],
            &[
                "DROP SCHEMA app",
                "DROP SCHEMA IF EXISTS app, reporting CASCADE",
                "DROP DATABASE shop",
                "DROP DATABASE IF EXISTS shop WITH (FORCE)",
            ],
        );
    }
}
