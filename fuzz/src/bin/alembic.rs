//! The Python/Alembic renderer: one revision file's text rendered statically to SQL.

use locksmith::alembic::render::render_revision;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = render_revision(text);
        }
    });
}
