//! `check-downgrade --database-url`: the upgrade / downgrade round trip of every migration
//! run on a scratch database, compared with `pg_dump --schema-only` (see [`super::dump`]).
//!
//! For each migration in order: the dump before its upgrade (the one taken after the
//! previous step), its upgrade, a dump, its downgrade, a dump compared with the one before
//! the upgrade, then its upgrade again and a dump that must equal the one after the first
//! upgrade, so the next migration starts where it expects. When it does not (the
//! downgrade left something the upgrade cannot run over), the database is rebuilt: every
//! schema dropped, the ones it started with recreated as they were, and the upgrades so far
//! applied again. That needs a database that was empty at the start, which is also what
//! [`run`] requires unless told otherwise.
//!
//! Statements run one at a time in autocommit, as `psql -f` runs a file; an Alembic
//! revision runs inside `BEGIN` … `COMMIT` as Alembic runs it (its autocommit blocks'
//! `COMMIT`/`BEGIN` are in its rendered SQL). A statement that fails stops that
//! migration's SQL (an open transaction is rolled back).

use std::ops::Range;

use postgres::Client;

use super::db;
use super::dump::{Dump, PgDump};
use crate::alembic::LoadedProject;
use crate::lint::history::{self, alembic_order};
use crate::source::SourceFile;

/// One migration as the live check runs it.
#[derive(Debug, Clone)]
pub struct Step {
    /// Shown in messages: the revision id or file name.
    pub name: String,
    /// The file whose report gets the finding (a revision file, a down file).
    pub file: String,
    /// Where in that file.
    pub span: Range<usize>,
    pub upgrade: String,
    /// None: only upgraded (no down part, or one the offline check does not compare).
    pub downgrade: Option<String>,
    /// Run inside one transaction (Alembic).
    pub transactional: bool,
}

/// What the round trip of one migration showed.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The dump after the downgrade equals the dump before the upgrade.
    Reversible,
    /// They differ: the differing items.
    Differs(Vec<String>),
    /// The downgrade failed on the server.
    DowngradeFailed(String),
    /// The downgrade restored the dump, but the upgrade then failed when applied again.
    UpgradeFailsAgain(String),
}

#[derive(Debug, Clone)]
pub struct StepResult {
    pub name: String,
    pub file: String,
    pub span: Range<usize>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Default)]
pub struct LiveRun {
    pub results: Vec<StepResult>,
    /// What was done, one line each, for the user.
    pub log: Vec<String>,
    /// Why the run stopped before the last migration.
    pub stopped: Option<String>,
}

pub struct Options<'a> {
    pub url: &'a str,
    pub pg_dump: Option<&'a std::path::Path>,
    pub allow_non_empty: bool,
}

/// The steps of an Alembic project, in graph order (the order `alembic upgrade heads`
/// applies them).
pub fn alembic_steps(loaded: &LoadedProject) -> Vec<Step> {
    alembic_order(loaded)
        .into_iter()
        .filter_map(|i| {
            let revision = &loaded.revisions[i];
            let rendered = revision.rendered.as_ref().ok()?;
            let name = rendered
                .revision
                .clone()
                .unwrap_or_else(|| revision.source.name.clone());
            Some(Step {
                name,
                file: revision.source.name.clone(),
                span: rendered
                    .downgrade
                    .as_ref()
                    .map_or(0..0, |d| d.def_span.clone()),
                upgrade: history::upgrade_sql(revision).unwrap_or_default(),
                downgrade: history::comparable(revision)
                    .then(|| history::downgrade_sql(revision))
                    .flatten(),
                transactional: true,
            })
        })
        .collect()
}

/// The steps of a set of `.sql` migrations, in their tool's order.
pub fn sql_steps(sources: &[&SourceFile]) -> Vec<Step> {
    history::sql_steps(sources)
        .into_iter()
        .map(|step| {
            let up = sources[step.up];
            let holder = sources[step.down.as_ref().map_or(step.up, |(h, _)| *h)];
            Step {
                name: up.name.rsplit('/').next().unwrap_or(&up.name).to_string(),
                file: holder.name.clone(),
                span: history::roundtrip_span(holder),
                upgrade: history::up_sql(up).to_string(),
                downgrade: step.down.map(|(_, text)| text.to_string()),
                transactional: false,
            }
        })
        .collect()
}

/// The public schema as the database had it, to recreate it after dropping it.
struct PublicSchema {
    owner: String,
    grants: Vec<String>,
    comment: Option<String>,
}

struct Live<'a> {
    client: Client,
    pg_dump: PgDump,
    url: &'a str,
    log: Vec<String>,
    dumps: usize,
    resets: usize,
}

