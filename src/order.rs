//! The order migration tools run `.sql` files in, from their names:
//!
//! - Flyway: `V1__init.sql`, `V1.1__x.sql`, `V2_1__x.sql` (versions compared part by part,
//!   numerically), `U2__x.sql` undoes V2, `R__views.sql` (repeatable) run after all versioned
//!   ones, by description;
//! - golang-migrate: `000001_init.up.sql` / `000001_init.down.sql`;
//! - dbmate, goose, sql-migrate and timestamped files: `20240101120000_init.sql` (each of
//!   the three keeps an up and a down section in one file, read in `convention.rs`);
//! - a directory per migration: diesel's `2019-02-26-002946_x/up.sql` and `.../down.sql`,
//!   Prisma's `20230404095503_x/migration.sql` (the directory's name is the version, see
//!   [`migration_name`]);
//! - Sqitch: the order of `sqitch.plan` ([`sqitch`]);
//! - anything else: natural order of the name (`2_x.sql` before `10_x.sql`).

pub mod sqitch;

use std::cmp::Ordering;

/// Which way a migration file goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Applied on upgrade (and, for dbmate, goose and sql-migrate files, also holds the
    /// downgrade section).
    Up,
    /// `*.down.sql`, Flyway `U` files.
    Down,
    /// Flyway `R__` files: run after every versioned migration, on each change.
    Repeatable,
    /// SQL of a migration project that its tool does not run as a migration (Sqitch's
    /// verify scripts, tests beside a plan): linted, but it builds no schema.
    NotApplied,
}

