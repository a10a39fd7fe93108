//! The `.sql` migrations of a directory replayed in their tool's order (Flyway,
//! golang-migrate, dbmate, goose, sql-migrate, timestamps, natural order), a chunk at a
//! time, each handed the part of the catalog its text names, and its down part compared
//! with its up part.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use super::{REPLAY_CHUNK, roundtrip};
use crate::order::{Kind, migration_name, natural_cmp, upgrade_order};
use crate::parse::Parsed;
use crate::schema::{Catalog, NameSet, mentioned_names};
use crate::source::SourceFile;

/// The part of a `.sql` migration that upgrades: the file, or the up sections of a file
/// that holds both directions (dbmate, goose, sql-migrate) with the rest blanked.
pub fn up_sql(source: &SourceFile) -> Cow<'_, str> {
    match source.section_text(false) {
        Some(text) => Cow::Owned(text),
        None => Cow::Borrowed(&source.text),
    }
}

/// The down sections of a file that holds both directions, with the rest blanked; None
/// when it has none or they are empty.
fn down_sections(source: &SourceFile) -> Option<String> {
    (source.section_text(true)).filter(|text| !text.trim().is_empty())
}

/// What each source is to its migration tool ([`crate::order::classify_paths`]).
fn classify_sources(sources: &[&SourceFile]) -> Vec<crate::order::MigrationName> {
    crate::order::classify_paths(sources.iter().map(|s| s.name.as_str()))
}

/// Positions of `sources` in their tool's upgrade order: up files (and dbmate files) by
/// version, repeatable ones last; down files after the up file of the same version. (The
/// callers classify the sources once and order them with [`order_of`].)
#[cfg(test)]
fn sql_order(sources: &[&SourceFile]) -> Vec<usize> {
    order_of(&classify_sources(sources))
}

/// Positions of classified file names in their tool's upgrade order.
fn order_of(names: &[crate::order::MigrationName]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| {
        // Of one version: the up file, its down file, then what is not applied (Sqitch's
        // verify script).
        let rank = |i: usize| match names[i].kind {
            Kind::Up | Kind::Repeatable => 0,
            Kind::Down => 1,
            Kind::NotApplied => 2,
        };
        let key = |i: usize| {
            let mut name = names[i].clone();
            name.kind = if rank(i) == 0 { name.kind } else { Kind::Up };
            // A versioned down file pairs with the up file of its version, whatever its name.
            if name.version.is_some() {
                name.name.clear();
            }
            name
        };
        upgrade_order(&key(a), &key(b))
            .then(rank(a).cmp(&rank(b)))
            .then_with(|| natural_cmp(&names[a].name, &names[b].name))
    });
    order
}

/// The down part of the up migration at `order[at]`: the next file in order when it is
/// this version's down file, else the file's down sections; with the file that holds it.
fn down_part<'a>(
    sources: &[&'a SourceFile],
    names: &[crate::order::MigrationName],
    order: &[usize],
    at: usize,
) -> Option<(usize, Cow<'a, str>)> {
    let i = order[at];
    match paired_down(names, order, at) {
        Some(j) => Some((j, Cow::Borrowed(sources[j].text.as_str()))),
        None => down_sections(sources[i]).map(|text| (i, Cow::Owned(text))),
    }
}

/// The down file of the up migration at `order[at]`: the next file in order when it is
/// this version's down file.
fn paired_down(names: &[crate::order::MigrationName], order: &[usize], at: usize) -> Option<usize> {
    let i = order[at];
    order.get(at + 1).copied().filter(|&j| {
        names[j].kind == Kind::Down
            && names[j].version.is_some()
            && names[j].version == names[i].version
    })
}

/// One SQL migration in its tool's order, as the live round trip runs it: the up part
/// (index into `sources`) and, when it has one, the down part with the file holding it.
#[derive(Debug, Clone)]
pub struct SqlStep<'a> {
    pub up: usize,
    pub down: Option<(usize, Cow<'a, str>)>,
}

/// The up migrations of `sources` in their tool's order, each with its down part paired
/// as `check-downgrade` pairs them.
pub fn sql_steps<'a>(sources: &[&'a SourceFile]) -> Vec<SqlStep<'a>> {
    let names = classify_sources(sources);
    let order = order_of(&names);
    (0..order.len())
        .filter(|&at| names[order[at]].kind.upgrades())
        .map(|at| SqlStep {
            up: order[at],
            down: down_part(sources, &names, &order, at),
        })
        .collect()
}

