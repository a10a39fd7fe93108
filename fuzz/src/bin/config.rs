//! The configuration loader: a `lint.yaml`'s text.

use locksmith::config::Config;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = Config::parse(text, "lint.yaml");
        }
    });
}
