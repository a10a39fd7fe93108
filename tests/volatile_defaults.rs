//! `adding-column-with-volatile-default` decides volatility from PostgreSQL's catalog of
//! built-in functions (src/facts/pg_proc_volatility.txt, generated from a real server by
//! scripts/gen-volatility): each example of issue 13, linted as an `ADD COLUMN` on an
//! existing table.

use locksmith::config::Config;
use locksmith::lint::lint_sql;
use locksmith::source::SourceFile;

const RULE: &str = "adding-column-with-volatile-default";

/// The rule's messages for `ALTER TABLE users ADD COLUMN c <type> DEFAULT <default>`.
fn messages(ty: &str, default: &str) -> Vec<String> {
    let sql = format!(
        "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN c {ty} DEFAULT {default};\n"
    );
    lint_sql(SourceFile::new("case.sql", sql), &Config::default())
        .findings
        .into_iter()
        .filter(|f| f.rule.id == RULE)
        .map(|f| f.message)
        .collect()
}

#[test]
fn stable_and_immutable_defaults_do_not_rewrite() {
    for (ty, default) in [
        ("timestamptz", "now()"),
        ("timestamptz", "CURRENT_TIMESTAMP"),
        ("timestamptz", "now() - interval '1 day'"),
        ("text[]", "'{}'::text[]"),
        ("int[]", "ARRAY[]::int[]"),
    ] {
        assert_eq!(messages(ty, default), Vec::<String>::new(), "{default}");
    }
}

#[test]
fn volatile_defaults_rewrite_and_name_the_function() {
    for (ty, default, function) in [
        ("float8", "random()", "random()"),
        ("uuid", "gen_random_uuid()", "gen_random_uuid()"),
        ("timestamptz", "clock_timestamp()", "clock_timestamp()"),
        ("bigint", "nextval('users_c_seq')", "nextval()"),
        // uuid-ossp, from the extension section of the catalog.
        ("uuid", "uuid_generate_v4()", "uuid_generate_v4()"),
    ] {
        let found = messages(ty, default);
        assert_eq!(found.len(), 1, "{default}: {found:?}");
        assert!(
            found[0].ends_with(&format!("{function} is volatile")),
            "{default}: {}",
            found[0]
        );
    }
}

#[test]
fn an_unknown_user_function_is_assumed_volatile_and_the_message_says_so() {
    let found = messages("text", "app.make_code()");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains(
            "make_code() is neither a built-in function (PostgreSQL 15's catalog) nor a known extension's, so it is assumed volatile"
        ),
        "{}",
        found[0]
    );
}
