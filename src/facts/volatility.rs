//! Whether a column DEFAULT is volatile: PostgreSQL 11+ stores a non-volatile default in
//! the catalog, but must compute a volatile one for every existing row (a rewrite).
//! <https://www.postgresql.org/docs/current/ddl-alter.html#DDL-ALTER-ADDING-A-COLUMN>
//!
//! A function's volatility is read from `pg_proc.provolatile` of a real server
//! (`pg_proc_volatility.txt`, written by `scripts/gen-volatility`, which records the
//! version it came from), plus the short list below of what that catalog cannot hold.
//! Operators are not looked up: no built-in operator calls a volatile function (the
//! script checks this on the server it reads).

use std::collections::HashMap;
use std::sync::LazyLock;

use pg_query::{NodeEnum, NodeRef};

/// `pg_proc` of the server the script ran against, with extension sections.
const CATALOG: &str = include_str!("pg_proc_volatility.txt");

/// Functions the generated catalog lacks: built-ins newer than its version, and
/// extensions the script does not install. (name, provolatile, where it comes from)
const NOT_IN_CATALOG: &[(&str, u8, &str)] = &[
    ("random_normal", b'v', "built in from PostgreSQL 16"),
    ("uuidv4", b'v', "built in from PostgreSQL 18"),
    ("uuidv7", b'v', "built in from PostgreSQL 18"),
    ("uuid_generate_v7", b'v', "pg_uuidv7"),
    ("gen_ulid", b'v', "pgx_ulid"),
];

/// A function's volatility and where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    /// `i` immutable, `s` stable, `v` volatile (as `provolatile`).
    pub volatility: u8,
    /// `None`: built in (in the catalog's version); otherwise the extension, or the
    /// newer version, it comes from.
    pub from: Option<&'static str>,
}

struct Catalog {
    version: &'static str,
    functions: HashMap<&'static str, Known>,
}

static TABLE: LazyLock<Catalog> = LazyLock::new(|| {
    let mut version = "";
    let mut functions = HashMap::new();
    let mut from: Option<&'static str> = None;
    for line in CATALOG.lines().filter(|l| !l.starts_with('#')) {
        if let Some(v) = line.strip_prefix("@version ") {
            version = v;
        } else if line == "@builtin" {
            from = None;
        } else if let Some(ext) = line.strip_prefix("@extension ") {
            from = Some(ext);
        } else if let Some((name, v)) = line.split_once(' ') {
            // A built-in name wins over an extension's function of the same name.
            let known = Known {
                volatility: v.bytes().next().unwrap_or(b'v'),
                from,
            };
            functions.entry(name).or_insert(known);
        }
    }
    for (name, volatility, source) in NOT_IN_CATALOG {
        functions.entry(*name).or_insert(Known {
            volatility: *volatility,
            from: Some(source),
        });
    }
    Catalog { version, functions }
});

/// The PostgreSQL version the catalog was generated from (`15.18 (Debian ...)`).
pub fn catalog_version() -> &'static str {
    TABLE.version
}

/// The catalog's major version (`15`).
pub fn catalog_major() -> &'static str {
    let version = catalog_version();
    version.split(['.', ' ']).next().unwrap_or(version)
}

/// What the catalog says about a function (by unqualified name, any case).
pub fn function(name: &str) -> Option<Known> {
    TABLE
        .functions
        .get(name)
        .or_else(|| TABLE.functions.get(name.to_ascii_lowercase().as_str()))
        .copied()
}

/// The volatility of a DEFAULT expression, with the function that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Volatility {
    NonVolatile,
    Volatile(String),
    /// A function the catalog does not know (a user's own): assumed volatile, which is
    /// PostgreSQL's default for `CREATE FUNCTION`.
    Unknown(String),
}