/// Where a `.sql` file's round-trip finding goes: its first down marker line (dbmate,
/// goose, sql-migrate), else its first line.
pub fn roundtrip_span(source: &SourceFile) -> std::ops::Range<usize> {
    let line = match source.sections(true).first() {
        Some(range) => source.position(range.start).line.saturating_sub(1).max(1),
        None => 1,
    };
    source.line_span(line)
}

/// What one SQL migration is linted with: the schema the migrations before it built (a
/// down file: the schema its up file left), and for the file holding a down part, what
/// that down part leaves different from the schema its up part started from.
#[derive(Debug, Clone, Default)]
pub struct SqlHistory {
    pub start: Catalog,
    pub roundtrip: Option<Vec<String>>,
}

/// [`SqlHistory`] for every SQL migration of one directory (same index as `sources`), in
/// one replay in the tool's order. `roundtrips`: compare down parts with their up parts.
pub fn sql_history(sources: &[&SourceFile], roundtrips: bool) -> Vec<SqlHistory> {
    let names: Vec<String> = sources.iter().map(|s| s.name.clone()).collect();
    sql_history_read(&names, &|i| Some(sources[i].clone()), roundtrips)
}

/// [`sql_history`] of the files called `names` (paths, whose last part carries the
/// version), read with `read` a chunk at a time in the tool's order, so that a big
/// directory is never held in memory whole. A file `read` cannot read is left out.
pub fn sql_history_read(
    names: &[String],
    read: &(dyn Fn(usize) -> Option<SourceFile> + Sync),
    roundtrips: bool,
) -> Vec<SqlHistory> {
    let mut out = vec![SqlHistory::default(); names.len()];
    sql_replay(names, read, roundtrips, false, &mut |chunk| {
        for replayed in chunk {
            out[replayed.index] = replayed.history;
        }
    });
    out
}

/// The [`SqlHistory`] of a migration linted alone, with no other before it: only its own
/// down sections (dbmate, goose, sql-migrate), when it has some, compared with its up part.
pub fn sql_history_alone(source: &SourceFile, roundtrips: bool) -> SqlHistory {
    let mut history = SqlHistory::default();
    if roundtrips && !source.sections(true).is_empty() {
        let names = [source.name.clone()];
        sql_replay(
            &names,
            &|_| Some(source.clone()),
            true,
            false,
            &mut |chunk| {
                history = chunk
                    .into_iter()
                    .next()
                    .map(|r| r.history)
                    .unwrap_or_default();
            },
        );
    }
    history
}

/// One SQL migration as the replay leaves it: what it is linted with, and what the replay
/// read and parsed of it, for the lint to reuse.
#[derive(Debug)]
pub struct ReplayedSql {
    /// Its index in `names`.
    pub index: usize,
    /// `None` when it could not be read.
    pub source: Option<SourceFile>,
    /// The whole file parsed (with `keep_parse`, for files up to [`REUSED_PARSE_MAX`]).
    pub parsed: Option<Parsed>,
    pub history: SqlHistory,
}

/// The biggest file whose parse a replay hands on (the lint's own batch size): a bigger
/// one is parsed again by the lint a batch at a time, so that its parse trees are never
/// held whole.
pub const REUSED_PARSE_MAX: usize = 64 << 10;

/// The SQL of one chunk whose parse trees are handed on, at most: the trees take many
/// times the text's size, and a few chunks are in flight at once.
const REUSED_PARSE_PER_CHUNK: usize = 1 << 20;

/// The biggest file whose schema changes are parsed ahead, with the rest of its chunk: a
/// bigger one is parsed as it is applied, a batch at a time (its trees would take many
/// times its text's size: a 10 MB baseline of CREATE TABLEs held 750 MB of them).
const CHANGES_PARSED_AHEAD_MAX: usize = 1 << 20;

/// Replays the files called `names` in their tool's order, handing each chunk to `each`
/// ([`SqlReplay`]).
pub fn sql_replay(
    names: &[String],
    read: &(dyn Fn(usize) -> Option<SourceFile> + Sync),
    roundtrips: bool,
    keep_parse: bool,
    each: &mut dyn FnMut(Vec<ReplayedSql>),
) {
    let mut replay = SqlReplay::new(names, roundtrips, keep_parse);
    while let Some(chunk) = replay.next_chunk(read) {
        each(chunk);
    }
}

