use super::Severity;
use super::advice::{python_string, schema_kwarg};
use super::{Advice, Category, Check, Rule, StatementView, Violation, or_placeholder};
use crate::facts::Form;

pub static RULE: Rule = Rule {
    id: "changing-column-type",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Rewrite,
    summary: "ALTER COLUMN ... TYPE that rewrites the table and its indexes",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::AlterColumnType, Form::AlterColumnTypeCoercible])
        .filter(|action| action.rewrites)
        .map(|action| {
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            let column = or_placeholder(&action.column, "column");
            let new_type = action.column_type.as_ref().map_or("newtype".into(), ToString::to_string);
            let why = action.detail().map(|d| format!(": {d}")).unwrap_or_default();
            let bare_table = action.relation.as_ref().map_or("t", |r| r.name.as_str());
            let bare_column = action.column.as_deref().unwrap_or("column");
            let table_py = python_string(bare_table);
            let column_py = python_string(&format!("{bare_column}_new"));
            let schema = schema_kwarg(action.relation.as_ref());
            let advice = Advice::sql(
                format!(
                    "add a new column, keep both in sync, backfill in batches, then switch over:\n  \
                     ALTER TABLE {table} ADD COLUMN {}_new {new_type};\n  \
                     -- write to both columns from the application (or a trigger), backfill old rows in batches,\n  \
                     -- then rename in a short transaction and drop the old column later\n\
                     binary-coercible changes (varchar(n) to varchar(m > n) or text, numeric(p,s) to numeric(q > p,s)) need no rewrite; \
                     see `locksmith rule changing-column-type`",
                    action.column.as_deref().unwrap_or("column"),
                ),
            )
            .with_alembic(|| format!(
                "add a new column, keep both in sync, backfill in batches, then switch over:\n  \
                 op.add_column({table_py}, sa.Column({column_py}, <new type>, nullable=True){schema})\n  \
                 # write to both columns from the application (or a trigger), backfill old rows in batches,\n  \
                 # then rename in a short transaction and drop the old column in a later revision\n\
                 binary-coercible changes (varchar(n) to varchar(m > n) or text, numeric(p,s) to numeric(q > p,s)) need no rewrite; \
                 see `locksmith rule changing-column-type`"
            ));
            Violation::with(
                format!(
                    "changing the type of {column} rewrites {table} and rebuilds its indexes while holding {}{why}",
                    action.lock_phrase()
                ),
                advice,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::{assert_cases, fired_after};

    #[test]
    fn cases() {
        assert_cases(
            "changing-column-type",
            &[
                "CREATE TABLE t (name varchar(10)); ALTER TABLE t ALTER COLUMN name TYPE text",
                "CREATE TABLE t (name varchar(10)); COMMIT; ALTER TABLE t ALTER COLUMN name TYPE varchar(20)",
                "CREATE TABLE t (p numeric(5,2)); ALTER TABLE t ALTER COLUMN p TYPE numeric(12,2)",
            ],
            &[
                "ALTER TABLE users ALTER COLUMN id TYPE bigint",
                "ALTER TABLE users ALTER COLUMN name TYPE varchar(20)",
                "ALTER TABLE users ALTER COLUMN n TYPE int USING n::int",
            ],
        );
    }

    /// A USING that is the column, or the column cast to the new type, is seen through by
    /// PostgreSQL when the types are binary-coercible: no rewrite (pgadmin's `value::text`
    /// from varchar). A cast to another type is taken as a rewrite (proven for `varchar`
    /// to `varchar(20)` in the lock model's verification).
    #[test]
    fn a_using_that_only_casts_the_column_is_seen_through() {
        const ID: &str = "changing-column-type";
        let history = "CREATE TABLE s (value varchar(1024), n int, code varchar(10));";
        for sql in [
            "ALTER TABLE s ALTER COLUMN value TYPE text USING value::text",
            "ALTER TABLE s ALTER COLUMN value TYPE text USING value",
            "ALTER TABLE s ALTER COLUMN value TYPE text USING s.value::text",
            "ALTER TABLE s ALTER COLUMN code TYPE varchar(20) USING code::varchar(20)",
        ] {
            assert!(!fired_after(ID, history, sql), "{sql}");
        }
        for sql in [
            "ALTER TABLE s ALTER COLUMN value TYPE text USING lower(value)",
            "ALTER TABLE s ALTER COLUMN value TYPE text USING code::text",
            "ALTER TABLE s ALTER COLUMN n TYPE bigint USING n::bigint",
            "ALTER TABLE s ALTER COLUMN code TYPE varchar(5) USING code::varchar(5)",
            "ALTER TABLE s ALTER COLUMN code TYPE text USING code::varchar(5)",
            "ALTER TABLE s ALTER COLUMN code TYPE varchar(20) USING code::varchar",
        ] {
            assert!(fired_after(ID, history, sql), "{sql}");
        }
    }
}
