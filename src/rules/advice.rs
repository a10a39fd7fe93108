//! What to do about a finding, kept apart from the diagnosis (message and lock facts):
//! advice for a `.sql` migration, the flagged statement rewritten as data, and advice for
//! an Alembic revision. Each reporter shows the advice that fits the file. Also the
//! statement surgery help texts share (a column constraint split off its `ADD COLUMN`).

use std::borrow::Cow;

use pg_query::NodeEnum;
use pg_query::protobuf::{
    AlterTableCmd, AlterTableType, ColumnDef, ConstrType, Constraint, DropBehavior,
};

thread_local! {
    /// Whether the file linted on this thread shows Alembic advice ([`AlembicShown`]).
    static ALEMBIC_SHOWN: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// While it lives, the rules run on this thread build Alembic advice only when `shown`:
/// a `.sql` file's help never shows it (the engine drops it), and building it was
/// 2 % of the instructions of linting a file list. Dropped, the setting before it returns.
pub struct AlembicShown {
    before: bool,
}

impl AlembicShown {
    pub fn set(shown: bool) -> AlembicShown {
        AlembicShown {
            before: ALEMBIC_SHOWN.replace(shown),
        }
    }
}

impl Drop for AlembicShown {
    fn drop(&mut self) {
        ALEMBIC_SHOWN.set(self.before);
    }
}

/// Whether SQL advice is shown for a rule that has Alembic advice: not where Alembic
/// advice is ([`AlembicShown`]; the engine drops it there). For the rules whose SQL
/// advice deparses the statement, 4 % of linting an Alembic project.
pub fn sql_shown() -> bool {
    !ALEMBIC_SHOWN.get()
}

/// Advice for one finding. `sql` is shown for `.sql` sources, `alembic` for Alembic
/// revisions (falling back to `sql` when a rule has nothing Alembic-specific to say).
#[derive(Debug, Clone, Default)]
pub struct Advice {
    /// What to do in a `.sql` migration, with the SQL to write.
    pub sql: Option<String>,
    /// The flagged statement rewritten the safe way. Boxed: few findings have one, and a
    /// file's findings are kept to its end.
    pub fix: Option<Box<SqlFix>>,
    /// What to do in an Alembic revision.
    pub alembic: Option<AlembicAdvice>,
}

impl Advice {
    /// The same text for every kind of source.
    pub fn sql(help: impl Into<String>) -> Advice {
        Advice {
            sql: Some(help.into()),
            ..Advice::default()
        }
    }

    /// `advice` is called only where it is shown ([`AlembicShown`]).
    pub fn with_alembic<S: Into<String>>(mut self, advice: impl FnOnce() -> S) -> Advice {
        if ALEMBIC_SHOWN.get() {
            self.alembic = Some(AlembicAdvice::Text(advice().into()));
        }
        self
    }

    /// Alembic advice built from the source text at the finding's span: a rule using it
    /// keeps its finding on the whole statement (an op call), not on a column's clause
    /// (which a revision maps to the column's `sa.Column(...)`).
    pub fn with_alembic_call(mut self, around_call: fn(&str) -> String) -> Advice {
        self.alembic = Some(AlembicAdvice::AroundCall(around_call));
        self
    }

    pub fn with_fix(mut self, replacement: impl Into<String>, needs_input: bool) -> Advice {
        self.fix = Some(Box::new(SqlFix {
            replacement: replacement.into(),
            needs_input,
        }));
        self
    }

    /// The advice for an Alembic revision; `call` is the source text of the `op` call the
    /// finding is on.
    pub fn for_alembic(&self, call: &str) -> Option<Cow<'_, str>> {
        match &self.alembic {
            Some(AlembicAdvice::Text(text)) => Some(Cow::Borrowed(text)),
            Some(AlembicAdvice::AroundCall(advice)) => Some(Cow::Owned(advice(call))),
            Some(AlembicAdvice::NotValidCall(advice)) => Some(match not_valid_call(call) {
                Some(rewritten) => {
                    Cow::Owned(format!("{}{rewritten}{}", advice.intro, advice.then))
                }
                None => Cow::Borrowed(&advice.otherwise),
            }),
            None => self.sql.as_deref().map(Cow::Borrowed),
        }
    }
}

/// SQL that replaces the flagged statement (what a `--fix` or a SARIF fix would apply).
#[derive(Debug, Clone, PartialEq)]
pub struct SqlFix {
    /// One or more statements that replace the statement's text; like a statement's span,
    /// it leaves out the final `;`, which stays in the file.
    pub replacement: String,
    /// It holds a `<placeholder>` the user must fill in, so it cannot be applied as is.
    pub needs_input: bool,
}

/// Advice for an Alembic revision.
#[derive(Debug, Clone)]
pub enum AlembicAdvice {
    Text(String),
    /// Built from the source text of the `op` call (e.g. the call re-indented inside an
    /// autocommit block).
    AroundCall(fn(&str) -> String),
    /// The user's constraint call made NOT VALID ([`not_valid_call`]) between `intro` and
    /// `then`; `otherwise` for another call (SQL in `op.execute`). Boxed: a finding is
    /// kept in 128 bytes.
    NotValidCall(Box<NotValidAlembic>),
}

#[derive(Debug, Clone)]
pub struct NotValidAlembic {
    intro: String,
    then: String,
    otherwise: String,
}

