//! Identifier quoting and string literals as SQLAlchemy's PostgreSQL `IdentifierPreparer`
//! writes them, shared by SQL expressions and type DDL.

/// `sqlalchemy.dialects.postgresql.base.RESERVED_WORDS`.
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
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "current_catalog",
    "current_date",
    "current_role",
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
    "from",
    "grant",
    "group",
    "having",
    "in",
    "initially",
    "intersect",
    "into",
    "leading",
    "limit",
    "localtime",
    "localtimestamp",
    "new",
    "not",
    "null",
    "of",
    "off",
    "offset",
    "old",
    "on",
    "only",
    "or",
    "order",
    "placing",
    "primary",
    "references",
    "returning",
    "select",
    "session_user",
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
    "when",
    "where",
    "window",
    "with",
    "authorization",
    "between",
    "binary",
    "cross",
    "current_schema",
    "freeze",
    "full",
    "ilike",
    "inner",
    "is",
    "isnull",
    "join",
    "left",
    "like",
    "natural",
    "notnull",
    "outer",
    "over",
    "overlaps",
    "right",
    "similar",
    "verbose",
];

/// `IdentifierPreparer._requires_quotes`: reserved words, an initial digit or `$`, characters
/// outside `[A-Za-z0-9_$]`, or anything not all lower case.
pub fn quote(name: &str) -> String {
    let lower = name.to_lowercase();
    let needs_quotes = name.is_empty()
        || RESERVED_WORDS.contains(&lower.as_str())
        || name.starts_with(|c: char| c.is_ascii_digit() || c == '$')
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        || lower != name;
    if needs_quotes {
        format!("\"{}\"", name.replace('"', "\"\""))
    } else {
        name.to_string()
    }
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
