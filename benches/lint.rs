//! Throughput benchmark: `cargo bench --bench lint`. Generates a migrations directory
//! (2,000 files, 12 statements each, a mix of risky and safe DDL) in a temp dir, then
//! times `run::lint_paths` over it (parallel, rayon) and over a single file, as a
//! pre-commit hook would call it. Then the same for an Alembic project of 2,000 generated
//! revisions: `lint` (render + lint) and the `sql` preview of the whole range. Prints the
//! median of several runs.

use std::time::{Duration, Instant};

use locksmith::config::Config;
use locksmith::run::lint_paths;

const FILES: usize = 2_000;
const RUNS: usize = 7;

fn migration(i: usize) -> String {
    format!(
        "-- migration {i}\n\
         SET lock_timeout = '2s';\n\
         CREATE TABLE t{i} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name varchar(50), created_at timestamptz DEFAULT now());\n\
         CREATE INDEX t{i}_name_idx ON t{i} (name);\n\
         ALTER TABLE users ADD COLUMN c{i} text;\n\
         ALTER TABLE users ADD COLUMN d{i} uuid DEFAULT gen_random_uuid();\n\
         ALTER TABLE users ALTER COLUMN c{i} TYPE varchar(200);\n\
         CREATE INDEX CONCURRENTLY users_c{i}_idx ON users (c{i});\n\
         ALTER TABLE orders ADD CONSTRAINT orders_fk{i} FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n\
         ALTER TABLE orders VALIDATE CONSTRAINT orders_fk{i};\n\
         -- locksmith:ignore dropping-column: unused\n\
         ALTER TABLE users DROP COLUMN old{i};\n\
         UPDATE users SET c{i} = 'x' WHERE id < 1000;\n\
         CREATE FUNCTION f{i}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.c{i} := 'a;b'; RETURN NEW; END $$;\n"
    )
}

const REVISIONS: usize = 2_000;

fn revision(i: usize) -> String {
    let down = if i == 0 {
        "None".to_string()
    } else {
        format!("\"r{:05}\"", i - 1)
    };
    format!(
        r#""""Revision {i}"""
from alembic import op
import sqlalchemy as sa

revision = "r{i:05}"
down_revision = {down}


def upgrade():
    op.execute("SET lock_timeout = '2s'")
    op.create_table(
        "t{i}",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )
    op.add_column("users", sa.Column("c{i}", sa.Text(), nullable=True))
    op.create_index("ix_users_c{i}", "users", ["c{i}"])
    with op.get_context().autocommit_block():
        op.create_index("ix_t{i}_name", "t{i}", ["name"], postgresql_concurrently=True)
    op.alter_column("users", "c{i}", type_=sa.String(length=200))


def downgrade():
    op.drop_index("ix_t{i}_name", table_name="t{i}")
    op.drop_column("users", "c{i}")
    op.drop_table("t{i}")
"#
    )
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect(),
    )
}

fn alembic_benchmark(config: &Config) {
    let root = std::env::temp_dir().join(format!("locksmith-bench-alembic-{}", std::process::id()));
    let versions = root.join("migrations/versions");
    std::fs::create_dir_all(&versions).unwrap();
    std::fs::write(
        root.join("alembic.ini"),
        "[alembic]\nscript_location = %(here)s/migrations\n",
    )
    .unwrap();
    for i in 0..REVISIONS {
        std::fs::write(versions.join(format!("r{i:05}_rev.py")), revision(i)).unwrap();
    }
    let paths = vec![root.display().to_string()];
    let result = lint_paths(&paths, config);
    assert_eq!(result.files.len(), REVISIONS);
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    let statements: usize = result.files.iter().map(|f| f.statements.len()).sum();
    let lint = time(RUNS, || {
        lint_paths(&paths, config);
    });
    let range = locksmith::alembic::offline::RevisionRange::default();
    let preview = locksmith::plan::plan_paths(&paths, &range, config);
    assert!(preview.errors.is_empty(), "{:?}", preview.errors);
    let sql = time(RUNS, || {
        locksmith::plan::plan_paths(&paths, &range, config);
    });
    // The schema model alone: every revision's SQL replayed in graph order (what `lint`
    // does before linting, and `schema` and `check-downgrade` do).
    let loaded = locksmith::alembic::load_project(
        &locksmith::alembic::project::find_project(&root)
            .unwrap()
            .unwrap(),
        |_| false,
    );
    let graph = loaded.graph();
    let replay = time(RUNS, || {
        locksmith::lint::history::alembic_replay(&loaded, &graph, false, |_| ());
    });
    let roundtrips = time(RUNS, || {
        locksmith::lint::history::alembic_roundtrips(&loaded);
    });
    let schema = locksmith::lint::history::alembic_schema_at(&loaded, None).unwrap();
    std::fs::remove_dir_all(&root).ok();
    println!("alembic corpus:     {REVISIONS} revisions, {statements} rendered statements");
    println!(
        "alembic schema replay (median of {RUNS}): {:.1} ms, {} objects at head; downgrade round trips: {:.1} ms",
        replay.as_secs_f64() * 1e3,
        schema.object_count(),
        roundtrips.as_secs_f64() * 1e3
    );
    println!(
        "alembic lint (median of {RUNS}): {:.1} ms  ({:.0} revisions/s)",
        lint.as_secs_f64() * 1e3,
        REVISIONS as f64 / lint.as_secs_f64()
    );
    println!(
        "alembic sql preview (median of {RUNS}): {:.1} ms",
        sql.as_secs_f64() * 1e3
    );
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

// The allocator `locksmith` itself runs with (src/main.rs), so that figures compare.
#[global_allocator]
static ALLOCATOR: locksmith::allocator::Allocator = locksmith::allocator::Allocator;

fn main() {
    locksmith::stack::init_workers();
    let dir = std::env::temp_dir().join(format!("locksmith-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut bytes = 0;
    for i in 0..FILES {
        let text = migration(i);
        bytes += text.len();
        std::fs::write(dir.join(format!("V{i:05}__m.sql")), text).unwrap();
    }
    let config = Config::default();
    let paths = vec![dir.display().to_string()];

    let mut samples = Vec::new();
    let mut statements = 0;
    let mut findings = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let result = lint_paths(&paths, &config);
        samples.push(start.elapsed());
        statements = result.files.iter().map(|f| f.statements.len()).sum();
        findings = result.files.iter().map(|f| f.findings.len()).sum();
        assert_eq!(result.files.len(), FILES);
    }
    let whole = median(samples);
    let single_path = vec![dir.join("V00000__m.sql").display().to_string()];
    let single = median(
        (0..50)
            .map(|_| {
                let start = Instant::now();
                lint_paths(&single_path, &config);
                start.elapsed()
            })
            .collect(),
    );
    std::fs::remove_dir_all(&dir).ok();

    let secs = whole.as_secs_f64();
    println!("threads:            {}", rayon::current_num_threads());
    println!(
        "corpus:             {FILES} files, {statements} statements, {:.1} MiB, {findings} findings",
        bytes as f64 / 1048576.0
    );
    println!(
        "directory (median of {RUNS}): {:.1} ms  ({:.0} files/s, {:.0} statements/s)",
        secs * 1e3,
        FILES as f64 / secs,
        statements as f64 / secs
    );
    println!(
        "one file (median of 50):    {:.3} ms",
        single.as_secs_f64() * 1e3
    );
    alembic_benchmark(&config);
}
