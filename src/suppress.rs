//! `-- locksmith:ignore rule-id[, rule-id]: reason` comments (`# locksmith:ignore ...` in
//! Alembic revisions). On its own line the comment covers the next statement; at the end of
//! a statement's last line, that statement. `-- locksmith:ignore-file rule-id` covers the
//! whole file. An ignore that suppresses nothing is reported as `unused-suppression`; one
//! naming an unknown rule id, or an `ignore-file` without rule ids, as `invalid-suppression`
//! (such an ignore suppresses nothing: a typo never silences a finding).

use std::ops::Range;

use crate::diagnostic::Finding;
use crate::rules;
use crate::rules::Severity;
use crate::source::SourceFile;

pub const MARKER: &str = crate::mentions::SUPPRESSION;

#[derive(Debug, Clone)]
struct Suppression {
    file_wide: bool,
    /// The statement it covers (for line suppressions).
    statement: Option<usize>,
    /// That statement's span: in an Alembic revision several rendered statements share
    /// the span of the `op` call that produced them, and the comment covers them all.
    covered: Option<Range<usize>>,
    /// For a comment inside its statement (above a column of a CREATE TABLE or an
    /// `op.create_table` call): the line the findings it covers start on.
    line: Option<usize>,
    /// Rule ids with their spans in the source; empty means every rule.
    rules: Vec<(String, Range<usize>)>,
    comment: Range<usize>,
}

/// The severities of the findings about the comments themselves (`None`: rule off).
#[derive(Debug, Clone, Copy)]
pub struct Reporting {
    pub unused: Option<Severity>,
    pub invalid: Option<Severity>,
}

/// Removes suppressed findings and appends `unused-suppression` and `invalid-suppression`
/// findings. `comments` are the spans of the source's comments that mention
/// `locksmith:ignore` ([`sql_comments`], or `#` comments from the Python lexer).
/// `enabled` says whether a rule is on: ignoring a rule that is turned off is not "unused".
pub fn apply(
    source: &SourceFile,
    statements: &[Range<usize>],
    comments: &[Range<usize>],
    findings: &mut Vec<Finding>,
    reporting: Reporting,
    enabled: impl Fn(&str) -> bool,
) {
    let suppressions: Vec<Suppression> = comments
        .iter()
        .cloned()
        .filter_map(|comment| parse(source, statements, comment))
        .collect();
    let mut used = vec![Vec::new(); suppressions.len()];
    findings.retain(|finding| {
        let covering = suppressions.iter().enumerate().find_map(|(i, s)| {
            let statement_span = finding.statement.and_then(|i| statements.get(i));
            let on_line = |line: usize| source.position(finding.span.start).line == line;
            // An ignore-file without rule ids is invalid and suppresses nothing.
            let applies = (s.file_wide && !s.rules.is_empty())
                || (s.covered.is_some()
                    && s.covered.as_ref() == statement_span
                    && s.line.is_none_or(on_line));
            let rule = s.rules.iter().position(|(id, _)| id == finding.rule.id);
            match (applies, rule) {
                (true, Some(r)) => Some((i, Some(r))),
                (true, None) if s.rules.is_empty() => Some((i, None)),
                _ => None,
            }
        });
        match covering {
            Some((i, r)) => {
                used[i].push(r);
                false
            }
            None => true,
        }
    });
    for (s, used) in suppressions.iter().zip(&used) {
        if s.file_wide && s.rules.is_empty() {
            if let Some(severity) = reporting.invalid {
                findings.push(invalid(
                    severity,
                    s.comment.clone(),
                    "locksmith:ignore-file without rule ids would silence every rule in the whole \
                     file, so it silences nothing: name the rules it is for"
                        .into(),
                ));
            }
            continue;
        }
        if let (Some(severity), true, true) =
            (reporting.unused, s.rules.is_empty(), used.is_empty())
        {
            findings.push(unused(
                severity,
                s.comment.clone(),
                "this locksmith:ignore suppresses nothing".into(),
                s.statement,
            ));
        }
        for (r, (id, span)) in s.rules.iter().enumerate() {
            if rules::find(id).is_none() {
                if let Some(severity) = reporting.invalid {
                    let message = crate::config::unknown_rule_message(id);
                    findings.push(Finding {
                        statement: s.statement,
                        ..invalid(severity, span.clone(), message)
                    });
                }
                continue;
            }
            if used.contains(&Some(r)) || !enabled(id) {
                continue;
            }
            if let Some(severity) = reporting.unused {
                let message = format!("`{id}` is ignored here but reports nothing");
                findings.push(unused(severity, span.clone(), message, s.statement));
            }
        }
    }
}

