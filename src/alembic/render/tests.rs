//! Table-driven tests: Python snippet → SQL, no Python needed.
//!
//! The expected SQL of `OPERATIONS` is what real Alembic 1.20.1 / SQLAlchemy 2.1.9 printed
//! for each snippet in offline mode (captured once with `tests/alembic/reference.py`'s
//! environment); statements are compared exactly, up to whitespace runs and the `;`.

use super::render_revision;
use crate::alembic::revision::RenderedFunction;

const PRELUDE: &str = "from alembic import op\nimport sqlalchemy as sa\nfrom sqlalchemy import text\nfrom sqlalchemy.dialects import postgresql\n\n";

fn revision_with_upgrade(body: &str) -> String {
    let body: String = body.lines().map(|l| format!("    {l}\n")).collect();
    format!("{PRELUDE}def upgrade():\n{body}\n")
}

fn upgrade(body: &str) -> RenderedFunction {
    let source = revision_with_upgrade(body);
    render_revision(&source)
        .expect("valid Python")
        .upgrade
        .expect("upgrade()")
}

fn collapse(sql: &str) -> String {
    sql.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches(';')
        .trim_end()
        .to_string()
}

/// Alembic prints each statement followed by `;` and a blank line.
fn alembic_statements(output: &str) -> Vec<String> {
    output
        .split(";\n\n")
        .map(collapse)
        .filter(|s| !s.is_empty())
        .collect()
}

fn rendered(function: &RenderedFunction) -> Vec<String> {
    function
        .offline_sql()
        .into_iter()
        .map(|(sql, _)| collapse(&sql))
        .collect()
}

/// `create_table` iterates `Table.indexes`, a Python set: Alembic's order of several
/// CREATE INDEX statements follows object addresses. Runs of them are compared sorted.
fn sort_index_runs(mut statements: Vec<String>) -> Vec<String> {
    let is_index =
        |s: &String| s.starts_with("CREATE INDEX") || s.starts_with("CREATE UNIQUE INDEX");
    let mut start = 0;
    while start < statements.len() {
        let mut end = start;
        while end < statements.len() && is_index(&statements[end]) {
            end += 1;
        }
        statements[start..end].sort();
        start = end + 1;
    }
    statements
}

#[test]
fn operations_render_like_alembic() {
    let mut failures = Vec::new();
    for (code, expected) in OPERATIONS {
        let function = upgrade(code);
        let mine = sort_index_runs(rendered(&function));
        let theirs = sort_index_runs(alembic_statements(expected));
        if !function.unrenderable.is_empty() || mine != theirs {
            failures.push(format!(
                "--- snippet:\n{code}\n--- unrenderable: {:?}\n--- locksmith:\n{}\n--- alembic:\n{}",
                function.unrenderable,
                mine.join("\n"),
                theirs.join("\n")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} snippets differ:\n\n{}",
        failures.len(),
        OPERATIONS.len(),
        failures.join("\n\n")
    );
}

/// (snippet, what Alembic printed)
const OPERATIONS: &[(&str, &str)] = &[
    (
        // with_variant(): the PostgreSQL variant is the type, other dialects' are ignored.
        r#"op.create_table("users", sa.Column("id", sa.Integer().with_variant(sa.BigInteger(), "postgresql"), primary_key=True), sa.Column("doc", sa.JSON().with_variant(postgresql.JSONB(), "postgresql").with_variant(sa.JSON(), "sqlite")), sa.Column("t", sa.String(50).with_variant(sa.String(50, collation="utf8"), "mysql", "mariadb")))
op.add_column("users", sa.Column("big", sa.Integer().with_variant(sa.BigInteger, "postgresql")))
op.create_table("x", sa.Column("st", sa.String().with_variant(postgresql.ENUM("a", "b", name="stv2"), "postgresql")))
op.alter_column("users", "t", type_=sa.Text().with_variant(sa.String(10), "postgresql"))"#,
        r#"CREATE TABLE users (
    id BIGSERIAL NOT NULL, 
    doc JSONB, 
    t VARCHAR(50), 
    PRIMARY KEY (id)
);

ALTER TABLE users ADD COLUMN big BIGINT;

CREATE TYPE stv2 AS ENUM ('a', 'b');

CREATE TABLE x (
    st stv2
);

ALTER TABLE users ALTER COLUMN t TYPE VARCHAR(10);

"#,
    ),
    (
        // The migration's memo of created types: explicit .create() neither consults nor
        // feeds it; create_type=False skips without noting; add_column never creates.
        r#"op.add_column("t3", sa.Column("m", sa.Enum("a", "b", name="mech")))
op.create_table("t1", sa.Column("m", sa.Enum("a", "b", name="mech")))
op.create_table("t2", sa.Column("m", postgresql.ENUM("a", "b", name="mech")))
e = sa.Enum("q", name="qq")
e.create(op.get_bind())
op.create_table("t9", sa.Column("m", e))
op.create_table("t10", sa.Column("m", postgresql.ENUM("z", name="zz", create_type=False)))
op.create_table("t11", sa.Column("m", postgresql.ENUM("z", name="zz")), sa.Column("n", sa.Enum("z", name="zz")))
op.create_table("t12", sa.Column("m", sa.Enum("z", name="zz", schema="s")))"#,
        r#"ALTER TABLE t3 ADD COLUMN m mech;

CREATE TYPE mech AS ENUM ('a', 'b');

CREATE TABLE t1 (
    m mech
);

CREATE TABLE t2 (
    m mech
);

CREATE TYPE qq AS ENUM ('q');

CREATE TYPE qq AS ENUM ('q');

CREATE TABLE t9 (
    m qq
);

CREATE TABLE t10 (
    m zz
);

CREATE TYPE zz AS ENUM ('z');

CREATE TABLE t11 (
    m zz, 
    n zz
);

CREATE TYPE s.zz AS ENUM ('z');

CREATE TABLE t12 (
    m s.zz
);

"#,
    ),
    (
        r#"op.create_index("ix_a", "t", [sa.text("lower(cn)")], postgresql_using="gin", postgresql_ops={"lower(cn)": "gin_trgm_ops"})"#,
        "CREATE INDEX ix_a ON t USING gin (lower(cn) gin_trgm_ops);\n\n",
    ),
    (
        r#"op.create_index("ix_c", "t", ["name", sa.text("lower(x)")], postgresql_ops={"name": "text_pattern_ops"}, postgresql_include=["y"], postgresql_where=sa.text("y > 0"))"#,
        "CREATE INDEX ix_c ON t (name text_pattern_ops, lower(x)) INCLUDE (y) WHERE y > 0;\n\n",
    ),
    (
        r#"op.add_column("user", sa.Column("Name", sa.String(), nullable=False, server_default="x'y"), schema="Other")"#,
        r#"ALTER TABLE "Other"."user" ADD COLUMN "Name" VARCHAR DEFAULT 'x''y' NOT NULL;

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), sa.Column("m", sa.Integer, sa.ForeignKey("messages.id", use_alter=True, name="fkc")), sa.Column("n", sa.Integer), sa.ForeignKeyConstraint(["n"], ["messages.id"], name="fk", use_alter=True))
op.add_column("u", sa.Column("m", sa.Integer, sa.ForeignKey("messages.id", use_alter=True, name="fkc2")))"#,
        r#"CREATE TABLE t (
    id SERIAL NOT NULL, 
    m INTEGER, 
    n INTEGER, 
    PRIMARY KEY (id)
);

ALTER TABLE u ADD COLUMN m INTEGER;

ALTER TABLE u ADD CONSTRAINT fkc2 FOREIGN KEY(m) REFERENCES messages (id);

