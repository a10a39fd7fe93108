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

/// The span, in `sql` (one statement), of the clause that declares or retypes `column` (its
/// name as parsed: case-folded unless quoted); `None` when the text does not show one, as
/// the rendered or rewritten text of a statement may not.
pub fn column_clause(sql: &str, column: &str, clause: ColumnClause) -> Option<Range<usize>> {
    // The statement's significant tokens with their paren depth (before the token).
    let mut tokens: Vec<(Token, Range<usize>, usize)> = Vec::new();
    let (mut pos, mut depth) = (0, 0usize);
    while let Some((token, end)) = next_token(sql, pos) {
        let text = &sql[pos..end];
        if !matches!(token, Token::Space | Token::Comment) {
            tokens.push((token, pos..end, depth));
        }
        match text {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            _ => {}
        }
        pos = end;
    }
    // The list the clause is an element of: CREATE TABLE's first parenthesised list, or the
    // statement's top-level subcommands.
    let (list, elements_from) = match clause {
        ColumnClause::TableElement => {
            let open = tokens
                .iter()
                .position(|(_, r, d)| *d == 0 && &sql[r.clone()] == "(")?;
            (1, open + 1)
        }
        ColumnClause::AddColumn | ColumnClause::AlterColumn => (0, 0),
    };
    let mut element: Vec<&(Token, Range<usize>, usize)> = Vec::new();
    for token in &tokens[elements_from..] {
        let (_, range, depth) = token;
        let ends_list = *depth < list || (*depth == list && &sql[range.clone()] == ")");
        let ends_element =
            ends_list || (*depth == list && matches!(&sql[range.clone()], "," | ";"));
        if ends_element {
            if let Some(span) = declares(sql, &element, list, column, clause) {
                return Some(span);
            }
            element.clear();
            if ends_list {
                return None;
            }
            continue;
        }
        element.push(token);
    }
    declares(sql, &element, list, column, clause)
}

/// The span of `element` (a list element's tokens) from the clause that declares `column`
/// to the element's end, when it is one.
fn declares(
    sql: &str,
    element: &[&(Token, Range<usize>, usize)],
    list: usize,
    column: &str,
    clause: ColumnClause,
) -> Option<Range<usize>> {
    let end = element.last()?.1.end;
    let names = |token: &(Token, Range<usize>, usize)| is_name(sql, token, column);
    let word = |token: &(Token, Range<usize>, usize), w: &str| {
        token.0 == Token::Word && sql[token.1.clone()].eq_ignore_ascii_case(w)
    };
    let top: Vec<&(Token, Range<usize>, usize)> =
        element.iter().copied().filter(|t| t.2 == list).collect();
    match clause {
        ColumnClause::TableElement => top.first().filter(|t| names(t)).map(|t| t.1.start..end),
        ColumnClause::AddColumn | ColumnClause::AlterColumn => {
            let keyword = if clause == ColumnClause::AddColumn {
                "ADD"
            } else {
                "ALTER"
            };
            // The subcommand's keyword, then COLUMN and IF NOT EXISTS as written, then the name.
            (0..top.len()).find_map(|at| {
                if !word(top[at], keyword) {
                    return None;
                }
                let mut next = at + 1;
                for optional in ["COLUMN", "IF", "NOT", "EXISTS"] {
                    if top.get(next).is_some_and(|t| word(t, optional)) {
                        next += 1;
                    }
                }
                // `ALTER TABLE`: TABLE is reserved, so never a column written bare.
                let name = top.get(next).filter(|t| !word(t, "TABLE"))?;
                names(name).then(|| top[at].1.start..end)
            })
        }
    }
}

/// Whether `token` writes the name `column`: a bare word folds to lower case (ASCII only,
/// as PostgreSQL folds it in UTF-8), a quoted identifier is exact (doubled quotes undone).
fn is_name(sql: &str, token: &(Token, Range<usize>, usize), column: &str) -> bool {
    let text = &sql[token.1.clone()];
    match token.0 {
        Token::Word => text.to_ascii_lowercase() == column,
        Token::Quoted => text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .is_some_and(|t| t.replace("\"\"", "\"") == column),
        _ => false,
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
        fn clause<'a>(sql: &'a str, column: &str, kind: ColumnClause) -> Option<&'a str> {
            column_clause(sql, column, kind).map(|r| &sql[r])
        }
        let create = "CREATE TABLE t (\n  id serial PRIMARY KEY,\n  \"Price\" numeric(12, 2) DEFAULT 0, -- the price\n  CHECK (id > 0)\n) PARTITION BY RANGE (id)";
        assert_eq!(
            clause(create, "id", TableElement),
            Some("id serial PRIMARY KEY")
        );
        assert_eq!(
            clause(create, "Price", TableElement),
            Some("\"Price\" numeric(12, 2) DEFAULT 0")
        );
        assert_eq!(clause(create, "price", TableElement), None);
        assert_eq!(
            clause("CREATE TABLE t (ID int)", "id", TableElement),
            Some("ID int")
        );
        let alter = "ALTER TABLE IF EXISTS t ADD COLUMN IF NOT EXISTS a int, add b jsonb DEFAULT '{,}', ALTER COLUMN c TYPE bigint USING (c::bigint);";
        assert_eq!(
            clause(alter, "a", AddColumn),
            Some("ADD COLUMN IF NOT EXISTS a int")
        );
        assert_eq!(
            clause(alter, "b", AddColumn),
            Some("add b jsonb DEFAULT '{,}'")
        );
        assert_eq!(
            clause(alter, "c", AlterColumn),
            Some("ALTER COLUMN c TYPE bigint USING (c::bigint)")
        );
        assert_eq!(clause(alter, "c", AddColumn), None);
        // ALTER TABLE is not the column "table".
        assert_eq!(
            clause(
                "ALTER TABLE t ALTER \"table\" TYPE text",
                "table",
                AlterColumn
            ),
            Some("ALTER \"table\" TYPE text")
        );
        assert_eq!(
            clause("ALTER TABLE t ALTER table TYPE text", "table", AlterColumn),
            None
        );
        // A rendered statement that does not show the column.
        assert_eq!(
            clause("CREATE TABLE t AS SELECT 1", "x", TableElement),
            None
        );
    }
}