/// The NOT VALID rules' advice: `add` (the constraint added NOT VALID), then VALIDATE
/// CONSTRAINT `name` on `table` in a transaction of its own; in a revision, the user's own
/// `op.create_check_constraint` / `op.create_foreign_key` call with
/// `postgresql_not_valid=True`, else `placeholder` (such a call for the user to fill in).
pub fn not_valid_then_validate(
    add: impl FnOnce() -> String,
    table: &str,
    name: &str,
    placeholder: &str,
) -> Advice {
    let validate = format!("ALTER TABLE {table} VALIDATE CONSTRAINT {name}");
    let intro = "add it NOT VALID (no scan), then validate it in a later migration (reads and \
                 writes continue):\n  ";
    // `add` is the statement deparsed, shown only in a `.sql` file's advice and fix.
    let add = sql_shown().then(add);
    Advice {
        sql: add.as_ref().map(|add| {
            format!(
                "add it NOT VALID (no scan), then validate in a separate transaction (reads and \
                 writes continue):\n  {add};\n  {validate};"
            )
        }),
        fix: add.map(|add| {
            Box::new(SqlFix {
                replacement: format!("{add};\n{validate}"),
                needs_input: false,
            })
        }),
        alembic: ALEMBIC_SHOWN.get().then(|| {
            let then = format!(
                "\n  op.execute({})  # in the next revision",
                python_string(&validate)
            );
            AlembicAdvice::NotValidCall(Box::new(NotValidAlembic {
                otherwise: format!("{intro}{placeholder}{then}"),
                intro: intro.to_string(),
                then,
            }))
        }),
    }
}

/// SQL as a help text shows it under its first line, two spaces in: every line of a
/// statement the user wrote over several (or of several statements) indented alike, not
/// only the first.
pub fn indented(sql: &str) -> std::borrow::Cow<'_, str> {
    if sql.contains('\n') {
        sql.replace('\n', "\n  ").into()
    } else {
        sql.into()
    }
}

/// `text` for a `#` comment in Alembic advice: as it is, or as a Python string literal
/// when it holds a line break, which would end the comment and leave the rest of the text
/// as a line of code.
pub fn python_comment_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(['\n', '\r']) {
        python_string(text).into()
    } else {
        text.into()
    }
}

/// `sql` as a Python string literal in double quotes, for an `op.execute(...)` in Alembic
/// advice: a statement as the user wrote it may hold quotes, backslashes and line breaks.
pub fn python_string(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 2);
    out.push('"');
    for c in sql.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `, schema="<schema>"` for an Alembic `op` call on `relation` when it is in a schema
/// (the call's last keyword argument), nothing when it is not: without it the call acts on
/// the table of that name in `public` (or the search path).
pub fn schema_kwarg(relation: Option<&crate::facts::Relation>) -> String {
    schema_keyword("schema", relation)
}

/// `, <keyword>="<schema>"` when `relation` is in a schema, nothing when it is not: for
/// the calls that name two tables (`create_foreign_key`'s `source_schema` and
/// `referent_schema`).
pub fn schema_keyword(keyword: &str, relation: Option<&crate::facts::Relation>) -> String {
    match relation.and_then(|r| r.schema.as_deref()) {
        Some(schema) => format!(", {keyword}={}", python_string(schema)),
        None => String::new(),
    }
}

/// `sql` as a Python triple-quoted string, for a statement that reads best on its lines
/// (a trigger or function body): a backslash is escaped, and so is a `"` that another
/// follows or that ends the text, so that no `"""` closes the string early.
pub fn python_block_string(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 6);
    out.push_str("\"\"\"");
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' if matches!(chars.peek(), Some('"') | None) => out.push_str("\\\""),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push_str("\"\"\"");
    out
}

/// `call` (source text ending in `)`) with `argument` added as its last argument.
fn with_argument(call: &str, argument: &str) -> String {
    let before = &call[..call.len() - 1];
    let inner = before.trim_end();
    let closing_space = &before[inner.len()..];
    let separator = if inner.ends_with(',') || inner.ends_with('(') {
        " "
    } else {
        ", "
    };
    format!("{inner}{separator}{argument}{closing_space})")
}

/// The user's `op.create_check_constraint(...)` or `op.create_foreign_key(...)` with
/// `postgresql_not_valid=True` (Alembic then writes `NOT VALID`); `None` for any other
/// call, or one that already says whether it is valid.
fn not_valid_call(call: &str) -> Option<String> {
    let call = call.trim();
    let takes = ["op.create_check_constraint(", "op.create_foreign_key("];
    let open = takes.iter().any(|t| call.starts_with(t)) && call.ends_with(')');
    (open && !call.contains("postgresql_not_valid"))
        .then(|| with_argument(call, "postgresql_not_valid=True"))
}

/// An Alembic `op` call (its source text) re-indented inside an autocommit block, with
/// `argument` (e.g. `postgresql_concurrently=True`) added unless the call already has it.
pub fn autocommit_block(call: &str, argument: Option<&str>) -> String {
    let call = call.trim();
    let call = match argument {
        Some(argument) if call.ends_with(')') && !call.contains(keyword(argument)) => {
            with_argument(call, argument)
        }
        _ if call.is_empty() => format!(
            "op.create_index(..., {})",
            argument.unwrap_or("postgresql_concurrently=True")
        ),
        _ => call.to_string(),
    };
    // One level under the `with`. The least indented continuation line (usually the
    // closing parenthesis) is taken to be at the call's own level.
    let mut lines = call.lines();
    let first = lines.next().unwrap_or_default().trim_start();
    let rest: Vec<&str> = lines.collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let common = rest
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| indent(l))
        .min()
        .unwrap_or(0);
    let mut body = vec![format!("    {first}")];
    body.extend(
        rest.iter()
            .map(|l| format!("    {}", l.get(common..).unwrap_or(l.trim_start()))),
    );
    format!(
        "with op.get_context().autocommit_block():\n{}",
        body.join("\n")
    )
}