"#,
    ),
    (
        r#"op.add_column("t", sa.Column("a", sa.Integer, sa.ForeignKey("o.id"), unique=True))"#,
        r#"ALTER TABLE t ADD COLUMN a INTEGER;

ALTER TABLE t ADD UNIQUE (a);

ALTER TABLE t ADD FOREIGN KEY(a) REFERENCES o (id);

"#,
    ),
    (
        r#"op.add_column("t", sa.Column("a", sa.Integer, unique=True, index=True, comment="it's"), schema="s")"#,
        r#"ALTER TABLE s.t ADD COLUMN a INTEGER;

CREATE UNIQUE INDEX ix_s_t_a ON s.t (a);

COMMENT ON COLUMN s.t.a IS 'it''s';

"#,
    ),
    (
        r#"op.add_column("t", sa.Column("a", sa.Integer, sa.CheckConstraint("a > 0")), if_not_exists=True)"#,
        r#"ALTER TABLE t ADD COLUMN IF NOT EXISTS a INTEGER CHECK (a > 0);

"#,
    ),
    (
        r#"op.add_column("t", sa.Column("a", sa.Integer, primary_key=True))"#,
        r#"ALTER TABLE t ADD COLUMN a SERIAL NOT NULL;

"#,
    ),
    (
        r#"op.add_column("t", sa.Column("a", sa.BigInteger, sa.Identity(always=True, start=10, cycle=False)))"#,
        r#"ALTER TABLE t ADD COLUMN a BIGINT GENERATED ALWAYS AS IDENTITY (START WITH 10 NO CYCLE);

"#,
    ),
    (
        r#"op.add_column("t", sa.Column("a", sa.Integer, sa.Identity(), nullable=True))"#,
        r#"ALTER TABLE t ADD COLUMN a INTEGER GENERATED BY DEFAULT AS IDENTITY NULL;

"#,
    ),
    (
        r#"op.add_column("t", sa.Column("a", sa.DateTime(timezone=True), server_default=sa.func.timezone("utc", sa.func.now())))"#,
        r#"ALTER TABLE t ADD COLUMN a TIMESTAMP WITH TIME ZONE DEFAULT timezone('utc', now());

"#,
    ),
    (
        r#"op.add_column("t", sa.Column("a", sa.Date, server_default=sa.func.current_date()))"#,
        r#"ALTER TABLE t ADD COLUMN a DATE DEFAULT CURRENT_DATE;

"#,
    ),
    (
        r#"op.add_column("t", sa.Column("a", sa.Boolean, server_default=sa.false(), nullable=False))"#,
        r#"ALTER TABLE t ADD COLUMN a BOOLEAN DEFAULT false NOT NULL;

"#,
    ),
    (
        r#"op.add_column("t", sa.Column("a", sa.Boolean, server_default=sa.literal_column("true")))"#,
        r#"ALTER TABLE t ADD COLUMN a BOOLEAN DEFAULT true;

"#,
    ),
    (
        r#"op.add_column("t", sa.Column("a", sa.Integer, sa.Computed("b * 2", persisted=True)))"#,
        r#"ALTER TABLE t ADD COLUMN a INTEGER GENERATED ALWAYS AS (b * 2) STORED;

"#,
    ),
    (
        r#"op.add_column("t", sa.Column("k", sa.Enum("a", "b", name="kind")))"#,
        r#"ALTER TABLE t ADD COLUMN k kind;

"#,
    ),
    (
        r#"op.drop_column("t", "c", schema="s", if_exists=True)"#,
        r#"ALTER TABLE s.t DROP COLUMN IF EXISTS c;

"#,
    ),
    (
        r#"op.alter_column("t", "c", type_=sa.Enum("a","b", name="e"), postgresql_using="c::e", nullable=False, server_default=None, existing_type=sa.String())"#,
        r#"ALTER TABLE t ALTER COLUMN c TYPE e USING c::e;

ALTER TABLE t ALTER COLUMN c SET NOT NULL;

ALTER TABLE t ALTER COLUMN c DROP DEFAULT;

"#,
    ),
    (
        r#"op.alter_column("t", "c", comment="hi", existing_comment="x")"#,
        r#"COMMENT ON COLUMN t.c IS 'hi';

"#,
    ),
    (
        r#"op.alter_column("t", "c", comment=None, existing_comment="x")"#,
        r#"COMMENT ON COLUMN t.c IS NULL;

"#,
    ),
    (
        r#"op.alter_column("t", "c", new_column_name="d", nullable=True, type_=sa.Integer)"#,
        r#"ALTER TABLE t ALTER COLUMN c TYPE INTEGER;

ALTER TABLE t ALTER COLUMN c DROP NOT NULL;

ALTER TABLE t RENAME c TO d;

"#,
    ),
    (
        r#"op.alter_column("t", "a", server_default=sa.func.now())"#,
        r#"ALTER TABLE t ALTER COLUMN a SET DEFAULT now();

"#,
    ),
    (
        r#"op.alter_column("t", "a", server_default=sa.text("'{}'::jsonb"), existing_server_default=None)"#,
        r#"ALTER TABLE t ALTER COLUMN a SET DEFAULT '{}'::jsonb;

"#,
    ),
    (
        r#"op.alter_column("t", "a", server_default=False, nullable=False, existing_nullable=True)"#,
        r#"ALTER TABLE t ALTER COLUMN a SET NOT NULL;

"#,
    ),
    (
        r#"op.alter_column("t", "a", nullable=False, comment="hey", server_default="1", type_=sa.Text, new_column_name="b", schema="s")"#,
        r#"ALTER TABLE s.t ALTER COLUMN a TYPE TEXT;

ALTER TABLE s.t ALTER COLUMN a SET NOT NULL;

ALTER TABLE s.t ALTER COLUMN a SET DEFAULT '1';

COMMENT ON COLUMN s.t.a IS 'hey';

ALTER TABLE s.t RENAME a TO b;

"#,
    ),
    (
        r#"op.alter_column("t", "a", type_=postgresql.ARRAY(sa.String(20)), postgresql_using="string_to_array(a, ',')")"#,
        r#"ALTER TABLE t ALTER COLUMN a TYPE VARCHAR(20)[] USING string_to_array(a, ',');

"#,
    ),
    (
        r#"op.alter_column("t", "a", type_=sa.Numeric(10, 2), existing_type=sa.Float())"#,
        r#"ALTER TABLE t ALTER COLUMN a TYPE NUMERIC(10, 2);

"#,
    ),
    (
        r#"op.alter_column("t", "a", type_=postgresql.TIMESTAMP(timezone=True, precision=6))"#,
        r#"ALTER TABLE t ALTER COLUMN a TYPE TIMESTAMP(6) WITH TIME ZONE;

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), sa.Column("email", sa.String(50), unique=True, index=True, comment="c'x"), sa.Column("u", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE", onupdate="SET NULL", name="fk_x"), index=True), sa.Column("k", sa.Enum("a", "b", name="kind"), nullable=False), sa.Column("k2", postgresql.ENUM("a", name="kind2", create_type=False)), sa.Column("s", sa.Integer, sa.Identity(always=True, start=5, increment=2, minvalue=1, maxvalue=100, cycle=True, cache=10)), sa.Column("c", sa.Integer, sa.Computed("u * 2", persisted=True)), comment="table's", schema="sc", postgresql_partition_by="RANGE (id)")"#,
        r#"CREATE TYPE kind AS ENUM ('a', 'b');

CREATE TABLE sc.t (
    id SERIAL NOT NULL, 
    email VARCHAR(50), 
    u INTEGER, 
    k kind NOT NULL, 
    k2 kind2, 
    s INTEGER GENERATED ALWAYS AS IDENTITY (INCREMENT BY 2 START WITH 5 MINVALUE 1 MAXVALUE 100 CACHE 10 CYCLE), 
    c INTEGER GENERATED ALWAYS AS (u * 2) STORED, 
    PRIMARY KEY (id), 
    CONSTRAINT fk_x FOREIGN KEY(u) REFERENCES users (id) ON DELETE CASCADE ON UPDATE SET NULL
)
 PARTITION BY RANGE (id);

CREATE INDEX ix_sc_t_u ON sc.t (u);

CREATE UNIQUE INDEX ix_sc_t_email ON sc.t (email);

COMMENT ON TABLE sc.t IS 'table''s';

COMMENT ON COLUMN sc.t.email IS 'c''x';

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False), sa.Column("x", sa.SmallInteger, primary_key=True))"#,
        r#"CREATE TABLE t (
    id BIGINT NOT NULL, 
    x SMALLINT NOT NULL, 
    PRIMARY KEY (id, x)
);

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("id", sa.SmallInteger, primary_key=True))"#,
        r#"CREATE TABLE t (
    id SMALLSERIAL NOT NULL, 
    PRIMARY KEY (id)
);

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("a", sa.Integer), sa.Column("b", sa.Integer, primary_key=True, autoincrement=True), sa.Column("c", sa.Integer, primary_key=True))"#,
        r#"CREATE TABLE t (
    a INTEGER, 
    b SERIAL NOT NULL, 
    c INTEGER NOT NULL, 
    PRIMARY KEY (b, c)
);

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("id", sa.Integer), sa.PrimaryKeyConstraint("id", name="pk"), sa.UniqueConstraint("id", name="u", deferrable=True, initially="DEFERRED"), sa.CheckConstraint("id > 0", name="ck"), sa.ForeignKeyConstraint(["id"], ["o.x"], name="fk", onupdate="CASCADE", deferrable=True, initially="deferred"), sa.Index("ix", "id", unique=True, postgresql_where=sa.text("id>0")))"#,
        r#"CREATE TABLE t (
    id INTEGER NOT NULL, 
    CONSTRAINT pk PRIMARY KEY (id), 
    CONSTRAINT u UNIQUE (id) DEFERRABLE INITIALLY DEFERRED, 
    CONSTRAINT ck CHECK (id > 0), 
    CONSTRAINT fk FOREIGN KEY(id) REFERENCES o (x) ON UPDATE CASCADE DEFERRABLE INITIALLY deferred
);

