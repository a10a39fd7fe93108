//! `ALTER TYPE ... ADD VALUE` in a transaction: it fails there before PostgreSQL 12; from 12
//! on the new value cannot be used until the transaction commits.

use std::collections::HashMap;

use pg_query::NodeEnum;
use pg_query::protobuf::AlterEnumStmt;

use super::advice::{autocommit_block, indented, python_string};
use super::{
    Advice, Category, Check, Rule, Severity, Summary, TransactionView, Violation, excerpt,
};
use crate::facts::Form;
use crate::parse::ident::quote_ident;

pub static RULE: Rule = Rule {
    id: "adding-enum-value-in-transaction",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Transaction,
    summary: "ALTER TYPE ... ADD VALUE in a transaction: fails before PostgreSQL 12; from 12 on, fails when the new value is used later in the same transaction",
    check: Check::Transaction(check),
};

/// The type's name as SQL and the value an `ALTER TYPE` adds (or renames to).
pub(super) fn summary(stmt: &AlterEnumStmt) -> (String, String) {
    let type_name = stmt
        .type_name
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::String(s)) => Some(quote_ident(&s.sval)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(".");
    (type_name, stmt.new_val.clone())
}

fn check(input: &TransactionView) -> Vec<Violation> {
    let mut out = Vec::new();
    let first_uses = first_uses(input);
    for (i, statement) in input.statements.iter().enumerate() {
        let Summary::EnumValue(named) = statement.summary else {
            continue;
        };
        let Some(action) = statement
            .facts
            .actions
            .iter()
            .find(|a| a.form == Form::AlterEnumAddValue)
        else {
            continue;
        };
        let (type_name, value) = &**named;
        let sql = statement.sql.trim();
        let outside = Advice::sql(format!(
            "run it outside any transaction block, on its own (COMMIT before it):\n  COMMIT;\n  {};",
            indented(sql)
        ))
        .with_alembic(|| format!(
            "run it outside the migration's transaction:\n{}",
            autocommit_block(&format!("op.execute({})", python_string(sql)), None)
        ));
        // The lock model: the statement may not run in a transaction block at all (before 12).
        if !action.in_transaction {
            out.push(
                Violation::with(
                    format!(
                        "ALTER TYPE {type_name} ADD VALUE cannot run inside a transaction block before \
                         PostgreSQL 12: it fails and aborts the migration"
                    ),
                    outside,
                )
                .at_statement(i),
            );
            continue;
        }
        if let Some(user) = first_uses.get(&i).map(|&j| &input.statements[j]) {
            out.push(
                Violation::with(
                    format!(
                        "the new value '{value}' of {type_name} is used later in the same transaction \
                         (`{}`): PostgreSQL rejects it there (\"unsafe use of new value\") until the \
                         ADD VALUE commits, and the migration aborts",
                        excerpt(user.sql)
                    ),
                    Advice::sql(format!(
                        "commit the new value before using it:\n  {};\n  COMMIT;\n  \
                         -- then, in a new transaction: {}",
                        indented(sql),
                        excerpt(user.sql)
                    ))
                    .with_alembic(|| format!(
                        "add the value outside the migration's transaction (it is committed at \
                         once), or use it only in the next migration:\n{}",
                        autocommit_block(&format!("op.execute({})", python_string(sql)), None)
                    )),
                )
                .at_statement(i),
            );
        }
    }
    out
}

/// For each ADD VALUE statement of the block (by index), the first statement after it
/// that uses the new value ([`string_constants`]). The block is walked once, and a
/// statement is scanned only while a value added before it waits for its first use: a
/// scan of every later statement for each ADD VALUE made 2,000 of them in a transaction of
/// 20,000 statements take 56 s.
fn first_uses(input: &TransactionView) -> HashMap<usize, usize> {
    let mut waiting: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut found = HashMap::new();
    for (j, statement) in input.statements.iter().enumerate() {
        if may_name_any(statement.sql, &waiting) {
            for literal in string_constants(statement.sql) {
                for i in waiting.remove(literal.as_str()).unwrap_or_default() {
                    found.insert(i, j);
                }
            }
        }
        if let Summary::EnumValue(named) = statement.summary {
            waiting.entry(named.1.as_str()).or_default().push(j);
        }
    }
    found
}

/// Whether `sql` may hold a string constant of a value `waiting`: a statement that holds
/// none of their texts up to a quote (what a constant writes as it is) need not be lexed.
/// Past a few values waiting, lexing once costs less than searching for each.
fn may_name_any(sql: &str, waiting: &HashMap<&str, Vec<usize>>) -> bool {
    const SEARCHED_AT_MOST: usize = 8;
    match waiting.len() {
        0 => false,
        1..=SEARCHED_AT_MOST => {
            (waiting.keys()).any(|value| sql.contains(value.split('\'').next().unwrap_or_default()))
        }
        _ => true,
    }
}

/// A heuristic for where a new value is used: the statement's string constants
/// (`'meh'`, `E'meh'`), decoded. A use inside a function body or built by an expression
/// is not seen.
fn string_constants(sql: &str) -> Vec<String> {
    let Ok(scan) = pg_query::scan(sql) else {
        return Vec::new();
    };
    (scan.tokens.iter())
        .filter(|t| t.token == pg_query::protobuf::Token::Sconst as i32)
        .filter_map(|t| sql.get(t.start as usize..t.end as usize))
        .filter_map(|literal| {
            let body = literal.trim_start_matches(['E', 'e']);
            let body = body.strip_prefix('\'')?.strip_suffix('\'')?;
            Some(body.replace("''", "'"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::rules::cases::{assert_cases, fired_with};

    const ID: &str = "adding-enum-value-in-transaction";

    #[test]
    fn cases() {
        assert_cases(
            ID,
            &[
                "ALTER TYPE mood ADD VALUE 'meh'",
                "BEGIN; ALTER TYPE mood ADD VALUE 'meh'; COMMIT",
                "BEGIN; ALTER TYPE mood ADD VALUE 'meh'; COMMIT; UPDATE t SET m = 'meh' WHERE id = 1",
                "BEGIN; ALTER TYPE mood ADD VALUE 'meh'; UPDATE t SET m = 'sad' WHERE id = 1; COMMIT",
                "BEGIN; ALTER TYPE mood RENAME VALUE 'meh' TO 'so-so'; UPDATE t SET m = 'so-so'; COMMIT",
            ],
            &[
                "BEGIN; ALTER TYPE mood ADD VALUE 'meh'; UPDATE t SET m = 'meh' WHERE id = 1; COMMIT",
                "BEGIN; ALTER TYPE app.mood ADD VALUE IF NOT EXISTS 'it''s ok' AFTER 'sad'; \
                 INSERT INTO t (m) VALUES ('it''s ok'); COMMIT",
            ],
        );
    }

    #[test]
    fn any_transaction_before_12() {
        let at = |version, assume| Config {
            postgres_version: version,
            assume_in_transaction: assume,
            ..Config::default()
        };
        let sql = "BEGIN; ALTER TYPE mood ADD VALUE 'meh'; COMMIT";
        assert!(fired_with(sql, &at(11, false)).contains(&ID));
        assert!(!fired_with(sql, &at(12, false)).contains(&ID));
        let alone = "ALTER TYPE mood ADD VALUE 'meh'";
        assert!(fired_with(alone, &at(11, true)).contains(&ID));
        assert!(!fired_with(alone, &at(11, false)).contains(&ID));
        // concurrently-in-transaction leaves it to this rule.
        assert!(!fired_with(sql, &at(11, false)).contains(&"concurrently-in-transaction"));
    }
}
