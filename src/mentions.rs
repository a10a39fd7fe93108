//! The rare words that make several stages read a file closely, found in one pass: a
//! template (`parse::template`), a suppression comment (`suppress`), a migration tool's
//! section marker (`convention`). Each stage searched the whole text for its own, nine
//! passes over every file; most files mention none of them.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

/// What a template starts with: a Go template, a Flyway placeholder, a psql `\set`.
pub const TEMPLATE_WORDS: [&str; 3] = ["{{", "${", "\\set"];

/// What a comment that suppresses a finding says.
pub const SUPPRESSION: &str = "locksmith:ignore";

/// A word every section marker holds (dbmate's and sql-migrate's `migrate`, goose's).
pub const SECTION_WORDS: [&str; 2] = ["migrate", "goose"];

/// Which of the words a text mentions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mentions {
    /// One of [`TEMPLATE_WORDS`].
    pub template: bool,
    /// [`SUPPRESSION`].
    pub suppression: bool,
    /// One of [`SECTION_WORDS`].
    pub section_marker: bool,
}

impl Mentions {
    pub fn of(text: &str) -> Mentions {
        static WORDS: LazyLock<AhoCorasick> = LazyLock::new(|| {
            let words = TEMPLATE_WORDS
                .iter()
                .chain([&SUPPRESSION])
                .chain(&SECTION_WORDS);
            // Leftmost matching, which can search with SIMD (Teddy).
            AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                .build(words)
                .expect("a handful of short words")
        });
        let mut found = Mentions::default();
        // No word of one kind can end with the start of a word of another kind, so a
        // match never hides one of another kind that starts inside it.
        for word in WORDS.find_iter(text) {
            // The words in the order the automaton was given them.
            let at = word.pattern().as_usize();
            if at < TEMPLATE_WORDS.len() {
                found.template = true;
            } else if at == TEMPLATE_WORDS.len() {
                found.suppression = true;
            } else {
                found.section_marker = true;
            }
            if found.template && found.suppression && found.section_marker {
                break;
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same answers as a search for each word, on texts built from pieces of them.
    #[test]
    fn one_pass_finds_what_a_search_for_each_word_finds() {
        let pieces = [
            "{",
            "}",
            "$",
            "{{",
            "${",
            "\\",
            "\\se",
            "set",
            "locksmith:",
            "ignore",
            "locksmith:ignore",
            "migra",
            "te",
            "migrate",
            "goo",
            "se",
            "goose",
            "-- ",
            "\n",
            "é",
        ];
        let mut below = crate::test_rng::seeded(7);
        for _ in 0..20_000 {
            let text: String = (0..below(8)).map(|_| pieces[below(pieces.len())]).collect();
            let any = |words: &[&str]| words.iter().any(|w| text.contains(w));
            let expected = Mentions {
                template: any(&TEMPLATE_WORDS),
                suppression: text.contains(SUPPRESSION),
                section_marker: any(&SECTION_WORDS),
            };
            assert_eq!(Mentions::of(&text), expected, "{text:?}");
        }
    }
}