impl Live<'_> {
    fn dump(&mut self) -> Result<Dump, String> {
        self.dumps += 1;
        self.pg_dump.dump(self.url)
    }

    /// Runs a migration's SQL; the first failing statement's message.
    fn apply(&mut self, sql: &str, transactional: bool) -> Result<(), String> {
        let mut run = || -> Result<(), String> {
            if transactional {
                self.client
                    .batch_execute("BEGIN")
                    .map_err(|e| db::error_text(&e))?;
            }
            for chunk in crate::parse::split::split(sql, 0) {
                let text = &sql[chunk.span.clone()];
                if chunk.kind != crate::parse::split::ChunkKind::Sql
                    || crate::parse::split::is_blank(text)
                {
                    continue;
                }
                self.client.batch_execute(text).map_err(|e| {
                    let line = sql[..chunk.span.start].matches('\n').count() + 1;
                    format!(
                        "{} (line {line} of its SQL: {})",
                        db::error_text(&e),
                        head(text)
                    )
                })?;
            }
            if transactional {
                self.client
                    .batch_execute("COMMIT")
                    .map_err(|e| db::error_text(&e))?;
            }
            Ok(())
        };
        let result = run();
        if result.is_err() {
            // Outside a transaction this is only a warning.
            let _ = self.client.batch_execute("ROLLBACK");
        }
        result
    }
}

const PUBLIC_SQL: &str = "\
SELECT n.nspowner::regrole::text, obj_description(n.oid, 'pg_namespace'),
       coalesce((SELECT array_agg(format('GRANT %s ON SCHEMA public TO %s%s', a.privilege_type,
                   CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END,
                   CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END))
                   FROM aclexplode(n.nspacl) a WHERE a.grantee <> n.nspowner), '{}')
  FROM pg_namespace n WHERE n.nspname = 'public'";

const SCHEMAS_SQL: &str = "\
SELECT quote_ident(nspname) FROM pg_namespace
 WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'";

fn public_schema(client: &mut Client) -> Result<Option<PublicSchema>, String> {
    let row = client
        .query_opt(PUBLIC_SQL, &[])
        .map_err(|e| format!("reading the public schema: {}", db::error_text(&e)))?;
    Ok(row.map(|row| PublicSchema {
        owner: row.get(0),
        comment: row.get(1),
        grants: row.get(2),
    }))
}

/// Drops every schema and recreates `public` as it was: the database as it started,
/// when it started empty.
fn reset(client: &mut Client, public: Option<&PublicSchema>) -> Result<(), String> {
    let schemas: Vec<String> = client
        .query(SCHEMAS_SQL, &[])
        .map_err(|e| db::error_text(&e))?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut sql: Vec<String> = schemas
        .iter()
        .map(|s| format!("DROP SCHEMA {s} CASCADE"))
        .collect();
    if let Some(public) = public {
        sql.push(format!(
            "CREATE SCHEMA public AUTHORIZATION {}",
            public.owner
        ));
        sql.extend(public.grants.iter().cloned());
        if let Some(comment) = &public.comment {
            sql.push(format!(
                "COMMENT ON SCHEMA public IS '{}'",
                comment.replace('\'', "''")
            ));
        }
    }
    client
        .batch_execute(&format!("BEGIN; {}; COMMIT", sql.join("; ")))
        .map_err(|e| {
            let _ = client.batch_execute("ROLLBACK");
            db::error_text(&e)
        })
}

