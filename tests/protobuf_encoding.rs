//! build/upb.rs builds libpg_query's protobuf encoder with one change (a `Node` encodes the
//! case that is set instead of testing its 271 fields). The bytes must be the ones the stock
//! encoder writes: prost, which pg_query decodes with, writes the same canonical encoding,
//! so every parse tree of the fixtures is encoded by libpg_query and by prost and compared,
//! and printed back to SQL to check that it is the whole tree.
//! The test passes on a stock build as well (`LOCKSMITH_STOCK_UPB=1 cargo test --test
//! protobuf_encoding`), which is what shows that the two encoders agree.

use prost::Message;

#[path = "support/sql_texts.rs"]
mod sql_texts;

/// libpg_query's own encoding of the text's parse tree; `None` for a syntax error.
fn encoded_by_libpg_query(sql: &str) -> Option<Vec<u8>> {
    locksmith::parse::encoded_tree(sql, <[u8]>::to_vec).ok()
}

#[test]
fn libpg_query_encodes_every_fixture_as_prost_does() {
    let texts = sql_texts::sql_texts();
    let checked = check(&texts);
    assert!(
        checked.compared > 200 && checked.statements > 500,
        "{} texts, {} statements",
        checked.compared,
        checked.statements
    );
    assert!(
        checked.round_trips * 10 > checked.compared * 9,
        "{} of {} printed back",
        checked.round_trips,
        checked.compared
    );
}

/// The same checks on every `.sql` file under `PROTOBUF_DIR`, by hand:
/// `PROTOBUF_DIR=DIR cargo test --release --test protobuf_encoding -- --ignored --nocapture`.
#[test]
#[ignore]
fn compare_a_directory() {
    let dir = std::env::var("PROTOBUF_DIR").expect("PROTOBUF_DIR names a directory");
    let texts = sql_texts::sql_texts_under(std::path::Path::new(&dir));
    let checked = check(&texts);
    eprintln!(
        "{} files: {} parsed ({} statements), {} printed back with the text's fingerprint",
        texts.len(),
        checked.compared,
        checked.statements,
        checked.round_trips
    );
}

struct Checked {
    compared: usize,
    statements: usize,
    round_trips: usize,
}

/// Panics where libpg_query's encoding differs from prost's or a tree printed back loses
/// something; counts what it checked.
fn check(texts: &[(String, String)]) -> Checked {
    let (mut compared, mut statements, mut round_trips) = (0, 0, 0);
    for (name, sql) in texts {
        let Some(bytes) = encoded_by_libpg_query(sql) else {
            continue;
        };
        let tree = pg_query::protobuf::ParseResult::decode(bytes.as_slice()).unwrap();
        assert!(
            tree.encode_to_vec() == bytes,
            "{name}: the encodings differ"
        );
        compared += 1;
        statements += tree.stmts.len();
        // And nothing is lost: the tree, printed back to SQL by libpg_query's deparser, has
        // the fingerprint libpg_query computes from the text without protobuf.
        let Ok(printed) = pg_query::deparse(&tree, Default::default()) else {
            continue;
        };
        let fingerprint = |sql: &str| {
            pg_query::fingerprint(sql, 0, pg_query::FingerprintOptions::FULL_RELNAME)
                .map(|f| f.value)
                .ok()
        };
        assert_eq!(fingerprint(&printed), fingerprint(sql), "{name}: {printed}");
        round_trips += 1;
    }
    Checked {
        compared,
        statements,
        round_trips,
    }
}

/// The change is in the build CI runs (a fallback to the stock encoder is only a warning at
/// build time).
#[test]
fn the_node_case_encoder_is_linked() {
    assert!(
        cfg!(upb_node_case) || std::env::var_os("LOCKSMITH_STOCK_UPB").is_some(),
        "build/upb.rs did not build the encoder (see the build's warnings)"
    );
}
