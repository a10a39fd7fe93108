//! Migration tools that fill their SQL in before it runs: Go templates (`{{ index
//! .Options "Namespace" }}`: gobuffalo/pop's fizz, which Supabase's auth uses),
//! Flyway-style placeholders (`${schema}`) and psql's variables (`:name`, `:'name'`,
//! `:"name"`, once a `\set name` line set them). The server never sees them, and the parser
//! fails on every statement that holds one, so none of those statements would be linted.
//! Each one is parsed as a name of the same length that spells what it holds
//! (`___index__Options__Namespace____`, `_name`, `'_name'`), so that byte spans, lines and
//! columns stay those of the file; messages name it as written ([`StoodIn::restore`]).
//!
//! Only where the server would read SQL: not in comments, quoted strings or quoted
//! identifiers (there a template changes no statement's shape). A template in a
//! dollar-quoted body (a `DO` block or function) is stood in for too, since that text is
//! parsed as SQL in turn; psql substitutes no variable there.

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
    names: Vec<Name>,
}

/// A stand-in as the parse prints it, and the template as written.
struct Name {
    stand_in: String,
    template: String,
    /// Only a whole word is the stand-in (a psql variable's, `_name`, is a short one).
    whole_word: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `{{ ... }}` or `${...}`.
    Template,
    /// A quoted identifier whose text is a template: `"{{ ... }}"`.
    QuotedTemplate,
    /// `:name`, `:'name'` or `:"name"`.
    PsqlVariable,
}

/// [`stand_ins`], remembering the templates, so that messages can name them as written
/// ([`StoodIn::restore`]).
pub fn stood_in(sql: &str) -> StoodIn<'_> {
    let mentioned = (crate::mentions::TEMPLATE_WORDS.iter()).any(|word| sql.contains(word));
    stood_in_mentioned(sql, mentioned)
}

/// [`stood_in`] for a caller that knows whether `sql` mentions a template's first
/// characters ([`crate::mentions::TEMPLATE_WORDS`]): none is looked for where it does not.
pub fn stood_in_mentioned(sql: &str, mentioned: bool) -> StoodIn<'_> {
    let mut out = StoodIn {
        text: Cow::Borrowed(sql),
        names: Vec::new(),
    };
    if !mentioned {
        return out;
    }
    let found = templates(sql);
    if found.is_empty() {
        return out;
    }
    let mut bytes = sql.as_bytes().to_vec();
    for (span, kind) in found {
        let stand_in = &mut bytes[span.clone()];
        let (printed, whole_word) = match kind {
            Kind::PsqlVariable => {
                // `:name` → `_name`; `:'name'` → `'_name'` (and `:"name"` → `"_name"`).
                let quote = stand_in[1];
                if quote == b'\'' || quote == b'"' {
                    (stand_in[0], stand_in[1]) = (quote, b'_');
                } else {
                    stand_in[0] = b'_';
                }
                let printed = String::from_utf8_lossy(stand_in).into_owned();
                match quote {
                    b'\'' => (printed, false),
                    b'"' => (printed.trim_matches('"').to_string(), true),
                    _ => (printed.to_ascii_lowercase(), true),
                }
            }
            Kind::Template | Kind::QuotedTemplate => {
                for byte in stand_in.iter_mut() {
                    if !(byte.is_ascii_alphanumeric() || *byte == b'_') {
                        *byte = b'_';
                    }
                }
                // A quoted template's quotes become spaces: it names what the bare one does.
                if kind == Kind::QuotedTemplate {
                    let last = stand_in.len() - 1;
                    (stand_in[0], stand_in[last]) = (b' ', b' ');
                }
                let printed = String::from_utf8_lossy(stand_in)
                    .trim()
                    .to_ascii_lowercase();
                (printed, false)
            }
        };
        if !out.names.iter().any(|name| name.stand_in == printed) {
            out.names.push(Name {
                stand_in: printed,
                template: sql[span].to_string(),
                whole_word,
            });
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
        for name in &self.names {
            if !text.contains(name.stand_in.as_str()) {
                continue;
            }
            let template = write(&name.template);
            let mut restored = String::with_capacity(text.len());
            let mut rest = text.as_str();
            while let Some(at) = rest.find(name.stand_in.as_str()) {
                let end = at + name.stand_in.len();
                let word_char =
                    |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
                let whole = !word_char(rest[..at].chars().next_back())
                    && !word_char(rest[end..].chars().next());
                restored.push_str(&rest[..at]);
                restored.push_str(if whole || !name.whole_word {
                    &template
                } else {
                    &rest[at..end]
                });
                rest = &rest[end..];
            }
            restored.push_str(rest);
            *text = restored;
        }
    }
}

/// Whether a name holds a template put back by [`StoodIn::restore`]: it is printed as the
/// file writes it, never quoted.
pub fn holds_template(name: &str) -> bool {
    let psql = name.strip_prefix(':').is_some_and(|rest| {
        let rest = rest.trim_matches(|c| c == '\'' || c == '"');
        !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    });
    psql || (name.char_indices())
        .any(|(at, c)| matches!(c, '{' | '$') && template_at(name, at).is_some())
}

