//! The parse tree read straight from libpg_query's C nodes (src/parse/direct.rs) against
//! the one its protobuf output decodes to: they must be equal, or both paths must refuse
//! the text. A difference is a crash.

use locksmith::parse::{tree_read_directly, tree_through_protobuf};

/// What locksmith's parsing thread has (src/parse/mod.rs): deep trees recurse.
const STACK: usize = 256 << 20;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let same = locksmith::stack::with_stack(STACK, || {
            let direct = tree_read_directly(text).expect("built without build/direct.rs");
            match (direct, tree_through_protobuf(text)) {
                (Ok(direct), Ok(protobuf)) => direct == protobuf,
                (Err(_), Err(_)) => true,
                _ => false,
            }
        });
        assert!(same.unwrap(), "the two trees differ");
    });
}
