//! Canonical names of library objects reached through imports.

/// For a path under `sqlalchemy`, the name the renderer dispatches on: the last segment
/// (`sqlalchemy.types.Integer`, `sqlalchemy.dialects.postgresql.JSONB` → `Integer`, `JSONB`),
/// or `func.<name>` for SQL functions (`sqlalchemy.func.now` → `func.now`).
pub fn sa_name(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("sqlalchemy.")?;
    // The segments, found with memchr: names are looked up at every attribute a revision
    // reads, where `split` and `rsplit` cost more than the rest of the lookup.
    let mut offset = 0;
    loop {
        let end =
            memchr::memchr(b'.', &rest.as_bytes()[offset..]).map_or(rest.len(), |i| offset + i);
        if &rest[offset..end] == "func" {
            let function = &rest[offset..];
            return (function.len() > "func.".len()).then_some(function);
        }
        if end == rest.len() {
            return Some(&rest[offset..]);
        }
        offset = end + 1;
    }
}

/// `alembic.op.create_table` → `create_table`.
pub fn op_name(path: &str) -> Option<&str> {
    path.strip_prefix("alembic.op.")
        .filter(|name| !name.contains('.'))
}

/// The module a path was imported from, when it is neither SQLAlchemy nor Alembic: calling it
/// means running project code.
pub fn is_foreign(path: &str) -> bool {
    !crate::python::is_library_path(path)
}

/// SQLAlchemy's `max_identifier_length` for PostgreSQL (PostgreSQL's NAMEDATALEN - 1).
const MAX_IDENTIFIER_LENGTH: usize = 63;

/// A generated name (`op.f()`, a naming convention such as `ix_<table>_<column>`) as
/// SQLAlchemy renders it: one longer than 63 characters becomes its first 55 characters, `_`
/// and the last 4 hex digits of the full name's md5 (`_truncate_and_render_maxlen_name`).
pub fn truncated_label(name: &str) -> String {
    use md5::{Digest, Md5};
    if name.chars().count() <= MAX_IDENTIFIER_LENGTH {
        return name.to_string();
    }
    let digest = Md5::digest(name.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let prefix: String = name.chars().take(MAX_IDENTIFIER_LENGTH - 8).collect();
    format!("{prefix}_{}", &hex[hex.len() - 4..])
}

/// An index or constraint name given explicitly: SQLAlchemy refuses one that is too long
/// (`IdentifierError`) rather than shortening it.
pub fn explicit_name(name: &str) -> Result<String, String> {
    if name.chars().count() > MAX_IDENTIFIER_LENGTH {
        return Err(format!(
            "name `{name}` exceeds {MAX_IDENTIFIER_LENGTH} characters (SQLAlchemy raises IdentifierError; op.f() would shorten it)"
        ));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_names() {
        assert_eq!(sa_name("sqlalchemy.Integer"), Some("Integer"));
        assert_eq!(
            sa_name("sqlalchemy.dialects.postgresql.JSONB"),
            Some("JSONB")
        );
        assert_eq!(sa_name("sqlalchemy.sql.expression.text"), Some("text"));
        assert_eq!(sa_name("sqlalchemy.func.now"), Some("func.now"));
        assert_eq!(
            sa_name("sqlalchemy.sql.func.public.f"),
            Some("func.public.f")
        );
        assert_eq!(sa_name("alembic.op"), None);
        assert_eq!(op_name("alembic.op.add_column"), Some("add_column"));
        assert!(is_foreign("acme.helpers.f"));
        assert!(!is_foreign("sqlalchemy.Column"));
    }

    /// Values printed by SQLAlchemy 2.1.9 for `op.f(...)` names.
    #[test]
    fn long_generated_names_are_shortened_like_sqlalchemy() {
        let long = format!("ix_{}", "b".repeat(70));
        assert_eq!(
            truncated_label(&long),
            format!("ix_{}_da10", "b".repeat(52))
        );
        let exact = "x".repeat(63);
        assert_eq!(truncated_label(&exact), exact);
        assert!(explicit_name(&long).is_err());
        assert_eq!(explicit_name(&exact).unwrap(), exact);
    }
}
