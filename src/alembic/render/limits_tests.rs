//! Hostile revisions: deep nesting and runaway values end as a syntax error or an
//! unrenderable statement naming the limit, never a stack overflow or exhausted memory.

use super::render_revision;

/// The messages of the unrenderable statements of `upgrade()` with `body`, checking that
/// the statement after the hostile one still renders.
fn unrenderable(body: &str) -> Vec<String> {
    let (rendered, messages) = render(body);
    assert_eq!(rendered, 1, "{body}: {messages:?}");
    messages
}

fn render(body: &str) -> (usize, Vec<String>) {
    let body: String = body.lines().map(|l| format!("    {l}\n")).collect();
    let source =
        format!("from alembic import op\n\ndef upgrade():\n{body}    op.drop_table('t')\n");
    let function = render_revision(&source).unwrap().upgrade.unwrap();
    let messages = function.unrenderable.into_iter().map(|u| u.message);
    (function.statements.len(), messages.collect())
}

#[test]
fn brackets_nested_beyond_pythons_limit_are_a_syntax_error() {
    let source = format!("x = {}1{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let error = render_revision(&source).unwrap_err();
    assert!(error.message.contains("more than 200"), "{error:?}");
    // The 201st bracket, after `x = `.
    assert_eq!(error.offset, 4 + 200);
}

#[test]
fn long_operator_chains_hit_the_depth_limit() {
    let chain = vec!["'a'"; 20_000].join(" + ");
    let messages = unrenderable(&format!("s = {chain}"));
    assert!(messages[0].contains("limit of 200 levels"), "{messages:?}");
    let messages = unrenderable(&format!("n = {}1", "- ".repeat(50_000)));
    assert!(messages[0].contains("limit of 200 levels"), "{messages:?}");
}

#[test]
fn runaway_values_hit_the_memory_budget() {
    for body in [
        "s = 'x'\nfor _ in range(100):\n    s = s + s",
        "s = 'x' * 10**5 * 10**5",
        "s = '{0}' * 1000\ns = s.format('y' * 100000)",
        "s = ('x' * 1000).replace('x', 'y' * 10000)",
        "s = ('-' * 100000).join(list('a' * 1000))",
    ] {
        let messages = unrenderable(body);
        assert!(messages[0].contains("1 MiB"), "{body}: {messages:?}");
    }
    // The file's budget is spent: what follows is not rendered either.
    let (_, messages) = render("x = [1]\nfor _ in range(100):\n    x = x + x");
    assert!(messages[0].contains("64 MiB"), "{messages:?}");
    let (_, messages) = render("x = [1]\nfor _ in range(100000):\n    x = [x]");
    assert!(messages[0].contains("limit of 200 levels"), "{messages:?}");
    for body in ["x = [0] * 10**9", "n = 10**10**10", "n = 2**64"] {
        assert_eq!(unrenderable(body).len(), 1, "{body}");
    }
}

#[test]
fn the_nesting_scan_skips_strings_and_comments_and_defers_to_the_lexer_when_unsure() {
    use super::nesting_at_most;
    let deep = format!("{}1{}", "(".repeat(3), ")".repeat(3));
    assert!(nesting_at_most(deep.as_bytes(), 3));
    assert!(!nesting_at_most(deep.as_bytes(), 2));
    // Brackets in strings and comments are no tokens; closers there do not hide openers.
    for quiet in [
        "x = '((((' # ((((\n",
        "x = \"\"\"(((\n((('\"\"\" + r'\\'(((('\n",
        "x = ('))))', (1))\n",
    ] {
        assert!(nesting_at_most(quiet.as_bytes(), 2), "{quiet}");
    }
    assert!(!nesting_at_most(b"x = (('))))', ((1)))\n", 3));
    // An unterminated string: the lexer decides, unless there are too few brackets in
    // all to nest past the limit.
    assert!(!nesting_at_most(b"x = '((((((\n", 5));
    assert!(!nesting_at_most(b"x = \"\"\"((((((", 5));
    assert!(nesting_at_most(b"x = '(((((\n", 5));
    // The lexer still reports the exact bracket past the limit after a string of closers.
    let source = format!("x = ']]]' + {}1{}\n", "[".repeat(300), "]".repeat(300));
    let error = render_revision(&source).unwrap_err();
    assert_eq!(error.offset, 12 + 200);
}
