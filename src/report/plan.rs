//! `locksmith sql`: the SQL of the previewed migrations, optionally annotated above every
//! statement with its lock facts and findings, optionally syntax-highlighted.

use owo_colors::{OwoColorize, Style};
use pg_query::protobuf::{KeywordKind, Token};

use crate::diagnostic::Finding;
use crate::lint::Rendering;
use crate::plan::Unit;
use crate::report::facts_summary;
use crate::rules::Severity;

#[derive(Debug, Clone, Copy, Default)]
pub struct PreviewStyle {
    pub annotate: bool,
    pub color: bool,
}

/// A run of output: SQL from a migration, or a comment locksmith adds.
enum Piece<'a> {
    Sql(&'a str),
    Heading(String),
    /// An annotation line (without the trailing newline); severity colors it.
    Note(String, Option<Severity>),
    Newline,
}

/// An annotation line and the severity that colors it.
type Note = (String, Option<Severity>);

pub fn render(units: &[Unit], style: PreviewStyle) -> String {
    let mut pieces = Vec::new();
    for (i, unit) in units.iter().enumerate() {
        if i > 0 {
            pieces.push(Piece::Newline);
        }
        // Alembic's BEGIN/COMMIT and version-table statements have no heading.
        if !unit.heading.is_empty() {
            pieces.push(Piece::Heading(format!("-- {}", unit.heading)));
            pieces.push(Piece::Newline);
        }
        unit_pieces(unit, style.annotate, &mut pieces);
    }
    if let Some(rendering) = rendering(units) {
        pieces.push(Piece::Newline);
        pieces.push(Piece::Note(format!("-- {}", rendering.describe()), None));
    }
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Sql(sql) if style.color => out.push_str(&highlight(sql)),
            Piece::Sql(sql) => out.push_str(sql),
            Piece::Heading(text) if style.color => {
                out.push_str(&text.style(Style::new().bold().dimmed()).to_string())
            }
            Piece::Heading(text) => out.push_str(&text),
            Piece::Note(text, severity) if style.color => {
                out.push_str(&text.style(note_style(severity)).to_string());
                out.push('\n');
            }
            Piece::Note(text, _) => {
                out.push_str(&text);
                out.push('\n');
            }
            Piece::Newline => out.push('\n'),
        }
    }
    out
}

/// How much of the Alembic revisions previewed was rendered; `None` without any.
pub fn rendering(units: &[Unit]) -> Option<Rendering> {
    let mut revisions = units.iter().filter_map(|u| u.rendering).peekable();
    revisions.peek()?;
    let mut total = Rendering::default();
    revisions.for_each(|r| total.add(r));
    Some(total)
}

fn note_style(severity: Option<Severity>) -> Style {
    match severity {
        Some(Severity::Error) => Style::new().red().bold(),
        Some(Severity::Warning) => Style::new().yellow().bold(),
        Some(Severity::Info) => Style::new().cyan(),
        None => Style::new().green().dimmed(),
    }
}

/// The unit's text with annotations inserted at the start of each statement's line.
fn unit_pieces<'a>(unit: &'a Unit, annotate: bool, pieces: &mut Vec<Piece<'a>>) {
    let text = &unit.report.source.text;
    let body = text[unit.range.clone()].trim_start_matches('\n');
    let start = unit.range.end - body.len();
    let body = body.trim_end();
    let end = start + body.len();
    if !annotate {
        pieces.push(Piece::Sql(body));
        pieces.push(Piece::Newline);
        return;
    }
    // Each statement's findings, in one pass (not a scan of them all per statement).
    let mut findings_of: Vec<Vec<&Finding>> = vec![Vec::new(); unit.report.statements.len()];
    for finding in &unit.report.findings {
        if let Some(list) = finding.statement.and_then(|i| findings_of.get_mut(i)) {
            list.push(finding);
        }
    }
    // (insertion offset, notes) in file order.
    let mut inserts: Vec<(usize, Vec<Note>)> = Vec::new();
    for (statement, findings) in unit.report.statements.iter().zip(&findings_of) {
        if (start..=end).contains(&statement.span.start) {
            inserts.push((statement.span.start, statement_notes(statement, findings)));
        }
    }
    for finding in unit
        .report
        .findings
        .iter()
        .filter(|f| f.statement.is_none())
    {
        if (start..=end).contains(&finding.span.start) {
            inserts.push((finding.span.start, vec![finding_note(finding)]));
        }
    }
    inserts.sort_by_key(|(offset, _)| *offset);

    let mut cursor = start;
    for (offset, notes) in inserts {
        // At the start of the statement's line when only indentation precedes it.
        let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1).max(cursor);
        let at = if text[line_start..offset].trim().is_empty() {
            line_start
        } else {
            offset
        };
        pieces.push(Piece::Sql(&text[cursor..at]));
        if at > start && !text[..at].ends_with('\n') {
            pieces.push(Piece::Newline);
        }
        for (note, severity) in notes {
            pieces.push(Piece::Note(note, severity));
        }
        cursor = at;
    }
    pieces.push(Piece::Sql(&text[cursor..end]));
    pieces.push(Piece::Newline);
}

fn statement_notes(statement: &crate::lint::StatementReport, findings: &[&Finding]) -> Vec<Note> {
    let worst = findings.iter().map(|f| f.severity).max();
    let summary = facts_summary(&statement.facts);
    let mut notes = Vec::new();
    if findings.is_empty() {
        notes.push((format!("-- ok: {summary}"), None));
    } else {
        let mut rules: Vec<&str> = findings.iter().map(|f| f.rule.id).collect();
        rules.dedup();
        notes.push((format!("-- {summary}; [{}]", rules.join(", ")), worst));
        notes.extend(findings.iter().map(|f| finding_note(f)));
    }
    notes
}

fn finding_note(finding: &Finding) -> Note {
    let message = finding.message.lines().next().unwrap_or_default();
    (
        format!(
            "--   {}[{}]: {message}",
            finding.severity.name(),
            finding.rule
        ),
        Some(finding.severity),
    )
}

/// Colors SQL by its tokens, as PostgreSQL's own scanner sees them; text the scanner
/// rejects is left plain.
pub fn highlight(sql: &str) -> String {
    let Ok(scan) = pg_query::scan(sql) else {
        return sql.to_string();
    };
    let mut out = String::with_capacity(sql.len() * 2);
    let mut cursor = 0;
    for token in &scan.tokens {
        let (start, end) = (token.start as usize, token.end as usize);
        if start < cursor
            || end > sql.len()
            || !sql.is_char_boundary(start)
            || !sql.is_char_boundary(end)
        {
            return sql.to_string();
        }
        out.push_str(&sql[cursor..start]);
        let text = &sql[start..end];
        let style = match Token::try_from(token.token) {
            Ok(Token::SqlComment | Token::CComment) => Some(Style::new().dimmed()),
            Ok(Token::Sconst | Token::Usconst | Token::Bconst | Token::Xconst) => {
                Some(Style::new().green())
            }
            Ok(Token::Iconst | Token::Fconst) => Some(Style::new().magenta()),
            Ok(Token::Ident) => Some(Style::new().cyan()),
            _ if token.keyword_kind != KeywordKind::NoKeyword as i32 => {
                Some(Style::new().blue().bold())
            }
            _ => None,
        };
        match style {
            Some(style) => out.push_str(&text.style(style).to_string()),
            None => out.push_str(text),
        }
        cursor = end;
    }
    out.push_str(&sql[cursor..]);
    out
}
