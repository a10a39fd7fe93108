//! An identifier longer than 63 bytes, which PostgreSQL silently truncates.

use pg_query::protobuf::Token;

use super::advice::{indented, python_string};
use super::{Advice, Category, Check, Rule, Severity, StatementView, Violation};

pub static RULE: Rule = Rule {
    id: "identifier-too-long",
    severity: Severity::Warning,
    default_enabled: true,
    category: Category::Design,
    summary: "an identifier over 63 bytes, which PostgreSQL silently truncates",
    check: Check::Statement(check),
};

/// NAMEDATALEN - 1.
const MAX_BYTES: usize = 63;

/// Whether scanning can find anything: an unquoted identifier is one run of identifier
/// characters and a quoted one the bytes between its quotes (a doubled quote counts once;
/// `U&"..."` escapes only shorten it), so without such a run over 63 bytes there is none
/// to report and the statement is not scanned (most are not). Every statement is checked,
/// so the text between quotes is sampled ([`has_long_run`]) rather than read byte by byte.
fn may_hold_long_identifier(sql: &str) -> bool {
    let bytes = sql.as_bytes();
    let mut from = 0;
    loop {
        let open = memchr::memchr(b'"', &bytes[from..]).map(|i| from + i);
        if has_long_run(&bytes[from..open.unwrap_or(bytes.len())]) {
            return true;
        }
        let Some(open) = open else {
            return false;
        };
        let (quoted, close) = quoted_identifier(bytes, open);
        if quoted > MAX_BYTES {
            return true;
        }
        from = (close + 1).min(bytes.len());
    }
}

/// The quoted identifier opening at `open`: how many bytes it names (a doubled quote counts
/// once) and where its closing quote is (the text's end when there is none).
fn quoted_identifier(bytes: &[u8], open: usize) -> (usize, usize) {
    let (mut at, mut quoted) = (open + 1, 0);
    loop {
        match (bytes.get(at), bytes.get(at + 1)) {
            (Some(b'"'), Some(b'"')) => at += 2,
            (Some(b'"'), _) | (None, _) => return (quoted, at),
            _ => at += 1,
        }
        quoted += 1;
    }
}

fn is_identifier_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// Whether `bytes` holds a run of more than 63 identifier bytes. Any such run covers 64
/// consecutive positions, so probing one byte in 64 meets it: a probe that lands on an
/// identifier byte measures its run, and the next probe goes 64 bytes past where it ends.
fn has_long_run(bytes: &[u8]) -> bool {
    let mut probe = MAX_BYTES;
    while let Some(&b) = bytes.get(probe) {
        if !is_identifier_byte(b) {
            probe += MAX_BYTES + 1;
            continue;
        }
        let start = bytes[..probe]
            .iter()
            .rposition(|&b| !is_identifier_byte(b))
            .map_or(0, |i| i + 1);
        let end = bytes[probe..]
            .iter()
            .position(|&b| !is_identifier_byte(b))
            .map_or(bytes.len(), |i| probe + i);
        if end - start > MAX_BYTES {
            return true;
        }
        probe = end + MAX_BYTES + 1;
    }
    false
}

/// Reads the statement's tokens: the parse tree already holds the truncated names.
fn check(input: &StatementView) -> Vec<Violation> {
    if !may_hold_long_identifier(input.sql) {
        return Vec::new();
    }
    let Ok(tokens) = pg_query::scan_tokens(input.sql) else {
        return Vec::new();
    };
    tokens
        .iter()
        .filter(|t| t.token == Token::Ident as i32)
        .filter_map(|t| {
            let span = usize::try_from(t.start).ok()?..usize::try_from(t.end).ok()?;
            let written = input.sql.get(span.clone())?;
            let name = match written.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => written.to_lowercase(),
            };
            if name.len() <= MAX_BYTES {
                return None;
            }
            let mut cut = MAX_BYTES;
            while !name.is_char_boundary(cut) {
                cut -= 1;
            }
            let truncated = &name[..cut];
            Some(
                Violation::with(
                    format!(
                        "identifier {written} is {} bytes: PostgreSQL silently truncates it to \
                         {MAX_BYTES} bytes (\"{truncated}\"), so later statements and code that use \
                         the full name may not match, and two long names can collide",
                        name.len()
                    ),
                    Advice::sql(format!(
                        "choose a name of at most {MAX_BYTES} bytes and write it out, e.g. the \
                         name PostgreSQL would keep:\n  {}",
                        indented(&renamed(input.sql, &span, truncated))
                    ))
                    .with_alembic(|| format!(
                        "pass a name of at most {MAX_BYTES} bytes explicitly (generated index and \
                         constraint names: name=\"...\" or a shorter naming_convention on the \
                         MetaData), e.g. name={}",
                        python_string(truncated)
                    )),
                )
                .at_span(span),
            )
        })
        .collect()
}

