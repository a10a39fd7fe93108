//! Whether a column DEFAULT is volatile: PostgreSQL 11+ stores a non-volatile default in
//! the catalog, but must compute a volatile one for every existing row (a rewrite).
//! <https://www.postgresql.org/docs/current/ddl-alter.html#DDL-ALTER-ADDING-A-COLUMN>

use pg_query::{NodeEnum, NodeRef};

/// Built-in functions marked VOLATILE in pg_proc (and common extension ones).
const VOLATILE: &[&str] = &[
    "random",
    "random_normal",
    "setseed",
    "gen_random_uuid",
    "uuidv4",
    "uuidv7",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "setval",
    "currval",
    "lastval",
    "gen_random_bytes",
];

/// Built-in functions that are STABLE or IMMUTABLE and show up in defaults. `now()` and
/// friends are STABLE: evaluated once per statement, so the default is a constant.
const NON_VOLATILE: &[&str] = &[
    "now",
    "transaction_timestamp",
    "statement_timestamp",
    "current_timestamp",
    "localtimestamp",
    "current_date",
    "timezone",
    "date_trunc",
    "make_interval",
    "make_date",
    "make_timestamp",
    "make_timestamptz",
    "to_timestamp",
    "to_date",
    "to_char",
    "to_json",
    "to_jsonb",
    "json_build_object",
    "jsonb_build_object",
    "json_build_array",
    "jsonb_build_array",
    "array_fill",
    "lower",
    "upper",
    "concat",
    "concat_ws",
    "length",
    "md5",
    "abs",
    "coalesce",
    "nullif",
    "greatest",
    "least",
    "current_user",
    "session_user",
    "current_setting",
    "current_schema",
    "inet_client_addr",
    "txid_current",
    "pg_current_xact_id",
];

/// The volatility of a DEFAULT expression, with the function that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Volatility {
    NonVolatile,
    Volatile(String),
    /// A function the model does not know: assumed volatile, PostgreSQL's default for
    /// `CREATE FUNCTION`.
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
                    .unwrap_or("")
                    .to_ascii_lowercase();
                if VOLATILE.contains(&name.as_str()) {
                    return Volatility::Volatile(format!("{name}()"));
                }
                if !NON_VOLATILE.contains(&name.as_str()) && unknown.is_none() {
                    unknown = Some(format!("{name}()"));
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
    fn classifies_common_defaults() {
        assert_eq!(volatility("0"), Volatility::NonVolatile);
        assert_eq!(volatility("'{}'::jsonb"), Volatility::NonVolatile);
        assert_eq!(volatility("now()"), Volatility::NonVolatile);
        assert_eq!(volatility("CURRENT_TIMESTAMP"), Volatility::NonVolatile);
        assert_eq!(volatility("lower('A')"), Volatility::NonVolatile);
        assert_eq!(
            volatility("gen_random_uuid()"),
            Volatility::Volatile("gen_random_uuid()".into())
        );
        assert_eq!(
            volatility("(random() * 10)::int"),
            Volatility::Volatile("random()".into())
        );
        assert_eq!(
            volatility("clock_timestamp()"),
            Volatility::Volatile("clock_timestamp()".into())
        );
        assert_eq!(
            volatility("public.make_id()"),
            Volatility::Unknown("make_id()".into())
        );
    }
}
