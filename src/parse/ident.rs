//! SQL identifiers as PostgreSQL needs them written: the one quoting function behind every
//! name locksmith prints, in messages, help texts, fixes and the schema model's DDL.

use std::borrow::Cow;

/// The keywords that cannot be a table, column or constraint name unquoted (`ColId` in
/// gram.y): PostgreSQL's reserved keywords and those that may name only a function or type
/// (`RESERVED_KEYWORD` and `TYPE_FUNC_NAME_KEYWORD` in kwlist.h, PostgreSQL 18), sorted
/// ([`BY_FIRST_LETTER`]). Not SQLAlchemy's list (`alembic::render::quote`), which has
/// words of its own (`between`, `new`, `old`, ...) and is what the Alembic preview must
/// print as Alembic does.
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// Where the words of each first letter are in [`RESERVED`] (sorted, so they are
/// together): every name printed is looked up, and a search by halves of the whole list was
/// 1.5 % of the instructions of linting the benchmark's first 1,000 files (callgrind).
const BY_FIRST_LETTER: [(usize, usize); 26] = by_first_letter();

const fn by_first_letter() -> [(usize, usize); 26] {
    let mut ranges = [(0, 0); 26];
    let mut i = 0;
    while i < RESERVED.len() {
        let letter = (RESERVED[i].as_bytes()[0] - b'a') as usize;
        if ranges[letter].1 == 0 {
            ranges[letter].0 = i;
        }
        ranges[letter].1 = i + 1;
        i += 1;
    }
    ranges
}

/// Whether `name` is a word of [`RESERVED`].
fn is_reserved(name: &str) -> bool {
    let letter = name.as_bytes().first().map_or(26, |b| b.wrapping_sub(b'a'));
    let Some(&(start, end)) = BY_FIRST_LETTER.get(letter as usize) else {
        return false;
    };
    RESERVED[start..end].contains(&name)
}

/// `name` as an identifier, quoted when PostgreSQL needs it quoted: anything but lowercase
/// ASCII letters, digits, `_` and `$` (not first), or a word [`RESERVED`] (`"user"`,
/// `"check"`). A migration tool's template (`{{ .Schema }}`) is left as the file writes it.
pub fn quoted_ident(name: &str) -> Cow<'_, str> {
    // Bytes, not characters: a name that is not all ASCII is quoted either way.
    let plain = !name.is_empty()
        && name.bytes().enumerate().all(|(i, b)| {
            b == b'_' || b.is_ascii_lowercase() || (i > 0 && (b.is_ascii_digit() || b == b'$'))
        })
        && !is_reserved(name);
    if plain || super::template::holds_template(name) {
        name.into()
    } else {
        format!("\"{}\"", name.replace('"', "\"\"")).into()
    }
}

/// [`quoted_ident`], owned.
pub fn quote_ident(name: &str) -> String {
    quoted_ident(name).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_words_are_sorted_by_first_letter_and_quoted() {
        assert!(RESERVED.windows(2).all(|w| w[0] < w[1]));
        for name in ["a", "al", "all_", "zone", "_all", "Select", "", "é", "{"] {
            assert_eq!(is_reserved(name), RESERVED.contains(&name), "{name}");
        }
        assert!(RESERVED.iter().all(|word| is_reserved(word)));
        for word in RESERVED {
            assert_eq!(quote_ident(word), format!("\"{word}\""));
        }
        assert_eq!(quote_ident("users"), "users");
        assert_eq!(quote_ident("verbosely"), "verbosely");
        // Unreserved and column-name keywords are names as they are.
        assert_eq!(quote_ident("text"), "text");
        assert_eq!(quote_ident("integer"), "integer");
    }

    /// The list is PostgreSQL's: each word, written bare where a table name goes, is a
    /// syntax error, and quoted it is not; a word of neither category parses bare.
    #[test]
    fn reserved_words_are_the_ones_the_parser_refuses_as_names() {
        let parses = |sql: &str| pg_query::parse(sql, pg_query::ParserOptions::DEFAULT).is_ok();
        for word in RESERVED {
            assert!(
                !parses(&format!("CREATE TABLE {word} (a int)")),
                "{word} parses bare"
            );
            assert!(parses(&format!(
                "CREATE TABLE {} (a int)",
                quote_ident(word)
            )));
        }
        for word in [
            "text", "integer", "name", "value", "position", "action", "time",
        ] {
            assert!(parses(&format!("CREATE TABLE {word} (a int)")), "{word}");
        }
    }

    #[test]
    fn names_that_are_not_plain_are_quoted_and_templates_are_not() {
        assert_eq!(quote_ident("Users"), "\"Users\"");
        assert_eq!(quote_ident("1st"), "\"1st\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_ident(""), "\"\"");
        assert_eq!(quote_ident("a$1"), "a$1");
        assert_eq!(quote_ident("{{.Schema}}"), "{{.Schema}}");
    }
}