/// A replay of the files called `names` in their tool's order, a chunk at a time, in two
/// stages: a chunk's files are read and parsed in parallel ([`ChunkParser`]), then applied
/// in order and handed on with their [`SqlHistory`] final ([`ChunkApplier`]). The stages
/// can run at once on consecutive chunks ([`SqlReplay::stages`]), so that the applying,
/// which is sequential, overlaps the parsing of the next chunk and the caller's lint of the
/// previous one. With `keep_parse`, each file (up to [`REUSED_PARSE_MAX`] and
/// [`REUSED_PARSE_PER_CHUNK`] in all, and without a down section) is parsed whole and that
/// parse handed on; otherwise only the statements the catalog models are parsed.
pub struct SqlReplay {
    plan: ReplayPlan,
    /// Where in `plan.order` the next chunk to parse starts.
    next: usize,
    applied: Applied,
}

/// What a replay applies, in which order.
struct ReplayPlan {
    classified: Vec<crate::order::MigrationName>,
    order: Vec<usize>,
    roundtrips: bool,
    /// Whose whole parse is handed on (by index in `names`).
    keep_parse: Vec<bool>,
    /// Who is linted, so needs the schema it starts from (by index in `names`): the others
    /// are only applied to it.
    linted: Vec<bool>,
}

/// What the migrations applied so far left.
#[derive(Default)]
struct Applied {
    catalog: Catalog,
    /// Round trips found for down files of the next chunk.
    roundtrip_of: HashMap<usize, Vec<String>>,
}

/// A chunk read and parsed, not applied yet.
pub struct ParsedChunk {
    /// Where in the order it starts.
    first: usize,
    files: Vec<ReadFile>,
}

/// The parsing stage of a [`SqlReplay`].
pub struct ChunkParser<'a> {
    plan: &'a ReplayPlan,
    next: &'a mut usize,
}

/// The applying stage of a [`SqlReplay`].
pub struct ChunkApplier<'a> {
    plan: &'a ReplayPlan,
    applied: &'a mut Applied,
}

impl SqlReplay {
    pub fn new(names: &[String], roundtrips: bool, keep_parse: bool) -> SqlReplay {
        let classified = crate::order::classify_paths(names.iter().map(String::as_str));
        SqlReplay {
            plan: ReplayPlan {
                order: order_of(&classified),
                classified,
                roundtrips,
                keep_parse: vec![keep_parse; names.len()],
                linted: vec![true; names.len()],
            },
            next: 0,
            applied: Applied::default(),
        }
    }

    /// Hands on the whole parse and the starting schema only of the files whose names
    /// `lints` accepts (`--changed-since`): the others are not linted, so only what the
    /// catalog models is parsed of them, and no copy of the schema is made for them.
    pub fn linting_only(mut self, names: &[String], lints: impl Fn(&str) -> bool) -> Self {
        let ReplayPlan {
            keep_parse, linted, ..
        } = &mut self.plan;
        for ((kept, linted), name) in keep_parse.iter_mut().zip(linted).zip(names) {
            *linted = lints(name);
            *kept &= *linted;
        }
        self
    }

    /// The next chunk, replayed (`read` reads a file by its index in `names`); `None`
    /// once every file was handed on.
    pub fn next_chunk(
        &mut self,
        read: &(dyn Fn(usize) -> Option<SourceFile> + Sync),
    ) -> Option<Vec<ReplayedSql>> {
        let (mut parser, mut applier) = self.stages();
        let chunk = parser.parse_next(read)?;
        Some(applier.apply(chunk, read))
    }

    /// Its two stages, to run at once on consecutive chunks (each chunk parsed, then
    /// applied, in order).
    pub fn stages(&mut self) -> (ChunkParser<'_>, ChunkApplier<'_>) {
        let parser = ChunkParser {
            plan: &self.plan,
            next: &mut self.next,
        };
        let applier = ChunkApplier {
            plan: &self.plan,
            applied: &mut self.applied,
        };
        (parser, applier)
    }
}

