//! Identifier quoting and string literals as SQLAlchemy's PostgreSQL `IdentifierPreparer`
//! writes them, shared by SQL expressions and type DDL.

/// `sqlalchemy.dialects.postgresql.base.RESERVED_WORDS`, sorted (searched by halves).
const RESERVED_WORDS: &[&str] = &[
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
    "between",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "column",
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
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "new",
    "not",
    "notnull",
    "null",
    "of",
    "off",
    "offset",
    "old",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "over",
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
    "table",
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

/// `IdentifierPreparer._requires_quotes`: reserved words, an initial digit or `$`, characters
/// outside `[A-Za-z0-9_$]`, or anything not all lower case.
pub fn quote(name: &str) -> String {
    if written_as_is(name) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// The names [`quote`] leaves alone: lower-case ASCII letters, digits, `_` and `$`, not
/// starting with a digit or `$`, not a reserved word. (A name with capitals or other
/// characters is quoted whatever it spells, so only these are looked up.)
fn written_as_is(name: &str) -> bool {
    let bytes = name.as_bytes();
    let word_byte =
        |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'$');
    bytes
        .first()
        .is_some_and(|b| !b.is_ascii_digit() && *b != b'$')
        && bytes.iter().all(word_byte)
        && RESERVED_WORDS.binary_search(&name).is_err()
}

/// `schema.name` with each part quoted as needed.
pub fn qualified(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(schema) => format!("{}.{}", quote(schema), quote(name)),
        None => quote(name),
    }
}

/// A string literal: single quotes doubled, backslashes kept (standard_conforming_strings).
pub fn string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick test agrees with SQLAlchemy's rule read literally (lower-case the name,
    /// look it up, compare) on every reserved word and on generated names.
    #[test]
    fn the_quick_test_is_the_literal_rule() {
        let literal = |name: &str| {
            let lower = name.to_lowercase();
            name.is_empty()
                || RESERVED_WORDS.contains(&lower.as_str())
                || name.starts_with(|c: char| c.is_ascii_digit() || c == '$')
                || !(name.chars()).all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
                || lower != name
        };
        assert!(
            RESERVED_WORDS.windows(2).all(|w| w[0] < w[1]),
            "sorted, no repeats"
        );
        let mut names: Vec<String> = RESERVED_WORDS.iter().map(|w| w.to_string()).collect();
        names.extend(RESERVED_WORDS.iter().map(|w| w.to_uppercase()));
        names.extend(RESERVED_WORDS.iter().map(|w| format!("{w}_")));
        let pieces = ["a", "Z", "0", "_", "$", "é", " ", "\"", "user", "id"];
        let mut next = crate::test_rng::seeded(0x9E37_79B9_7F4A_7C15);
        for _ in 0..5_000 {
            names.push((0..next(5)).map(|_| pieces[next(pieces.len())]).collect());
        }
        for name in &names {
            assert_eq!(!written_as_is(name), literal(name), "{name:?}");
        }
    }

    #[test]
    fn quoting_follows_sqlalchemy() {
        for (name, expected) in [
            ("users", "users"),
            ("user", "\"user\""),
            ("Other", "\"Other\""),
            ("select", "\"select\""),
            ("1abc", "\"1abc\""),
            ("a b", "\"a b\""),
            ("col$1", "col$1"),
            ("with\"quote", "\"with\"\"quote\""),
            ("café", "\"café\""),
        ] {
            assert_eq!(quote(name), expected);
        }
    }
}