CREATE UNIQUE INDEX ix ON t (id) WHERE id>0;

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("id", sa.Integer), sa.PrimaryKeyConstraint("id"))"#,
        r#"CREATE TABLE t (
    id SERIAL NOT NULL, 
    PRIMARY KEY (id)
);

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("id", sa.Integer, primary_key=True, server_default=sa.text("1")))"#,
        r#"CREATE TABLE t (
    id INTEGER DEFAULT 1 NOT NULL, 
    PRIMARY KEY (id)
);

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("id", sa.Integer, sa.ForeignKey("o.id"), primary_key=True))"#,
        r#"CREATE TABLE t (
    id INTEGER NOT NULL, 
    PRIMARY KEY (id), 
    FOREIGN KEY(id) REFERENCES o (id)
);

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("id", sa.Numeric(10, 0), primary_key=True))"#,
        r#"CREATE TABLE t (
    id NUMERIC(10, 0) NOT NULL, 
    PRIMARY KEY (id)
);

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("a", sa.Numeric), sa.Column("b", sa.Numeric(10)), sa.Column("c", sa.Float(53)), sa.Column("d", sa.Float(precision=10)), sa.Column("e", sa.Unicode(20)), sa.Column("f", sa.UnicodeText), sa.Column("g", sa.Time(timezone=True)), sa.Column("h", sa.LargeBinary), sa.Column("i", sa.Uuid), sa.Column("j", postgresql.UUID(as_uuid=True)), sa.Column("k", postgresql.ARRAY(sa.Integer, dimensions=2)), sa.Column("l", sa.ARRAY(sa.String(10))), sa.Column("m", postgresql.TSVECTOR), sa.Column("n", postgresql.INET), sa.Column("o", sa.Interval), sa.Column("p", sa.JSON), sa.Column("q", postgresql.JSONB(astext_type=sa.Text())), sa.Column("r", sa.DateTime), sa.Column("s", postgresql.TIMESTAMP(timezone=True, precision=3)), sa.Column("t", sa.Text), sa.Column("u", sa.String(length=10, collation="C")), sa.Column("v", postgresql.DOUBLE_PRECISION), sa.Column("w", sa.REAL), sa.Column("x", postgresql.CITEXT), sa.Column("y", postgresql.BYTEA), sa.Column("z", postgresql.INTERVAL(fields="DAY")), sa.Column("aa", sa.Boolean(create_constraint=True)), sa.Column("bb", sa.Enum("x", "yy", name="e", native_enum=False)), sa.Column("cc", postgresql.HSTORE), sa.Column("dd", postgresql.MONEY), sa.Column("ee", sa.CHAR(3)), sa.Column("ff", postgresql.BIT(3)), sa.Column("gg", sa.Double), sa.Column("hh", postgresql.TIME(precision=2)), sa.Column("ii", sa.Numeric(asdecimal=False, precision=5, scale=1)), sa.Column("jj", sa.types.VARCHAR(5)), sa.Column("kk", sa.DECIMAL(4, 2)), sa.Column("ll", postgresql.TSTZRANGE), sa.Column("mm", sa.Integer()))"#,
        r#"CREATE TABLE t (
    a NUMERIC, 
    b NUMERIC(10), 
    c FLOAT(53), 
    d FLOAT(10), 
    e VARCHAR(20), 
    f TEXT, 
    g TIME WITH TIME ZONE, 
    h BYTEA, 
    i UUID, 
    j UUID, 
    k INTEGER[][], 
    l VARCHAR(10)[], 
    m TSVECTOR, 
    n INET, 
    o INTERVAL, 
    p JSON, 
    q JSONB, 
    r TIMESTAMP WITHOUT TIME ZONE, 
    s TIMESTAMP(3) WITH TIME ZONE, 
    t TEXT, 
    u VARCHAR(10) COLLATE "C", 
    v DOUBLE PRECISION, 
    w REAL, 
    x CITEXT, 
    y BYTEA, 
    z INTERVAL DAY, 
    aa BOOLEAN, 
    bb VARCHAR(2), 
    cc HSTORE, 
    dd MONEY, 
    ee CHAR(3), 
    ff BIT(3), 
    gg DOUBLE PRECISION, 
    hh TIME(2) WITHOUT TIME ZONE, 
    ii NUMERIC(5, 1), 
    jj VARCHAR(5), 
    kk DECIMAL(4, 2), 
    ll TSTZRANGE, 
    mm INTEGER
);

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("k", sa.Enum("a", "b", name="kind")), sa.Column("k3", sa.Enum("a", "b", name="kind")), sa.Column("arr", postgresql.ARRAY(sa.Enum("x", name="e3"))), sa.Column("k4", sa.Enum("a", name="Kind4", schema="other")), schema="sc")"#,
        r#"CREATE TYPE kind AS ENUM ('a', 'b');

CREATE TYPE e3 AS ENUM ('x');

CREATE TYPE other."Kind4" AS ENUM ('a');

CREATE TABLE sc.t (
    k kind, 
    k3 kind, 
    arr e3[], 
    k4 other."Kind4"
);

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("k", sa.Enum("a", "b", name="kind", inherit_schema=True)), schema="sc")"#,
        r#"CREATE TYPE sc.kind AS ENUM ('a', 'b');

