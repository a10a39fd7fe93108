//! Migration tools that template their SQL before it runs: Go templates (`{{ index
//! .Options "Namespace" }}`: gobuffalo/pop's fizz, which Supabase's auth uses) and
//! Flyway-style placeholders (`${schema}`). The server never sees them, and the parser
//! fails on every statement that holds one, so none of those statements would be linted.
//! Each one is parsed as an identifier of the same length that spells what it holds
//! (`___index__Options__Namespace____`), so that byte spans, lines and columns stay those
//! of the file.
//!
//! Only where the server would read SQL: not in comments, quoted strings or quoted
//! identifiers (there a template changes no statement's shape), but in a dollar-quoted
//! body (a `DO` block or function), whose text is parsed as SQL in turn.

use std::borrow::Cow;
use std::ops::Range;

use super::split::{Token, next_token};

/// `sql` with each template stood in for (see the module's documentation); `sql` itself
/// when it has none.
pub fn stand_ins(sql: &str) -> Cow<'_, str> {
    stood_in(sql).text
}

/// A text parsed with its templates stood in for, and what each stands for.
pub struct StoodIn<'a> {
    pub text: Cow<'a, str>,
    /// Each stand-in as the parser folds it (to lower case), with the template as written.
    names: Vec<(String, String)>,
}

/// [`stand_ins`], remembering the templates, so that messages can name them as written
/// ([`StoodIn::restore`]).
pub fn stood_in(sql: &str) -> StoodIn<'_> {
    let mut out = StoodIn {
        text: Cow::Borrowed(sql),
        names: Vec::new(),
    };
    if !sql.contains("{{") && !sql.contains("${") {
        return out;
    }
    let spans = templates(sql);
    if spans.is_empty() {
        return out;
    }
    let mut bytes = sql.as_bytes().to_vec();
    for span in spans {
        let stand_in = &mut bytes[span.clone()];
        for byte in stand_in.iter_mut() {
            if !(byte.is_ascii_alphanumeric() || *byte == b'_') {
                *byte = b'_';
            }
        }
        // A quoted template's quotes become spaces: it names what the bare one does.
        if sql.as_bytes()[span.start] == b'"' {
            let last = stand_in.len() - 1;
            (stand_in[0], stand_in[last]) = (b' ', b' ');
        }
        let folded = String::from_utf8_lossy(stand_in)
            .trim()
            .to_ascii_lowercase();
        if !out.names.iter().any(|(name, _)| *name == folded) {
            out.names.push((folded, sql[span].to_string()));
        }
    }
    // Whole characters were replaced by ASCII bytes: still UTF-8.
    out.text = Cow::Owned(String::from_utf8(bytes).expect("templates are replaced by ASCII"));
    out
}

impl StoodIn<'_> {
    /// Whether the text had templates.
    pub fn any(&self) -> bool {
        !self.names.is_empty()
    }

    /// A message or name built from the parse, with each stand-in put back as the
    /// template it stands for.
    pub fn restore(&self, text: &mut String) {
        self.restore_as(text, str::to_string);
    }

    /// [`StoodIn::restore`], each template written as `write` makes it (escaped for JSON).
    pub fn restore_as(&self, text: &mut String, write: impl Fn(&str) -> String) {
        for (stand_in, template) in &self.names {
            if text.contains(stand_in.as_str()) {
                *text = text.replace(stand_in.as_str(), &write(template));
            }
        }
    }
}

/// Whether a name holds a template put back by [`StoodIn::restore`]: it is printed as the
/// file writes it, never quoted.
pub fn holds_template(name: &str) -> bool {
    (name.char_indices()).any(|(at, c)| matches!(c, '{' | '$') && template_at(name, at).is_some())
}

