//! The Python/Alembic renderer: one revision file's text rendered statically to SQL, and
//! its identifiers read as for the other revisions of a one-file run.

use locksmith::alembic::render::{read_revision_metadata, render_revision};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = read_revision_metadata(text);
            let _ = render_revision(text);
        }
    });
}