CREATE TABLE sc.t (
    k sc.kind
);

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("k", sa.Enum("a", "b", name="kind", create_constraint=True, native_enum=False), nullable=False))"#,
        r#"CREATE TABLE t (
    k VARCHAR(1) NOT NULL, 
    CONSTRAINT kind CHECK (k IN ('a', 'b'))
);

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("a", sa.Integer, sa.ForeignKey("o.id"), unique=True), sa.Column("b", sa.Integer, unique=True, primary_key=True), sa.UniqueConstraint("a", "b"), sa.CheckConstraint("a > 0"), sa.Index("i1", "a"), sa.Column("c", sa.Integer, sa.ForeignKey("o.id"), sa.CheckConstraint("c > 1"), index=True))"#,
        r#"CREATE TABLE t (
    a INTEGER, 
    b SERIAL NOT NULL, 
    c INTEGER CHECK (c > 1), 
    PRIMARY KEY (b), 
    UNIQUE (a, b), 
    CHECK (a > 0), 
    UNIQUE (a), 
    FOREIGN KEY(a) REFERENCES o (id), 
    UNIQUE (b), 
    FOREIGN KEY(c) REFERENCES o (id)
);

CREATE INDEX ix_t_c ON t (c);

CREATE INDEX i1 ON t (a);

"#,
    ),
    (
        r#"op.create_table("T", sa.Column("id", sa.Integer, primary_key=True), sa.Column("Email", sa.String, index=True), sa.Column("o", sa.Integer, sa.ForeignKey("Other.ID")), schema="Sc")"#,
        r#"CREATE TABLE "Sc"."T" (
    id SERIAL NOT NULL, 
    "Email" VARCHAR, 
    o INTEGER, 
    PRIMARY KEY (id), 
    FOREIGN KEY(o) REFERENCES "Other" ("ID")
);

CREATE INDEX "ix_Sc_T_Email" ON "Sc"."T" ("Email");

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("a", sa.Integer, nullable=False), sa.Column("tags", postgresql.ARRAY(sa.Text)), postgresql.ExcludeConstraint(("a", "="), ("tags", "&&"), name="ex", using="gist"), sa.Index("ix_tags", "tags", postgresql_using="gin", postgresql_ops={"tags": "array_ops"}), sa.UniqueConstraint("a", postgresql_nulls_not_distinct=True))"#,
        r#"CREATE TABLE t (
    a INTEGER NOT NULL, 
    tags TEXT[], 
    CONSTRAINT ex EXCLUDE USING gist (a WITH =, tags WITH &&), 
    UNIQUE NULLS NOT DISTINCT (a)
);

CREATE INDEX ix_tags ON t USING gin (tags array_ops);

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("a", sa.Integer), sa.ForeignKeyConstraint(["a"], ["s.o.id"], ondelete="SET NULL", match="FULL", postgresql_not_valid=True), sa.CheckConstraint("a > 0", postgresql_not_valid=True))"#,
        r#"CREATE TABLE t (
    a INTEGER, 
    FOREIGN KEY(a) REFERENCES s.o (id) MATCH FULL ON DELETE SET NULL NOT VALID, 
    CHECK (a > 0) NOT VALID
);

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("a", sa.Integer), postgresql_inherits="parent", postgresql_tablespace="fast")"#,
        r#"CREATE TABLE t (
    a INTEGER
)
 INHERITS (parent)
 TABLESPACE fast;

"#,
    ),
    (
        r#"op.drop_table("a", schema="s", if_exists=True)"#,
        r#"DROP TABLE IF EXISTS s.a;

"#,
    ),
    (
        r#"op.rename_table("a", "b", schema="s")"#,
        r#"ALTER TABLE s.a RENAME TO b;

"#,
    ),
    (
        r#"op.create_index("ix", "t", ["a", sa.text("lower(b)")], unique=True, postgresql_concurrently=True, postgresql_where=sa.text("a > 1"), postgresql_using="btree", postgresql_include=["c"], if_not_exists=True, schema="s")"#,
        r#"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix ON s.t USING btree (a, lower(b)) INCLUDE (c) WHERE a > 1;

"#,
    ),
    (
        r#"op.create_index(op.f("ix_t_select"), "order", ["select", "Mixed"])"#,
        r#"CREATE INDEX ix_t_select ON "order" ("select", "Mixed");

"#,
    ),
    (
        r#"op.create_index("ix", "t", [sa.text("a DESC"), sa.func.lower(sa.column("b")), sa.column("c").desc()])"#,
        r#"CREATE INDEX ix ON t (a DESC, lower(b), c DESC);

"#,
    ),
    (
        r#"op.create_index("idx", "user", [sa.func.lower(sa.Column('email'))], unique=True, postgresql_where=sa.text('"user".state=\'active\''))"#,
        r#"CREATE UNIQUE INDEX idx ON "user" (lower(email)) WHERE "user".state='active';

"#,
    ),
    (
        r#"op.alter_column("t", "c", server_default=sa.sql.False_())"#,
        r#"ALTER TABLE t ALTER COLUMN c SET DEFAULT false;

"#,
    ),
    (
        r#"op.create_index("ix2", "t", [sa.func.lower(sa.Column(name='email'))])"#,
        r#"CREATE INDEX ix2 ON t (lower(email));

"#,
    ),
    (
        r#"op.create_index("ix", "t", ["a"], postgresql_with={"fillfactor": 70}, postgresql_tablespace="fast", postgresql_nulls_not_distinct=True)"#,
        r#"CREATE INDEX ix ON t (a) NULLS NOT DISTINCT WITH (fillfactor = 70) TABLESPACE fast;

"#,
    ),
    (
        r#"op.create_index("ix", "t", ["a", "b"], postgresql_ops={"b": "text_pattern_ops"}, postgresql_using="GIN")"#,
        r#"CREATE INDEX ix ON t USING gin (a, b text_pattern_ops);

"#,
    ),
    (
        r#"op.create_index("ix", "t", ["a"], postgresql_where="a IS NOT NULL")"#,
        r#"CREATE INDEX ix ON t (a) WHERE a IS NOT NULL;

"#,
    ),
    (
        r#"op.drop_index("ix", table_name="t", postgresql_concurrently=True, if_exists=True, schema="s")"#,
        r#"DROP INDEX CONCURRENTLY IF EXISTS s.ix;

"#,
    ),
    (
        r#"op.drop_index("ix")"#,
        r#"DROP INDEX ix;

"#,
    ),
    (
        r#"op.create_unique_constraint(None, "a", ["x"])"#,
        r#"ALTER TABLE a ADD UNIQUE (x);

"#,
    ),
    (
        r#"op.create_unique_constraint("uq", "a", ["x", "y"], schema="s", deferrable=True, initially="DEFERRED")"#,
        r#"ALTER TABLE s.a ADD CONSTRAINT uq UNIQUE (x, y) DEFERRABLE INITIALLY DEFERRED;

"#,
    ),
    (
        r#"op.create_foreign_key(None, "a", "b", ["x"], ["y"], source_schema="s1", referent_schema="s2", deferrable=False, initially="IMMEDIATE", match="FULL")"#,
        r#"ALTER TABLE s1.a ADD FOREIGN KEY(x) REFERENCES s2.b (y) MATCH FULL NOT DEFERRABLE INITIALLY IMMEDIATE;

"#,
    ),
    (
        r#"op.create_foreign_key("fk", "a", "b", ["x", "z"], ["y", "w"], ondelete="CASCADE", onupdate="RESTRICT", postgresql_not_valid=True)"#,
        r#"ALTER TABLE a ADD CONSTRAINT fk FOREIGN KEY(x, z) REFERENCES b (y, w) ON DELETE CASCADE ON UPDATE RESTRICT NOT VALID;

"#,
    ),
    (
        r#"op.create_primary_key("pk", "a", ["x", "y"], schema="s")"#,
        r#"ALTER TABLE s.a ADD CONSTRAINT pk PRIMARY KEY (x, y);

"#,
    ),
    (
        r#"op.create_check_constraint("ck", "a", "x > 1", schema="s", postgresql_not_valid=True)"#,
        r#"ALTER TABLE s.a ADD CONSTRAINT ck CHECK (x > 1) NOT VALID;

"#,
    ),
    (
        r#"op.create_check_constraint("ck", "a", sa.column("x") > 5)"#,
        r#"ALTER TABLE a ADD CONSTRAINT ck CHECK (x > 5);

"#,
    ),
    (
        r#"op.create_check_constraint("ck", "a", sa.column("x") != None)"#,
        r#"ALTER TABLE a ADD CONSTRAINT ck CHECK (x IS NOT NULL);

"#,
    ),
    (
        r#"op.create_check_constraint("ck", "a", sa.column("name") == "x")"#,
        r#"ALTER TABLE a ADD CONSTRAINT ck CHECK (name = 'x');

"#,
    ),
    (
        r#"op.drop_constraint("ck", "a", type_="check", schema="s")"#,
        r#"ALTER TABLE s.a DROP CONSTRAINT ck;

"#,
    ),
    (
        r#"op.drop_constraint("ck", "a", type_="foreignkey", if_exists=True)"#,
        r#"ALTER TABLE a DROP CONSTRAINT IF EXISTS ck;

"#,
    ),
    (
        r#"op.create_exclude_constraint("ex", "t", ("room", "="), ("during", "&&"), where="NOT cancelled", using="gist", deferrable=True)"#,
        r#"ALTER TABLE t ADD CONSTRAINT ex EXCLUDE USING gist (room WITH =, during WITH &&) WHERE (NOT cancelled) DEFERRABLE;

"#,
    ),
    (
        r#"op.create_exclude_constraint("ex", "t", (sa.column("room"), "="), schema="s", initially="DEFERRED")"#,
        r#"ALTER TABLE s.t ADD CONSTRAINT ex EXCLUDE USING gist (room WITH =) INITIALLY DEFERRED;

"#,
    ),
    (
        r#"op.create_table_comment("t", "it's", existing_comment=None, schema="s")"#,
        r#"COMMENT ON TABLE s.t IS 'it''s';

"#,
    ),
    (
        r#"op.execute(sa.schema.CreateSchema("event_editing"))
op.execute(sa.schema.CreateSchema("Ev", if_not_exists=True))
op.execute(sa.schema.DropSchema("x", cascade=True, if_exists=True))
op.execute(sa.schema.DropSchema("x"))"#,
        r#"CREATE SCHEMA event_editing;

CREATE SCHEMA IF NOT EXISTS "Ev";

DROP SCHEMA IF EXISTS x CASCADE;

DROP SCHEMA x;

"#,
    ),
    (
        r#"op.drop_table_comment("t", existing_comment="x", schema="s")"#,
        r#"COMMENT ON TABLE s.t IS NULL;

"#,
    ),
    (
        r#"op.execute("select 1")
op.execute("select 1;  ")
op.execute(sa.text("select :x"))
op.execute(sa.text("select '\\:x', a::int, :y").bindparams(y="it's"))
op.execute("select '%s', 100%")"#,
        r#"select 1;

select 1;;

select NULL;

select ':x', a::int, 'it''s';

select '%s', 100%;

"#,
    ),
    (
        r#"t = sa.table("p", sa.column("id", sa.Integer), sa.column("n", sa.String), sa.column("f", sa.Float), sa.column("nu", sa.Numeric(8, 2)), sa.column("b", sa.Boolean), sa.column("t", sa.Text), sa.column("bi", sa.BigInteger), sa.column("e", sa.Enum("a", "b", name="e")), sa.column("arr", postgresql.ARRAY(sa.Integer)), schema="s")
op.bulk_insert(t, [{"id": 1, "n": "a'b\\c", "f": 1.5, "nu": 3, "b": True, "t": "x\ny"}, {"id": 2, "f": 2, "nu": 2.5, "b": None, "bi": 10**12, "e": "a"}, {"n": "%s :x", "arr": [1, 2]}, {"f": 1e20, "id": 1.5}])"#,
        r#"INSERT INTO s.p (id, n, f, nu, b, t) VALUES (1, 'a''b\c', 1.5, 3, true, 'x
y');

INSERT INTO s.p (id, f, nu, b, bi, e) VALUES (2, 2, 2.5, NULL, 1000000000000, 'a');

INSERT INTO s.p (n, arr) VALUES ('%s :x', ARRAY[1, 2]);

INSERT INTO s.p (id, f) VALUES (1, 1e+20);

"#,
    ),
    (
        r#"t = op.create_table("p", sa.Column("id", sa.Integer, primary_key=True), sa.Column("n", sa.String))
op.bulk_insert(t, [{"id": 1, "n": "x"}, {"n": "z", "id": 5}], multiinsert=False)
op.bulk_insert(t, [])"#,
        r#"CREATE TABLE p (
    id SERIAL NOT NULL, 
    n VARCHAR, 
    PRIMARY KEY (id)
);

