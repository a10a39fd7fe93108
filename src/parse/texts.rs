//! The statements of a text without parsing them, as the splitter cuts them: what a
//! migration tool that matches or counts statements by their text sees (Flyway's
//! transaction patterns, a one-query-string runner's statement count); and the clause of
//! a statement that declares a column, found by its tokens (what a finding about one
//! column underlines).

use std::ops::Range;

use super::split::{self, ChunkKind, Token, next_token};
use super::{text_start, trim_span};

/// The text of each SQL statement, as the splitter cuts it and without its leading
/// comments or trailing semicolon ([`trim_span`]); psql meta-commands and COPY data left
/// out. Nothing is parsed.
pub fn statement_texts(sql: &str) -> impl Iterator<Item = &str> {
    (split::split(sql, text_start(sql)).into_iter())
        .filter(|chunk| chunk.kind == ChunkKind::Sql)
        .map(|chunk| trim_span(sql, chunk.span))
        .filter(|span| !span.is_empty())
        .map(|span| &sql[span])
}

/// The statements of a text a tool sends whole, as one query string (golang-migrate); `None`
/// for a psql script (meta-commands, `COPY ... FROM stdin` data), which psql sends a
/// statement at a time. Nothing is parsed.
pub fn one_query_statements(sql: &str) -> Option<usize> {
    let mut statements = 0;
    for chunk in split::split(sql, text_start(sql)) {
        match chunk.kind {
            ChunkKind::Sql => statements += usize::from(!trim_span(sql, chunk.span).is_empty()),
            ChunkKind::MetaCommand | ChunkKind::CopyData => return None,
        }
    }
    Some(statements)
}

/// Where a column is declared or retyped in a statement's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnClause {
    /// An element of CREATE TABLE's parenthesised list: `price numeric(12,2) NOT NULL`.
    TableElement,
    /// An ALTER TABLE subcommand: `ADD [COLUMN] [IF NOT EXISTS] price numeric`.
    AddColumn,
    /// An ALTER TABLE subcommand: `ALTER [COLUMN] price [SET DATA] TYPE bigint USING ...`.
    AlterColumn,
}

/// A clause of a statement's text that declares or retypes a column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnClauseAt {
    pub kind: ColumnClause,
    /// The column's name as written: bare (fold it to compare) or quoted.
    written: Range<usize>,
    pub span: Range<usize>,
}

impl ColumnClauseAt {
    /// Whether it is about `column` (its name as parsed: case-folded unless quoted).
    pub fn names(&self, sql: &str, column: &str) -> bool {
        is_name(sql, &self.written, column)
    }
}

/// The clauses of one CREATE TABLE or ALTER TABLE statement's text (`sql`) that declare or
/// retype a column, in order, found in one pass over its tokens: the elements of CREATE
/// TABLE's parenthesised list that start with a column name, the ALTER TABLE subcommands
/// `ADD [COLUMN] [IF NOT EXISTS] name ...` and `ALTER [COLUMN] name ...`. Each span runs to
/// the end of its element. A rendered or rewritten text may show none.
pub fn column_clauses(sql: &str) -> Vec<ColumnClauseAt> {
    let mut out = Vec::new();
    let (mut pos, mut depth) = (0, 0usize);
    // The depth of the list's elements: 1 for CREATE TABLE's first parenthesised list, 0
    // for ALTER TABLE's subcommands; known at the first word.
    let mut list: Option<usize> = None;
    // The current element's tokens at the list's depth, and the end of its last token.
    let mut top: Vec<(Token, Range<usize>)> = Vec::new();
    let mut end = 0;
    while let Some((token, next)) = next_token(sql, pos) {
        let range = pos..next;
        pos = next;
        if matches!(token, Token::Space | Token::Comment) {
            continue;
        }
        let text = &sql[range.clone()];
        let before = depth;
        match text {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            _ => {}
        }
        let at = match list {
            Some(at) => at,
            None if token == Token::Word && text.eq_ignore_ascii_case("CREATE") => {
                list = Some(1);
                continue;
            }
            None if token == Token::Word => *list.insert(0),
            None => return out,
        };
        if before < at {
            // CREATE TABLE's words before its list.
            continue;
        }
        let closes = before == at && text == ")";
        if closes || (before == at && matches!(text, "," | ";")) {
            out.extend(declares(sql, &top, end, at));
            top.clear();
            if closes {
                return out;
            }
            continue;
        }
        if before == at {
            top.push((token, range.clone()));
        }
        end = range.end;
    }
    out.extend(declares(sql, &top, end, list.unwrap_or(0)));
    out
}