pub fn default_volatility(expr: &NodeEnum) -> Volatility {
    let mut unknown = None;
    for (node, ..) in expr.nodes() {
        match node {
            NodeRef::FuncCall(call) => {
                let name = call
                    .funcname
                    .iter()
                    .filter_map(|n| match &n.node {
                        Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
                        _ => None,
                    })
                    .next_back()
                    .unwrap_or("");
                match function(name) {
                    Some(known) if known.volatility == b'v' => {
                        return Volatility::Volatile(format!("{}()", name.to_ascii_lowercase()));
                    }
                    Some(_) => {}
                    None if unknown.is_none() => unknown = Some(format!("{name}()")),
                    None => {}
                }
            }
            NodeRef::SubLink(_) => return Volatility::Unknown("a subquery".into()),
            _ => {}
        }
    }
    unknown.map_or(Volatility::NonVolatile, Volatility::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn volatility(default: &str) -> Volatility {
        let sql = format!("SELECT {default}");
        let parsed = pg_query::parse(&sql, pg_query::ParserOptions::DEFAULT).unwrap();
        let Some(NodeEnum::SelectStmt(select)) =
            parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone()
        else {
            panic!()
        };
        let Some(NodeEnum::ResTarget(target)) = select.target_list[0].node.clone() else {
            panic!()
        };
        default_volatility(target.val.unwrap().node.as_ref().unwrap())
    }

    #[test]
    fn the_catalog_is_a_real_servers() {
        assert!(
            catalog_version().starts_with("15."),
            "{}",
            catalog_version()
        );
        // Thousands of built-ins, as pg_proc holds.
        assert!(TABLE.functions.len() > 2500, "{}", TABLE.functions.len());
        let at = |name| function(name).map(|k| (k.volatility, k.from));
        assert_eq!(at("now"), Some((b's', None)));
        assert_eq!(at("lower"), Some((b'i', None)));
        assert_eq!(at("random"), Some((b'v', None)));
        assert_eq!(at("uuid_generate_v4"), Some((b'v', Some("uuid-ossp"))));
        assert_eq!(at("uuid_generate_v5"), Some((b'i', Some("uuid-ossp"))));
        assert_eq!(at("gen_random_bytes"), Some((b'v', Some("pgcrypto"))));
        // Built in since 13; pgcrypto's same-named function does not shadow it.
        assert_eq!(at("gen_random_uuid"), Some((b'v', None)));
        assert_eq!(
            at("uuidv7"),
            Some((b'v', Some("built in from PostgreSQL 18")))
        );
        assert_eq!(at("NOW"), Some((b's', None)));
        assert_eq!(at("make_id"), None);
    }

    #[test]
    fn not_volatile() {
        for default in [
            "0",
            "'{}'::jsonb",
            "now()",
            "CURRENT_TIMESTAMP",
            "now() - interval '1 day'",
            "'{}'::text[]",
            "ARRAY[]::int[]",
            "lower('A')",
            "pg_catalog.now()",
            "timezone('utc', now())",
            "uuid_generate_v5(uuid_ns_url(), 'x')",
        ] {
            assert_eq!(volatility(default), Volatility::NonVolatile, "{default}");
        }
    }

    #[test]
    fn volatile() {
        for (default, function) in [
            ("random()", "random()"),
            ("(random() * 10)::int", "random()"),
            ("gen_random_uuid()", "gen_random_uuid()"),
            ("clock_timestamp()", "clock_timestamp()"),
            ("nextval('users_id_seq'::regclass)", "nextval()"),
            ("uuid_generate_v4()", "uuid_generate_v4()"),
            ("public.uuid_generate_v4()", "uuid_generate_v4()"),
            ("md5(random()::text)", "random()"),
        ] {
            assert_eq!(
                volatility(default),
                Volatility::Volatile(function.into()),
                "{default}"
            );
        }
    }

    #[test]
    fn unknown_functions_are_assumed_volatile() {
        assert_eq!(
            volatility("public.make_id()"),
            Volatility::Unknown("make_id()".into())
        );
        assert_eq!(
            volatility("(SELECT max(id) FROM t)"),
            Volatility::Unknown("a subquery".into())
        );
    }
}
