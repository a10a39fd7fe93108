use super::Severity;
use super::{Advice, Category, Check, Rule, StatementView, Violation};
use crate::facts::{Form, quote_ident};

pub static RULE: Rule = Rule {
    id: "adding-unique-constraint",
    severity: Severity::Error,
    default_enabled: true,
    category: Category::Locking,
    summary: "ADD UNIQUE / PRIMARY KEY / EXCLUDE builds an index under AccessExclusiveLock",
    check: Check::Statement(check),
};

fn check(input: &StatementView) -> Vec<Violation> {
    input
        .existing(&[Form::AddUnique, Form::AddPrimaryKey, Form::AddExclude])
        .map(|action| {
            let table = action.relation.as_ref().map(ToString::to_string).unwrap_or_default();
            let bare_table = action.relation.as_ref().map_or("t", |r| r.name.as_str());
            let column = action.column.as_deref().unwrap_or("column");
            let kind = match action.form {
                Form::AddPrimaryKey => "PRIMARY KEY",
                Form::AddExclude => "EXCLUDE",
                _ => "UNIQUE",
            };
            let message = format!(
                "adding a {kind} constraint builds its index while holding {}",
                action.lock_phrase()
            );
            if action.form == Form::AddExclude {
                return Violation::new(
                    message,
                    "exclusion constraints cannot be added from an existing index: run this in a \
                     maintenance window, or enforce the rule in the application and build a plain \
                     index CONCURRENTLY",
                );
            }
            let suffix = if action.form == Form::AddPrimaryKey { "pkey" } else { "key" };
            let name = action
                .constraint
                .clone()
                .unwrap_or_else(|| format!("{bare_table}_{column}_{suffix}"));
            let name = quote_ident(&name);
            let index = quote_ident(&format!("{bare_table}_{column}_idx"));
            let fix = format!(
                "CREATE UNIQUE INDEX CONCURRENTLY {index} ON {table} ({});\n\
                 ALTER TABLE {table} ADD CONSTRAINT {name} {kind} USING INDEX {index}",
                quote_ident(column)
            );
            let advice = Advice::sql(format!(
                "build the unique index concurrently, then attach it (a brief lock):\n  {};",
                fix.replace('\n', "\n  ")
            ))
            .with_fix(fix, false)
            .with_alembic(format!(
                "build the unique index concurrently, outside the migration's transaction, then attach it (a brief lock):\n  \
                 with op.get_context().autocommit_block():\n      \
                 op.create_index(\"{}\", \"{bare_table}\", [\"{column}\"], unique=True, postgresql_concurrently=True)\n  \
                 op.execute(\"ALTER TABLE {table} ADD CONSTRAINT {name} {kind} USING INDEX {index}\")",
                index.trim_matches('"')
            ));
            Violation::with(message, advice)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::cases::assert_cases;

    #[test]
    fn cases() {
        assert_cases(
            "adding-unique-constraint",
            &[
                "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx",
                "ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_id_idx",
                "CREATE TABLE users (email text); ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)",
            ],
            &[
                "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)",
                "ALTER TABLE users ADD PRIMARY KEY (id)",
                "ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&)",
                "ALTER TABLE users ADD COLUMN handle text UNIQUE",
            ],
        );
    }
}