/// The templates of `sql` where SQL is read, in order.
fn templates(sql: &str) -> Vec<(Range<usize>, Kind)> {
    let set = psql_variables_set(sql);
    let mut found = Vec::new();
    let mut pos = 0;
    while let Some((token, end)) = next_token(sql, pos) {
        match token {
            Token::Other => {
                if let Some(span) = template_at(sql, pos) {
                    pos = span.end;
                    found.push((span, Kind::Template));
                    continue;
                }
                if let Some(span) = psql_variable_at(sql, pos, &set) {
                    pos = span.end;
                    found.push((span, Kind::PsqlVariable));
                    continue;
                }
            }
            // A template that is a quoted identifier's whole text (`"{{ .Schema }}"`): its
            // own quotes would end the identifier, so the quotes are stood in for too.
            Token::Quoted if sql.as_bytes()[pos] == b'"' => {
                if let Some(span) = template_at(sql, pos + 1)
                    && sql.as_bytes().get(span.end) == Some(&b'"')
                {
                    found.push((pos..span.end + 1, Kind::QuotedTemplate));
                    pos = span.end + 1;
                    continue;
                }
            }
            Token::Quoted if sql.as_bytes()[pos] == b'$' => {
                // A dollar-quoted body: every template in it (its own strings included),
                // looked for at each `{` or `$` (one byte each: the next is a character).
                let mut at = pos + 1;
                while let Some(next) = sql[at..end].find(['{', '$']) {
                    at += next;
                    match template_at(&sql[..end], at) {
                        Some(span) => {
                            at = span.end;
                            found.push((span, Kind::Template));
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

/// The psql variables a `\set NAME ...` line sets, with where the line starts: psql
/// substitutes a variable from there on, and leaves one it does not know as it is.
fn psql_variables_set(sql: &str) -> Vec<(String, usize)> {
    let mut set = Vec::new();
    let mut at = 0;
    for line in sql.split_inclusive('\n') {
        let command = line.trim_start();
        if let Some(rest) = command.strip_prefix("\\set")
            && rest.starts_with([' ', '\t'])
        {
            let name: String = (rest.trim_start().chars())
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                set.push((name, at));
            }
        }
        at += line.len();
    }
    set
}

/// The psql variable at byte `at` (`:name`, `:'name'`, `:"name"`), if it is one a `\set`
/// line before it set; not a `::` cast nor `:=`.
fn psql_variable_at(sql: &str, at: usize, set: &[(String, usize)]) -> Option<Range<usize>> {
    let bytes = sql.as_bytes();
    if bytes[at] != b':' || (at > 0 && bytes[at - 1] == b':') {
        return None;
    }
    let quote = bytes
        .get(at + 1)
        .copied()
        .filter(|b| *b == b'\'' || *b == b'"');
    let name_start = at + 1 + usize::from(quote.is_some());
    let name_len = bytes[name_start..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    let mut end = name_start + name_len;
    if let Some(quote) = quote {
        if bytes.get(end) != Some(&quote) {
            return None;
        }
        end += 1;
    }
    let name = &sql[name_start..name_start + name_len];
    let known = set.iter().any(|(set, line)| set == name && *line < at);
    (name_len > 0 && known).then_some(at..end)
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
            // A dollar-quoted body is parsed in turn: its strings too (and its non-ASCII
            // text is stepped over a character at a time).
            (
                "do $$ begin alter table {{.S}}.t add c int; perform '${x}'; end $$",
                "do $$ begin alter table ___S__.t add c int; perform '__x_'; end $$",
            ),
            (
                "do $$ begin -- é\n alter table {{.S}}.t add c int; end $é$ $$",
                "do $$ begin -- é\n alter table ___S__.t add c int; end $é$ $$",
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
        // A templated statement has a fingerprint (what baselines and GitLab identify it by).
        assert_eq!(
            crate::parse::fingerprints("ALTER TABLE {{.S}}.t ADD c int").len(),
            1
        );
    }

    #[test]
    fn psql_variables_set_before_are_stood_in_as_psql_would_substitute_them() {
        let sql = "select :early;\n\\set user `echo $U`\n\\set  pw 'x'\n\
                   CREATE USER :user WITH PASSWORD :'pw'; GRANT r TO :\"user\";\n\
                   select a::int, b[1:user], :unset, ':user' -- :user\n";
        let expected = "select :early;\n\\set user `echo $U`\n\\set  pw 'x'\n\
                        CREATE USER _user WITH PASSWORD '_pw'; GRANT r TO \"_user\";\n\
                        select a::int, b[1_user], :unset, ':user' -- :user\n";
        let stood_in = stood_in(sql);
        assert_eq!(stood_in.text, expected);
        let mut message = "CREATE USER _user WITH PASSWORD '_pw' (not polar_user, _users)".into();
        stood_in.restore(&mut message);
        assert_eq!(
            message,
            "CREATE USER :user WITH PASSWORD :'pw' (not polar_user, _users)"
        );
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
        assert!(holds_template(":read_user") && holds_template(":'p'"));
        assert!(!holds_template("users") && !holds_template("a{b}$c"));
    }
}
