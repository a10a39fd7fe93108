use pg_query::protobuf::ConstrType;

use super::Severity;
use super::advice::split_column_constraint;
use super::advice::{not_valid_then_validate, python_string, schema_keyword, schema_kwarg};
use super::{
    Advice, Category, Check, Rule, StatementView, Violation, not_valid_name, not_valid_sql,
    or_placeholder,
};
use crate::facts::{Action, Form, RelationLock};

pub static RULE: Rule = Rule {
    id: "adding-foreign-key-without-not-valid",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Locking,
    summary: "ADD FOREIGN KEY without NOT VALID validates every row while both tables are locked against writes",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    let mut out: Vec<Violation> = input
        .existing(&[Form::AddForeignKey])
        .map(|action| {
            let message = format!(
                "adding a foreign key validates every existing row while holding {}{}",
                action.lock_phrase(),
                referenced(action)
            );
            Violation::with(message, not_valid_advice(input, action))
        })
        .collect();
    // A table this migration created and filled has rows to validate, and the referenced
    // table, which existed before, stays locked against writes while they are checked.
    out.extend(
        input
            .facts
            .actions
            .iter()
            .filter(|a| a.form == Form::AddForeignKey)
            .filter(|a| a.relation.as_ref().is_some_and(|r| input.state.is_new_and_filled(r)))
            .filter(|a| a.other.as_ref().is_some_and(|o| !input.state.is_new(o)))
            .map(|action| {
                let (Some(table), Some(other)) = (&action.relation, &action.other) else {
                    unreachable!("filtered above")
                };
                let lock = action.other_lock.map_or_else(String::new, |mode| {
                    RelationLock { relation: other.clone(), mode }.to_string()
                });
                let message = format!(
                    "{table} was filled earlier in this migration: validating the foreign key checks its rows \
                     while holding {lock}"
                );
                let mut advice = not_valid_advice(input, action);
                advice.sql = advice.sql.map(|help| {
                    format!(
                        "declare the foreign key before filling the table (each inserted row is then checked \
                         under row locks only), or {help}"
                    )
                });
                Violation::with(message, advice)
            }),
    );
    out.extend(
        input
            .existing(&[Form::AddColumnReferencesValidated])
            .map(|action| column_violation(input, action)),
    );
    out
}

fn referenced(action: &Action) -> String {
    match (&action.other, action.other_lock) {
        (Some(other), Some(lock)) => format!(" and {} on {other}", lock.name()),
        _ => String::new(),
    }
}

fn not_valid_advice(input: &StatementView, action: &Action) -> Advice {
    let (name, bare_name) = not_valid_name(action, "fkey");
    let table = action
        .relation
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let placeholder = format!(
        "op.create_foreign_key(..., postgresql_not_valid=True{}{})",
        schema_keyword("source_schema", action.relation.as_ref()),
        schema_keyword("referent_schema", action.other.as_ref()),
    );
    let add = || not_valid_sql(input, action, &bare_name);
    not_valid_then_validate(add, &table, &name, &placeholder)
}

/// `ADD COLUMN c int DEFAULT 0 REFERENCES r (id)`: the column is not all NULL, so the
/// foreign key is validated; without the DEFAULT PostgreSQL would skip that.
fn column_violation(input: &StatementView, action: &Action) -> Violation {
    let table = action
        .relation
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let column = or_placeholder(&action.column, "c");
    let bare_name = action.constraint().map(str::to_string).unwrap_or_else(|| {
        format!(
            "{}_{}_fkey",
            action.relation.as_ref().map_or("t", |r| r.name.as_str()),
            action.column.as_deref().unwrap_or("c")
        )
    });
    let name = crate::parse::ident::quote_ident(&bare_name);
    let (add_column, add_fk) = split_column_fk(input, action, &bare_name);
    let message = format!(
        "adding column {column} with a DEFAULT and REFERENCES validates the foreign key for every existing row \
         while holding {}{}",
        action.lock_phrase(),
        referenced(action)
    );
    let steps = format!(
        "{add_column};\n  {add_fk};\n  \
         ALTER TABLE {table} VALIDATE CONSTRAINT {name};  -- separate transaction; reads and writes continue"
    );
    Violation::with(
        message,
        Advice::sql(format!(
            "add the column without REFERENCES, then the foreign key NOT VALID, then validate it:\n  {steps}"
        ))
        .with_alembic(|| format!(
            "add the column without the ForeignKey, then the foreign key NOT VALID, then validate it:\n  \
             op.add_column({t}, sa.Column({c}, ..., server_default=...){schema})\n  \
             op.create_foreign_key({n}, {t}, {o}, [{c}], [...], postgresql_not_valid=True{source}{referent})\n  \
             op.execute({validate})  # in the next revision",
            validate = python_string(&format!("ALTER TABLE {table} VALIDATE CONSTRAINT {name}")),
            t = python_string(action.relation.as_ref().map_or("t", |r| r.name.as_str())),
            c = python_string(action.column.as_deref().unwrap_or("c")),
            n = python_string(&bare_name),
            schema = schema_kwarg(action.relation.as_ref()),
            source = schema_keyword("source_schema", action.relation.as_ref()),
            referent = schema_keyword("referent_schema", action.other.as_ref()),
            o = python_string(action.other.as_ref().map_or("r", |r| r.name.as_str())),
        )),
    )
}

/// The statement's ADD COLUMN without its REFERENCES clause, and that clause as a
/// separate `ADD CONSTRAINT ... NOT VALID` named `name` (bare, unquoted).
fn split_column_fk(input: &StatementView, action: &Action, name: &str) -> (String, String) {
    split_column_constraint(
        input.node,
        action.subcommand(),
        ConstrType::ConstrForeign,
        name,
    )
    .unwrap_or_else(|| {
        (
            "ALTER TABLE ... ADD COLUMN ... DEFAULT ...  -- without REFERENCES".into(),
            "ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY (...) REFERENCES ... NOT VALID".into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::assert_cases;

    #[test]
    fn cases() {
        assert_cases(
            "adding-foreign-key-without-not-valid",
            &[
                "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID",
                "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk",
                "CREATE TABLE orders (user_id int); ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id)",
            ],
            &[
                "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)",
                "ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users",
                "ALTER TABLE orders ADD COLUMN shop_id int NOT NULL DEFAULT 0 REFERENCES shops (id)",
                "CREATE TABLE archive AS SELECT * FROM orders; ALTER TABLE archive ADD FOREIGN KEY (user_id) REFERENCES users",
                "SELECT * INTO archive FROM orders; ALTER TABLE archive ADD FOREIGN KEY (user_id) REFERENCES users",
                "CREATE TABLE archive (user_id int); INSERT INTO archive SELECT user_id FROM orders; \
                 ALTER TABLE archive ADD FOREIGN KEY (user_id) REFERENCES users",
            ],
        );
    }
}