/// A statement's first line, shortened, for messages.
fn head(statement: &str) -> String {
    let line = statement.trim().lines().next().unwrap_or_default();
    match line.char_indices().nth(100) {
        Some((at, _)) => format!("{} ...", &line[..at]),
        None if statement.trim().contains('\n') => format!("{line} ..."),
        None => line.to_string(),
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// Runs every step's round trip on the database at `options.url`. An error: nothing
/// could be checked (no connection, no pg_dump, a database that is not empty).
pub fn run(steps: &[Step], options: &Options) -> Result<LiveRun, String> {
    let shown = db::redact(options.url);
    let pg_dump = PgDump::find(options.pg_dump)?;
    let mut client = db::connect(options.url)?;
    let (version, _) = db::server_version(&mut client)?;
    let public = public_schema(&mut client)?;
    let mut live = Live {
        client,
        pg_dump,
        url: options.url,
        log: Vec::new(),
        dumps: 0,
        resets: 0,
    };
    live.log.push(format!(
        "connected to {shown} (PostgreSQL {version}); comparing with {} ({})",
        live.pg_dump.path.display(),
        live.pg_dump.version
    ));
    let initial = live.dump()?;
    let empty = initial.items.is_empty();
    if !empty && !options.allow_non_empty {
        let example = initial.items.iter().next().cloned().unwrap_or_default();
        return Err(format!(
            "the database {shown} is not empty (pg_dump --schema-only prints {}, e.g. `{example}`): \
             the live check changes the database it is given and needs an empty scratch \
             database; pass --allow-non-empty to run it on this one anyway",
            plural(initial.items.len(), "definition")
        ));
    }
    live.log.push(if empty {
        "the database was empty at the start".to_string()
    } else {
        format!(
            "the database was not empty at the start ({}; --allow-non-empty)",
            plural(initial.items.len(), "definition")
        )
    });
    let mut run = LiveRun::default();
    let mut before = initial;
    let (mut upgraded, mut compared) = (0, 0);
    for (k, step) in steps.iter().enumerate() {
        if let Err(e) = live.apply(&step.upgrade, step.transactional) {
            run.stopped = Some(format!(
                "the upgrade of {} failed on the database: {e}; later migrations were not checked",
                step.name
            ));
            break;
        }
        upgraded += 1;
        let Some(downgrade) = &step.downgrade else {
            if steps[k + 1..].iter().any(|s| s.downgrade.is_some()) {
                before = live.dump()?;
            }
            continue;
        };
        let after_upgrade = live.dump()?;
        compared += 1;
        let mut outcome = match live.apply(downgrade, step.transactional) {
            Err(e) => Outcome::DowngradeFailed(e),
            Ok(()) => {
                let after = live.dump()?;
                let differences = before.differences(&after, "after downgrade");
                if differences.is_empty() {
                    Outcome::Reversible
                } else {
                    Outcome::Differs(differences)
                }
            }
        };
        // Back to the schema after the upgrade, for the next migration.
        let again = live.apply(&step.upgrade, step.transactional);
        if let (Outcome::Reversible, Err(e)) = (&outcome, &again) {
            outcome = Outcome::UpgradeFailsAgain(e.clone());
        }
        // Even when the upgrade failed again, the downgrade may have left the schema as
        // the upgrade had it (an enum value not removed): then there is nothing to rebuild.
        if live.dump()? != after_upgrade {
            if !empty {
                run.results.push(result(step, outcome));
                run.stopped = Some(format!(
                    "after the downgrade of {}, its upgrade could not bring the database back \
                     to the schema it had after the first upgrade, and a database that was not \
                     empty cannot be rebuilt; later migrations were not checked",
                    step.name
                ));
                break;
            }
            live.resets += 1;
            if let Err(e) = rebuild(&mut live, public.as_ref(), &steps[..=k], &after_upgrade) {
                run.results.push(result(step, outcome));
                run.stopped = Some(format!(
                    "after the downgrade of {}, rebuilding the database failed: {e}; later \
                     migrations were not checked",
                    step.name
                ));
                break;
            }
        }
        run.results.push(result(step, outcome));
        before = after_upgrade;
    }
    let differ = run
        .results
        .iter()
        .filter(|r| r.outcome != Outcome::Reversible)
        .count();
    live.log.push(format!(
        "{} of {} upgraded; {} run (upgrade, downgrade, upgrade again) and compared: {} \
         reversible, {differ} not; {} taken",
        plural(upgraded, "migration"),
        steps.len(),
        plural(compared, "round trip"),
        compared - differ,
        plural(live.dumps, "pg_dump"),
    ));
    if upgraded > compared {
        live.log.push(format!(
            "{} only upgraded: no down part, an empty one, or one not completely rendered \
             (as offline, these are not compared)",
            plural(upgraded - compared, "migration")
        ));
    }
    if live.resets > 0 {
        live.log.push(format!(
            "the database was rebuilt {} (every schema dropped, the upgrades so far applied \
             again) where a downgrade left something its upgrade could not run over",
            plural(live.resets, "time")
        ));
    }
    live.log.push(
        "the database is left with the schema of the last migration upgraded; drop it or \
         reuse it as a scratch database"
            .to_string(),
    );
    run.log = live.log;
    Ok(run)
}

fn result(step: &Step, outcome: Outcome) -> StepResult {
    StepResult {
        name: step.name.clone(),
        file: step.file.clone(),
        span: step.span.clone(),
        outcome,
    }
}

/// Back to an empty database, then every upgrade of `steps`; the result must dump as
/// `expected`.
fn rebuild(
    live: &mut Live,
    public: Option<&PublicSchema>,
    steps: &[Step],
    expected: &Dump,
) -> Result<(), String> {
    reset(&mut live.client, public)?;
    for step in steps {
        live.apply(&step.upgrade, step.transactional)
            .map_err(|e| format!("the upgrade of {} failed: {e}", step.name))?;
    }
    let got = live.dump()?;
    if &got != expected {
        let differences = expected.differences(&got, "after rebuilding");
        return Err(format!(
            "the rebuilt schema differs: {}",
            differences.join("; ")
        ));
    }
    Ok(())
}
