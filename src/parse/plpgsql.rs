//! The static SQL inside PL/pgSQL `DO` blocks. libpg_query's PL/pgSQL parser gives each
//! statement's text and line; this finds that text in the block's body, parses it with the
//! normal parser and maps every span back into the file, so the rules see the statements
//! of a `DO` block as if they were written at the top level. `EXECUTE` of a string literal
//! counts as static SQL; any other dynamic SQL is listed as unknowable.

use std::ops::Range;

use pg_query::NodeEnum;
use serde_json::Value;

use super::{Statement, trim_span};

/// SQL inside a block that cannot be linted, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opaque {
    pub span: Range<usize>,
    pub reason: String,
}

/// What a `DO` statement runs, or a PL/pgSQL function or procedure runs when called.
#[derive(Debug, Clone, Default)]
pub struct Body {
    /// In source order.
    pub statements: Vec<Statement>,
    pub opaque: Vec<Opaque>,
    /// The function's name (unqualified) for `CREATE FUNCTION` / `CREATE PROCEDURE`: its
    /// statements run where it is called, not where it is created. `None` for `DO`.
    pub function: Option<String>,
}

/// Text decoded from the file: for each of its bytes, that byte's offset in the file.
struct Mapped {
    text: String,
    offsets: Vec<usize>,
}

impl Mapped {
    fn span(&self, range: Range<usize>) -> Range<usize> {
        let start = self.offsets.get(range.start).copied().unwrap_or_default();
        let end = match range.end.checked_sub(1).and_then(|i| self.offsets.get(i)) {
            Some(&last) if range.end > range.start => last + 1,
            _ => start,
        };
        start..end
    }

    /// The part `range` of this text, still mapped to the file.
    fn slice(&self, range: Range<usize>) -> Mapped {
        Mapped {
            text: self.text[range.clone()].to_string(),
            offsets: self.offsets[range].to_vec(),
        }
    }
}

/// The statements a `DO` statement at `span` of `sql` runs, when its language is PL/pgSQL.
pub fn do_block(sql: &str, span: Range<usize>, node: &NodeEnum) -> Option<Body> {
    unparsed(span, node)?.parse(sql)
}

/// A PL/pgSQL body read off a `DO` or `CREATE FUNCTION` tree, not parsed yet: parsing it
/// costs more than parsing the statement did, and a function's body matters only where
/// the same file calls the function (most never are).
#[derive(Debug, Clone)]
pub struct Unparsed {
    /// The statement's span in the text it was parsed from.
    span: Range<usize>,
    /// The body, as the parser read it from its literal.
    text: String,
    pub function: Option<String>,
}

/// The PL/pgSQL body of a `DO` statement, or of a `CREATE FUNCTION` / `CREATE PROCEDURE`
/// at `span`; `None` for another statement or language.
pub fn unparsed(span: Range<usize>, node: &NodeEnum) -> Option<Unparsed> {
    let (args, function) = match node {
        NodeEnum::DoStmt(stmt) => (&stmt.args, None),
        NodeEnum::CreateFunctionStmt(stmt) => {
            let name = stmt.funcname.last().and_then(|n| match &n.node {
                Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                _ => None,
            })?;
            (&stmt.options, Some(name))
        }
        _ => return None,
    };
    let mut body_text = None;
    let mut language = function.is_none().then(|| "plpgsql".to_string());
    for arg in args {
        let Some(NodeEnum::DefElem(def)) = &arg.node else {
            continue;
        };
        let value = match def.arg.as_deref().and_then(|a| a.node.as_ref()) {
            Some(NodeEnum::String(s)) => s.sval.clone(),
            // CREATE FUNCTION ... AS 'body' holds a list (two items for C functions).
            Some(NodeEnum::List(list)) if list.items.len() == 1 => match &list.items[0].node {
                Some(NodeEnum::String(s)) => s.sval.clone(),
                _ => continue,
            },
            _ => continue,
        };
        match def.defname.as_str() {
            "as" => body_text = Some(value),
            "language" => language = Some(value),
            _ => {}
        }
    }
    if !language.is_some_and(|l| l.eq_ignore_ascii_case("plpgsql")) {
        return None;
    }
    Some(Unparsed {
        span,
        text: body_text?,
        function,
    })
}

