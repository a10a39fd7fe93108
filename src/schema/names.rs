//! The names PostgreSQL chooses for what a statement leaves unnamed (ChooseRelationName /
//! ChooseConstraintName in src/backend/commands/indexcmds.c): `table_column_suffix`,
//! shortened to fit NAMEDATALEN - 1 bytes and made unique with a number.

const MAX: usize = 63;

/// `makeObjectName`: `name1_name2_label`, the longer of name1/name2 shortened first.
pub fn object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    // Shortened as slices and written once: a name is made for every serial column and
    // every constraint, and copies of both parts, then a `format!`, were four allocations.
    let (mut a, mut b) = (name1, name2.unwrap_or_default());
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let without_last = |s: &str| s.char_indices().next_back().map_or(0, |(at, _)| at);
    while a.len() + b.len() + overhead > MAX {
        if a.len() > b.len() {
            a = &a[..without_last(a)];
        } else {
            b = &b[..without_last(b)];
        }
    }
    let mut name = String::with_capacity(a.len() + b.len() + overhead);
    name.push_str(a);
    name.push('_');
    if name2.is_some() {
        name.push_str(b);
        name.push('_');
    }
    name.push_str(label);
    name
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

    /// `makeObjectName` as first written here: copies of both names, the longer one's last
    /// character popped until the name fits.
    fn object_name_by_pops(name1: &str, name2: Option<&str>, label: &str) -> String {
        let (mut a, mut b) = (name1.to_string(), name2.unwrap_or_default().to_string());
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

    #[test]
    fn names_are_shortened_as_by_popping_characters() {
        let pieces = ["", "a", "é", "日本", "x_y", "🦀"];
        let mut below = crate::test_rng::seeded(7);
        for _ in 0..5_000 {
            let mut part = |most: usize| -> String {
                let count = below(most);
                (0..count).map(|_| pieces[below(pieces.len())]).collect()
            };
            let (name1, name2, label) = (part(60), part(60), part(4) + "key");
            for name2 in [None, Some(name2.as_str())] {
                let name = object_name(&name1, name2, &label);
                assert_eq!(name, object_name_by_pops(&name1, name2, &label));
                assert!(name.len() <= MAX, "{name}");
            }
        }
    }
}