INSERT INTO p (id, n) VALUES (1, 'x');

INSERT INTO p (id, n) VALUES (5, 'z');

"#,
    ),
    (
        r#"t = sa.table("k", sa.column("alt", sa.Boolean), sa.column("n", sa.Integer))
op.bulk_insert(t, [{"alt": 0, "n": 1}, {"alt": 1, "n": 2}, {"alt": True, "n": 3}])"#,
        r#"INSERT INTO k (alt, n) VALUES (false, 1);

INSERT INTO k (alt, n) VALUES (true, 2);

INSERT INTO k (alt, n) VALUES (true, 3);

"#,
    ),
    (
        r#"sa.Enum("a", "it's", name="kind").create(op.get_bind())
sa.Enum("a", name="kind").create(op.get_bind(), checkfirst=True)
postgresql.ENUM("a", name="kind", schema="s").drop(op.get_bind(), checkfirst=False)
sa.Enum(name="kind").drop(op.get_bind())"#,
        r#"CREATE TYPE kind AS ENUM ('a', 'it''s');

CREATE TYPE kind AS ENUM ('a');

DROP TYPE s.kind;

DROP TYPE kind;

"#,
    ),
    (
        r#"with op.batch_alter_table("t", schema="s") as batch_op:
    batch_op.add_column(sa.Column("a", sa.Integer))
    batch_op.alter_column("a", nullable=False, new_column_name="b")
    batch_op.drop_column("c")
    batch_op.create_index(batch_op.f("ix_t_b"), ["b"], unique=True)
    batch_op.drop_index("ix_old")
    batch_op.create_unique_constraint("uq", ["b"])
    batch_op.create_foreign_key("fk", "o", ["b"], ["id"], ondelete="CASCADE")
    batch_op.create_check_constraint("ck", "b > 0")
    batch_op.create_primary_key("pk", ["b"])
    batch_op.drop_constraint("ck", type_="check")
    batch_op.create_table_comment("c")
    batch_op.drop_table_comment()"#,
        r#"ALTER TABLE s.t ADD COLUMN a INTEGER;

ALTER TABLE s.t ALTER COLUMN a SET NOT NULL;

ALTER TABLE s.t RENAME a TO b;

ALTER TABLE s.t DROP COLUMN c;

CREATE UNIQUE INDEX ix_t_b ON s.t (b);

DROP INDEX s.ix_old;

ALTER TABLE s.t ADD CONSTRAINT uq UNIQUE (b);

ALTER TABLE s.t ADD CONSTRAINT fk FOREIGN KEY(b) REFERENCES o (id) ON DELETE CASCADE;

ALTER TABLE s.t ADD CONSTRAINT ck CHECK (b > 0);

ALTER TABLE s.t ADD CONSTRAINT pk PRIMARY KEY (b);

ALTER TABLE s.t DROP CONSTRAINT ck;

COMMENT ON TABLE s.t IS 'c';

COMMENT ON TABLE s.t IS NULL;

"#,
    ),
    (
        r#"op.add_column("t", sa.Column("a", sa.Integer))
with op.get_context().autocommit_block():
    op.create_index("ix", "t", ["a"], postgresql_concurrently=True)
with op.get_context().autocommit_block():
    pass
op.drop_column("t", "b")"#,
        r#"ALTER TABLE t ADD COLUMN a INTEGER;

COMMIT;

CREATE INDEX CONCURRENTLY ix ON t (a);

BEGIN;

COMMIT;

BEGIN;

ALTER TABLE t DROP COLUMN b;

"#,
    ),
    (
        r#"conn = op.get_bind()
conn.execute(sa.text("update t set a = 1"))
op.get_bind().execute(text("update t set a = 2"))"#,
        r#"update t set a = 1;

update t set a = 2;

"#,
    ),
    (
        r#"TABLES = ["a", "b"]
for name in TABLES:
    op.execute(f"ANALYZE {name}")
op.execute("; ".join(f"VACUUM {t}" for t in TABLES))"#,
        r#"ANALYZE a;

ANALYZE b;

VACUUM a; VACUUM b;

"#,
    ),
    (
        r#"SQL = ["select 1;", "select 2;"]
op.execute(text("\n".join(SQL)))
op.execute("select %d, '%s'" % (5, "x"))
op.execute("select {}, {n}".format(1, n="'y'"))
op.execute("select " + str(3))"#,
        r#"select 1;
select 2;;

select 5, 'x';

select 1, 'y';

select 3;

"#,
    ),
    (
        r#"op.create_table("t", sa.Column("a", sa.DateTime(True)), sa.Column("b", sa.Integer), if_not_exists=True, prefixes=["UNLOGGED"])"#,
        r#"CREATE UNLOGGED TABLE IF NOT EXISTS t (
    a TIMESTAMP WITH TIME ZONE, 
    b INTEGER
);