impl Unparsed {
    /// Its statement's span.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The same read from a text that starts `offset` bytes into the text it is in.
    pub fn moved(mut self, offset: usize) -> Unparsed {
        self.span = self.span.start + offset..self.span.end + offset;
        self
    }

    /// The statements the body runs; `sql` is the text the statement was parsed from.
    /// `None` when the body's literal is not found in the statement.
    pub fn parse(&self, sql: &str) -> Option<Body> {
        let span = self.span.clone();
        let statement = sql.get(span.clone())?;
        // The literal in the statement whose content is the body.
        let body = statement
            .char_indices()
            .filter(|(_, c)| *c == '$' || *c == '\'')
            .find_map(|(at, _)| literal(statement, at).filter(|(m, _)| m.text == self.text))
            .map(|(mut m, _)| {
                m.offsets.iter_mut().for_each(|o| *o += span.start);
                m
            })?;
        let mut out = Body {
            function: self.function.clone(),
            ..Body::default()
        };
        let functions = match pg_query::parse_plpgsql(statement) {
            Ok(json) => json,
            Err(error) => {
                out.opaque.push(Opaque {
                    span,
                    reason: format!("its PL/pgSQL does not parse ({error})"),
                });
                return Some(out);
            }
        };
        let mut found = Vec::new();
        collect(&functions, &mut found);
        for (kind, query, line) in found {
            place(sql, &body, kind, &query, line, &mut out);
        }
        out.statements.sort_by_key(|s| s.span.start);
        out.opaque.sort_by_key(|o| o.span.start);
        Some(out)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A plain SQL statement of the block.
    Static,
    /// `EXECUTE expr`.
    Execute,
    /// `FOR ... IN EXECUTE expr`, `OPEN ... FOR EXECUTE expr`, `RETURN QUERY EXECUTE expr`.
    Dynamic,
}

/// Every statement of the PL/pgSQL tree that runs SQL: (kind, query text, body line).
fn collect(value: &Value, out: &mut Vec<(Kind, String, usize)>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
        Value::Object(map) => {
            for (key, inner) in map {
                let (kind, expr) = match key.as_str() {
                    "PLpgSQL_stmt_execsql" => (Kind::Static, inner.get("sqlstmt")),
                    "PLpgSQL_stmt_dynexecute" => (Kind::Execute, inner.get("query")),
                    "PLpgSQL_stmt_dynfors" => (Kind::Dynamic, inner.get("query")),
                    "PLpgSQL_stmt_open" | "PLpgSQL_stmt_return_query" => {
                        (Kind::Dynamic, inner.get("dynquery"))
                    }
                    _ => {
                        collect(inner, out);
                        continue;
                    }
                };
                let query = expr
                    .and_then(|e| e.get("PLpgSQL_expr"))
                    .and_then(|e| e.get("query"))
                    .and_then(Value::as_str);
                let line = inner.get("lineno").and_then(Value::as_u64).unwrap_or(1);
                if let Some(query) = query {
                    out.push((kind, query.to_string(), line as usize));
                }
                collect(inner, out);
            }
        }
        _ => {}
    }
}

