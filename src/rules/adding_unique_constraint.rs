use super::{Category, Input, Rule, Violation, lock_phrase};
use crate::diagnostic::Severity;
use crate::facts::{Form, quote_ident};

pub static RULE: Rule = Rule {
    id: "adding-unique-constraint",
    severity: Severity::Error,
    category: Category::Locking,
    summary: "ADD UNIQUE / PRIMARY KEY / EXCLUDE builds an index under AccessExclusiveLock",
    check: Some(check),
};

fn check(input: &Input) -> Vec<Violation> {
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
                lock_phrase(action)
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
            Violation::new(
                message,
                format!(
                    "build the unique index concurrently, then attach it (a brief lock):\n  \
                     CREATE UNIQUE INDEX CONCURRENTLY {index} ON {table} ({});\n  \
                     ALTER TABLE {table} ADD CONSTRAINT {name} {kind} USING INDEX {index};\n\
                     Alembic: with op.get_context().autocommit_block(): op.create_index(..., unique=True, postgresql_concurrently=True); \
                     then op.execute(\"ALTER TABLE ... ADD CONSTRAINT ... {kind} USING INDEX ...\")",
                    quote_ident(column)
                ),
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
