//! What differs between two catalogs, in words (`check-downgrade`: the catalog before a
//! revision's upgrade against the one after its upgrade and downgrade).

use std::fmt::Debug;

use super::Catalog;
use super::ddl::qualified;

/// Differences between `before` and `after`, `after_what` naming the second state
/// ("after downgrade"): "index ix_users_email is missing after downgrade", "column
/// users.age: integer before, bigint after".
pub fn differences(before: &Catalog, after: &Catalog, after_what: &str) -> Vec<String> {
    let mut out = Vec::new();
    for s in before.schemas.difference(&after.schemas) {
        out.push(format!("schema {s} is missing {after_what}"));
    }
    for s in after.schemas.difference(&before.schemas) {
        out.push(format!("schema {s} is left over {after_what}"));
    }
    presence(&before.tables, &after.tables, "table", after_what, &mut out);
    for (key, old) in &before.tables {
        let Some(new) = after.tables.get(key) else {
            continue;
        };
        let table = qualified(key);
        for c in &old.columns {
            let Some(n) = new.columns.iter().find(|n| n.name == c.name) else {
                out.push(format!("column {table}.{} is missing {after_what}", c.name));
                continue;
            };
            let name = format!("column {table}.{}", c.name);
            if (&c.ty, c.type_schema()) != (&n.ty, n.type_schema()) {
                out.push(format!(
                    "{name}: {} before, {} after",
                    c.type_sql(),
                    n.type_sql()
                ));
            }
            if c.not_null != n.not_null {
                let word = |b: bool| if b { "NOT NULL" } else { "nullable" };
                out.push(format!(
                    "{name}: {} before, {} after",
                    word(c.not_null),
                    word(n.not_null)
                ));
            }
            let show = |o: &Option<String>| o.clone().unwrap_or_else(|| "none".into());
            if stored_default(&c.default) != stored_default(&n.default) {
                out.push(format!(
                    "{name}: default {} before, {} after",
                    show(&c.default),
                    show(&n.default)
                ));
            }
            if c.identity() != n.identity() || c.generated() != n.generated() {
                out.push(format!("{name}: identity or generation expression differs"));
            }
        }
        for n in &new.columns {
            if !old.columns.iter().any(|c| c.name == n.name) {
                out.push(format!(
                    "column {table}.{} is left over {after_what}",
                    n.name
                ));
            }
        }
        if old
            .columns
            .iter()
            .map(|c| &c.name)
            .ne(new.columns.iter().map(|c| &c.name))
            && old.columns.len() == new.columns.len()
        {
            out.push(format!(
                "table {table}: columns are in another order {after_what}"
            ));
        }
        for c in &old.constraints {
            match new.constraints.iter().find(|n| n.name == c.name) {
                None => out.push(format!(
                    "constraint {} on {table} is missing {after_what}",
                    c.name
                )),
                Some(n) if n.definition != c.definition => out.push(format!(
                    "constraint {} on {table}: {} before, {} after",
                    c.name, c.definition, n.definition
                )),
                Some(n) if n.validated != c.validated => out.push(format!(
                    "constraint {} on {table}: {} before, {} after",
                    c.name,
                    valid(c.validated),
                    valid(n.validated)
                )),
                Some(_) => {}
            }
        }
        for n in &new.constraints {
            if !old.constraints.iter().any(|c| c.name == n.name) {
                out.push(format!(
                    "constraint {} on {table} is left over {after_what}",
                    n.name
                ));
            }
        }
        if old.partition_by != new.partition_by || old.partition_of != new.partition_of {
            out.push(format!("table {table}: partitioning differs {after_what}"));
        }
    }
    presence(
        &before.indexes,
        &after.indexes,
        "index",
        after_what,
        &mut out,
    );
    changed(&before.indexes, &after.indexes, "index", &mut out);
    presence(&before.enums, &after.enums, "type", after_what, &mut out);
    for (key, values) in &before.enums {
        if let Some(new) = after.enums.get(key) {
            for v in values.iter().filter(|v| !new.contains(v)) {
                out.push(format!(
                    "enum value {}.'{v}' is missing {after_what}",
                    qualified(key)
                ));
            }
            for v in new.iter().filter(|v| !values.contains(v)) {
                out.push(format!(
                    "enum value {}.'{v}' is left over {after_what}",
                    qualified(key)
                ));
            }
        }
    }
    presence(
        &before.sequences,
        &after.sequences,
        "sequence",
        after_what,
        &mut out,
    );
    presence(&before.views, &after.views, "view", after_what, &mut out);
    changed(&before.views, &after.views, "view", &mut out);
    out
}

fn valid(v: bool) -> &'static str {
    if v { "validated" } else { "NOT VALID" }
}

fn presence<V>(
    before: &crate::schema::KeyMap<V>,
    after: &crate::schema::KeyMap<V>,
    what: &str,
    after_what: &str,
    out: &mut Vec<String>,
) {
    for key in before.keys().filter(|k| !after.contains_key(k)) {
        out.push(format!("{what} {} is missing {after_what}", qualified(key)));
    }
    for key in after.keys().filter(|k| !before.contains_key(k)) {
        out.push(format!(
            "{what} {} is left over {after_what}",
            qualified(key)
        ));
    }
}

fn changed<V: PartialEq + Debug>(
    before: &crate::schema::KeyMap<V>,
    after: &crate::schema::KeyMap<V>,
    what: &str,
    out: &mut Vec<String>,
) {
    for (key, old) in before {
        if after.get(key).is_some_and(|new| new != old) {
            out.push(format!("{what} {}: its definition differs", qualified(key)));
        }
    }
}

/// A default as PostgreSQL stores it, for comparison: `DEFAULT NULL` is no default (the
/// server records none), and see [`literal_default`].
fn stored_default(default: &Option<String>) -> Option<&str> {
    let default = literal_default(default.as_deref()?);
    let null = default.eq_ignore_ascii_case("null")
        || default
            .get(..6)
            .is_some_and(|p| p.eq_ignore_ascii_case("null::"));
    (!null).then_some(default)
}

/// `'darkly'` and `'darkly'::character varying` are the same default of a varchar column
/// (the server records the cast to the column's type, a migration's SQL usually does not).
fn literal_default(default: &str) -> &str {
    let Some(end) = default.rfind("'::") else {
        return default;
    };
    let cast = &default[end + 3..];
    let is_type = cast
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '"' | '(' | ')' | ',' | '.'));
    if default.starts_with('\'') && is_type {
        &default[..end + 1]
    } else {
        default
    }
}

#[cfg(test)]
mod tests {
    use super::{literal_default, stored_default};

    #[test]
    fn a_literal_default_compares_without_its_cast() {
        assert_eq!(literal_default("'darkly'::character varying"), "'darkly'");
        assert_eq!(literal_default("'a'::varchar(10)"), "'a'");
        assert_eq!(literal_default("'darkly'"), "'darkly'");
        assert_eq!(literal_default("now()"), "now()");
        assert_eq!(
            literal_default("('a'::text || 'b'::text)"),
            "('a'::text || 'b'::text)"
        );
        assert_eq!(stored_default(&Some("NULL".into())), None);
        assert_eq!(stored_default(&Some("NULL::text".into())), None);
        assert_eq!(stored_default(&Some("now()".into())), Some("now()"));
    }
}
