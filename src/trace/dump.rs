//! `pg_dump --schema-only` for `check-downgrade --database-url`: finding and running it,
//! and reducing its output to what a comparison should see. Comments, `SET` lines, psql
//! meta-commands (`\restrict`) and the order of statements are not differences; a `CREATE
//! TABLE` is compared column by column (one item per line of its body), so a column that
//! comes back in another position is not reported while a changed column is.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::parse::split::{ChunkKind, split};

/// The `pg_dump` program to run, with its version line.
#[derive(Debug, Clone)]
pub struct PgDump {
    pub path: PathBuf,
    pub version: String,
}

impl PgDump {
    /// `explicit` (`--pg-dump PATH`), else `pg_dump` on PATH.
    pub fn find(explicit: Option<&Path>) -> Result<PgDump, String> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None => std::env::var_os("PATH")
                .and_then(|p| {
                    std::env::split_paths(&p)
                        .map(|d| d.join("pg_dump"))
                        .find(|p| p.is_file())
                })
                .ok_or(
                    "pg_dump was not found on PATH: the live check compares `pg_dump \
                     --schema-only` outputs; install the PostgreSQL client programs (e.g. \
                     `apt-get install postgresql-client`) or pass --pg-dump PATH",
                )?,
        };
        let out = Command::new(&path)
            .arg("--version")
            .output()
            .map_err(|e| format!("cannot run pg_dump at {}: {e}", path.display()))?;
        if !out.status.success() {
            return Err(format!(
                "{} --version failed: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
        Ok(PgDump { path, version })
    }

    /// The schema of the database at `url`, normalised. `pg_dump` never prompts for a
    /// password (`--no-password`): the URL must carry what it needs.
    pub fn dump(&self, url: &str) -> Result<Dump, String> {
        let out = Command::new(&self.path)
            .args(["--schema-only", "--no-password", "--dbname"])
            .arg(url)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.path.display()))?;
        if !out.status.success() {
            return Err(format!(
                "pg_dump --schema-only failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Dump::parse(&String::from_utf8_lossy(&out.stdout)))
    }
}

/// A schema dump as a set of items: one per statement, one per line of a table's body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dump {
    pub items: BTreeSet<String>,
}

impl Dump {
    pub fn parse(text: &str) -> Dump {
        let mut items = BTreeSet::new();
        for chunk in split(text, 0) {
            if chunk.kind != ChunkKind::Sql {
                continue;
            }
            let lines: Vec<&str> = text[chunk.span]
                .lines()
                .map(str::trim_end)
                .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with("--"))
                .collect();
            let Some(first) = lines.first() else {
                continue;
            };
            if first.starts_with("SET ") || first.starts_with("SELECT pg_catalog.set_config(") {
                continue;
            }
            match table_header(first) {
                Some(header) if lines.len() >= 2 => {
                    items.insert(header.to_string());
                    let body_end = lines
                        .iter()
                        .rposition(|l| l.starts_with(')'))
                        .unwrap_or(lines.len());
                    for line in &lines[1..body_end] {
                        let line = line.trim().trim_end_matches(',');
                        items.insert(format!("{header}: {line}"));
                    }
                    let tail = lines[body_end..].join(" ");
                    let tail = tail.trim_end_matches(';');
                    if tail != ")" {
                        items.insert(format!("{header} {tail}"));
                    }
                }
                _ => {
                    let words: Vec<&str> =
                        lines.iter().flat_map(|l| l.split_whitespace()).collect();
                    items.insert(words.join(" ").trim_end_matches(';').to_string());
                }
            }
        }
        Dump { items }
    }

    /// What `after` lacks and what it has more than `self`, as plain sentences.
    pub fn differences(&self, after: &Dump, after_what: &str) -> Vec<String> {
        let missing = self
            .items
            .difference(&after.items)
            .map(|i| format!("missing {after_what}: {i}"));
        let extra = after
            .items
            .difference(&self.items)
            .map(|i| format!("left over {after_what}: {i}"));
        missing.chain(extra).collect()
    }
}

/// `CREATE TABLE public.users` of a `CREATE [UNLOGGED] TABLE name (` line.
fn table_header(line: &str) -> Option<&str> {
    let header = line.strip_suffix(" (")?;
    ["CREATE TABLE ", "CREATE UNLOGGED TABLE "]
        .iter()
        .any(|p| header.starts_with(p))
        .then_some(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMP: &str = "--\n-- PostgreSQL database dump\n--\n\n\\restrict abc\n\n\
        SET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\n\n\
        --\n-- Name: users; Type: TABLE; Schema: public; Owner: postgres\n--\n\n\
        CREATE TABLE public.users (\n    id bigint NOT NULL,\n    email character varying(100) NOT NULL,\n    age integer\n);\n\n\
        ALTER TABLE public.users OWNER TO postgres;\n\n\
        CREATE INDEX ix_users_email ON public.users USING btree (email);\n\n\\unrestrict abc\n";

    #[test]
    fn comments_set_lines_and_meta_commands_are_dropped_and_tables_split_by_column() {
        let dump = Dump::parse(DUMP);
        let items: Vec<&str> = dump.items.iter().map(String::as_str).collect();
        assert_eq!(
            items,
            [
                "ALTER TABLE public.users OWNER TO postgres",
                "CREATE INDEX ix_users_email ON public.users USING btree (email)",
                "CREATE TABLE public.users",
                "CREATE TABLE public.users: age integer",
                "CREATE TABLE public.users: email character varying(100) NOT NULL",
                "CREATE TABLE public.users: id bigint NOT NULL",
            ]
        );
    }

    #[test]
    fn order_is_not_a_difference_and_a_changed_column_is() {
        let before = Dump::parse(DUMP);
        let reordered = DUMP
            .replace(
                "    email character varying(100) NOT NULL,\n    age integer\n",
                "    age integer,\n    email character varying(100) NOT NULL\n",
            )
            .replace("\\restrict abc", "\\restrict xyz");
        assert_eq!(before, Dump::parse(&reordered));
        let changed = DUMP.replace("age integer", "age bigint");
        assert_eq!(
            before.differences(&Dump::parse(&changed), "after downgrade"),
            [
                "missing after downgrade: CREATE TABLE public.users: age integer",
                "left over after downgrade: CREATE TABLE public.users: age bigint",
            ]
        );
    }
}