"#,
    ),
];

fn sql_of(function: &RenderedFunction) -> Vec<String> {
    function
        .statements
        .iter()
        .map(|s| collapse(&s.sql))
        .collect()
}

/// The static Python subset: (module-level code, upgrade body, expected statements).
const EVALUATOR: &[(&str, &str, &[&str])] = &[
    ("T = 'users'", "op.drop_table(T)", &["DROP TABLE users"]),
    // A repeated key keeps its first place and takes the last value, as in Python.
    (
        "D = {'a': '1', 'b': '2', 'a': '3', **{'b': '4', 'c': '5'}}",
        "op.execute(', '.join(D) + ' ' + D['a'] + D['b'] + D['c'])",
        &["a, b, c 345"],
    ),
    (
        "A = 'a'\nB = A + '_b'\nL = [A, B]",
        "op.execute(', '.join(L))",
        &["a, a_b"],
    ),
    (
        "S = 'x'",
        "op.execute(f'select {S!r}, {1+2}, {S.upper()}')",
        &["select 'x', 3, X"],
    ),
    (
        "",
        "op.execute('select ' 'implicit ' \"concat\")",
        &["select implicit concat"],
    ),
    ("", "op.execute(r'select \\d')", &["select \\d"]),
    (
        "",
        "op.execute('select %s, %(x)s' if False else 'select %s' % 5)",
        &["select 5"],
    ),
    (
        "T = '{a}-{b}'",
        "op.execute(T.format(a=1, b='z'))",
        &["1-z"],
    ),
    (
        "N = 3\nF = 2.5\nB = True\nZ = None",
        "op.execute(f'{N} {F} {B} {Z}')",
        &["3 2.5 True None"],
    ),
    (
        "def cols(name, nullable=True):\n    return sa.Column(name, sa.Integer(), nullable=nullable)",
        "op.add_column('t', cols('a', nullable=False))",
        &["ALTER TABLE t ADD COLUMN a INTEGER NOT NULL"],
    ),
    (
        "def trig(table, *, fn='f'):\n    op.execute(f'CREATE TRIGGER t_{table} AFTER INSERT ON {table} EXECUTE FUNCTION {fn}()')",
        "trig('a')\ntrig('b', fn='g')",
        &[
            "CREATE TRIGGER t_a AFTER INSERT ON a EXECUTE FUNCTION f()",
            "CREATE TRIGGER t_b AFTER INSERT ON b EXECUTE FUNCTION g()",
        ],
    ),
    (
        "TABLES = ('a', 'b')",
        "for t in TABLES:\n    op.drop_table(t)",
        &["DROP TABLE a", "DROP TABLE b"],
    ),
    (
        "M = {'a': 'x', 'b': 'y'}",
        "for k, v in M.items():\n    op.rename_table(k, v)",
        &["ALTER TABLE a RENAME TO x", "ALTER TABLE b RENAME TO y"],
    ),
    (
        "FLAG = True",
        "if FLAG:\n    op.drop_table('a')\nelse:\n    op.drop_table('b')",
        &["DROP TABLE a"],
    ),
    (
        "",
        "name = 'loc'\nname += 'al'\nop.drop_table(name)",
        &["DROP TABLE local"],
    ),
    (
        "",
        "stmts = [f'DROP TABLE t{i}' for i in range(2)]\nfor s in stmts:\n    op.execute(s)",
        &["DROP TABLE t0", "DROP TABLE t1"],
    ),
    (
        "from sqlalchemy.dialects.postgresql import JSONB",
        "op.add_column('t', sa.Column('j', JSONB()))",
        &["ALTER TABLE t ADD COLUMN j JSONB"],
    ),
    (
        "import sqlalchemy",
        "op.add_column('t', sqlalchemy.Column('j', sqlalchemy.types.Text))",
        &["ALTER TABLE t ADD COLUMN j TEXT"],
    ),
    (
        "from sqlalchemy import Column, Integer as Int",
        "op.add_column('t', Column('i', Int))",
        &["ALTER TABLE t ADD COLUMN i INTEGER"],
    ),
    (
        "from alembic import op as operations",
        "operations.drop_table('x')",
        &["DROP TABLE x"],
    ),
    (
        "",
        "\"\"\"docstring\"\"\"\nop.drop_table('x')\nreturn\nop.drop_table('y')",
        &["DROP TABLE x"],
    ),
    (
        "import enum\n\nclass Mode(int, enum.Enum):\n    disabled = 0\n    inheriting = 2",
        "op.execute(f'UPDATE t SET m = {Mode.disabled.value}')\n\
         op.create_check_constraint('ck_m', 't', f'm != {Mode.inheriting.value}')\n\
         op.execute(f\"UPDATE t SET n = '{Mode.inheriting.name}'\")",
        &[
            "UPDATE t SET m = 0",
            "ALTER TABLE t ADD CONSTRAINT ck_m CHECK (m != 2)",
            "UPDATE t SET n = 'inheriting'",
        ],
    ),
    (
        "import textwrap",
        "op.execute(textwrap.dedent(\"\"\"\n    DROP TABLE x\n\"\"\"))",
        &["DROP TABLE x"],
    ),
    // Parameters given to a connection's execute() are bound as the driver binds them
    // when the migration runs (Alembic's offline output prints `%(v)s` instead).
    (
        "",
        "conn = op.get_bind()\n\
         conn.execute(sa.text('UPDATE t SET y = :v WHERE id = :i'), {'v': 'x', 'i': 4})\n\
         conn.execute('UPDATE t SET x = %s WHERE id IN %s AND n LIKE %s', (1, (2, 3), '10%%'))\n\
         conn.execute('UPDATE t SET x = %(x)s', {'x': None})\n\
         conn.execute(sa.text('DELETE FROM t WHERE id = :i'), [{'i': 1}, {'i': 2}])",
        &[
            "UPDATE t SET y = 'x' WHERE id = 4",
            "UPDATE t SET x = 1 WHERE id IN (2, 3) AND n LIKE '10%%'",
            "UPDATE t SET x = NULL",
            "DELETE FROM t WHERE id = 1",
            "DELETE FROM t WHERE id = 2",
        ],
    ),
];

