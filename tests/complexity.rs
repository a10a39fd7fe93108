//! How the work and the memory of a lint grow with its input, counted by an allocator that
//! tallies every allocation (deterministic, unlike a timing): a pass that copies what the
//! file built so far for each statement shows up as bytes allocated growing with the
//! square of the input, and a stage that holds a whole file's parse trees as a peak many
//! times the file's size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use locksmith::config::Config;
use locksmith::lint::FileReport;
use locksmith::source::SourceFile;

struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let size = layout.size();
        ALLOCATED.fetch_add(size, Ordering::Relaxed);
        let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The counters are global: one measurement at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Bytes allocated in all, and the peak of live bytes above what was live before, while
/// `run` runs.
fn measure(run: impl FnOnce()) -> (usize, usize) {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let allocated = ALLOCATED.load(Ordering::Relaxed);
    run();
    (
        ALLOCATED.load(Ordering::Relaxed) - allocated,
        PEAK.load(Ordering::Relaxed) - before,
    )
}

/// Lints `sql` as one file: the bytes allocated meanwhile, and the report.
fn lint_counted(sql: &str) -> (usize, FileReport) {
    let mut report = None;
    let (allocated, _) = measure(|| {
        let source = SourceFile::new("shape.sql", sql);
        report = Some(locksmith::lint::lint_sql(source, &Config::default()));
    });
    (allocated, report.expect("linted"))
}

/// Four times the input allocated about four times the bytes, not sixteen.
fn assert_linear(small: usize, large: usize) {
    let ratio = large as f64 / small as f64;
    assert!(
        ratio < 6.0,
        "4x the input allocated {ratio:.1}x the bytes ({small} -> {large})"
    );
}

/// `tables` CREATE TABLEs, then as many DO blocks that each alter one of them.
fn tables_then_do_blocks(tables: usize) -> String {
    let mut sql = String::new();
    for i in 0..tables {
        sql.push_str(&format!(
            "CREATE TABLE t{i} (id bigint PRIMARY KEY, a text, b int);\n"
        ));
    }
    for i in 0..tables {
        sql.push_str(&format!(
            "DO $$ BEGIN ALTER TABLE t{i} ADD COLUMN c int; END $$;\n"
        ));
    }
    sql
}

/// The rules saw each DO block's statements with the file's state flagged "in a DO
/// block", and that state was a copy: of the catalog too, so each of those statements
/// copied every table created before it (20,000 tables and 4,000 DO blocks: 104 s).
#[test]
fn do_blocks_after_many_tables_cost_what_they_hold() {
    let lint = |tables: usize| {
        let (allocated, report) = lint_counted(&tables_then_do_blocks(tables));
        // Each DO statement reports the ALTER its block runs.
        let inner: usize = report.statements.iter().map(|s| s.inner().len()).sum();
        assert_eq!(report.statements.len() + inner, 3 * tables);
        allocated
    };
    assert_linear(lint(400), lint(1_600));
}

/// adding-enum-value-in-transaction looked for each new value's first use by scanning
/// (with PostgreSQL's lexer) every statement after its ADD VALUE: 2,000 of them in a
/// transaction of 20,000 statements took 56 s.
#[test]
fn enum_values_added_in_a_long_transaction_are_looked_for_once() {
    let lint = |n: usize| {
        let mut sql = String::from("BEGIN;\n");
        for i in 0..n / 10 {
            sql.push_str(&format!("ALTER TYPE mood ADD VALUE 'v{i}';\n"));
        }
        for i in 0..n {
            sql.push_str(&format!("UPDATE t SET a = 'w{i}' WHERE id = {i};\n"));
        }
        // One use, found: the rule still looks.
        sql.push_str("UPDATE t SET m = 'v0';\nCOMMIT;\n");
        let (allocated, report) = lint_counted(&sql);
        let used = (report.findings.iter()).filter(|f| f.message.contains("used later"));
        assert_eq!(used.count(), 1);
        allocated
    };
    assert_linear(lint(400), lint(1_600));
}

/// A directory's replay parsed each migration's schema changes ahead of applying them and
/// held them until then: a baseline file of many tables held every tree at once, many
/// times its text (a 10 MB baseline in a directory peaked at 990 MiB, against 237 MiB
/// for the file alone).
#[test]
fn a_big_baseline_in_a_directory_is_not_held_as_parse_trees() {
    let dir = std::env::temp_dir().join(format!("locksmith-complexity-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut baseline = String::new();
    let mut i = 0;
    while baseline.len() < 3 << 20 {
        baseline.push_str(&format!(
            "CREATE TABLE t{i} (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    \
             email text NOT NULL,\n    total numeric(12,2) DEFAULT 0,\n    \
             created_at timestamptz NOT NULL DEFAULT now()\n);\n\
             CREATE INDEX t{i}_email_idx ON t{i} (email);\n"
        ));
        i += 1;
    }
    std::fs::write(dir.join("V1__baseline.sql"), &baseline).unwrap();
    std::fs::write(
        dir.join("V2__next.sql"),
        "ALTER TABLE t1 ADD COLUMN note text;\n",
    )
    .unwrap();
    let paths = [dir.to_string_lossy().into_owned()];
    let alone = [dir.join("V1__baseline.sql").to_string_lossy().into_owned()];
    let (_, directory) = measure(|| {
        let result = locksmith::run::lint_paths(&paths, &Config::default());
        assert_eq!(result.files.len(), 2, "{:?}", result.errors);
    });
    let (_, file) = measure(|| {
        locksmith::run::lint_paths(&alone, &Config::default());
    });
    std::fs::remove_dir_all(&dir).unwrap();
    // The directory adds the replay's own schema to what linting the file alone takes,
    // not the file's parse trees (those alone were more than 20 times its text).
    assert!(
        directory < file + 20 * baseline.len(),
        "a {} byte baseline peaked at {directory} bytes in a directory, {file} alone",
        baseline.len()
    );
}
