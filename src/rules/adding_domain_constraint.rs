use pg_query::NodeEnum;

use super::Severity;
use super::advice::python_string;
use super::{Advice, Category, Check, Rule, StatementView, Violation, deparse_with};
use crate::facts::Form;
use crate::parse::ident::quote_ident;

pub static RULE: Rule = Rule {
    id: "adding-domain-constraint",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Locking,
    summary: "ALTER DOMAIN ... ADD CONSTRAINT without NOT VALID scans every column of the domain in every table, blocking writes to each",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .facts
        .actions
        .iter()
        .filter(|a| a.form == Form::AlterDomainAddConstraint && a.scans)
        .map(|action| {
            let domain = (action.detail())
                .and_then(|d| d.strip_prefix("domain "))
                .unwrap_or("<domain>");
            let lock = action
                .other_lock
                .map(|m| format!("{} ({})", m.name(), m.blocks_description()))
                .unwrap_or_else(|| "a lock".into());
            // An unnamed constraint is named as PostgreSQL names it (`<domain>_check`), so
            // that the NOT VALID statement and the VALIDATE agree.
            let bare_name = match action.constraint() {
                Some(name) => name.to_string(),
                None => format!("{}_check", bare_domain(input.node).unwrap_or("d")),
            };
            let name = quote_ident(&bare_name);
            let not_valid = deparse_with(input.node, |node| {
                if let NodeEnum::AlterDomainStmt(stmt) = node
                    && let Some(NodeEnum::Constraint(c)) =
                        stmt.def.as_deref_mut().and_then(|d| d.node.as_mut())
                    {
                        c.skip_validation = true;
                        c.initially_valid = false;
                        c.conname = bare_name.clone();
                    }
            })
            .unwrap_or_else(|| "ALTER DOMAIN ... ADD CONSTRAINT ... NOT VALID".into());
            let advice = Advice::sql(format!(
                "add it NOT VALID (new values are checked at once, no table is scanned), and \
                 validate it later at a quiet time:\n  \
                 {not_valid};\n  \
                 ALTER DOMAIN {domain} VALIDATE CONSTRAINT {name};  -- scans again; run it separately"
            ))
            .with_fix(not_valid.clone(), false)
            .with_alembic(|| format!(
                "add it NOT VALID (new values are checked at once, no table is scanned):\n  \
                 op.execute({})\n  \
                 op.execute({})  # in a later revision",
                python_string(&not_valid),
                python_string(&format!("ALTER DOMAIN {domain} VALIDATE CONSTRAINT {name}"))
            ));
            Violation::with(
                format!(
                    "adding a constraint to domain {domain} checks every column of that type in every table, \
                     holding {lock} on each of those tables for the whole scan"
                ),
                advice,
            )
        })
        .collect()
}

/// The domain's own name, unquoted (the last part of `ALTER DOMAIN s.d`).
fn bare_domain(node: &NodeEnum) -> Option<&str> {
    let NodeEnum::AlterDomainStmt(stmt) = node else {
        return None;
    };
    match stmt.type_name.last()?.node.as_ref()? {
        NodeEnum::String(s) => Some(&s.sval),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::assert_cases;

    #[test]
    fn cases() {
        assert_cases(
            "adding-domain-constraint",
            &[
                "ALTER DOMAIN positive_int ADD CONSTRAINT positive CHECK (VALUE > 0) NOT VALID",
                "ALTER DOMAIN positive_int VALIDATE CONSTRAINT positive",
                "CREATE DOMAIN positive_int AS int CHECK (VALUE > 0)",
            ],
            &[
                "ALTER DOMAIN positive_int ADD CONSTRAINT positive CHECK (VALUE > 0)",
                "ALTER DOMAIN app.email ADD CHECK (VALUE LIKE '%@%')",
                "ALTER DOMAIN app.email ADD CONSTRAINT email_not_null NOT NULL",
            ],
        );
    }
}
