//! Sqitch projects: `sqitch.plan` orders the changes, not their names. Each change has a
//! script in `deploy/` (its upgrade), `revert/` (its downgrade) and `verify/` (a check
//! run after deploying), at `<dir>/<change name>.sql`; a change reworked later in the
//! plan keeps its earlier script as `<name>@<tag>.sql`, the tag being one of those set
//! between the two (Sqitch's `App::Sqitch::Plan::Change::path_segments`). Only `deploy/`
//! scripts named in the plan change the schema; everything else in the project (verify
//! scripts, pgTAP tests, queries) is SQL that runs, but not as a migration.
//!
//! Read as Sqitch reads a project with its defaults: the plan at the top directory,
//! beside `deploy/`, `revert/` and `verify/`. `sqitch.conf`'s `top_dir`, `plan_file` and
//! `*_dir` settings are not read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{Kind, MigrationName};

/// The plan file that marks a Sqitch project's top directory.
pub const PLAN_FILE: &str = "sqitch.plan";

/// A plan's changes in deploy order: each script stem (`users`, `schema/users`,
/// `users@v1.0` for a reworked change's earlier script) with its position in the plan.
pub fn script_positions(plan: &str) -> HashMap<String, usize> {
    enum Entry<'a> {
        Change(&'a str),
        Tag(&'a str),
    }
    let entries: Vec<Entry> = plan
        .lines()
        .filter_map(|line| {
            let first = line.split_whitespace().next()?;
            match first.as_bytes()[0] {
                b'%' | b'#' => None,
                b'@' => Some(Entry::Tag(first)),
                // `+name` deploys (the plan's older operator syntax); `-name` reverts, which
                // deploys nothing.
                b'-' => None,
                _ => Some(Entry::Change(first.trim_start_matches('+'))),
            }
        })
        .collect();
    // Where each change is reworked: the next entry of the same name, if any.
    let mut reworked_at = vec![None; entries.len()];
    let mut later_entry: HashMap<&str, usize> = HashMap::new();
    for (at, entry) in entries.iter().enumerate().rev() {
        if let Entry::Change(name) = entry {
            reworked_at[at] = later_entry.insert(name, at);
        }
    }
    let mut positions = HashMap::new();
    let mut position = 0;
    for (at, entry) in entries.iter().enumerate() {
        let Entry::Change(name) = entry else { continue };
        match reworked_at[at] {
            // Reworked: this version's script is named after a tag set before the rework.
            Some(end) => {
                for entry in &entries[at + 1..end] {
                    if let Entry::Tag(tag) = entry {
                        positions.entry(format!("{name}{tag}")).or_insert(position);
                    }
                }
            }
            None => {
                positions.insert(name.to_string(), position);
            }
        }
        position += 1;
    }
    positions
}

/// Where each directory's Sqitch project is, read once per directory and plan.
#[derive(Default)]
pub struct Projects {
    /// Whether a directory holds a plan file.
    has_plan: HashMap<PathBuf, bool>,
    /// Each top directory's plan, read (`None`: unreadable).
    plans: HashMap<PathBuf, Option<HashMap<String, usize>>>,
}

impl Projects {
    /// What a file of a Sqitch project is to Sqitch; `None` when no plan sits above it.
    pub fn classify(&mut self, path: &str) -> Option<MigrationName> {
        let path = Path::new(path);
        let mut role = None;
        for dir in path.ancestors().skip(1) {
            let Some(top) = dir.parent() else { break };
            if !self.holds_plan(top) {
                continue;
            }
            role = match dir.file_name().and_then(|n| n.to_str()).unwrap_or_default() {
                "deploy" => Some((top, dir, Kind::Up)),
                "revert" => Some((top, dir, Kind::Down)),
                "verify" => Some((top, dir, Kind::NotApplied)),
                // A file of the project outside its script directories: a test, a query.
                _ => None,
            };
            if role.is_none() {
                return Some(not_applied(path, None));
            }
            break;
        }
        if role.is_none() && self.holds_plan(path.parent()?) {
            return Some(not_applied(path, None));
        }
        let (top, scripts, kind) = role?;
        let stem = script_stem(path, scripts)?;
        let position = self.plan(top).and_then(|plan| plan.get(&stem)).copied();
        Some(match position {
            Some(position) => MigrationName {
                kind,
                version: Some(vec![position as u64]),
                name: stem,
            },
            // A script the plan does not name: Sqitch never runs it.
            None => not_applied(path, Some(stem)),
        })
    }

    fn holds_plan(&mut self, dir: &Path) -> bool {
        *(self.has_plan.entry(dir.to_path_buf())).or_insert_with(|| dir.join(PLAN_FILE).is_file())
    }

    fn plan(&mut self, top: &Path) -> Option<&HashMap<String, usize>> {
        self.plans
            .entry(top.to_path_buf())
            .or_insert_with(|| {
                let text = std::fs::read(top.join(PLAN_FILE)).ok()?;
                Some(script_positions(&String::from_utf8_lossy(&text)))
            })
            .as_ref()
    }
}

/// `deploy/schema/users.sql` under `deploy/`: `schema/users`.
fn script_stem(path: &Path, scripts: &Path) -> Option<String> {
    let relative = path.strip_prefix(scripts).ok()?;
    let parts: Vec<&str> = relative
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect::<Option<_>>()?;
    let joined = parts.join("/");
    Some(joined.strip_suffix(".sql").unwrap_or(&joined).to_string())
}

fn not_applied(path: &Path, name: Option<String>) -> MigrationName {
    MigrationName {
        kind: Kind::NotApplied,
        version: None,
        name: name.unwrap_or_else(|| path.to_string_lossy().into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_order_tags_and_reworked_scripts() {
        let plan = "%syntax-version=1.0.0\n%project=flipr\n\n\
            users 2024-01-01T00:00:00Z Ann <a@x> # users\n\
            schema/flips [users] 2024-01-02T00:00:00Z Ann <a@x> # flips\n\
            @v1.0 2024-01-03T00:00:00Z Ann <a@x> # release\n\
            @v1.1 2024-01-04T00:00:00Z Ann <a@x>\n\
            # a comment\n\
            users [users@v1.0] 2024-01-05T00:00:00Z Ann <a@x> # rework users\n\
            +likes 2024-01-06T00:00:00Z Ann <a@x>\n";
        let positions = script_positions(plan);
        let mut listed: Vec<(&str, usize)> =
            positions.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        listed.sort_by_key(|&(name, at)| (at, name));
        assert_eq!(
            listed,
            [
                ("users@v1.0", 0),
                ("users@v1.1", 0),
                ("schema/flips", 1),
                ("users", 2),
                ("likes", 3),
            ]
        );
    }

    #[test]
    fn scripts_of_a_project_on_disk() {
        let top = std::env::temp_dir().join(format!("locksmith-sqitch-{}", std::process::id()));
        for dir in ["deploy/schema", "revert", "verify", "test"] {
            std::fs::create_dir_all(top.join(dir)).unwrap();
        }
        std::fs::write(
            top.join(PLAN_FILE),
            "schema/flips 2024-01-01T00:00:00Z A <a@x>\nusers 2024-01-02T00:00:00Z A <a@x>\n",
        )
        .unwrap();
        let at = |rel: &str| top.join(rel).to_string_lossy().into_owned();
        let mut projects = Projects::default();
        let mut of = |rel: &str| {
            let m = projects.classify(&at(rel)).expect("in the project");
            (m.kind, m.version, m.name)
        };
        assert_eq!(
            of("deploy/users.sql"),
            (Kind::Up, Some(vec![1]), "users".into())
        );
        assert_eq!(
            of("deploy/schema/flips.sql"),
            (Kind::Up, Some(vec![0]), "schema/flips".into())
        );
        assert_eq!(
            of("revert/users.sql"),
            (Kind::Down, Some(vec![1]), "users".into())
        );
        assert_eq!(of("verify/users.sql").0, Kind::NotApplied);
        assert_eq!(of("deploy/unplanned.sql").0, Kind::NotApplied);
        assert_eq!(of("test/users.sql").0, Kind::NotApplied);
        assert_eq!(of("seed.sql").0, Kind::NotApplied);
        assert!(Projects::default().classify("db/V1__init.sql").is_none());
        std::fs::remove_dir_all(&top).unwrap();
    }
}