fn invalid(severity: Severity, span: Range<usize>, message: String) -> Finding {
    let file_wide = message.starts_with("locksmith:ignore-file");
    let advice = if file_wide {
        rules::Advice::sql(
            "name the rules it is for, separated by commas (`locksmith rules` lists them):\n  \
             -- locksmith:ignore-file rule-id, rule-id: reason",
        )
        .with_alembic(|| {
            "name the rules it is for, separated by commas (`locksmith rules` lists them):\n  \
             # locksmith:ignore-file rule-id, rule-id: reason"
        })
    } else {
        rules::Advice::sql(
            "correct the rule id (`locksmith rules` lists them), or remove it from the comment",
        )
    };
    Finding {
        rule: &rules::INVALID_SUPPRESSION,
        severity,
        message,
        advice,
        span,
        statement: None,
    }
}

fn unused(
    severity: Severity,
    span: Range<usize>,
    message: String,
    statement: Option<usize>,
) -> Finding {
    Finding {
        rule: &rules::UNUSED_SUPPRESSION,
        severity,
        message,
        advice: rules::Advice::sql(
            "remove the ignore comment (or the rule ids that no longer report)",
        ),
        span,
        statement,
    }
}

/// Spans of `--` comments that mention `locksmith:ignore`, found with PostgreSQL's scanner
/// so that text inside string literals is never mistaken for a comment. If the scanner
/// fails (unterminated string), fall back to line comments outside of quotes on each line.
pub fn sql_comments(text: &str) -> Vec<Range<usize>> {
    if !text.contains(MARKER) {
        return Vec::new();
    }
    match pg_query::scan(text) {
        Ok(scan) => scan
            .tokens
            .iter()
            .filter(|t| t.token == pg_query::protobuf::Token::SqlComment as i32)
            .map(|t| t.start as usize..t.end as usize)
            .filter(|span| text[span.clone()].contains(MARKER))
            .collect(),
        Err(_) => {
            let mut out = Vec::new();
            let mut offset = 0;
            for line in text.split_inclusive('\n') {
                if let Some(i) = line.find("--")
                    && line[..i].matches('\'').count() % 2 == 0
                    && line[i..].contains(MARKER)
                {
                    out.push(offset + i..offset + line.trim_end().len());
                }
                offset += line.len();
            }
            out
        }
    }
}

fn parse(
    source: &SourceFile,
    statements: &[Range<usize>],
    comment: Range<usize>,
) -> Option<Suppression> {
    let text = &source.text[comment.clone()];
    let body = text.trim_start_matches(['-', '#']).trim_start();
    let rest = body.strip_prefix(MARKER)?;
    let (file_wide, rest) = match rest.strip_prefix("-file") {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    if !(rest.is_empty() || rest.starts_with([' ', '\t', ':'])) {
        return None;
    }
    // Rule ids run up to the first ':' (the reason follows it).
    let ids_end = rest.find(':').unwrap_or(rest.len());
    let ids_offset = comment.start + (text.len() - rest.len());
    let mut rules = Vec::new();
    let mut cursor = 0;
    for part in rest[..ids_end].split(',') {
        let trimmed = part.trim();
        if !trimmed.is_empty() {
            let start = ids_offset + cursor + part.find(trimmed).unwrap_or(0);
            rules.push((trimmed.to_string(), start..start + trimmed.len()));
        }
        cursor += part.len() + 1;
    }
    let (statement, line) = if file_wide {
        (None, None)
    } else {
        covered_statement(source, statements, &comment)
    };
    Some(Suppression {
        file_wide,
        statement,
        covered: statement.and_then(|i| statements.get(i).cloned()),
        line,
        rules,
        comment,
    })
}

/// The statement a comment covers, and for a comment inside it, the line of the findings
/// it covers: on its own line, the next line with code; at the end of a line, that line.
fn covered_statement(
    source: &SourceFile,
    statements: &[Range<usize>],
    comment: &Range<usize>,
) -> (Option<usize>, Option<usize>) {
    let line = source.position(comment.start).line;
    let line_start = source.line_span(line).start;
    let own_line = source.text[line_start..comment.start].trim().is_empty();
    // Inside a statement: never the next one, which may be another table's.
    let inside = statements
        .iter()
        .position(|s| s.start < comment.start && comment.end <= s.end);
    if let Some(inside) = inside {
        let covered_line = if own_line {
            next_code_line(source, line)
        } else {
            line
        };
        return (Some(inside), Some(covered_line));
    }
    let statement = if own_line {
        statements.iter().position(|s| s.start >= comment.end)
    } else {
        // Trailing: the statement that ends on this line, before the comment.
        statements.iter().rposition(|s| {
            s.end <= comment.start && source.position(s.end.saturating_sub(1)).line == line
        })
    };
    (statement, None)
}

/// The first line after `line` with something besides blanks and comments.
fn next_code_line(source: &SourceFile, line: usize) -> usize {
    (line + 1..=source.line_count())
        .find(|&next| {
            let text = source.text[source.line_span(next)].trim();
            !(text.is_empty() || text.starts_with("--") || text.starts_with('#'))
        })
        .unwrap_or(line + 1)
}