/// Finds `query` (from body line `line`) in the body and adds what it runs to `out`.
fn place(sql: &str, body: &Mapped, kind: Kind, query: &str, line: usize, out: &mut Body) {
    let line_start = body
        .text
        .match_indices('\n')
        .nth(line.saturating_sub(2))
        .map_or(0, |(i, _)| i + 1)
        .min(body.text.len());
    let line_start = if line <= 1 { 0 } else { line_start };
    let Some(at) = find(&body.text, line_start, query) else {
        return;
    };
    // Byte offsets from a match: keep to character boundaries whatever the input.
    if body.text.get(at..at + query.len()).is_none() {
        return;
    }
    let expr = body.slice(at..at + query.len());
    match kind {
        Kind::Static => {
            let mapped = Mapped {
                // PL/pgSQL blanks out `INTO target`: the query is the text to parse.
                text: query.to_string(),
                offsets: expr.offsets,
            };
            parse_into(sql, &mapped, out);
        }
        Kind::Execute | Kind::Dynamic => {
            match literal(&expr.text, 0).filter(|(_, end)| *end == expr.text.len()) {
                Some((inner, _)) => {
                    let mapped = Mapped {
                        offsets: inner.offsets.iter().map(|&o| expr.offsets[o]).collect(),
                        text: inner.text,
                    };
                    parse_into(sql, &mapped, out);
                }
                None => out.opaque.push(Opaque {
                    span: expr.span(0..expr.text.len()),
                    reason: match kind {
                        Kind::Execute => "EXECUTE of SQL built at run time",
                        _ => "a query built at run time (FOR/OPEN/RETURN QUERY ... EXECUTE)",
                    }
                    .into(),
                }),
            }
        }
    }
}

/// Where `query` starts in `text` at or after `from`. Blanks in `query` match anything
/// (PL/pgSQL replaces `INTO target` by spaces).
fn find(text: &str, from: usize, query: &str) -> Option<usize> {
    let first = query.split_whitespace().next()?;
    let bytes = query.as_bytes();
    text[from..]
        .match_indices(first)
        .map(|(i, _)| from + i)
        .find(|&start| {
            text.as_bytes()
                .get(start..start + bytes.len())
                .is_some_and(|window| {
                    window
                        .iter()
                        .zip(bytes)
                        .all(|(a, b)| a == b || b.is_ascii_whitespace())
                })
        })
}

/// Parses mapped SQL text into statements with spans in the file `sql`.
fn parse_into(sql: &str, mapped: &Mapped, out: &mut Body) {
    let result = match super::parse(&mapped.text) {
        Ok(result) => result,
        Err(error) => {
            out.opaque.push(Opaque {
                span: mapped.span(0..mapped.text.len()),
                reason: format!("it does not parse ({error})"),
            });
            return;
        }
    };
    for raw in result.stmts {
        let start = (raw.stmt_location.max(0) as usize).min(mapped.text.len());
        let end = if raw.stmt_len == 0 {
            mapped.text.len()
        } else {
            (start + raw.stmt_len as usize).min(mapped.text.len())
        };
        let Some(node) = raw.stmt.and_then(|n| n.node) else {
            continue;
        };
        let local = trim_span(&mapped.text, start..end);
        let text = mapped.text[local.clone()].to_string();
        let tree_offset = local.start;
        let span = mapped.span(local);
        // The text is kept only where the file's bytes differ (doubled quotes, blanked INTO).
        let text = Some(text).filter(|t| sql.get(span.clone()) != Some(t.as_str()));
        out.statements.push(Statement {
            tree_offset: text.is_none().then_some(tree_offset),
            span,
            node,
            text,
            body: None,
            function: None,
        });
    }
}