impl ChunkParser<'_> {
    /// The next chunk's files read and parsed, in parallel; `None` once every chunk was.
    pub fn parse_next(
        &mut self,
        read: &(dyn Fn(usize) -> Option<SourceFile> + Sync),
    ) -> Option<ParsedChunk> {
        let ReplayPlan {
            classified,
            order,
            keep_parse,
            linted,
            ..
        } = self.plan;
        let (first, end) = (*self.next, (*self.next + REPLAY_CHUNK).min(order.len()));
        if first == end {
            return None;
        }
        *self.next = end;
        let chunk = &order[first..end];
        // One file alone has no history; only its own down part can be compared.
        let many = order.len() >= 2;
        let last = order.len() - 1;
        let sources: Vec<Option<SourceFile>> = chunk.par_iter().map(|&i| read(i)).collect();
        let mut budget = REUSED_PARSE_PER_CHUNK;
        let keep: Vec<bool> = (sources.iter().zip(chunk))
            .map(|(source, &i)| {
                let size = source.as_ref().map_or(usize::MAX, |s| s.text.len());
                let kept = keep_parse[i] && size <= REUSED_PARSE_MAX.min(budget);
                budget -= if kept { size } else { 0 };
                kept
            })
            .collect();
        let files = (sources.into_par_iter().zip(keep).enumerate())
            .map(|(k, (source, keep))| {
                let i = chunk[k];
                // What the last migration builds reaches no later one: no need to replay it.
                let replayed = classified[i].kind.upgrades() && first + k < last;
                read_and_parse(source, replayed, many && linted[i], keep)
            })
            .collect();
        Some(ParsedChunk { first, files })
    }
}

/// A file whose name holds this makes the replay panic when it applies it (test builds).
#[cfg(test)]
pub const FAILS_IN_REPLAY: &str = "fails-in-replay";

impl ChunkApplier<'_> {
    /// Applies a parsed chunk (the one after the chunk applied last) in order, and hands
    /// its files on with their history.
    pub fn apply(
        &mut self,
        chunk: ParsedChunk,
        read: &(dyn Fn(usize) -> Option<SourceFile> + Sync),
    ) -> Vec<ReplayedSql> {
        let ReplayPlan {
            classified,
            order,
            roundtrips,
            linted,
            ..
        } = self.plan;
        let Applied {
            catalog,
            roundtrip_of,
        } = &mut *self.applied;
        let ParsedChunk { first, files } = chunk;
        let many = order.len() >= 2;
        let mut histories = Vec::with_capacity(files.len());
        for (k, file) in files.iter().enumerate() {
            let at = first + k;
            let i = order[at];
            let mut history = SqlHistory {
                roundtrip: roundtrip_of.remove(&i),
                ..SqlHistory::default()
            };
            let Some(source) = &file.source else {
                histories.push(history);
                continue;
            };
            // A failpoint for the tests of a replay that fails (`run::sql`).
            #[cfg(test)]
            assert!(
                !source.name.contains(FAILS_IN_REPLAY),
                "failpoint: {}",
                source.name
            );
            if many && linted[i] {
                history.start = catalog.subset(&file.mentioned);
            }
            if classified[i].kind.upgrades() {
                if *roundtrips {
                    let down = match paired_down(classified, order, at) {
                        // The down file is the next one: in this chunk, or the next one's first.
                        Some(j) => match files.get(k + 1) {
                            Some(next) => next.source.clone(),
                            None => read(j),
                        }
                        .map(|d| (j, d.text)),
                        None => down_sections(source).map(|text| (i, Arc::new(text))),
                    };
                    if let Some((holder, down)) = down {
                        let differences = roundtrip(catalog, &up_sql(source), &down);
                        if holder == i {
                            history.roundtrip = Some(differences);
                        } else {
                            roundtrip_of.insert(holder, differences);
                        }
                    }
                }
                file.apply_changes(source, catalog);
                catalog.end_session();
            }
            histories.push(history);
        }
        let indexes = &order[first..first + files.len()];
        (indexes.iter().zip(files).zip(histories))
            .map(|((&index, file), history)| ReplayedSql {
                index,
                source: file.source,
                parsed: file.whole,
                history,
            })
            .collect()
    }
}