#[test]
fn evaluator_resolves_static_python() {
    for (module, body, expected) in EVALUATOR {
        let body: String = body.lines().map(|l| format!("    {l}\n")).collect();
        let source = format!("{PRELUDE}{module}\n\ndef upgrade():\n{body}\n");
        let function = render_revision(&source).unwrap().upgrade.unwrap();
        assert!(
            function.unrenderable.is_empty(),
            "{source}\n{:?}",
            function.unrenderable
        );
        assert_eq!(sql_of(&function), *expected, "{source}");
    }
}

/// (module-level code, upgrade body, expected statements, message fragments of the
/// unrenderable statements in order)
const UNRENDERABLE: &[(&str, &str, &[&str], &[&str])] = &[
    (
        // Calls with no SQL effect are skipped, arguments unevaluated; other calls on
        // unknown objects, or other methods of a logger, stay unrenderable.
        "import logging\nimport time\nimport warnings\nfrom datetime import datetime\nfrom loguru import logger as loguru_logger\nfrom myapp import audit\nlogger = logging.getLogger(__name__)\ndef helper():\n    op.drop_table('h')\n    return 1",
        "logger.info(f'start {datetime.now()}')\nlog = logging.getLogger('alembic.runtime.migration')\nlog.warning('x %s', datetime.now())\nprint(datetime.now())\nwarnings.warn(f'{datetime.now()}')\ntime.sleep(settings.DELAY)\nlogging.info(datetime.now())\nloguru_logger.success(datetime.now())\nop.drop_table('a')\naudit.info('x')\nlogger.handlers.clear()\nlogger.info(op.drop_table('b'), op.f('x'))\nlogger.info(f'{helper()}')\nop.drop_table('c')\nlogger.info('%s', op.execute(f'SELECT {datetime.now()}'))",
        &["DROP TABLE a", "DROP TABLE c"],
        &[
            "call of imported helper `info`",
            "attribute `clear` of a method",
            "method `info`",
            "method `info`",
            "f-string of a runtime value (`datetime.datetime.now()`)",
        ],
    ),
    (
        "import enum\nclass Color(enum.Enum):\n    red = 'R'",
        "op.create_table('t', sa.Column('c', sa.Enum(Color, values_callable=lambda x: [e.value for e in x])))\nop.execute(sa.text('SELECT :v').bindparams(v=op.inline_literal(3)))",
        &[],
        &["lambda", "inline_literal"],
    ),
    (
        "",
        "op.create_index('ix_' + 'a' * 70, 't', ['x'])\nop.drop_constraint('fk_' + 'c' * 70, 't')\nop.create_index(op.f('ix_' + 'b' * 70), 't', ['x'])",
        &["CREATE INDEX ix_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb_da10 ON t (x)"],
        &["exceeds 63 characters", "exceeds 63 characters"],
    ),
    (
        "from myapp.migrations import helper",
        "op.drop_table('a')\nhelper('x')\nop.drop_table('b')",
        &["DROP TABLE a", "DROP TABLE b"],
        &["call of imported helper `helper`"],
    ),
    (
        "",
        "conn = op.get_bind()\nrows = conn.execute(sa.text('SELECT id FROM t')).fetchall()\nfor (id,) in rows:\n    op.execute(f'DELETE FROM t WHERE id = {id}')\nop.drop_table('z')",
        &["DROP TABLE z"],
        &[
            "op.get_bind() followed by Python logic",
            "loop over runtime data",
        ],
    ),
    (
        "from alembic import context",
        "if context.get_context().dialect.server_version_info >= (14,):\n    op.drop_table('a')\nop.drop_table('b')",
        &["DROP TABLE b"],
        &["server version"],
    ),
    (
        "",
        "op.frobnicate('t')\nop.drop_table('b')",
        &["DROP TABLE b"],
        &["unknown operation `op.frobnicate`"],
    ),
    (
        "",
        "op.add_column('t', sa.Column('x', sa.Mystery()))",
        &[],
        &["unknown type `Mystery`"],
    ),
    (
        // A project's own type as `existing_type` (its module not at hand): the type stays
        // unknown, the change is still rendered (prefect's 954db7517015).
        "import myapp.database",
        "op.alter_column('t', 'c', existing_type=myapp.database.UUID(), nullable=False)",
        &["ALTER TABLE t ALTER COLUMN c SET NOT NULL"],
        &[],
    ),
    (
        "",
        "op.execute(undefined_name)",
        &[],
        &["name `undefined_name` is not defined"],
    ),
    ("", "while True:\n    pass", &[], &["`while` loop"]),
    (
        // SQLAlchemy would add the other table as UPDATE ... FROM: not guessed.
        "a = sa.table('a', sa.column('id'), sa.column('b_id'))\nb = sa.table('b', sa.column('id'), sa.column('name'))",
        "op.execute(a.update().where(a.c.b_id == b.c.id).where(b.c.name.ilike('x%')).values(b_id=None))",
        &[],
        &["update() whose conditions or values name another table (`b`)"],
    ),
    (
        "",
        "try:\n    op.drop_table('a')\n    nowhere()\nexcept Exception:\n    op.drop_table('x')\nelse:\n    op.drop_table('b')\nfinally:\n    op.drop_table('c')",
        &["DROP TABLE a", "DROP TABLE b", "DROP TABLE c"],
        &["name `nowhere`"],
    ),
    (
        "",
        "with op.batch_alter_table('t') as b:\n    b.add_column(sa.Column('x', sa.Integer))\n    b.unknown_thing()\n    b.drop_column('y')",
        &[
            "ALTER TABLE t ADD COLUMN x INTEGER",
            "ALTER TABLE t DROP COLUMN y",
        ],
        &["batch operation `unknown_thing`"],
    ),
];

#[test]
fn unrenderable_statements_are_reported_and_skipped() {
    for (module, body, expected, messages) in UNRENDERABLE {
        let body: String = body.lines().map(|l| format!("    {l}\n")).collect();
        let source = format!("{PRELUDE}{module}\n\ndef upgrade():\n{body}\n");
        let function = render_revision(&source).unwrap().upgrade.unwrap();
        assert_eq!(sql_of(&function), *expected, "{source}");
        let reported: Vec<&str> = function
            .unrenderable
            .iter()
            .map(|u| u.message.as_str())
            .collect();
        assert_eq!(reported.len(), messages.len(), "{source}\n{reported:#?}");
        for (message, fragment) in reported.iter().zip(*messages) {
            assert!(
                message.contains(fragment),
                "{source}\n`{message}` lacks `{fragment}`"
            );
        }
        for u in &function.unrenderable {
            assert!(u.span.start < u.span.end && u.span.end <= source.len());
        }
    }
}

#[test]
fn revision_identifiers_and_spans() {
    let source = "\"\"\"Add users\n\nRevision ID: abc\n\"\"\"\nfrom alembic import op\n\nrevision = 'abc'\ndown_revision = ('d1', 'd2')\nbranch_labels = ('reporting',)\ndepends_on = None\n\ndef upgrade():\n    op.drop_table('x')\n\ndef downgrade():\n    pass\n";
    let revision = render_revision(source).unwrap();
    assert_eq!(revision.revision.as_deref(), Some("abc"));
    assert_eq!(revision.down_revision, ["d1", "d2"]);
    assert_eq!(revision.branch_labels, ["reporting"]);
    assert!(revision.depends_on.is_empty());
    assert_eq!(revision.message.as_deref(), Some("Add users"));
    assert_eq!(&source[revision.revision_span.unwrap()], "'abc'");
    assert_eq!(
        &source[revision.down_revision_span.unwrap()],
        "('d1', 'd2')"
    );
    let upgrade = revision.upgrade.unwrap();
    assert_eq!(&source[upgrade.def_span.clone()], "def upgrade():");
    assert_eq!(
        &source[upgrade.statements[0].origin.clone()],
        "op.drop_table('x')"
    );
    assert!(!upgrade.is_empty);
    assert!(revision.downgrade.unwrap().is_empty);
}