/// The string literal starting at byte `at` of `text`: `'...'` (doubled quotes undone) or
/// `$tag$...$tag$`, mapped to offsets in `text`. `E'...'` strings are not decoded.
/// Returns the content and the offset just past the closing quote.
fn literal(text: &str, at: usize) -> Option<(Mapped, usize)> {
    let rest = &text[at..];
    if let Some(after) = rest.strip_prefix('$') {
        let close = after.find('$')? + 2;
        let tag = &rest[..close];
        if !tag[1..tag.len() - 1]
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_')
        {
            return None;
        }
        let content_end = rest[close..].find(tag)? + close;
        let mapped = Mapped {
            text: rest[close..content_end].to_string(),
            offsets: (at + close..at + content_end).collect(),
        };
        return Some((mapped, at + content_end + tag.len()));
    }
    if !rest.starts_with('\'') || text[..at].ends_with(['E', 'e']) {
        return None;
    }
    let bytes = rest.as_bytes();
    let (mut decoded, mut offsets) = (Vec::new(), Vec::new());
    let mut i = 1;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                // The second quote: a span ending at it covers the pair.
                decoded.push(b'\'');
                offsets.push(at + i + 1);
                i += 2;
                continue;
            }
            let text = String::from_utf8(decoded).ok()?;
            return Some((Mapped { text, offsets }, at + i + 1));
        }
        decoded.push(bytes[i]);
        offsets.push(at + i);
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    fn body(sql: &str) -> (Vec<String>, Vec<(String, String)>) {
        let parsed = crate::parse::parse_sql(sql);
        let body = parsed
            .statements
            .iter()
            .find_map(|s| s.body.as_deref())
            .expect("a DO block");
        (
            body.statements
                .iter()
                .map(|s| sql[s.span.clone()].to_string())
                .collect(),
            body.opaque
                .iter()
                .map(|o| (sql[o.span.clone()].to_string(), o.reason.clone()))
                .collect(),
        )
    }

    #[test]
    fn static_statements_are_found_in_order_with_file_spans() {
        let sql = "SELECT 1;\nDO $$\nDECLARE v int;\nBEGIN\n  SELECT count(*) INTO v FROM users;\n  IF v > 0 THEN\n    \
                   ALTER TABLE users ADD COLUMN a int NOT NULL;\n  ELSE\n    UPDATE users SET a = 1;\n  END IF;\nEND $$;";
        let (statements, opaque) = body(sql);
        assert_eq!(
            statements,
            vec![
                "SELECT count(*) INTO v FROM users",
                "ALTER TABLE users ADD COLUMN a int NOT NULL",
                "UPDATE users SET a = 1"
            ]
        );
        assert!(opaque.is_empty());
    }

    #[test]
    fn execute_of_a_literal_is_static_and_other_dynamic_sql_is_opaque() {
        let sql = "DO $body$ BEGIN\nEXECUTE 'ALTER TABLE t ADD COLUMN c text DEFAULT ''x''';\n\
                   EXECUTE format('DROP TABLE %I', 'x');\nEXECUTE $q$CREATE INDEX i ON t (c)$q$;\nEND $body$";
        let (statements, opaque) = body(sql);
        assert_eq!(
            statements,
            vec![
                "ALTER TABLE t ADD COLUMN c text DEFAULT ''x''",
                "CREATE INDEX i ON t (c)"
            ]
        );
        assert_eq!(
            opaque,
            vec![(
                "format('DROP TABLE %I', 'x')".to_string(),
                "EXECUTE of SQL built at run time".to_string()
            )]
        );
        let parsed = crate::parse::parse_sql(sql);
        let inner = &parsed.statements[0].body.as_ref().unwrap().statements[0];
        assert_eq!(
            inner.text.as_deref(),
            Some("ALTER TABLE t ADD COLUMN c text DEFAULT 'x'")
        );
    }

    #[test]
    fn a_plpgsql_function_body_is_kept_with_its_name_and_parsed_on_demand() {
        let sql = "CREATE FUNCTION app.fill() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  \
                   UPDATE users SET a = 1;\nEND $$";
        let parsed = crate::parse::parse_sql(sql);
        assert!(parsed.statements[0].body.is_none(), "not a DO block");
        let function = parsed.statements[0].function.as_deref().unwrap();
        assert_eq!(function.function.as_deref(), Some("fill"));
        let body = function.parse(sql).unwrap();
        assert_eq!(body.function.as_deref(), Some("fill"));
        assert_eq!(
            &sql[body.statements[0].span.clone()],
            "UPDATE users SET a = 1"
        );
        let sql_function = "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$";
        let statement = &crate::parse::parse_sql(sql_function).statements[0];
        assert!(statement.body.is_none() && statement.function.is_none());
    }

    #[test]
    fn other_languages_and_bad_plpgsql() {
        let parsed = crate::parse::parse_sql("DO LANGUAGE plperl $$ 1; $$");
        assert!(parsed.statements[0].body.is_none());
        let (statements, opaque) = body("DO $$ BEGIN ALTER TABLE; END $$");
        assert!(statements.is_empty());
        assert_eq!(opaque.len(), 1, "{opaque:?}");
    }
}