/// [`column_clauses`]' CREATE TABLE element declaring `column`, found from where the parse
/// tree says its definition starts (`tree_offset`: [`super::Statement::tree_offset`]) rather
/// than by reading the whole statement: only the element's own tokens are read. `None`
/// when the tree shows no such column or the text there does not name it.
pub fn table_element_clause(
    sql: &str,
    node: &pg_query::NodeEnum,
    tree_offset: usize,
    column: &str,
) -> Option<Range<usize>> {
    use pg_query::NodeEnum;
    let NodeEnum::CreateStmt(create) = node else {
        return None;
    };
    let location = create
        .table_elts
        .iter()
        .find_map(|element| match &element.node {
            Some(NodeEnum::ColumnDef(def)) if def.colname == column => Some(def.location),
            _ => None,
        })?;
    let start = usize::try_from(location).ok()?.checked_sub(tree_offset)?;
    if !sql.is_char_boundary(start) {
        return None;
    }
    let (token, name_end) = next_token(sql, start)?;
    if !matches!(token, Token::Word | Token::Quoted) || !is_name(sql, &(start..name_end), column) {
        return None;
    }
    // To the end of the element's last token: the list's next `,` or its `)`.
    let (mut pos, mut depth, mut end) = (name_end, 0usize, name_end);
    while let Some((token, next)) = next_token(sql, pos) {
        let text = &sql[pos..next];
        pos = next;
        match (token, text) {
            (Token::Space | Token::Comment, _) => continue,
            (_, "," | ";") if depth == 0 => break,
            (_, ")") if depth == 0 => break,
            (_, "(") => depth += 1,
            (_, ")") => depth -= 1,
            _ => {}
        }
        end = next;
    }
    Some(start..end)
}

/// The reserved words that start a table constraint where a column could start.
const CONSTRAINT_WORDS: [&str; 6] = [
    "CONSTRAINT",
    "PRIMARY",
    "UNIQUE",
    "CHECK",
    "FOREIGN",
    "EXCLUDE",
];

/// The column clause an element (its tokens at the list's depth, ending at `end`) is, if any.
fn declares(
    sql: &str,
    top: &[(Token, Range<usize>)],
    end: usize,
    list: usize,
) -> Option<ColumnClauseAt> {
    let is_word = |t: &(Token, Range<usize>), w: &str| {
        t.0 == Token::Word && sql[t.1.clone()].eq_ignore_ascii_case(w)
    };
    let is_name = |t: &(Token, Range<usize>)| matches!(t.0, Token::Word | Token::Quoted);
    if list == 1 {
        let first = top.first().filter(|t| is_name(t))?;
        // A table constraint or LIKE starts with a keyword (reserved, or not a column).
        let keyword = is_word(first, "LIKE") || CONSTRAINT_WORDS.iter().any(|k| is_word(first, k));
        return (!keyword).then(|| ColumnClauseAt {
            kind: ColumnClause::TableElement,
            written: first.1.clone(),
            span: first.1.start..end,
        });
    }
    // The subcommand's keyword, then COLUMN and IF NOT EXISTS as written, then the name.
    (0..top.len()).find_map(|at| {
        let kind = if is_word(&top[at], "ADD") {
            ColumnClause::AddColumn
        } else if is_word(&top[at], "ALTER") {
            ColumnClause::AlterColumn
        } else {
            return None;
        };
        let mut next = at + 1;
        for optional in ["COLUMN", "IF", "NOT", "EXISTS"] {
            if top.get(next).is_some_and(|t| is_word(t, optional)) {
                next += 1;
            }
        }
        // `ALTER TABLE`, `ADD CONSTRAINT`: reserved words, never a column written bare.
        let name = top.get(next).filter(|t| is_name(t))?;
        let reserved = is_word(name, "TABLE") || CONSTRAINT_WORDS.iter().any(|k| is_word(name, k));
        (!reserved).then(|| ColumnClauseAt {
            kind,
            written: name.1.clone(),
            span: top[at].1.start..end,
        })
    })
}

