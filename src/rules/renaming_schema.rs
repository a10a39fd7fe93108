//! ALTER SCHEMA ... RENAME TO.

use pg_query::NodeEnum;
use pg_query::protobuf::ObjectType;

use super::advice::python_string;
use super::{Advice, Category, Check, Rule, Severity, StatementView, Violation};
use crate::parse::ident::quote_ident;

pub static RULE: Rule = Rule {
    id: "renaming-schema",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Compatibility,
    summary: "ALTER SCHEMA ... RENAME TO breaks application code still using the old name during the deploy",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    let NodeEnum::RenameStmt(stmt) = input.node else {
        return Vec::new();
    };
    if stmt.rename_type != ObjectType::ObjectSchema as i32 {
        return Vec::new();
    }
    let (old, new) = (quote_ident(&stmt.subname), quote_ident(&stmt.newname));
    vec![Violation::with(
        format!(
            "renaming schema {old} to {new} breaks every query that names {old} (and every \
             search_path that lists it) in application code still running during the deploy"
        ),
        Advice::sql(format!(
            "make both names work while code moves over: create the new schema, move the objects \
             one at a time or leave views behind, deploy code that uses {new}, and drop what is \
             left of {old} in a later migration; or rename only in a release that stops all \
             code using {old} first:\n  ALTER SCHEMA {old} RENAME TO {new};"
        ))
        .with_alembic(|| {
            format!(
                "deploy code that uses {new} (and update search_path settings) before this \
             migration runs, or move the objects over in steps:\n  \
             op.execute({})",
                python_string(&format!("ALTER SCHEMA {old} RENAME TO {new}"))
            )
        }),
    )]
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::assert_cases;

    #[test]
    fn cases() {
        assert_cases(
            "renaming-schema",
            &[
                "CREATE SCHEMA app",
                "ALTER TABLE app.users RENAME TO members",
            ],
            &["ALTER SCHEMA app RENAME TO shop"],
        );
    }
}