#[test]
fn helper_statements_point_at_the_call_site() {
    let source = format!(
        "{PRELUDE}def helper(t):\n    op.drop_table(t)\n\ndef upgrade():\n    helper('a')\n"
    );
    let upgrade = render_revision(&source).unwrap().upgrade.unwrap();
    assert_eq!(&source[upgrade.statements[0].origin.clone()], "helper('a')");
}

#[test]
fn autocommit_blocks_print_commit_and_begin() {
    let body = "op.drop_table('a')\nwith op.get_context().autocommit_block():\n    op.create_index('ix', 't', ['c'], postgresql_concurrently=True)\nwith op.get_context().autocommit_block():\n    pass\nop.drop_table('b')";
    let function = upgrade(body);
    assert_eq!(
        function
            .statements
            .iter()
            .map(|s| s.autocommit)
            .collect::<Vec<_>>(),
        [false, true, false]
    );
    let sql: Vec<String> = function.offline_sql().into_iter().map(|(s, _)| s).collect();
    assert_eq!(
        sql,
        [
            "DROP TABLE a",
            "COMMIT",
            "CREATE INDEX CONCURRENTLY ix ON t (c)",
            "BEGIN",
            "COMMIT",
            "BEGIN",
            "DROP TABLE b"
        ]
    );
    let source = revision_with_upgrade(body);
    let spans = function.offline_sql();
    assert!(source[spans[1].1.clone()].starts_with("with op.get_context().autocommit_block():"));
}

#[test]
fn syntax_errors_carry_an_offset() {
    let error = render_revision("def upgrade(:\n    pass\n").unwrap_err();
    assert!(error.offset <= 13, "{error:?}");
    assert!(!error.message.is_empty());
}

/// `upgrade(op, tables)`: `op` is Alembic's, other parameters are unknown, defaults known.
#[test]
fn parameters_of_the_revision_function() {
    let source = format!(
        "{PRELUDE}\ndef upgrade(op, tables, suffix='_old', *args, **kw):\n    op.drop_table('a' + suffix)\n    op.drop_table(tables['b'])\n    op.drop_table(kw['c'])\n"
    );
    let function = render_revision(&source).unwrap().upgrade.unwrap();
    assert_eq!(sql_of(&function), ["DROP TABLE a_old"]);
    let messages: Vec<&str> = function
        .unrenderable
        .iter()
        .map(|u| u.message.as_str())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].contains("parameter `tables` of `upgrade()`"),
        "{messages:?}"
    );
    assert!(messages[1].contains("parameter `kw`"), "{messages:?}");
}

/// Dialect checks are decided for PostgreSQL, in every spelling projects use.
#[test]
fn dialect_checks_are_postgresql() {
    let checks = [
        "op.get_context().dialect.name == 'postgresql'",
        "op.get_bind().dialect.name != 'sqlite'",
        "context.get_context().dialect.name == 'postgresql'",
        "op.get_bind().engine.name == 'postgresql'",
        "op.get_bind().engine.dialect.name == 'postgresql'",
        "not op.get_bind().dialect.name.startswith('mysql')",
        "context.get_impl().bind.dialect.name != 'sqlite'",
    ];
    for check in checks {
        let body =
            format!("if {check}:\n    op.drop_table('pg')\nelse:\n    op.drop_table('other')");
        let source = format!(
            "from alembic import context\n{}",
            revision_with_upgrade(&body)
        );
        let function = render_revision(&source).unwrap().upgrade.unwrap();
        assert_eq!(
            sql_of(&function),
            ["DROP TABLE pg"],
            "{check}: {:?}",
            function.unrenderable
        );
    }
}

/// `sa.Enum(EnumClass)`: the class name in lower case, the member names (captured from
/// SQLAlchemy 2.1.9).
#[test]
fn enum_classes_give_member_names() {
    let source = format!(
        "import enum\n{PRELUDE}\nclass Color(str, enum.Enum):\n    red = 'R'\n    green = enum.auto()\n\ndef upgrade():\n    op.create_table('e', sa.Column('c', sa.Enum(Color)))\n"
    );
    let function = render_revision(&source).unwrap().upgrade.unwrap();
    assert!(
        function.unrenderable.is_empty(),
        "{:?}",
        function.unrenderable
    );
    assert_eq!(
        sql_of(&function),
        [
            "CREATE TYPE color AS ENUM ('red', 'green')",
            "CREATE TABLE e ( c color )"
        ]
    );
}

/// Third-party column types (`THIRD_PARTY_TYPES` in python/value.rs): the SQL is what
/// Alembic 1.20.1 printed in offline mode with sqlmodel 0.0.50, fastapi-users-db-sqlalchemy
/// 4.0.4, SQLAlchemy-Utils 0.43.0 and sqlalchemy-citext 1.8.0 installed (not in CI's
/// environment, so captured once). Imported as the corpus's projects import them.
#[test]
fn third_party_column_types_render_as_their_packages_do() {
    let imports = "import sqlmodel\nimport sqlalchemy_utils\nfrom fastapi_users_db_sqlalchemy.generics import GUID\nfrom sqlalchemy_utils.types.encrypted.encrypted_type import StringEncryptedType, EncryptedType\nfrom sqlalchemy_utils.types.ts_vector import TSVectorType\nfrom citext import CIText\n";
    let cases = [
        ("sqlmodel.sql.sqltypes.AutoString()", "VARCHAR"),
        (
            "sqlmodel.sql.sqltypes.AutoString(length=255)",
            "VARCHAR(255)",
        ),
        ("sqlmodel.sql.sqltypes.AutoString", "VARCHAR"),
        ("sqlmodel.sql.sqltypes.types.Uuid()", "UUID"),
        ("GUID()", "UUID"),
        ("StringEncryptedType(sa.Unicode, 'k')", "VARCHAR"),
        (
            "StringEncryptedType(sa.Unicode, 'k', length=255)",
            "VARCHAR(255)",
        ),
        ("EncryptedType(sa.Unicode, 'k')", "BYTEA"),
        ("TSVectorType('a', 'b')", "TSVECTOR"),
        ("sqlalchemy_utils.types.uuid.UUIDType(binary=False)", "UUID"),
        ("sqlalchemy_utils.types.json.JSONType()", "JSON"),
        (
            "sqlalchemy_utils.ArrowType()",
            "TIMESTAMP WITHOUT TIME ZONE",
        ),
        (
            "sqlalchemy_utils.ArrowType(timezone=True)",
            "TIMESTAMP WITH TIME ZONE",
        ),
        ("CIText()", "CITEXT"),
    ];
    for (type_, ddl) in cases {
        let source = format!(
            "{PRELUDE}{imports}\ndef upgrade():\n    op.add_column('t', sa.Column('c', {type_}))\n"
        );
        let function = render_revision(&source).unwrap().upgrade.unwrap();
        assert_eq!(
            sql_of(&function),
            [format!("ALTER TABLE t ADD COLUMN c {ddl}")],
            "{type_}: {:?}",
            function.unrenderable
        );
    }
    // Not native, it is BINARY(16) or CHAR(32): not rendered, never guessed.
    let source = format!(
        "{PRELUDE}{imports}\ndef upgrade():\n    op.add_column('t', sa.Column('c', sqlalchemy_utils.UUIDType(native=False)))\n"
    );
    let function = render_revision(&source).unwrap().upgrade.unwrap();
    assert!(function.statements.is_empty() && function.unrenderable.len() == 1);
}