/// Whether `token` writes the name `column`: a bare word folds to lower case (ASCII only,
/// as PostgreSQL folds it in UTF-8), a quoted identifier is exact (doubled quotes undone).
fn is_name(sql: &str, written: &Range<usize>, column: &str) -> bool {
    let text = &sql[written.clone()];
    match text.strip_prefix('"') {
        Some(quoted) => quoted
            .strip_suffix('"')
            .is_some_and(|t| t.replace("\"\"", "\"") == column),
        None => {
            text.eq_ignore_ascii_case(column) && !column.bytes().any(|b| b.is_ascii_uppercase())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_texts_start_at_the_first_word() {
        let sql = "\u{FEFF}-- the index\n/* x */ CREATE INDEX CONCURRENTLY i ON t (c);\n\
                   \\set x 1\nVACUUM t;\n-- only a comment\n;";
        assert_eq!(
            statement_texts(sql).collect::<Vec<_>>(),
            ["CREATE INDEX CONCURRENTLY i ON t (c)", "VACUUM t"]
        );
    }

    #[test]
    fn one_query_statements_are_counted_unless_psql_runs_the_text() {
        let sql = "\u{FEFF}-- the index\nCREATE INDEX i ON t (c);\n-- only a comment\n;VACUUM t";
        assert_eq!(one_query_statements(sql), Some(2));
        assert_eq!(one_query_statements("-- nothing\n"), Some(0));
        assert_eq!(one_query_statements("\\set x 1\nSELECT :x;"), None);
        assert_eq!(one_query_statements("COPY t FROM stdin;\n1\n\\.\n"), None);
    }

    #[test]
    fn the_clause_that_declares_a_column() {
        use ColumnClause::*;
        let create = "CREATE TABLE t (\n  id serial PRIMARY KEY,\n  \"Price\" numeric(12, 2) DEFAULT 0, -- the price\n  CHECK (id > 0)\n) PARTITION BY RANGE (id)";
        let alter = "ALTER TABLE IF EXISTS t ADD COLUMN IF NOT EXISTS a int, add b jsonb DEFAULT '{,}', ALTER COLUMN c TYPE bigint USING (c::bigint);";
        // (statement, column, kind, the clause found)
        #[rustfmt::skip]
        let cases = [
            (create, "id", TableElement, Some("id serial PRIMARY KEY")),
            (create, "Price", TableElement, Some("\"Price\" numeric(12, 2) DEFAULT 0")),
            (create, "price", TableElement, None),
            ("CREATE TABLE t (ID int)", "id", TableElement, Some("ID int")),
            (alter, "a", AddColumn, Some("ADD COLUMN IF NOT EXISTS a int")),
            (alter, "b", AddColumn, Some("add b jsonb DEFAULT '{,}'")),
            (alter, "c", AlterColumn, Some("ALTER COLUMN c TYPE bigint USING (c::bigint)")),
            (alter, "c", AddColumn, None),
            // ALTER TABLE is not the column "table".
            ("ALTER TABLE t ALTER \"table\" TYPE text", "table", AlterColumn, Some("ALTER \"table\" TYPE text")),
            ("ALTER TABLE t ALTER table TYPE text", "table", AlterColumn, None),
            // A rendered statement that does not show the column.
            ("CREATE TABLE t AS SELECT 1", "x", TableElement, None),
        ];
        for (sql, column, kind, expected) in cases {
            let found = (column_clauses(sql).into_iter())
                .find(|c| c.kind == kind && c.names(sql, column))
                .map(|c| &sql[c.span]);
            assert_eq!(found, expected, "{column} in {sql}");
        }
        // Table constraints and subcommands that declare no column are no clause.
        let sql = "CREATE TABLE t (a int, CONSTRAINT c CHECK (a > 0), PRIMARY KEY (a), LIKE u)";
        let names: Vec<&str> = column_clauses(sql)
            .iter()
            .map(|c| &sql[c.span.clone()])
            .collect();
        assert_eq!(names, ["a int"]);
        let sql =
            "ALTER TABLE t ADD CONSTRAINT c UNIQUE (a), ADD PRIMARY KEY (b), ALTER c SET NOT NULL";
        let names: Vec<&str> = column_clauses(sql)
            .iter()
            .map(|c| &sql[c.span.clone()])
            .collect();
        assert_eq!(names, ["ALTER c SET NOT NULL"]);
    }

    /// A CREATE TABLE column found where its tree says it starts is the clause a read of
    /// the whole text finds, in a statement that is not the first its parse call read and
    /// in a DO block; a statement whose text is not the file's has no tree offset.
    #[test]
    fn table_elements_found_from_the_tree_are_the_clauses_the_text_shows() {
        let sql = "SELECT 1;\n/* c */ CREATE TABLE \"T\" (\n  id serial PRIMARY KEY, -- the key\n  \
                   \"Mixed\"\"q\" varchar(10) DEFAULT coalesce('a,b', ')') NOT NULL,\n  \
                   n numeric(12, 2) CHECK (n > (0)), CONSTRAINT c CHECK (n < 9),\n  \
                   émoji_é text /* last */\n);\n\
                   DO $$ BEGIN CREATE TABLE u (a int, b timestamp); END $$;\n\
                   DO 'BEGIN CREATE TABLE w (c text DEFAULT ''x''); END';";
        let parsed = crate::parse::parse_sql(sql);
        let (mut checked, mut unlocated) = (0, 0);
        let statements = parsed.statements.iter().chain(
            (parsed.statements.iter())
                .filter_map(|s| s.body.as_deref())
                .flat_map(|body| &body.statements),
        );
        for statement in statements {
            let pg_query::NodeEnum::CreateStmt(create) = &statement.node else {
                continue;
            };
            let text = statement
                .text
                .as_deref()
                .unwrap_or(&sql[statement.span.clone()]);
            let Some(offset) = statement.tree_offset else {
                // Its doubled quotes undone: the tree counts in that text, not the file's.
                assert!(statement.text.is_some());
                unlocated += 1;
                continue;
            };
            for element in &create.table_elts {
                let Some(pg_query::NodeEnum::ColumnDef(def)) = &element.node else {
                    continue;
                };
                let read = (column_clauses(text).into_iter())
                    .find(|c| c.kind == ColumnClause::TableElement && c.names(text, &def.colname))
                    .map(|c| c.span);
                let found = table_element_clause(text, &statement.node, offset, &def.colname);
                assert!(found.is_some(), "{} in {text}", def.colname);
                assert_eq!(found, read, "{} in {text}", def.colname);
                checked += 1;
            }
            // A wrong offset lands on no name: nothing found, the text is read instead.
            assert_eq!(
                table_element_clause(text, &statement.node, offset + 1, "id"),
                None
            );
        }
        assert_eq!((checked, unlocated), (6, 1));
    }
}