/// One migration read for the replay, with what can be worked out before its turn.
struct ReadFile {
    source: Option<SourceFile>,
    /// The whole file parsed, to hand on.
    whole: Option<Parsed>,
    /// Only the statements the catalog models, when the file is replayed and not parsed
    /// whole.
    changes: Option<Parsed>,
    /// The names its text mentions (what its copy of the schema is narrowed to).
    mentioned: NameSet,
    /// Whether what it builds is applied: not a down file, not the last migration.
    replayed: bool,
}

/// Reads what can be worked out of a migration before its turn: the names it mentions
/// (when it `starts` from the schema the ones before it built), and its whole parse (with
/// `keep`, when it has no down section) or else, when it is `replayed`, the statements the
/// catalog models.
fn read_and_parse(
    source: Option<SourceFile>,
    replayed: bool,
    starts: bool,
    keep: bool,
) -> ReadFile {
    let mut file = ReadFile {
        source: None,
        whole: None,
        changes: None,
        mentioned: NameSet::default(),
        replayed,
    };
    if let Some(source) = &source {
        // As parsed: a template names what its stand-in does.
        let text = crate::parse::template::stand_ins(&source.text);
        if starts {
            mentioned_names(&text, &mut file.mentioned);
        }
        match up_sql(source) {
            Cow::Borrowed(_) if keep => file.whole = Some(crate::parse::parse_sql(&text)),
            up if replayed && up.len() <= CHANGES_PARSED_AHEAD_MAX => {
                file.changes = Some(crate::parse::parse_schema_changes(&up));
            }
            _ => {}
        }
    }
    file.source = source;
    file
}

impl ReadFile {
    /// Applies what the replay applies of it: the statements
    /// [`crate::parse::parse_schema_changes`] keeps, from whichever parse there is, or
    /// parsed now a batch at a time (a file too big to be parsed ahead).
    fn apply_changes(&self, source: &SourceFile, catalog: &mut Catalog) {
        if !self.replayed {
            return;
        }
        match (&self.changes, &self.whole) {
            (Some(changes), _) => {
                for statement in &changes.statements {
                    catalog.apply(&statement.node);
                }
            }
            (None, Some(whole)) => {
                let text = &source.text;
                let changes = (whole.statements.iter())
                    .filter(|s| crate::parse::is_schema_change(&text[s.span.clone()]));
                for statement in changes {
                    catalog.apply(&statement.node);
                }
            }
            (None, None) => {
                for batch in crate::parse::schema_change_batches(&up_sql(source)) {
                    for statement in &batch.statements {
                        catalog.apply(&statement.node);
                    }
                }
            }
        }
    }
}