/// `name` of `name=value`.
fn keyword(argument: &str) -> &str {
    argument.split('=').next().unwrap_or(argument)
}

/// The column definition of subcommand `subcommand` of an `ALTER TABLE`, when that
/// subcommand is `ADD COLUMN`.
pub fn added_column(node: &NodeEnum, subcommand: Option<usize>) -> Option<ColumnDef> {
    let NodeEnum::AlterTableStmt(stmt) = node else {
        return None;
    };
    let Some(NodeEnum::AlterTableCmd(cmd)) = stmt.cmds.get(subcommand?)?.node.as_ref() else {
        return None;
    };
    if cmd.subtype != AlterTableType::AtAddColumn as i32 {
        return None;
    }
    match cmd.def.as_deref()?.node.as_ref()? {
        NodeEnum::ColumnDef(col) => Some((**col).clone()),
        _ => None,
    }
}

/// The constraints written on a column definition.
pub fn column_constraints(col: &ColumnDef) -> impl Iterator<Item = &Constraint> {
    col.constraints.iter().filter_map(|c| match &c.node {
        Some(NodeEnum::Constraint(c)) => Some(c.as_ref()),
        _ => None,
    })
}

/// The column is declared NOT NULL.
pub fn is_not_null(col: &ColumnDef) -> bool {
    col.is_not_null
        || column_constraints(col).any(|c| c.contype == ConstrType::ConstrNotnull as i32)
}

/// For a constraint written on a column that `ADD COLUMN` adds (such a constraint cannot
/// be `NOT VALID`): the `ADD COLUMN` without its constraints of type `contype`, and the
/// first of them as a table constraint `ALTER TABLE ... ADD CONSTRAINT name ... NOT VALID`.
/// `None` when the subcommand is not an `ADD COLUMN` with such a constraint.
pub fn split_column_constraint(
    node: &NodeEnum,
    subcommand: Option<usize>,
    contype: ConstrType,
    name: &str,
) -> Option<(String, String)> {
    let col = added_column(node, subcommand)?;
    let of_type = |c: &pg_query::Node| matches!(&c.node, Some(NodeEnum::Constraint(c)) if c.contype == contype as i32);
    let mut constraint = column_constraints(&col)
        .find(|c| c.contype == contype as i32)?
        .clone();
    let replace_cmd = |node: &mut NodeEnum, cmd: AlterTableCmd| {
        if let NodeEnum::AlterTableStmt(stmt) = node {
            stmt.cmds = vec![wrap(NodeEnum::AlterTableCmd(Box::new(cmd)))];
        }
    };
    let mut without = col.clone();
    without.constraints.retain(|c| !of_type(c));
    let add_column = super::deparse_with(node, |tree| {
        replace_cmd(
            tree,
            AlterTableCmd {
                subtype: AlterTableType::AtAddColumn as i32,
                def: Some(Box::new(wrap(NodeEnum::ColumnDef(Box::new(without))))),
                behavior: DropBehavior::DropRestrict as i32,
                ..Default::default()
            },
        )
    })?;
    constraint.conname = name.to_string();
    if contype == ConstrType::ConstrForeign {
        constraint.fk_attrs = vec![wrap(NodeEnum::String(pg_query::protobuf::String {
            sval: col.colname.clone(),
        }))];
    }
    constraint.skip_validation = true;
    constraint.initially_valid = false;
    let add_constraint = super::deparse_with(node, |tree| {
        replace_cmd(
            tree,
            AlterTableCmd {
                subtype: AlterTableType::AtAddConstraint as i32,
                def: Some(Box::new(wrap(NodeEnum::Constraint(Box::new(constraint))))),
                behavior: DropBehavior::DropRestrict as i32,
                ..Default::default()
            },
        )
    })?;
    Some((add_column, add_constraint))
}

fn wrap(node: NodeEnum) -> pg_query::Node {
    pg_query::Node { node: Some(node) }
}

#[cfg(test)]
mod tests {
    use super::{autocommit_block, python_block_string, python_string};

