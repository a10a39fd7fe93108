//! Markdown for pull-request comments: `locksmith sql --format markdown` (one section per
//! migration with a table of its statements, locks and findings) and `locksmith lint
//! --format markdown` (a table of the findings, their help collapsed).

use crate::diagnostic::Finding;
use crate::facts::{Facts, LockMode};
use crate::lint::{FileReport, StatementReport};
use crate::plan::Unit;
use crate::rules::{self, Severity};
use crate::run::{RunResult, Tally};

pub fn render(units: &[Unit]) -> String {
    let mut out = String::from("## locksmith: migration preview\n\n");
    out.push_str(&headline(units));
    out.push_str("\n\n");
    // Alembic's transaction and version-table bookkeeping is no migration of its own.
    for unit in units.iter().filter(|u| !u.file.is_empty()) {
        out.push_str(&section(unit));
    }
    out
}

/// Counted as `lint` counts: statements of the migrations themselves (not Alembic's
/// bookkeeping), migrations are files, findings include those about a revision file.
fn headline(units: &[Unit]) -> String {
    let statements: Vec<&StatementReport> = units
        .iter()
        .flat_map(|u| {
            u.report
                .statements
                .iter()
                .filter(|s| u.own.contains(&s.span.start))
        })
        .collect();
    let all_statements: usize = units.iter().map(|u| u.report.statements.len()).sum();
    let bookkeeping = all_statements - statements.len();
    let migrations = units.iter().filter(|u| !u.file.is_empty()).count();
    let findings: Vec<&Finding> = units
        .iter()
        .flat_map(|u| {
            u.report
                .findings
                .iter()
                .chain(u.revision_findings.iter().map(|(_, f)| f))
        })
        .collect();
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    let exclusive = statements
        .iter()
        .filter(|s| {
            s.existing_lock()
                .is_some_and(|l| l.mode == LockMode::AccessExclusiveLock)
        })
        .count();
    let rewrites = statements.iter().filter(|s| s.facts.rewrites()).count();
    let mut parts = vec![format!(
        "**{}** in {} migration{}",
        plural(statements.len(), "statement"),
        migrations,
        if migrations == 1 { "" } else { "s" }
    )];
    if bookkeeping > 0 {
        parts[0].push_str(&format!(
            " (and {} of Alembic's transaction and version bookkeeping)",
            bookkeeping
        ));
    }
    if exclusive > 0 {
        parts.push(format!(
            "**{} AccessExclusiveLock on existing tables** (blocks reads and writes)",
            if exclusive == 1 {
                "1 statement takes".to_string()
            } else {
                format!("{exclusive} statements take")
            }
        ));
    }
    if rewrites > 0 {
        parts.push(format!(
            "{} the table",
            plural_verb(rewrites, "rewrites", "rewrite")
        ));
    }
    let (errors, warnings, infos) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    let not_rendered: usize = units.iter().map(|u| u.not_rendered.len()).sum();
    if not_rendered > 0 {
        parts.push(format!(
            "**{not_rendered} part{} not rendered** (needs running the code; see below)",
            if not_rendered == 1 { "" } else { "s" }
        ));
    }
    let approximate: usize = units.iter().map(|u| u.approximate.len()).sum();
    if approximate > 0 {
        parts.push(format!(
            "**{} rendered approximately** (a placeholder for a value known only at run time)",
            plural(approximate, "statement")
        ));
    }
    if errors + warnings + infos == 0 {
        parts.push("no findings".into());
    } else {
        parts.push(format!(
            "{}, {}, {}",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(infos, "info")
        ));
    }
    parts.join("; ")
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn plural_verb(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 statement {singular}")
    } else {
        format!("{n} statements {plural}")
    }
}

fn section(unit: &Unit) -> String {
    let mut out = format!("### `{}`", unit.file);
    if let Some(message) = &unit.message {
        out.push_str(&format!(": {}", cell(message)));
    }
    out.push_str("\n\n");
    let source = &unit.report.source;
    if unit.report.statements.is_empty() {
        out.push_str("No statements.\n\n");
    } else {
        out.push_str("| # | Line | Statement | Lock | Blocks | Rewrite / scan | Findings |\n");
        out.push_str("|---|---|---|---|---|---|---|\n");
        for (index, statement) in unit.report.statements.iter().enumerate() {
            let findings: Vec<&Finding> = unit
                .report
                .findings
                .iter()
                .filter(|f| f.statement == Some(index))
                .collect();
            let (lock, blocks) = lock_cells(&statement.facts);
            let work = match (statement.facts.rewrites(), statement.facts.scans()) {
                (true, _) => "rewrite",
                (false, true) => "scan",
                _ => "—",
            };
            let line = source.position(statement.span.start).line;
            // A placeholder stands in the SQL: say so where the statement is shown.
            let unknown = unit.unknown_at(statement.span.start);
            let approximate = if unknown.is_empty() {
                String::new()
            } else {
                format!(" (approximate: unknown {})", cell(&unknown.join(", ")))
            };
            out.push_str(&format!(
                "| {} | {line} | `{}`{approximate} | {lock} | {blocks} | {work} | {} |\n",
                index + 1,
                cell(&first_line(&source.text[statement.span.clone()])),
                finding_cells(&findings),
            ));
        }
        out.push('\n');
    }
    let loose: Vec<&Finding> = unit
        .report
        .findings
        .iter()
        .filter(|f| f.statement.is_none())
        .collect();
    for finding in &loose {
        out.push_str(&format!(
            "- line {}: **{}** `{}`: {}\n",
            source.position(finding.span.start).line,
            finding.severity.name(),
            finding.rule,
            cell(finding.message.lines().next().unwrap_or_default())
        ));
    }
    // What was not rendered is listed below, from the preview itself.
    let revision_findings = unit
        .revision_findings
        .iter()
        .filter(|(_, f)| *f.rule != rules::UNRENDERABLE_OPERATION);
    for (line, finding) in revision_findings {
        out.push_str(&format!(
            "- line {line} of the revision: **{}** `{}`: {}\n",
            finding.severity.name(),
            finding.rule,
            cell(finding.message.lines().next().unwrap_or_default())
        ));
    }
    if !loose.is_empty() || !unit.revision_findings.is_empty() {
        out.push('\n');
    }
    // The table shows only what was rendered: say what is missing from it.
    for note in &unit.not_rendered {
        out.push_str(&format!(
            "- **not rendered** (not in the SQL above): {}\n",
            cell(note)
        ));
    }
    if !unit.not_rendered.is_empty() {
        out.push('\n');
    }
    out
}