/// The statement, whitespace collapsed, with the identifier at `span` replaced by `name`.
fn renamed(sql: &str, span: &std::ops::Range<usize>, name: &str) -> String {
    let text = format!(
        "{}{}{}",
        &sql[..span.start],
        crate::parse::ident::quote_ident(name),
        &sql[span.end..]
    );
    // A `--` comment would swallow the rest of a collapsed line: keep the lines then.
    let flat = if text.contains("--") {
        text.trim().to_string()
    } else {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    format!("{};", flat.trim_end_matches(';'))
}

#[cfg(test)]
mod tests {
    use super::{may_hold_long_identifier, renamed};
    use crate::rules::cases::assert_cases;

    #[test]
    fn help_renames_the_identifier_and_keeps_comments_apart() {
        assert_eq!(
            renamed("CREATE TABLE abc\n  (id int)", &(13..16), "ab"),
            "CREATE TABLE ab (id int);"
        );
        assert_eq!(
            renamed("CREATE TABLE abc -- note\n(id int)", &(13..16), "ab"),
            "CREATE TABLE ab -- note\n(id int);"
        );
    }

    #[test]
    fn cases() {
        let long = "a".repeat(64);
        let limit = "b".repeat(63);
        assert_cases(
            "identifier-too-long",
            &[
                &format!("CREATE TABLE {limit} (id bigint)"),
                &format!("CREATE TABLE t (c text DEFAULT '{long}')"),
                &format!("CREATE TABLE \"{limit}\" (id bigint)"),
            ],
            &[
                &format!("CREATE TABLE {long} (id bigint)"),
                &format!("CREATE TABLE t ({long} bigint)"),
                &format!("CREATE INDEX CONCURRENTLY {long} ON t (id)"),
                &format!("ALTER TABLE t ADD CONSTRAINT \"{long}\" CHECK (id > 0) NOT VALID"),
                &format!("CREATE TABLE t (id bigint, CONSTRAINT {long} UNIQUE (id))"),
            ],
        );
    }

    /// The pre-check skips the scan only where no identifier can be over 63 bytes.
    #[test]
    fn statements_are_scanned_when_they_can_hold_a_long_identifier() {
        let long = "a".repeat(64);
        assert!(may_hold_long_identifier(&format!(
            "ALTER TABLE {long} ADD c int"
        )));
        assert!(may_hold_long_identifier(&format!("DROP TABLE x.{long}")));
        assert!(may_hold_long_identifier(&format!(
            "CREATE TABLE é{}",
            "é".repeat(32)
        )));
        assert!(may_hold_long_identifier(&format!(
            "CREATE TABLE \"a {}\" (id int)",
            "b".repeat(62)
        )));
        assert!(may_hold_long_identifier(&format!(
            "CREATE TABLE \"{}\"\"{}\" (id int)",
            "a".repeat(31),
            "b".repeat(32)
        )));
        assert!(!may_hold_long_identifier(&format!(
            "CREATE TABLE \"{}\"\"{}\" (id int)",
            "a".repeat(31),
            "b".repeat(31)
        )));
        assert!(!may_hold_long_identifier(
            "CREATE TABLE \"a b\" (\"Id\" int)"
        ));
        assert!(may_hold_long_identifier(&format!(
            "COMMENT ON TABLE t IS '\"{}",
            "x ".repeat(40)
        )));
        assert!(!may_hold_long_identifier(&format!(
            "ALTER TABLE {} ADD c int",
            "a".repeat(63)
        )));
        assert!(!may_hold_long_identifier(
            "ALTER TABLE users ADD COLUMN email text"
        ));
    }

    /// The byte-by-byte reading the sampled one replaced (quoted names read alike): the same
    /// answer on every text.
    fn reads_a_long_identifier(sql: &str) -> bool {
        let bytes = sql.as_bytes();
        let (mut at, mut run) = (0, 0);
        while let Some(&b) = bytes.get(at) {
            at += 1;
            if b == b'"' {
                let (quoted, close) = super::quoted_identifier(bytes, at - 1);
                if quoted > 63 {
                    return true;
                }
                at = close + 1;
                run = 0;
            } else if super::is_identifier_byte(b) {
                run += 1;
                if run > 63 {
                    return true;
                }
            } else {
                run = 0;
            }
        }
        false
    }

    #[test]
    fn sampling_answers_as_reading_every_byte_does() {
        let mut below = crate::test_rng::seeded(12);
        let pieces = ["a", "_", "é", " ", "\"", "\"\"", "(", "1", ".", "'"];
        let mut found = 0;
        for case in 0..20_000 {
            // Long runs of one piece, so that runs near 63 bytes are common.
            let mut sql = String::new();
            while sql.len() < 40 + case % 300 {
                let piece = pieces[below(pieces.len())];
                let repeat = if below(3) == 0 { 1 } else { 1 + below(70) };
                sql.push_str(&piece.repeat(repeat));
            }
            let expected = reads_a_long_identifier(&sql);
            assert_eq!(may_hold_long_identifier(&sql), expected, "{sql:?}");
            found += usize::from(expected);
        }
        // Both answers are common among the cases.
        assert!((2_000..18_000).contains(&found), "{found}");
    }
}