    /// What Python reads a string literal as, by the parser revisions are read with.
    fn python_value(literal: &str) -> Option<String> {
        use rustpython_parser::ast::{Constant, Expr, Stmt};
        let module = crate::python::parse::parse_module(literal, "advice.py").ok()?;
        let [Stmt::Expr(statement)] = module.body.as_slice() else {
            return None;
        };
        match statement.value.as_ref() {
            Expr::Constant(c) => match &c.value {
                Constant::Str(s) => Some(s.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    #[test]
    fn a_statement_becomes_a_triple_quoted_python_string_python_reads_back() {
        let statements = [
            "CREATE TRIGGER t BEFORE UPDATE ON users\n  FOR EACH ROW EXECUTE FUNCTION f()",
            r#"CREATE TRIGGER "Audit" AFTER INSERT ON "Users" EXECUTE FUNCTION "Log""#,
            r#"CREATE TRIGGER "a""""b" ON t"#,
            "SELECT 'a\\b', E'\\n', '\"\"\"'",
            "x\r\ny \"",
        ];
        for sql in statements {
            let literal = python_block_string(sql);
            assert!(literal.starts_with("\"\"\"") && literal.ends_with("\"\"\""));
            assert_eq!(python_value(&literal).as_deref(), Some(sql), "{literal}");
        }
        assert_eq!(
            python_block_string("CREATE TRIGGER \"Audit\" ON t"),
            "\"\"\"CREATE TRIGGER \"Audit\" ON t\"\"\""
        );
    }

    #[test]
    fn sql_becomes_a_python_string_literal() {
        let sql = "REINDEX TABLE CONCURRENTLY \"Users\" -- why\n\t'a\\b'";
        assert_eq!(
            python_string(sql),
            r#""REINDEX TABLE CONCURRENTLY \"Users\" -- why\n\t'a\\b'""#
        );
    }

    /// `text` from just after `op.execute(`: the Python string literal, unescaped the way
    /// `python_string` escapes, and the literal's length; `None` when it is no such literal
    /// followed by `)`.
    fn unescape_python_string(text: &str) -> Option<(String, usize)> {
        let mut chars = text.char_indices();
        if chars.next()? != (0, '"') {
            return None;
        }
        let mut sql = String::new();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return text[i + 1..].starts_with(')').then_some((sql, i + 1)),
                '\\' => sql.push(match chars.next()?.1 {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    c @ ('\\' | '"') => c,
                    _ => return None,
                }),
                '\n' => return None,
                c => sql.push(c),
            }
        }
        None
    }

    /// The function of an `op.<function>(...)` line and the values of the string literals
    /// among its arguments, in order, through lists and nested calls (`sa.Column(...)`).
    fn op_call_strings(line: &str) -> Option<(String, Vec<String>)> {
        use rustpython_parser::ast::{Constant, Expr, Stmt};
        fn strings(expr: &Expr, out: &mut Vec<String>) {
            match expr {
                Expr::Constant(c) => {
                    if let Constant::Str(s) = &c.value {
                        out.push(s.clone());
                    }
                }
                Expr::List(list) => list.elts.iter().for_each(|e| strings(e, out)),
                Expr::Call(call) => {
                    call.args.iter().for_each(|e| strings(e, out));
                    call.keywords.iter().for_each(|k| strings(&k.value, out));
                }
                _ => {}
            }
        }
        let module = crate::python::parse::parse_module(line, "advice.py").ok()?;
        let [Stmt::Expr(statement)] = module.body.as_slice() else {
            return None;
        };
        let Expr::Call(call) = statement.value.as_ref() else {
            return None;
        };
        let Expr::Attribute(function) = call.func.as_ref() else {
            return None;
        };
        let mut out = Vec::new();
        strings(&statement.value, &mut out);
        Some((function.attr.to_string(), out))
    }

    /// Alembic advice on quoted, mixed-case identifiers is Python that parses: every
    /// `op.` line parses as a Python statement, and every `op.execute(...)` holds a string
    /// literal whose value is the intended SQL, its identifiers quoted.
    #[test]
    fn alembic_advice_on_quoted_identifiers_is_valid_python() {
        let cases: &[(&str, &str, &[&str])] = &[
            (
                "adding-check-constraint-without-not-valid",
                r#"ALTER TABLE "Users" ADD CONSTRAINT "Age_positive" CHECK ("Age" > 0)"#,
                &[r#"ALTER TABLE "Users" VALIDATE CONSTRAINT "Age_positive""#],
            ),
            (
                "adding-check-constraint-without-not-valid",
                r#"ALTER TABLE "Users" ADD COLUMN "Age" int CHECK ("Age" > 0)"#,
                &[r#"ALTER TABLE "Users" VALIDATE CONSTRAINT "Users_Age_check""#],
            ),
            (
                "adding-column-with-volatile-default",
                r#"ALTER TABLE "Users" ADD COLUMN "Token" uuid NOT NULL DEFAULT gen_random_uuid()"#,
                &[
                    r#"UPDATE "Users" SET "Token" = gen_random_uuid() WHERE "Token" IS NULL"#,
                    r#"ALTER TABLE "Users" VALIDATE CONSTRAINT "Users_Token_not_null""#,
                ],
            ),
            (
                "adding-serial-column",
                r#"ALTER TABLE "Users" ADD COLUMN "Seq" bigserial"#,
                &[
                    r#"CREATE SEQUENCE "Users_Seq_seq" AS bigint"#,
                    r#"UPDATE "Users" SET "Seq" = nextval('"Users_Seq_seq"') WHERE "Seq" IS NULL"#,
                ],
            ),
            (
                "adding-stored-generated-column",
                r#"ALTER TABLE "Users" ADD COLUMN "Total" int GENERATED ALWAYS AS ("Price" * 2) STORED"#,
                &[r#"UPDATE "Users" SET "Total" = <expression> WHERE "Total" IS NULL"#],
            ),
            (
                "adding-unique-constraint",
                r#"ALTER TABLE "Users" ADD CONSTRAINT "Users_Email_key" UNIQUE ("Email")"#,
                &[
                    r#"ALTER TABLE "Users" ADD CONSTRAINT "Users_Email_key" UNIQUE USING INDEX "Users_Email_idx""#,
                ],
            ),
            (
                "adding-unique-constraint",
                r#"ALTER TABLE "Users" ADD PRIMARY KEY ("Id")"#,
                &[
                    r#"ALTER TABLE "Users" ADD CONSTRAINT "Users_Id_not_null" CHECK ("Id" IS NOT NULL) NOT VALID"#,
                    r#"ALTER TABLE "Users" VALIDATE CONSTRAINT "Users_Id_not_null""#,
                    r#"ALTER TABLE "Users" ADD CONSTRAINT "Users_Id_pkey" PRIMARY KEY USING INDEX "Users_Id_idx""#,
                ],
            ),
            (
                "renaming-column",
                r#"ALTER TABLE "Users" RENAME COLUMN "Email" TO "Mail""#,
                &[r#"UPDATE "Users" SET "Mail" = "Email" WHERE "Mail" IS NULL"#],
            ),
            (
                "setting-not-null",
                r#"ALTER TABLE "Users" ALTER COLUMN "Email" SET NOT NULL"#,
                &[r#"ALTER TABLE "Users" VALIDATE CONSTRAINT "Users_Email_not_null""#],
            ),
            (
                "setting-not-null",
                r#"ALTER TABLE "Back\slash" ALTER COLUMN email SET NOT NULL"#,
                &[r#"ALTER TABLE "Back\slash" VALIDATE CONSTRAINT "Back\slash_email_not_null""#],
            ),
            (
                "renaming-schema",
                r#"ALTER SCHEMA "App" RENAME TO "App2""#,
                &[r#"ALTER SCHEMA "App" RENAME TO "App2""#],
            ),
            (
                "prefer-text-over-varchar",
                r#"ALTER TABLE "Users" ADD COLUMN "Email" varchar(100)"#,
                &[],
            ),
            (
                "banned-char-type",
                r#"ALTER TABLE "Users" ADD COLUMN "Code" char(2)"#,
                &[],
            ),
        ];
        // Names holding a `"` or a backslash: each `op.` call named here must exist, its
        // string arguments (in order, through lists and nested calls such as `sa.Column`)
        // reading back as the bare names.
        type Calls = &'static [(&'static str, &'static [&'static str])];
        let named: &[(&str, &str, Calls)] = &[
            (
                "setting-not-null",
                r#"ALTER TABLE "we""ird" ALTER COLUMN "co""l" SET NOT NULL"#,
                &[
                    (
                        "create_check_constraint",
                        &[
                            r#"we"ird_co"l_not_null"#,
                            r#"we"ird"#,
                            r#""co""l" IS NOT NULL"#,
                        ],
                    ),
                    ("alter_column", &[r#"we"ird"#, r#"co"l"#]),
                    ("drop_constraint", &[r#"we"ird_co"l_not_null"#, r#"we"ird"#]),
                ],
            ),
            (
                "setting-not-null",
                r#"ALTER TABLE "Back\slash" ALTER COLUMN email SET NOT NULL"#,
                &[("alter_column", &[r"Back\slash", "email"])],
            ),
            (
                "adding-check-constraint-without-not-valid",
                r#"ALTER TABLE "we""ird" ADD COLUMN "co""l" int CONSTRAINT "c""k" CHECK ("co""l" > 0)"#,
                &[("create_check_constraint", &[r#"c"k"#])],
            ),
            (
                "adding-column-with-volatile-default",
                r#"ALTER TABLE "we""ird" ADD COLUMN "co""l" uuid NOT NULL DEFAULT gen_random_uuid()"#,
                &[
                    ("add_column", &[r#"we"ird"#, r#"co"l"#]),
                    (
                        "alter_column",
                        &[r#"we"ird"#, r#"co"l"#, "gen_random_uuid()"],
                    ),
                    (
                        "create_check_constraint",
                        &[
                            r#"we"ird_co"l_not_null"#,
                            r#"we"ird"#,
                            r#""co""l" IS NOT NULL"#,
                        ],
                    ),
                    ("alter_column", &[r#"we"ird"#, r#"co"l"#]),
                    ("drop_constraint", &[r#"we"ird_co"l_not_null"#, r#"we"ird"#]),
                ],
            ),
            (
                "adding-foreign-key-without-not-valid",
                r#"ALTER TABLE "we""ird" ADD COLUMN "co""l" int DEFAULT 0 CONSTRAINT "f""k" REFERENCES "o""ther" (id)"#,
                &[
                    ("add_column", &[r#"we"ird"#, r#"co"l"#]),
                    (
                        "create_foreign_key",
                        &[r#"f"k"#, r#"we"ird"#, r#"o"ther"#, r#"co"l"#],
                    ),
                ],
            ),
            (
                "adding-not-null-column",
                r#"ALTER TABLE "we""ird" ADD COLUMN "co""l" int NOT NULL"#,
                &[("add_column", &[r#"we"ird"#, r#"co"l"#, "<value>"])],
            ),
            (
                "adding-serial-column",
                r#"ALTER TABLE "we""ird" ADD COLUMN "co""l" bigserial"#,
                &[
                    ("add_column", &[r#"we"ird"#, r#"co"l"#]),
                    (
                        "alter_column",
                        &[r#"we"ird"#, r#"co"l"#, r#"nextval('"we""ird_co""l_seq"')"#],
                    ),
                ],
            ),
            (
                "adding-stored-generated-column",
                r#"ALTER TABLE "we""ird" ADD COLUMN "co""l" int GENERATED ALWAYS AS (1) STORED"#,
                &[("add_column", &[r#"we"ird"#, r#"co"l"#])],
            ),
            (
                "adding-unique-constraint",
                r#"ALTER TABLE "we""ird" ADD CONSTRAINT "u""k" UNIQUE ("co""l")"#,
                &[(
                    "create_index",
                    &[r#"we"ird_co"l_idx"#, r#"we"ird"#, r#"co"l"#],
                )],
            ),
            (
                "adding-unique-constraint",
                r#"ALTER TABLE "we""ird" ADD PRIMARY KEY ("co""l")"#,
                &[
                    ("alter_column", &[r#"we"ird"#, r#"co"l"#]),
                    (
                        "create_index",
                        &[r#"we"ird_co"l_idx"#, r#"we"ird"#, r#"co"l"#],
                    ),
                ],
            ),
            (
                "adding-unique-constraint",
                r#"ALTER TABLE "we""ird" ADD COLUMN "co""l" int UNIQUE"#,
                &[("add_column", &[r#"we"ird"#, r#"co"l"#])],
            ),
            (
                "concurrent-index-without-if-not-exists",
                r#"CREATE INDEX CONCURRENTLY "i""x" ON "we""ird" ("co""l")"#,
                &[
                    ("drop_index", &[r#"i"x"#, r#"we"ird"#]),
                    ("create_index", &[r#"i"x"#, r#"we"ird"#]),
                ],
            ),
            (
                "dropping-not-null",
                r#"ALTER TABLE "we""ird" ALTER COLUMN "co""l" DROP NOT NULL"#,
                &[("alter_column", &[r#"we"ird"#, r#"co"l"#])],
            ),
            (
                "prefer-text-over-varchar",
                r#"CREATE TABLE "we""ird" ("co""l" varchar(10))"#,
                &[(
                    "create_table",
                    &[
                        r#"we"ird"#,
                        r#"co"l"#,
                        r#"char_length("co""l") <= 10"#,
                        r#"we"ird_co"l_length"#,
                    ],
                )],
            ),
            (
                "prefer-text-over-varchar",
                r#"ALTER TABLE "we""ird" ADD COLUMN "co""l" varchar(10)"#,
                &[(
                    "add_column",
                    &[
                        r#"we"ird"#,
                        r#"co"l"#,
                        r#"char_length("co""l") <= 10"#,
                        r#"we"ird_co"l_length"#,
                    ],
                )],
            ),
            (
                "prefer-text-over-varchar",
                r#"ALTER TABLE "we""ird" ALTER COLUMN "co""l" TYPE varchar(10)"#,
                &[("alter_column", &[r#"we"ird"#, r#"co"l"#])],
            ),
            (
                "prefer-jsonb-over-json",
                r#"ALTER TABLE "we""ird" ADD COLUMN "co""l" json"#,
                &[("add_column", &[r#"we"ird"#, r#"co"l"#])],
            ),
            (
                "prefer-jsonb-over-json",
                r#"CREATE TABLE "we""ird" ("co""l" json)"#,
                &[("create_table", &[r#"we"ird"#, r#"co"l"#])],
            ),
            (
                "prefer-jsonb-over-json",
                r#"ALTER TABLE "we""ird" ALTER COLUMN "co""l" TYPE json"#,
                &[("alter_column", &[r#"we"ird"#, r#"co"l"#])],
            ),
            (
                "renaming-column",
                r#"ALTER TABLE "we""ird" RENAME COLUMN "co""l" TO "ne""w""#,
                &[
                    ("add_column", &[r#"we"ird"#, r#"ne"w"#]),
                    ("drop_column", &[r#"we"ird"#, r#"co"l"#]),
                ],
            ),
        ];
        let cases = cases
            .iter()
            .map(|&(rule, sql, expected)| (rule, sql, expected, &[] as Calls))
            .chain(
                named
                    .iter()
                    .map(|&(rule, sql, calls)| (rule, sql, &[] as &[&str], calls)),
            );
        let mut failures = Vec::new();
        for (rule, sql, expected, calls) in cases {
            let advice = crate::rules::cases::alembic_advice(rule, sql);
            let mut fail =
                |what: String| failures.push(format!("{rule} on {sql}: {what}\n{advice}"));
            for line in advice
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with("op."))
            {
                if crate::python::parse::parse_module(line, "advice.py").is_err() {
                    fail(format!("not Python: {line}"));
                }
            }
            let mut executed = Vec::new();
            for (at, _) in advice.match_indices("op.execute(") {
                let literal = &advice[at + "op.execute(".len()..];
                match unescape_python_string(literal) {
                    Some((statement, len)) if python_string(&statement) == literal[..len] => {
                        executed.push(statement)
                    }
                    _ => fail("op.execute without a string literal".into()),
                }
            }
            for statement in expected {
                if !executed.iter().any(|s| s == statement) {
                    fail(format!("no op.execute of {statement}"));
                }
            }
            let made: Vec<(String, Vec<String>)> = (advice.lines())
                .map(str::trim)
                .filter(|l| l.starts_with("op."))
                .filter_map(op_call_strings)
                .collect();
            for (name, strings) in calls {
                if !made.iter().any(|(n, s)| n == name && s == strings) {
                    fail(format!("no op.{name} with string arguments {strings:?}"));
                }
            }
        }
        // Not a whole Python call (`<new type>` is for the user to fill in): the names
        // are string literals all the same.
        let advice = crate::rules::cases::alembic_advice(
            "changing-column-type",
            r#"ALTER TABLE "we""ird" ALTER COLUMN "co""l" TYPE bigint"#,
        );
        if !advice.contains(r#"op.add_column("we\"ird", sa.Column("co\"l_new", <new type>"#) {
            failures.push(format!(
                "changing-column-type: names not Python strings\n{advice}"
            ));
        }
        // The name suggested in prose is a Python string too.
        let long = format!("a\"{}", "x".repeat(70));
        let advice = crate::rules::cases::alembic_advice(
            "identifier-too-long",
            &format!(
                "CREATE TABLE {} (id int)",
                crate::parse::ident::quote_ident(&long)
            ),
        );
        let suggested = advice.rsplit("name=").next().and_then(python_value);
        if suggested.as_deref() != Some(&long[..63]) {
            failures.push(format!(
                "identifier-too-long: name= is not {:?}\n{advice}",
                &long[..63]
            ));
        }
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    }

    /// The function of an `op.<function>(...)` line and its keyword arguments whose
    /// values are string literals (`schema="app"`), as name and value.
    fn op_call_keywords(line: &str) -> Option<(String, Vec<(String, String)>)> {
        use rustpython_parser::ast::{Constant, Expr, Stmt};
        let module = crate::python::parse::parse_module(line, "advice.py").ok()?;
        let [Stmt::Expr(statement)] = module.body.as_slice() else {
            return None;
        };
        let Expr::Call(call) = statement.value.as_ref() else {
            return None;
        };
        let Expr::Attribute(function) = call.func.as_ref() else {
            return None;
        };
        let keywords = (call.keywords.iter())
            .filter_map(|k| match (&k.arg, &k.value) {
                (Some(arg), Expr::Constant(c)) => match &c.value {
                    Constant::Str(s) => Some((arg.to_string(), s.clone())),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        Some((function.attr.to_string(), keywords))
    }

    /// Alembic advice on a table in a schema names the schema: every `op.` call on it takes
    /// `schema=` (`create_foreign_key`: `source_schema=` and `referent_schema=`), which
    /// Python reads back as the bare schema name; without it the call acts on the table of
    /// that name in `public`. On an unqualified table no call has a schema keyword.
    #[test]
    fn alembic_advice_on_schema_tables_names_the_schema() {
        type Calls = &'static [(&'static str, &'static str, &'static str)];
        let cases: &[(&str, &str, Calls)] = &[
            (
                "setting-not-null",
                r#"ALTER TABLE "App"."Users" ALTER COLUMN "Email" SET NOT NULL"#,
                &[
                    ("create_check_constraint", "schema", "App"),
                    ("alter_column", "schema", "App"),
                    ("drop_constraint", "schema", "App"),
                ],
            ),
            (
                "adding-column-with-volatile-default",
                "ALTER TABLE app.users ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid()",
                &[
                    ("add_column", "schema", "app"),
                    ("alter_column", "schema", "app"),
                    ("create_check_constraint", "schema", "app"),
                    ("drop_constraint", "schema", "app"),
                ],
            ),
            (
                "adding-check-constraint-without-not-valid",
                r#"ALTER TABLE "App"."Users" ADD COLUMN age int CHECK (age > 0)"#,
                &[
                    ("add_column", "schema", "App"),
                    ("create_check_constraint", "schema", "App"),
                ],
            ),
            (
                "adding-check-constraint-without-not-valid",
                "ALTER TABLE app.users ADD CONSTRAINT age_positive CHECK (age > 0)",
                &[("create_check_constraint", "schema", "app")],
            ),
            (
                "adding-foreign-key-without-not-valid",
                r#"ALTER TABLE app.orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES "Crm".users (id)"#,
                &[
                    ("create_foreign_key", "source_schema", "app"),
                    ("create_foreign_key", "referent_schema", "Crm"),
                ],
            ),
            (
                "adding-foreign-key-without-not-valid",
                "ALTER TABLE app.orders ADD COLUMN user_id int DEFAULT 0 REFERENCES crm.users (id)",
                &[
                    ("add_column", "schema", "app"),
                    ("create_foreign_key", "source_schema", "app"),
                    ("create_foreign_key", "referent_schema", "crm"),
                ],
            ),
            (
                "adding-not-null-column",
                "ALTER TABLE app.users ADD COLUMN age int NOT NULL",
                &[("add_column", "schema", "app")],
            ),
            (
                "adding-serial-column",
                r#"ALTER TABLE "App"."Users" ADD COLUMN "Seq" bigserial"#,
                &[
                    ("add_column", "schema", "App"),
                    ("alter_column", "schema", "App"),
                ],
            ),
            (
                "adding-stored-generated-column",
                "ALTER TABLE app.users ADD COLUMN n2 int GENERATED ALWAYS AS (id * 2) STORED",
                &[("add_column", "schema", "app")],
            ),
            (
                "adding-unique-constraint",
                "ALTER TABLE app.users ADD CONSTRAINT users_email_key UNIQUE (email)",
                &[("create_index", "schema", "app")],
            ),
            (
                "adding-unique-constraint",
                r#"ALTER TABLE "App"."Users" ADD PRIMARY KEY ("Id")"#,
                &[
                    ("alter_column", "schema", "App"),
                    ("create_index", "schema", "App"),
                ],
            ),
            (
                "adding-unique-constraint",
                "ALTER TABLE app.users ADD COLUMN email text UNIQUE",
                &[("add_column", "schema", "app")],
            ),
            (
                "concurrent-index-without-if-not-exists",
                r#"CREATE INDEX CONCURRENTLY ix ON "App"."Users" (email)"#,
                &[
                    ("drop_index", "schema", "App"),
                    ("create_index", "schema", "App"),
                ],
            ),
            (
                "dropping-not-null",
                "ALTER TABLE app.users ALTER COLUMN email DROP NOT NULL",
                &[("alter_column", "schema", "app")],
            ),
            (
                "renaming-column",
                r#"ALTER TABLE "App"."Users" RENAME COLUMN email TO mail"#,
                &[
                    ("add_column", "schema", "App"),
                    ("drop_column", "schema", "App"),
                ],
            ),
            (
                "prefer-text-over-varchar",
                "CREATE TABLE app.users (email varchar(10))",
                &[("create_table", "schema", "app")],
            ),
            (
                "prefer-text-over-varchar",
                "ALTER TABLE app.users ADD COLUMN email varchar(10)",
                &[("add_column", "schema", "app")],
            ),
            (
                "prefer-text-over-varchar",
                r#"ALTER TABLE "App"."Users" ALTER COLUMN email TYPE varchar(10)"#,
                &[("alter_column", "schema", "App")],
            ),
            (
                "prefer-jsonb-over-json",
                "CREATE TABLE app.users (doc json)",
                &[("create_table", "schema", "app")],
            ),
            (
                "prefer-jsonb-over-json",
                r#"ALTER TABLE "App"."Users" ADD COLUMN doc json"#,
                &[("add_column", "schema", "App")],
            ),
            (
                "prefer-jsonb-over-json",
                "ALTER TABLE app.users ALTER COLUMN doc TYPE json",
                &[("alter_column", "schema", "app")],
            ),
            // Unqualified: no schema keyword at all (checked below for every case).
            (
                "setting-not-null",
                "ALTER TABLE users ALTER COLUMN email SET NOT NULL",
                &[],
            ),
            (
                "adding-foreign-key-without-not-valid",
                "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id)",
                &[],
            ),
        ];
        let mut failures = Vec::new();
        for &(rule, sql, calls) in cases {
            let advice = crate::rules::cases::alembic_advice(rule, sql);
            let mut fail =
                |what: String| failures.push(format!("{rule} on {sql}: {what}\n{advice}"));
            let made: Vec<(String, Vec<(String, String)>)> = (advice.lines())
                .map(str::trim)
                .filter(|l| l.starts_with("op."))
                .filter_map(op_call_keywords)
                .collect();
            for &(name, keyword, schema) in calls {
                let found = made.iter().any(|(n, keywords)| {
                    n == name && keywords.iter().any(|(k, v)| k == keyword && v == schema)
                });
                if !found {
                    fail(format!("no op.{name} with {keyword}={schema:?}"));
                }
            }
            if calls.is_empty() {
                if made.is_empty() {
                    fail("no op. call".into());
                }
                if advice.contains("schema=") {
                    fail("a schema keyword on an unqualified table".into());
                }
            }
        }
        // Not a whole Python call (`<new type>` is for the user to fill in).
        let advice = crate::rules::cases::alembic_advice(
            "changing-column-type",
            r#"ALTER TABLE "App"."Users" ALTER COLUMN email TYPE bigint"#,
        );
        if !advice.contains(r#"<new type>, nullable=True), schema="App")"#) {
            failures.push(format!("changing-column-type: no schema=\n{advice}"));
        }
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    }

    #[test]
    fn a_constraint_call_is_rewritten_not_valid() {
        use super::not_valid_call;
        assert_eq!(
            not_valid_call("op.create_check_constraint(\"c\", \"t\", \"a > 0\")").as_deref(),
            Some("op.create_check_constraint(\"c\", \"t\", \"a > 0\", postgresql_not_valid=True)")
        );
        assert_eq!(
            not_valid_call(
                "op.create_foreign_key(\n    \"fk\", \"t\", \"r\", [\"a\"], [\"id\"],\n)"
            )
            .as_deref(),
            Some(
                "op.create_foreign_key(\n    \"fk\", \"t\", \"r\", [\"a\"], [\"id\"], postgresql_not_valid=True\n)"
            )
        );
        for other in [
            "op.execute(\"ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)\")",
            "op.create_check_constraint(\"c\", \"t\", \"a > 0\", postgresql_not_valid=False)",
            "",
        ] {
            assert_eq!(not_valid_call(other), None, "{other}");
        }
    }

    #[test]
    fn the_call_moves_into_an_autocommit_block_with_the_argument() {
        assert_eq!(
            autocommit_block(
                "op.create_index('i', 't', ['c'])",
                Some("postgresql_concurrently=True")
            ),
            "with op.get_context().autocommit_block():\n    op.create_index('i', 't', ['c'], postgresql_concurrently=True)"
        );
        // Multi-line calls keep their shape; a trailing comma is respected.
        assert_eq!(
            autocommit_block(
                "op.drop_index(\n        'i',\n    )",
                Some("postgresql_concurrently=True")
            ),
            "with op.get_context().autocommit_block():\n    op.drop_index(\n        'i', postgresql_concurrently=True\n    )"
        );
        // Already there: nothing added.
        assert_eq!(
            autocommit_block(
                "op.create_index('i', 't', ['c'], postgresql_concurrently=True)",
                Some("postgresql_concurrently=True")
            ),
            "with op.get_context().autocommit_block():\n    op.create_index('i', 't', ['c'], postgresql_concurrently=True)"
        );
    }
}
