//! The names PostgreSQL chooses for what a statement leaves unnamed (ChooseRelationName /
//! ChooseConstraintName in src/backend/commands/indexcmds.c): `table_column_suffix`,
//! shortened to fit NAMEDATALEN - 1 bytes and made unique with a number.

const MAX: usize = 63;

/// `makeObjectName`: `name1_name2_label`, the longer of name1/name2 shortened first.
pub fn object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let mut a = name1.to_string();
    let mut b = name2.unwrap_or_default().to_string();
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    while a.len() + b.len() + overhead > MAX {
        if a.len() > b.len() {
            a.pop();
        } else {
            b.pop();
        }
    }
    match name2 {
        Some(_) => format!("{a}_{b}_{label}"),
        None => format!("{a}_{label}"),
    }
}

/// `ChooseRelationName`: the first of `name`, `name1`, `name2`, ... not `taken`.
pub fn choose(
    name1: &str,
    name2: Option<&str>,
    label: &str,
    taken: impl Fn(&str) -> bool,
) -> String {
    let mut name = object_name(name1, name2, label);
    let mut n = 0;
    while taken(&name) {
        n += 1;
        let label = format!("{label}{n}");
        name = object_name(name1, name2, &label);
    }
    name
}

/// The column part of an index name: the key columns joined by `_` (expressions are
/// named `expr`), as ChooseIndexNameAddition does.
pub fn columns_part(columns: &[String]) -> String {
    let mut out = String::new();
    for c in columns {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(c);
        if out.len() >= MAX {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_default_names() {
        assert_eq!(
            object_name("users", Some("email"), "key"),
            "users_email_key"
        );
        assert_eq!(object_name("users", None, "pkey"), "users_pkey");
        let long = "a".repeat(60);
        let name = object_name(&long, Some("email"), "fkey");
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("_email_fkey"));
        assert_eq!(
            choose("t", Some("a"), "idx", |n| n == "t_a_idx"),
            "t_a_idx1"
        );
    }
}
