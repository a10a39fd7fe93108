//! Reporters: findings and facts as text for people (miette) or data for machines.

pub mod explain;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod markdown;
mod plain;
pub mod plan;
pub mod sarif;
pub mod schema;
mod snippet;
pub mod trace;

pub mod stream;

use crate::facts::{Action, Facts, entry};

/// Where the files' parts go in a JSON document rendered around them ([`fill`]).
const PARTS: &str = "\u{0}parts";

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// `items` as they stand in a JSON array `levels` deep in a pretty-printed document (a
/// part for [`fill`]): each as `indent(&pretty(&item), 2 * levels)` prints it, joined by
/// `,\n`.
fn array_part<T: serde::Serialize>(items: impl IntoIterator<Item = T>, levels: usize) -> String {
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b",\n");
        }
        let indented = Indented::at(levels);
        let _ = indented.newline(&mut out, b"");
        let mut writer = serde_json::Serializer::with_formatter(&mut out, indented);
        let _ = item.serialize(&mut writer);
    }
    String::from_utf8(out).unwrap_or_default()
}

/// serde_json's pretty printing (two spaces a level) of a value that stands `levels` deep
/// in a document: written straight into the document, with no value tree to print and no
/// second pass to indent it.
struct Indented {
    levels: usize,
    has_value: bool,
}

impl Indented {
    fn at(levels: usize) -> Indented {
        Indented {
            levels,
            has_value: false,
        }
    }

    fn open<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.levels += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        bracket: &[u8],
    ) -> std::io::Result<()> {
        self.levels -= 1;
        if self.has_value {
            self.newline(w, b"\n")?;
        }
        w.write_all(bracket)
    }

    fn newline<W: ?Sized + std::io::Write>(&self, w: &mut W, before: &[u8]) -> std::io::Result<()> {
        w.write_all(before)?;
        for _ in 0..self.levels {
            w.write_all(b"  ")?;
        }
        Ok(())
    }
}

/// As serde_json's `PrettyFormatter` does it, from `levels` deep.
impl serde_json::ser::Formatter for Indented {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.newline(w, if first { b"\n" } else { b",\n" })
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.newline(w, if first { b"\n" } else { b",\n" })
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// `text` with every line indented by `by` spaces (JSON strings hold no raw newline): what
/// [`array_part`] must print the same as.
#[cfg(test)]
fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    let mut out = String::with_capacity(text.len() + 16 * by);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&pad);
        out.push_str(line);
    }
    out
}

/// The pretty-printed `document` with the [`PARTS`] placeholder of `key` (at `depth`
/// spaces; an empty key: the whole document) replaced by the array of the non-empty
/// `parts`, exactly as serde_json would have printed the array.
fn fill(document: &str, key: &str, depth: usize, parts: &[String]) -> String {
    let placeholder = serde_json::to_string(PARTS).unwrap_or_default();
    let at = if key.is_empty() {
        placeholder.clone()
    } else {
        format!("\n{}\"{key}\": {placeholder}", " ".repeat(depth))
    };
    let Some(start) = document.find(&at) else {
        return document.to_string();
    };
    let end = start + at.len();
    let mut out =
        String::with_capacity(document.len() + parts.iter().map(|p| p.len() + 2).sum::<usize>());
    out.push_str(&document[..start]);
    out.push_str(&at[..at.len() - placeholder.len()]);
    let mut parts = parts.iter().filter(|p| !p.is_empty()).peekable();
    if parts.peek().is_none() {
        out.push_str("[]");
    } else {
        out.push_str("[\n");
        for (i, part) in parts.enumerate() {
            if i > 0 {
                out.push_str(",\n");
            }
            out.push_str(part);
        }
        out.push('\n');
        out.push_str(&" ".repeat(depth));
        out.push(']');
    }
    out.push_str(&document[end..]);
    out
}

/// "ADD COLUMN (NOT NULL, no default) on users: fails ..." style one-liners for actions.
pub fn describe_action(action: &Action) -> String {
    let row = entry(action.form);
    let mut text = row.syntax.to_string();
    if let Some(detail) = action.detail() {
        text.push_str(&format!(" [{detail}]"));
    }
    if !action.available {
        text.push_str(" [not available in this PostgreSQL version]");
    }
    text
}

/// "AccessExclusiveLock on users (blocks reads and writes); rewrites table" for a statement.
pub fn facts_summary(facts: &Facts) -> String {
    // Written into one string, not joined from a string per part: every finding drawn
    // is labelled with its statement's summary.
    // Sized for a few locks at once: grown by doubling, it reallocated three or four times.
    let mut text = String::with_capacity(128);
    for lock in facts.locks() {
        if !text.is_empty() {
            text.push_str("; ");
        }
        let _ = lock.write_to(&mut text);
    }
    if !facts.modelled() {
        // Never "no table lock" for a statement the model does not describe.
        if !text.is_empty() {
            text.push_str("; ");
        }
        text.push_str("locks not modelled");
    } else if text.is_empty() {
        text.push_str("no table lock");
    }
    // Not empty from here on: each part after it is separated.
    if facts.rewrites() {
        text.push_str("; rewrites table");
    } else if facts.rebuilds_indexes() {
        text.push_str("; rebuilds indexes");
    } else if facts.scans() {
        text.push_str("; scans table");
    }
    if !facts.in_transaction_allowed() {
        text.push_str("; not allowed in a transaction block");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file with findings of every kind of field: a fix, related locks, and a statement
    /// rendered approximately (`approximate`, `unknown`).
    pub(crate) fn varied_findings() -> crate::lint::FileReport {
        let sql = "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0);\n\
                   CREATE INDEX CONCURRENTLY orders_total ON orders (total);\n\
                   ALTER TABLE orders ALTER COLUMN total TYPE numeric;\n";
        let source = crate::source::SourceFile::new("./t.sql", sql);
        let mut file = crate::lint::lint_sql(source, &crate::config::Config::default());
        file.statements[0].extra_mut().unknown = vec!["name".into()];
        file
    }

    /// Typed items print exactly as `Value`s of them would: serde_json sorts a `Value`'s
    /// keys, so each struct must declare its fields in that order, optional ones included.
    pub(crate) fn assert_prints_as_values<T: serde::Serialize>(items: &[T], levels: usize) {
        assert!(!items.is_empty());
        let values = items.iter().map(|item| serde_json::to_value(item).unwrap());
        let expected: Vec<String> = values.map(|v| indent(&pretty(&v), 2 * levels)).collect();
        assert_eq!(array_part(items, levels), expected.join(",\n"));
    }
}