/// The schema `.sql` migrations build, up to and including the file `at` names (its
/// file name, or the start of it: `V3`, `000003`), in their tool's order.
pub fn sql_schema_at(sources: &[&SourceFile], at: Option<&str>) -> Result<Catalog, String> {
    let mut catalog = Catalog::default();
    let names = classify_sources(sources);
    for i in order_of(&names) {
        let source = sources[i];
        if !names[i].kind.upgrades() {
            continue;
        }
        catalog.apply_sql(&up_sql(source));
        // Its file name, or its name in its tool (a Sqitch change: `schema/users`).
        let named =
            |at| migration_name(&source.name).starts_with(at) || names[i].name.starts_with(at);
        if at.is_some_and(named) {
            return Ok(catalog);
        }
    }
    match at {
        Some(at) => Err(format!("no migration file named {at}")),
        None => Ok(catalog),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_files_replay_in_tool_order_and_down_files_follow_their_up_file() {
        let files = [
            SourceFile::new("m/V10__b.sql", "ALTER TABLE t ALTER COLUMN a TYPE text;"),
            SourceFile::new("m/V2__a.sql", "CREATE TABLE t (a varchar(10));"),
            SourceFile::new("m/U2__a.sql", "DROP TABLE t;"),
        ];
        let refs: Vec<&SourceFile> = files.iter().collect();
        assert_eq!(sql_order(&refs), [1, 2, 0]);
        let starts: Vec<Catalog> = sql_history(&refs, false)
            .into_iter()
            .map(|h| h.start)
            .collect();
        let t = crate::facts::Relation::new(None, "t");
        assert_eq!(
            starts[0].column_type(&t, "a").unwrap().to_string(),
            "varchar(10)"
        );
        assert!(starts[1].tables.is_empty());
        assert!(starts[2].table(&t).is_some(), "U2 starts after V2");
    }

    #[test]
    fn only_the_files_linted_get_a_parse_and_a_schema_to_start_from() {
        let files = [
            SourceFile::new("m/001_a.sql", "CREATE TABLE a (x int);"),
            SourceFile::new("m/002_b.sql", "CREATE TABLE b (y int);"),
            SourceFile::new("m/003_c.sql", "ALTER TABLE a ADD COLUMN z int;"),
        ];
        let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
        let read = |i: usize| Some(files[i].clone());
        let mut replay = SqlReplay::new(&names, false, true)
            .linting_only(&names, |name| !name.ends_with("002_b.sql"));
        let mut handed = Vec::new();
        while let Some(chunk) = replay.next_chunk(&read) {
            handed.extend(chunk);
        }
        handed.sort_by_key(|r| r.index);
        let (a, b) = (
            crate::facts::Relation::new(None, "a"),
            crate::facts::Relation::new(None, "b"),
        );
        // Not linted: applied (b exists later on), but neither parsed whole nor given a start.
        assert!(handed[1].parsed.is_none());
        assert!(handed[1].history.start == Catalog::default());
        assert!(handed[0].parsed.is_some() && handed[2].parsed.is_some());
        // The linted file after it starts from what both earlier files built (narrowed to
        // the names it mentions: `a`, not `b`).
        assert!(handed[2].history.start.table(&a).is_some());
        assert!(handed[2].history.start.table(&b).is_none());
        let whole = sql_history(&files.iter().collect::<Vec<_>>(), false);
        assert!(handed[2].history.start == whole[2].start);
    }

    #[test]
    fn a_down_file_read_in_the_next_chunk_is_still_paired() {
        // One lone up file first: the 32nd pair's up file ends the first chunk of 64 and
        // its down file starts the second.
        let mut files = vec![SourceFile::new(
            "m/000000_x.up.sql",
            "CREATE TABLE x (a int);",
        )];
        for k in 1..=40 {
            files.push(SourceFile::new(
                format!("m/{k:06}_t.up.sql"),
                format!("CREATE TABLE t{k} (a int);"),
            ));
            let down = if k == 32 {
                "SELECT 1;".to_string()
            } else {
                format!("DROP TABLE t{k};")
            };
            files.push(SourceFile::new(format!("m/{k:06}_t.down.sql"), down));
        }
        let refs: Vec<&SourceFile> = files.iter().collect();
        assert_eq!(sql_order(&refs)[63], 63, "the 32nd up file is the 64th");
        let found: Vec<_> = sql_history(&refs, true)
            .into_iter()
            .map(|h| h.roundtrip)
            .collect();
        assert_eq!(
            found[64],
            Some(vec!["table t32 is left over after downgrade".to_string()])
        );
        assert_eq!(found[62], Some(vec![]));
        assert_eq!(found[66], Some(vec![]));
    }

    #[test]
    fn paired_down_files_and_dbmate_sections_are_compared() {
        let files = [
            SourceFile::new("m/000001_init.up.sql", "CREATE TABLE t (a int);"),
            SourceFile::new("m/000001_init.down.sql", "DROP TABLE t;"),
            SourceFile::new(
                "m/000002_idx.up.sql",
                "CREATE INDEX t_a ON t (a); ALTER TABLE t ALTER COLUMN a TYPE bigint;",
            ),
            SourceFile::new("m/000002_idx.down.sql", "SELECT 1;"),
            SourceFile::new(
                "m/20240101_x.sql",
                "-- migrate:up\nALTER TABLE t ADD COLUMN b int NOT NULL;\n-- migrate:down\nALTER TABLE t DROP COLUMN b;\n",
            ),
        ];
        let refs: Vec<&SourceFile> = files.iter().collect();
        let found: Vec<_> = sql_history(&refs, true)
            .into_iter()
            .map(|h| h.roundtrip)
            .collect();
        assert_eq!(found[0], None);
        assert_eq!(found[1], Some(vec![]));
        assert_eq!(found[2], None);
        assert_eq!(
            found[3],
            Some(vec![
                "column t.a: integer before, bigint after".to_string(),
                "index t_a is left over after downgrade".to_string()
            ])
        );
        assert_eq!(found[4], Some(vec![]));
    }
}
