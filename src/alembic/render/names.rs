//! Canonical names of library objects reached through imports.

/// For a path under `sqlalchemy`, the name the renderer dispatches on: the last segment
/// (`sqlalchemy.types.Integer`, `sqlalchemy.dialects.postgresql.JSONB` → `Integer`, `JSONB`),
/// or `func.<name>` for SQL functions (`sqlalchemy.func.now` → `func.now`).
pub fn sa_name(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("sqlalchemy.")?;
    let mut offset = 0;
    for segment in rest.split('.') {
        if segment == "func" {
            let function = &rest[offset..];
            return (function.len() > "func.".len()).then_some(function);
        }
        offset += segment.len() + 1;
    }
    rest.rsplit('.').next()
}

/// `alembic.op.create_table` → `create_table`.
pub fn op_name(path: &str) -> Option<&str> {
    path.strip_prefix("alembic.op.")
        .filter(|name| !name.contains('.'))
}

/// The module a path was imported from, when it is neither SQLAlchemy nor Alembic: calling it
/// means running project code.
pub fn is_foreign(path: &str) -> bool {
    !(path == "sqlalchemy"
        || path.starts_with("sqlalchemy.")
        || path == "alembic"
        || path.starts_with("alembic.")
        || path.starts_with("builtins."))
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
}
