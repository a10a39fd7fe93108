//! CREATE TRIGGER on an existing table: ShareRowExclusiveLock, which blocks writes.

use super::advice::{indented, python_block_string};
use super::{Advice, Category, Check, Rule, Severity, StatementView, Violation};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "creating-trigger",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Locking,
    summary: "CREATE TRIGGER on an existing table takes ShareRowExclusiveLock, blocking writes while it waits and until the transaction ends",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::CreateTrigger])
        .filter(|a| a.lock.is_some_and(|l| l.blocks_writes()))
        .map(|action| {
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            let sql = input.sql.trim();
            Violation::with(
                format!(
                    "CREATE TRIGGER takes {}: writes to {table} wait while it waits for the lock \
                     and until its transaction ends, and from then on the trigger runs on every \
                     matching write",
                    action.lock_phrase()
                ),
                Advice::sql(format!(
                    "create it in a short transaction of its own, with a lock timeout, and retry on \
                     timeout:\n  SET lock_timeout = '2s';\n  {};",
                    indented(sql)
                ))
                .with_fix(format!("SET lock_timeout = '2s';\n{sql}"), false)
                .with_alembic(|| format!(
                    "create it in a migration of its own with a lock timeout, and retry on \
                     timeout:\n  op.execute(\"SET lock_timeout = '2s'\")\n  op.execute({})",
                    python_block_string(sql)
                )),
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
            "creating-trigger",
            &[
                "CREATE TABLE t (id int); \
                 CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch()",
                "DROP TRIGGER users_touch ON users",
                "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
            ],
            &[
                "CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()",
                "CREATE OR REPLACE TRIGGER users_audit AFTER INSERT OR DELETE ON app.users \
                 FOR EACH STATEMENT EXECUTE PROCEDURE audit()",
            ],
        );
    }
}