/// The templates of `sql` where SQL is read, in order.
fn templates(sql: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut pos = 0;
    while let Some((token, end)) = next_token(sql, pos) {
        match token {
            Token::Other => {
                if let Some(span) = template_at(sql, pos) {
                    found.push(span.clone());
                    pos = span.end;
                    continue;
                }
            }
            // A template that is a quoted identifier's whole text (`"{{ .Schema }}"`): its
            // own quotes would end the identifier, so the quotes are stood in for too.
            Token::Quoted if sql.as_bytes()[pos] == b'"' => {
                if let Some(span) = template_at(sql, pos + 1)
                    && sql.as_bytes().get(span.end) == Some(&b'"')
                {
                    found.push(pos..span.end + 1);
                    pos = span.end + 1;
                    continue;
                }
            }
            Token::Quoted if sql.as_bytes()[pos] == b'$' => {
                // A dollar-quoted body: every template in it (its own strings included).
                let mut at = pos + 1;
                while at < end {
                    match template_at(&sql[..end], at) {
                        Some(span) => {
                            at = span.end;
                            found.push(span);
                        }
                        None => at += 1,
                    }
                }
            }
            _ => {}
        }
        pos = end;
    }
    found
}

/// The template starting at byte `at`, if one does: `{{ ... }}` or `${...}`, closed on
/// the same line.
fn template_at(sql: &str, at: usize) -> Option<Range<usize>> {
    let rest = &sql[at..];
    let (open, close) = if rest.starts_with("{{") {
        ("{{", "}}")
    } else if rest.starts_with("${") {
        ("${", "}")
    } else {
        return None;
    };
    let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let inner = line[open.len()..].find(close)?;
    Some(at..at + open.len() + inner + close.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_where_sql_is_read_stand_in_as_identifiers_of_the_same_length() {
        let cases: &[(&str, &str)] = &[
            (
                r#"alter table {{ index .Options "Namespace" }}.users add column x int;"#,
                "alter table ___index__Options__Namespace____.users add column x int;",
            ),
            (
                "CREATE TABLE ${schema}.t (a int); -- ${not} {{ here }}",
                "CREATE TABLE __schema_.t (a int); -- ${not} {{ here }}",
            ),
            // In a string (or a quoted identifier with more to it) the statement parses
            // as it is.
            (
                r#"select '{{ .X }}', "${y}+" from {{.T}}"#,
                r#"select '{{ .X }}', "${y}+" from ___T__"#,
            ),
            // A dollar-quoted body is parsed in turn: its strings too.
            (
                "do $$ begin alter table {{.S}}.t add c int; perform '${x}'; end $$",
                "do $$ begin alter table ___S__.t add c int; perform '__x_'; end $$",
            ),
            // Not closed on its line, a prefix glued to a name, non-ASCII text.
            (
                "select {{ a\n}} from {{.P}}users, ${é}",
                "select {{ a\n}} from ___P__users, _____",
            ),
            (
                "SELECT $1, $$ {} $$, '{{1,2},{3,4}}'",
                "SELECT $1, $$ {} $$, '{{1,2},{3,4}}'",
            ),
            // A quoted template, whose own quotes would end the identifier: the same name
            // as the bare template.
            (
                r#"create index i on "{{ index .Options "Namespace" }}".users (a)"#,
                r#"create index i on  ___index__Options__Namespace____ .users (a)"#,
            ),
            (
                r#"select "a{{ x }}", "{{ y }}z""#,
                r#"select "a{{ x }}", "{{ y }}z""#,
            ),
        ];
        for (sql, expected) in cases {
            let stood_in = stand_ins(sql);
            assert_eq!(stood_in, *expected, "{sql}");
            assert_eq!(stood_in.len(), sql.len());
        }
        assert!(matches!(stand_ins("select 1"), Cow::Borrowed(_)));
    }

    #[test]
    fn messages_name_templates_as_written() {
        let stood_in = stood_in(r#"ALTER TABLE {{ .Schema }}.t ADD c int; DROP TABLE "${s}".u"#);
        let mut message = "AccessExclusiveLock on ____schema___.t, and on __s_.u".to_string();
        stood_in.restore(&mut message);
        assert_eq!(
            message,
            r#"AccessExclusiveLock on {{ .Schema }}.t, and on "${s}".u"#
        );
        // Bare and quoted, a template is one name, printed as it is first written.
        let both = super::stood_in(r#"DROP TABLE {{ .S }}.t, "{{ .S }}".u"#);
        let mut message = "on ____s___.t and ____s___.u".to_string();
        both.restore(&mut message);
        assert_eq!(message, "on {{ .S }}.t and {{ .S }}.u");
        assert!(!super::stood_in("select '{{ x }}'").any());
        assert!(holds_template(r#""${s}""#) && holds_template("{{.P}}users"));
        assert!(!holds_template("users") && !holds_template("a{b}$c"));
    }
}