/// The Lock and Blocks cells of a statement: its lock per relation, and what the strongest
/// one blocks.
fn lock_cells(facts: &Facts) -> (String, &'static str) {
    let locks = facts.locks();
    let lock = if locks.is_empty() {
        if facts.modelled() {
            "none".to_string()
        } else {
            "not modelled".to_string()
        }
    } else {
        locks
            .iter()
            .map(|l| format!("{} on `{}`", l.mode.name(), l.relation))
            .collect::<Vec<_>>()
            .join("<br>")
    };
    let blocks = match facts.strongest_lock() {
        Some(mode) if mode.conflicts_with(mode) || mode.blocks_writes() => {
            mode.blocks_description().trim_start_matches("blocks ")
        }
        _ => "—",
    };
    (lock, blocks)
}

/// `locksmith lint --format markdown`: a pull-request comment. A headline with the counts,
/// one table row per finding (where, rule, the lock and what it blocks, the message), and
/// each finding's help collapsed under `<details>`.
pub fn render_lint(result: &RunResult) -> String {
    let (rows, details): (Vec<String>, Vec<String>) = (result.files.iter())
        .map(|f| lint_file_part(f, &f.findings))
        .unzip();
    assemble_lint(&rows, &details, result, &result.tally())
}

/// One file's table rows and its `<details>` help sections.
pub fn lint_file_part(file: &FileReport, findings: &[Finding]) -> (String, String) {
    let (mut rows, mut details) = (String::new(), String::new());
    for finding in findings {
        let (lock, blocks) = match file.statement_of(finding) {
            Some(statement) => lock_cells(&statement.facts),
            None => ("—".to_string(), "—"),
        };
        rows.push_str(&format!(
            "| {} | `{}` | `{}` | {lock} | {blocks} | {} |\n",
            severity_mark(finding.severity),
            location(file, finding),
            finding.rule,
            cell(&finding.message),
        ));
        let Some(help) = finding.help(&file.source) else {
            continue;
        };
        // A fence inside the help would end the block early.
        let help = help.replace("```", "` ` `");
        details.push_str(&format!(
            "<details><summary><code>{}</code> {}: how to fix</summary>\n\n```\n{help}\n```\n\n</details>\n",
            location(file, finding),
            finding.rule,
        ));
    }
    (rows, details)
}

/// The comment around the files' parts: the headline needs the counts of the whole run.
pub fn assemble_lint(
    rows: &[String],
    details: &[String],
    result: &RunResult,
    tally: &Tally,
) -> String {
    let counts = [Severity::Error, Severity::Warning, Severity::Info]
        .map(|severity| plural(tally.count(severity), severity.name()));
    let mut out = format!(
        "## locksmith: {} in {}\n\n{} checked",
        counts.join(", "),
        plural(tally.files, "file"),
        plural(tally.statements, "statement"),
    );
    if !result.errors.is_empty() {
        out.push_str(&format!(
            "; **{} could not be linted** (see the log)",
            plural(result.errors.len(), "input")
        ));
    }
    out.push_str(".\n\n");
    if tally.total() == 0 {
        out.push_str("No findings.\n");
        return out;
    }
    out.push_str("| | Where | Rule | Lock | Blocks | Finding |\n|---|---|---|---|---|---|\n");
    rows.iter().for_each(|part| out.push_str(part));
    out.push('\n');
    details.iter().for_each(|part| out.push_str(part));
    out
}

fn location(file: &FileReport, finding: &Finding) -> String {
    let line = file.source.position(finding.span.start).line;
    format!("{}:{line}", file.source.name)
}

fn severity_mark(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "**error**",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

fn finding_cells(findings: &[&Finding]) -> String {
    if findings.is_empty() {
        return "—".into();
    }
    findings
        .iter()
        .map(|f| format!("**{}** `{}`", f.severity.name(), f.rule))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// The statement's first line, shortened for a table cell.
fn first_line(sql: &str) -> String {
    let line = sql.lines().next().unwrap_or_default().trim();
    let more = sql.trim().contains('\n') || line.chars().count() > 80;
    let short: String = line.chars().take(80).collect();
    if more { format!("{short} …") } else { short }
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('`', "'")
        .replace('\n', " ")
}
