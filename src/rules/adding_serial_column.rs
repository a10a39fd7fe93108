use super::Severity;
use super::advice::{python_string, schema_kwarg};
use super::{Advice, Category, Check, Rule, StatementView, Violation, or_placeholder};
use crate::facts::{Action, Form};

pub static RULE: Rule = Rule {
    id: "adding-serial-column",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Rewrite,
    summary: "ADD COLUMN of serial/bigserial/smallserial or GENERATED ... AS IDENTITY on an existing table, rewriting it",
    check: Check::Statement(check),
};

/// A serial column: an ADD COLUMN whose default is the `nextval()` of its own new sequence.
pub fn is_serial(action: &Action) -> bool {
    action.form == Form::AddColumnVolatileDefault
        && action.column_type.as_ref().is_some_and(|t| t.is_serial())
}

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::AddColumnVolatileDefault, Form::AddColumnIdentity])
        .filter(|action| action.rewrites && (action.form == Form::AddColumnIdentity || is_serial(action)))
        .map(|action| {
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            let column = or_placeholder(&action.column, "column");
            let bare_table = action.relation.as_ref().map_or("t", |r| r.name.as_str());
            let bare_column = action.column.as_deref().unwrap_or("column");
            let (kind, int) = match (action.form, action.column_type.as_ref().map(|t| t.name.as_str())) {
                (Form::AddColumnIdentity, _) => ("an identity column", "bigint"),
                (_, Some("smallserial" | "serial2")) => ("a smallserial column", "smallint"),
                (_, Some("serial" | "serial4")) => ("a serial column", "integer"),
                _ => ("a bigserial column", "bigint"),
            };
            // In the table's schema: OWNED BY refuses a sequence in another one.
            let schema = action.relation.as_ref().and_then(|r| r.schema.as_deref());
            let seq_bare = format!("{bare_table}_{bare_column}_seq");
            let seq = crate::facts::Relation::new(schema, &seq_bare).to_string();
            // nextval() reads its text as a name to resolve: a mixed-case one keeps its quotes.
            let nextval = format!("nextval('{}')", seq.replace('\'', "''"));
            let (table_py, column_py) = (python_string(bare_table), python_string(bare_column));
            let schema_py = schema_kwarg(action.relation.as_ref());
            let advice = Advice::sql(format!(
                "add a plain column, give new rows their value from a sequence, then backfill in batches:\n  \
                 ALTER TABLE {table} ADD COLUMN {column} {int};\n  \
                 CREATE SEQUENCE {seq} AS {int} OWNED BY {table}.{column};\n  \
                 ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {nextval};  -- new rows only\n  \
                 UPDATE {table} SET {column} = {nextval} WHERE {column} IS NULL;  -- in batches\n\
                 then make it NOT NULL as `locksmith rule setting-not-null` shows"
            ))
            .with_alembic(|| format!(
                "add a plain column, give new rows their value from a sequence, then backfill in batches:\n  \
                 op.execute({})\n  \
                 op.add_column({table_py}, sa.Column({column_py}, sa.BigInteger(), nullable=True){schema_py})\n  \
                 op.alter_column({table_py}, {column_py}, server_default=sa.text({}){schema_py})  # new rows only\n  \
                 op.execute({})  # in batches\n\
                 then make it NOT NULL as `locksmith rule setting-not-null` shows",
                python_string(&format!("CREATE SEQUENCE {seq} AS {int}")),
                python_string(&nextval),
                python_string(&format!(
                    "UPDATE {table} SET {column} = {nextval} WHERE {column} IS NULL"
                ))
            ));
            Violation::with(
                format!(
                    "adding {kind} {column} rewrites {table} and its indexes while holding {}: every existing row gets a value from the new sequence",
                    action.lock_phrase()
                ),
                advice,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::{advice_after, assert_cases};

    const ID: &str = "adding-serial-column";

    #[test]
    fn cases() {
        assert_cases(
            "adding-serial-column",
            &[
                "ALTER TABLE users ADD COLUMN n bigint",
                "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()",
                "ALTER TABLE users ADD COLUMN n2 int GENERATED ALWAYS AS (id * 2) STORED",
                "CREATE TABLE users (id int); ALTER TABLE users ADD COLUMN n bigserial",
                "CREATE TABLE users (id bigserial, seq int GENERATED ALWAYS AS IDENTITY)",
            ],
            &[
                "ALTER TABLE users ADD COLUMN id2 bigserial",
                "ALTER TABLE users ADD COLUMN n serial",
                "ALTER TABLE users ADD COLUMN n smallserial NOT NULL",
                "ALTER TABLE users ADD COLUMN seq int GENERATED BY DEFAULT AS IDENTITY",
                "ALTER TABLE app.users ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY (START WITH 10)",
            ],
        );
    }

    /// The sequence goes in the table's schema (PostgreSQL 12: "sequence must be in same
    /// schema as table it is linked to"), and `nextval` names it as PostgreSQL resolves it.
    #[test]
    fn the_sequence_is_created_beside_its_table_and_named_as_created() {
        let (help, _) = advice_after(ID, "", "ALTER TABLE app.users ADD COLUMN seq bigserial");
        assert!(
            help.contains("CREATE SEQUENCE app.users_seq_seq AS bigint OWNED BY app.users.seq;"),
            "{help}"
        );
        assert!(
            help.contains("DEFAULT nextval('app.users_seq_seq');"),
            "{help}"
        );
        let (help, _) = advice_after(ID, "", r#"ALTER TABLE "Users" ADD COLUMN "Seq" bigserial"#);
        assert!(help.contains(r#"nextval('"Users_Seq_seq"')"#), "{help}");
    }
}
