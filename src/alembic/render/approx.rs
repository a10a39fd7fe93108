//! Approximate rendering: where a statement's shape (which operation, which table and
//! columns) is known but one value in it is not (a third-party constant, a third-party
//! helper's result, data only known when the migration runs), the value is rendered as a
//! placeholder and the statement is marked approximate with the names of what was unknown.
//! Only value positions that decide neither the statement's shape nor its lock facts take
//! a placeholder: literals (`bulk_insert` rows, DML values, `inline_literal`, bind
//! values), comments, type lengths, the column types of `create_table` and `add_column`
//! (they decide none of the statement's locks: see `schema::column`) and the
//! `server_default`s of `create_table`.
//! Anywhere else an unknown value stays an `unrenderable-operation`.
//!
//! The renderers are plain functions of values, so what they replace is noted on the
//! rendering thread (one thread renders one file) and collected per operation by
//! [`collecting`].

use std::cell::RefCell;

use crate::python::Value;

use super::quote::string_literal;

thread_local! {
    static NOTED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// What is unknown about `value`, when it is a value only known by running code: a
/// third-party constant (its import path) or a runtime value (where it came from).
pub fn unknown_name(value: &Value) -> Option<String> {
    match value {
        // A call's origin is written `` `uuid.uuid4()` `` for messages; a name lists bare.
        Value::Runtime(origin) => Some(
            match origin.strip_prefix('`').and_then(|o| o.strip_suffix('`')) {
                Some(name) if !name.contains('`') => name.to_string(),
                _ => origin.clone(),
            },
        ),
        other => other.foreign_path().map(str::to_string),
    }
}

/// Notes that the operation being rendered put a placeholder for `name`.
pub fn note(name: String) {
    NOTED.with(|noted| {
        let mut noted = noted.borrow_mut();
        if !noted.contains(&name) {
            noted.push(name);
        }
    });
}

/// Runs one operation's rendering; its result and the unknown names it noted.
pub fn collecting<T>(render: impl FnOnce() -> T) -> (T, Vec<String>) {
    NOTED.with(|noted| noted.borrow_mut().clear());
    let result = render();
    let noted = NOTED.with(|noted| std::mem::take(&mut *noted.borrow_mut()));
    (result, noted)
}

/// The SQL literal standing for an unknown value, noted: a string naming it, so the
/// preview shows where the value goes.
pub fn literal(value: &Value) -> Option<String> {
    let name = unknown_name(value)?;
    let text = format!("<{name}>");
    note(name);
    Some(string_literal(&text))
}

/// The text standing for an unknown comment or name part, noted.
pub fn text(value: &Value) -> Option<String> {
    let name = unknown_name(value)?;
    let text = format!("<{name}>");
    note(name);
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_noted_per_operation() {
        let constant = Value::Path("neutron_lib.constants.NAME_SIZE".into());
        let ((), noted) = collecting(|| {
            assert_eq!(
                literal(&constant).as_deref(),
                Some("'<neutron_lib.constants.NAME_SIZE>'")
            );
            assert_eq!(literal(&Value::Int(1)), None);
            assert_eq!(literal(&Value::Path("sqlalchemy.Integer".into())), None);
            literal(&constant);
        });
        assert_eq!(noted, ["neutron_lib.constants.NAME_SIZE"]);
        let ((), noted) = collecting(|| {});
        assert!(noted.is_empty());
    }

    fn upgrade(module: &str, body: &str) -> crate::alembic::revision::RenderedFunction {
        let body: String = body.lines().map(|l| format!("    {l}\n")).collect();
        let source = format!(
            "from alembic import op\nimport sqlalchemy as sa\nimport uuid\nfrom neutron_lib.constants import NAME_SIZE\n{module}\ndef upgrade():\n{body}"
        );
        super::super::render_revision(&source)
            .unwrap()
            .upgrade
            .unwrap()
    }

    /// Each statement's SQL and what its placeholders stand for.
    fn sql_and_unknowns(
        function: &crate::alembic::revision::RenderedFunction,
    ) -> Vec<(&str, &[String])> {
        (function.statements.iter())
            .map(|s| (s.sql.as_str(), s.approximate.as_slice()))
            .collect()
    }

    /// Values: placeholders, the statement marked with what was unknown.
    #[test]
    fn unknown_values_render_approximately() {
        let function = upgrade(
            "t = sa.table('t', sa.column('id', sa.String), sa.column('n', sa.Integer))",
            "op.bulk_insert(t, [{'id': str(uuid.uuid4()), 'n': 1}])\nop.add_column('t', sa.Column('x', sa.String(NAME_SIZE), comment=NAME_SIZE))\nop.drop_column('t', 'y')",
        );
        let rendered = sql_and_unknowns(&function);
        let size = "neutron_lib.constants.NAME_SIZE".to_string();
        assert_eq!(
            rendered,
            [
                (
                    "INSERT INTO t (id, n) VALUES ('<uuid.uuid4()>', 1)",
                    &["uuid.uuid4()".to_string()][..]
                ),
                ("ALTER TABLE t ADD COLUMN x VARCHAR", &[size.clone()][..]),
                (
                    "COMMENT ON COLUMN t.x IS '<neutron_lib.constants.NAME_SIZE>'",
                    &[size][..]
                ),
                ("ALTER TABLE t DROP COLUMN y", &[][..]),
            ]
        );
        assert!(function.unrenderable.is_empty());
        // An unknown set stays valid SQL (onyx: `.in_(` a select assigned earlier `)`).
        let function = upgrade(
            "t = sa.table('t', sa.column('id', sa.Integer), sa.column('n', sa.Integer))",
            "op.execute(t.update().where(t.c.id.in_(NAME_SIZE)).values(n=1))",
        );
        let rendered: Vec<&str> = (function.statements.iter())
            .map(|s| s.sql.as_str())
            .collect();
        assert_eq!(
            rendered,
            ["UPDATE t SET n=1 WHERE t.id IN ('<neutron_lib.constants.NAME_SIZE>')"]
        );
        assert!(pg_query::parse(rendered[0], pg_query::ParserOptions::DEFAULT).is_ok());
        assert!(function.unrenderable.is_empty());
    }

    /// A column type only known by running code (a project's own type, its module not at
    /// hand) is a placeholder in a new table, whose column types decide none of its locks:
    /// the table is created, so what follows on it is on a new table (prefect, mealie and
    /// warehouse create their first tables so).
    #[test]
    fn unknown_column_types_of_a_new_table_render_approximately() {
        let function = upgrade(
            "import myapp.database",
            "op.create_table('flow', sa.Column('id', myapp.database.UUID(), primary_key=True), sa.Column('name', sa.String(), nullable=False), sa.Column('at', type_=myapp.database.Timestamp(timezone=True)))\nop.create_index('ix_flow_name', 'flow', ['name'])",
        );
        let rendered = sql_and_unknowns(&function);
        let (uuid, timestamp) = (
            "myapp.database.UUID()".to_string(),
            "myapp.database.Timestamp()".to_string(),
        );
        assert_eq!(
            rendered,
            [
                (
                    "CREATE TABLE flow (\n    id \"<myapp.database.UUID()>\" NOT NULL, \n    name VARCHAR NOT NULL, \n    at \"<myapp.database.Timestamp()>\", \n    PRIMARY KEY (id)\n)",
                    &[uuid.clone(), timestamp][..]
                ),
                ("CREATE INDEX ix_flow_name ON flow (name)", &[][..]),
            ]
        );
        assert!(pg_query::parse(rendered[0].0, pg_query::ParserOptions::DEFAULT).is_ok());
        assert!(function.unrenderable.is_empty());
        // An added column's type decides none of its locks either (prefect's `UUID()`).
        let function = upgrade(
            "import myapp.database",
            "op.add_column('flow', sa.Column('x', myapp.database.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False))",
        );
        let rendered = sql_and_unknowns(&function);
        assert_eq!(
            rendered,
            [(
                "ALTER TABLE flow ADD COLUMN x \"<myapp.database.UUID()>\" DEFAULT gen_random_uuid() NOT NULL",
                &[uuid][..]
            )]
        );
        assert!(function.unrenderable.is_empty());
        // Where the type does decide: a domain (its constraints rewrite the table), a
        // column's new type (a rewrite unless binary-coercible). Not rendered.
        for body in [
            "op.add_column('flow', sa.Column('x', postgresql.DOMAIN('positive', sa.Integer, check='VALUE > 0')))",
            "op.alter_column('flow', 'x', type_=myapp.database.UUID())",
        ] {
            let function = upgrade(
                "import myapp.database\nfrom sqlalchemy.dialects import postgresql",
                body,
            );
            assert!(function.statements.is_empty(), "{body}");
            assert_eq!(function.unrenderable.len(), 1, "{body}");
        }
    }

    /// An index given no name is named by SQLAlchemy's default convention, as Alembic
    /// 1.20.1 printed each of these (indico creates 67 so); env.py's `target_metadata`
    /// may set another convention, so the name is approximate.
    #[test]
    fn unnamed_indexes_take_the_default_naming_convention() {
        let function = upgrade(
            "",
            "op.create_index(None, 't', ['a', 'b'])\n\
             op.create_index(None, 'attachment_principals', ['category_role_id'], schema='attachments')\n\
             op.create_index(None, 't', [sa.text('lower(a)')], unique=True)\n\
             op.create_table('r', sa.Column('a', sa.Integer), sa.Index(None, 'a'), schema='events')",
        );
        let rendered: Vec<(&str, usize)> = (function.statements.iter())
            .map(|s| (s.sql.as_str(), s.approximate.len()))
            .collect();
        assert_eq!(
            rendered,
            [
                ("CREATE INDEX ix_t_a ON t (a, b)", 1),
                (
                    "CREATE INDEX ix_attachments_attachment_principals_category_role_id ON attachments.attachment_principals (category_role_id)",
                    1
                ),
                ("CREATE UNIQUE INDEX \"ix_t_lower(a)\" ON t (lower(a))", 1),
                // Noted per operation: create_table's statements together.
                ("CREATE TABLE events.r (\n    a INTEGER\n)", 1),
                ("CREATE INDEX ix_events_r_a ON events.r (a)", 1),
            ]
        );
        assert!(function.unrenderable.is_empty());
    }

    /// An `if` over runtime data whose branches only set names (letta's
    /// `ts = sa.text("now()")` or another default, by the configured database): the
    /// names hold runtime values, placeholders where they decide no lock, reported
    /// where they do; a branch doing anything else keeps the `if` unrenderable.
    #[test]
    fn names_set_under_an_if_over_runtime_data_are_runtime_values() {
        let prelude = "if NAME_SIZE:\n    ts = sa.text('(CURRENT_TIMESTAMP)')\n    table = 't'\nelse:\n    ts = sa.func.now()\n    table = 'u'\n";
        let function = upgrade(
            "",
            &format!(
                "{prelude}op.create_table('p', sa.Column('at', sa.DateTime(), server_default=ts))\n\
                 op.add_column('q', sa.Column('at', sa.DateTime(), server_default=ts))\n\
                 op.drop_table(table)"
            ),
        );
        let ts = "ts (set under an `if` over runtime data)";
        let rendered = sql_and_unknowns(&function);
        assert_eq!(
            rendered,
            [(
                "CREATE TABLE p (\n    at TIMESTAMP WITHOUT TIME ZONE DEFAULT '<ts (set under an `if` over runtime data)>'\n)",
                &[ts.to_string()][..]
            )]
        );
        let messages: Vec<&str> = (function.unrenderable.iter())
            .map(|u| u.message.as_str())
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].contains(&format!("server_default `{ts}` is not known statically")),
            "{messages:?}"
        );
        assert!(
            messages[1].ends_with(
                "`table_name` is a runtime value: table (set under an `if` over runtime data)"
            ),
            "{messages:?}"
        );
        // An operation in a branch: the `if` stays unrenderable, its names unset.
        let function = upgrade(
            "",
            "if NAME_SIZE:\n    ts = sa.func.now()\n    op.drop_table('t')\nop.drop_table('u')",
        );
        let sql: Vec<&str> = function.statements.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(sql, ["DROP TABLE u"]);
        assert_eq!(function.unrenderable.len(), 1);
        assert!(function.unrenderable[0].message.contains("`if` over"));
    }

    /// Where an unknown value decides the statement, or a library call may emit SQL, the
    /// operation is not rendered, never guessed.
    #[test]
    fn unknown_values_that_decide_the_statement_are_unrenderable() {
        for (body, message) in [
            ("if NAME_SIZE:\n    op.drop_table('t')", "`if` over"),
            (
                "if NAME_SIZE == 255:\n    op.drop_table('t')",
                "comparison with `neutron_lib.constants.NAME_SIZE`",
            ),
            ("uuid.uuid4()", "call of imported helper `uuid4`"),
            ("uuid.uuid5(op, 'x')", "call of imported helper `uuid5`"),
            (
                "op.add_column('t', sa.Column('x', sa.Text, uuid.uuid4()))",
                "type `uuid.uuid4()` is not known",
            ),
            (
                "op.execute(f'DROP TABLE {uuid.uuid4()}')",
                "f-string of a runtime value",
            ),
            (
                "op.add_column('t', sa.Column('x', sa.Text, server_default=NAME_SIZE))",
                "server_default `neutron_lib",
            ),
            (
                "op.alter_column('t', 'x', server_default=uuid.uuid4())",
                "server_default `uuid.uuid4()`",
            ),
        ] {
            let function = upgrade("", body);
            assert!(
                function.statements.is_empty(),
                "{body}: {:?}",
                function.statements
            );
            let [item] = function.unrenderable.as_slice() else {
                panic!("{body}: {:?}", function.unrenderable);
            };
            assert!(item.message.contains(message), "{body}: {}", item.message);
        }
    }
}