impl Kind {
    /// Whether its files build the schema on upgrade.
    pub fn upgrades(self) -> bool {
        matches!(self, Kind::Up | Kind::Repeatable)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationName {
    pub kind: Kind,
    /// Numeric version parts; None when the name carries no version.
    pub version: Option<Vec<u64>>,
    pub name: String,
}

/// Files named only for their role in a directory per migration (diesel, Prisma).
const ROLE_NAMES: [&str; 3] = ["up.sql", "down.sql", "migration.sql"];

/// The part of a path that names a migration: its file name, or `DIR/FILE` when the file
/// is named only for its role in the directory `DIR` (`.../2019-02-26-002946_x/up.sql`).
pub fn migration_name(path: &str) -> &str {
    let mut parts = path.rsplitn(3, ['/', '\\']);
    let file = parts.next().unwrap_or(path);
    let role = ROLE_NAMES.iter().any(|r| file.eq_ignore_ascii_case(r));
    match (role, parts.next()) {
        (true, Some(dir)) if !dir.is_empty() => &path[path.len() - file.len() - dir.len() - 1..],
        _ => file,
    }
}

/// What each path is to its migration tool: a Sqitch project's plan says for the files
/// of one ([`sqitch`]), the name ([`classify_path`]) for the others.
pub fn classify_paths<'a>(paths: impl IntoIterator<Item = &'a str>) -> Vec<MigrationName> {
    let mut projects = sqitch::Projects::default();
    paths
        .into_iter()
        .map(|path| (projects.classify(path)).unwrap_or_else(|| classify_path(path)))
        .collect()
}

/// [`classify`] of the path's [`migration_name`]; a file whose name carries no version
/// is named by its whole path, so that a directory per version (`v1.0/schema.sql`,
/// `v1.5/alter.sql`, `v1.17/x.sql`: temporal's schema tool) runs in the natural order of
/// its directories, not of the file names in them.
fn classify_path(path: &str) -> MigrationName {
    let mut name = classify(migration_name(path));
    if name.version.is_none() && name.kind != Kind::Repeatable {
        name.name = path.to_string();
    }
    name
}

/// Whether a file is named as Flyway names migrations: `V1__x.sql`, `V1.1__x.sql`,
/// `U1__x.sql`, `R__x.sql` (any case).
pub fn is_flyway(path: &str) -> bool {
    let file = migration_name(path).to_ascii_lowercase();
    let versioned = |prefix: char| {
        (file.strip_prefix(prefix))
            .and_then(|rest| rest.split_once("__"))
            .is_some_and(|(version, _)| parse_version(version).is_some())
    };
    file.ends_with(".sql") && (file.starts_with("r__") || versioned('v') || versioned('u'))
}

/// Whether a file is named as golang-migrate names migrations: `000001_init.up.sql`,
/// `20240101120000_init.down.sql` (any case; not a directory's `up.sql`).
pub fn is_golang_migrate(path: &str) -> bool {
    let file = path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase();
    let Some(stem) = (file.strip_suffix(".up.sql")).or_else(|| file.strip_suffix(".down.sql"))
    else {
        return false;
    };
    stem.split_once('_').is_some_and(|(version, name)| {
        !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()
    })
}

/// What a migration's name (see [`migration_name`]) says of its direction and version.
pub fn classify(file_name: &str) -> MigrationName {
    let lower = file_name.to_ascii_lowercase();
    let stem = lower.strip_suffix(".sql").unwrap_or(&lower);
    // `DIR/up`, `DIR/down`, `DIR/migration`: the direction from the file, the rest from DIR.
    let stem = match stem.rsplit_once(['/', '\\']) {
        Some((dir, "down")) => format!("{dir}.down"),
        Some((dir, _)) => dir.to_string(),
        None => stem.to_string(),
    };
    let stem = stem.as_str();
    let (kind, stem) = if let Some(s) = stem.strip_suffix(".down") {
        (Kind::Down, s)
    } else if let Some(s) = stem.strip_suffix(".up") {
        (Kind::Up, s)
    } else {
        (Kind::Up, stem)
    };
    let flyway = |prefix: char| {
        stem.strip_prefix(prefix)
            .and_then(|rest| rest.split_once("__"))
            .and_then(|(version, _)| parse_version(version))
    };
    let (kind, version) = if let Some(version) = flyway('v') {
        (kind, Some(version))
    } else if let Some(version) = flyway('u') {
        (Kind::Down, Some(version))
    } else if stem.starts_with("r__") {
        (Kind::Repeatable, None)
    } else {
        // `20240101120000_x`, and diesel's `2019-02-26-002946_x` read as one number.
        let digits: String = (stem.chars())
            .take_while(|c| c.is_ascii_digit() || *c == '-')
            .filter(char::is_ascii_digit)
            .collect();
        (kind, digits.parse().ok().map(|v| vec![v]))
    };
    MigrationName {
        kind,
        version,
        name: file_name.to_string(),
    }
}

fn parse_version(text: &str) -> Option<Vec<u64>> {
    text.split(['.', '_'])
        .map(|part| part.parse().ok())
        .collect::<Option<Vec<u64>>>()
        .filter(|parts| !parts.is_empty())
}

/// Upgrade order: versioned files by version, then unversioned by natural name, then
/// repeatable ones by name.
pub fn upgrade_order(a: &MigrationName, b: &MigrationName) -> Ordering {
    let rank = |m: &MigrationName| match (m.kind, &m.version) {
        (Kind::Repeatable, _) => 2,
        (_, Some(_)) => 0,
        (_, None) => 1,
    };
    rank(a)
        .cmp(&rank(b))
        .then_with(|| a.version.cmp(&b.version))
        .then_with(|| natural_cmp(&a.name, &b.name))
}

/// Compares names with digit runs as numbers: `2_x` < `10_x`.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let take = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, nb) = (take(a), take(b));
                let (da, db) = (trim_zeros(&a[..na]), trim_zeros(&b[..nb]));
                let by_value = da.len().cmp(&db.len()).then_with(|| da.cmp(db));
                if by_value != Ordering::Equal {
                    return by_value;
                }
                (a, b) = (&a[na..], &b[nb..]);
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                (a, b) = (&a[1..], &b[1..]);
            }
        }
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|c| **c == b'0').count();
    &digits[zeros..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut list: Vec<MigrationName> = names.iter().map(|n| classify(n)).collect();
        list.sort_by(upgrade_order);
        list.into_iter().map(|m| m.name).collect()
    }

    #[test]
    fn flyway_versions_compare_numerically_and_repeatables_come_last() {
        assert_eq!(
            sorted(&[
                "R__views.sql",
                "V10__c.sql",
                "V2__b.sql",
                "V1.1__a2.sql",
                "V1__a.sql"
            ]),
            [
                "V1__a.sql",
                "V1.1__a2.sql",
                "V2__b.sql",
                "V10__c.sql",
                "R__views.sql"
            ]
        );
        assert_eq!(classify("U2__b.sql").kind, Kind::Down);
        for flyway in [
            "db/V1__a.sql",
            "v1.1__a.sql",
            "U2__b.sql",
            "R__views.sql",
            "V2_1__x.sql",
        ] {
            assert!(is_flyway(flyway), "{flyway}");
        }
        for other in [
            "V__a.sql",
            "Vx__a.sql",
            "20240101_a.sql",
            "V1__a.sql.conf",
            "views.sql",
        ] {
            assert!(!is_flyway(other), "{other}");
        }
        assert_eq!(classify("V2_1__x.sql").version, Some(vec![2, 1]));
    }

    #[test]
    fn golang_migrate_and_timestamps() {
        assert_eq!(classify("000002_add.down.sql").kind, Kind::Down);
        assert_eq!(classify("000002_add.up.sql").version, Some(vec![2]));
        assert_eq!(
            sorted(&["20240301_b.sql", "20231201_a.sql", "notes.sql"]),
            ["20231201_a.sql", "20240301_b.sql", "notes.sql"]
        );
        assert!(is_golang_migrate("db/migrations/000001_init.up.sql"));
        assert!(is_golang_migrate("20240101120000_Init.DOWN.sql"));
        for other in [
            "up.sql",
            "2019-02-26-002946_x/up.sql",
            "_x.up.sql",
            "1_.up.sql",
        ] {
            assert!(!is_golang_migrate(other), "{other}");
        }
        assert!(!is_golang_migrate("V1__x.sql") && !is_golang_migrate("000001_init.sql"));
    }

    #[test]
    fn a_directory_per_migration() {
        let diesel = "migrations/2019-02-26-002946_create_user/down.sql";
        assert_eq!(
            migration_name(diesel),
            "2019-02-26-002946_create_user/down.sql"
        );
        assert_eq!(migration_name("db/V1__a.sql"), "V1__a.sql");
        assert_eq!(migration_name("up.sql"), "up.sql");
        let down = classify(migration_name(diesel));
        assert_eq!(
            (down.kind, down.version),
            (Kind::Down, Some(vec![20190226002946]))
        );
        assert_eq!(
            sorted(&[
                "2019-03-01-000000_b/up.sql",
                "2019-02-26-002946_a/up.sql",
                "00000000000000_setup/up.sql",
            ]),
            [
                "00000000000000_setup/up.sql",
                "2019-02-26-002946_a/up.sql",
                "2019-03-01-000000_b/up.sql"
            ]
        );
        let prisma = classify(migration_name(
            "prisma/migrations/20230411134605_doc/migration.sql",
        ));
        assert_eq!(
            (prisma.kind, prisma.version),
            (Kind::Up, Some(vec![20230411134605]))
        );
    }

    #[test]
    fn a_directory_per_version_runs_in_the_order_of_its_directories() {
        let mut names = classify_paths([
            "versioned/v1.5/cluster_membership.sql",
            "versioned/v1.17/add_maps.sql",
            "versioned/v1.0/schema.sql",
            "versioned/v1.10/alter_columns.sql",
            "versioned/v1.10/add_index.sql",
        ]);
        names.sort_by(upgrade_order);
        let names: Vec<&str> = names.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "versioned/v1.0/schema.sql",
                "versioned/v1.5/cluster_membership.sql",
                "versioned/v1.10/add_index.sql",
                "versioned/v1.10/alter_columns.sql",
                "versioned/v1.17/add_maps.sql",
            ]
        );
        // Versioned names still order by their version, wherever they are.
        let mut names = classify_paths(["b/V2__x.sql", "a/V10__y.sql", "c/V1__z.sql"]);
        names.sort_by(upgrade_order);
        let names: Vec<&str> = names.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["V1__z.sql", "V2__x.sql", "V10__y.sql"]);
    }

    #[test]
    fn natural_order() {
        assert_eq!(natural_cmp("2_x", "10_x"), Ordering::Less);
        assert_eq!(natural_cmp("a02", "a2b"), Ordering::Less);
        assert_eq!(natural_cmp("abc", "abd"), Ordering::Less);
    }
}
