#!/usr/bin/env python3
"""Generates the side-by-side benchmark's inputs (scripts/bench-compare): nothing is
fetched. Deterministic (seeded), so every run measures the same bytes.

  bench_corpus.py OUT [--sql N] [--revisions N] [--huge-mb N]

writes OUT/sql/NNNNN_<name>.sql (N migrations), OUT/alembic/ (an Alembic project of
--revisions revisions in one chain) and, with --huge-mb, OUT/huge/huge.sql.

The .sql files are modelled on the migrations of public Rails/Django/Flyway projects:
mostly small files (1-6 statements: a CREATE TABLE with its indexes, an ADD COLUMN, an
index, a constraint added NOT VALID then validated, a backfill UPDATE), some longer ones
(a schema baseline of dozens of tables, seed data INSERTs, PL/pgSQL functions and
triggers, enum types, views, grants, comments), some wrapped in BEGIN/COMMIT, some with
lock_timeout, about one in fifty with a syntax error.
"""

import argparse
import os
import random

TYPES = [
    "bigint", "integer", "text", "varchar(255)", "boolean", "timestamptz",
    "timestamp without time zone", "numeric(12,2)", "jsonb", "uuid", "date", "smallint",
    "double precision", "bytea", "text[]", "inet", "char(2)", "serial", "bigserial", "json",
]
WORDS = [
    "user", "account", "order", "invoice", "payment", "product", "item", "cart", "session",
    "event", "audit", "team", "member", "project", "task", "comment", "tag", "message",
    "notification", "subscription", "plan", "address", "shipment", "refund", "coupon",
    "review", "webhook", "token", "device", "report",
]
COLUMNS = [
    "name", "email", "status", "created_at", "updated_at", "deleted_at", "amount", "currency",
    "external_id", "metadata", "title", "body", "position", "kind", "locale", "phone",
    "archived", "score", "starts_at", "ends_at", "slug", "notes", "priority", "country",
]
DEFAULTS = {
    "boolean": ["false", "true"], "integer": ["0", "1"], "bigint": ["0"], "text": ["''"],
    "varchar(255)": ["'pending'"], "timestamptz": ["now()", "CURRENT_TIMESTAMP"],
    "jsonb": ["'{}'::jsonb"], "uuid": ["gen_random_uuid()"], "numeric(12,2)": ["0"],
}


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.tables = ["users", "accounts", "orders", "products", "events"]

    def ident(self):
        return self.r.choice(WORDS) + self.r.choice(["s", "_items", "_logs", "s", "_events", "es"])

    def table(self):
        return self.r.choice(self.tables)

    def col(self):
        return self.r.choice(COLUMNS) + self.r.choice(["", "", "_id", "_2", "_at", "_code"])

    def typ(self):
        return self.r.choice(TYPES)

    def create_table(self):
        t = self.ident() + "_" + str(self.r.randrange(10_000))
        self.tables.append(t)
        cols = [self.r.choice([
            "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
            "id bigserial PRIMARY KEY", "id uuid PRIMARY KEY DEFAULT gen_random_uuid()",
            "id serial NOT NULL",
        ])]
        for _ in range(self.r.randrange(2, 14)):
            typ = self.typ()
            c = f"{self.col()} {typ}"
            if self.r.random() < 0.4:
                c += " NOT NULL"
            if typ in DEFAULTS and self.r.random() < 0.4:
                c += " DEFAULT " + self.r.choice(DEFAULTS[typ])
            cols.append(c)
        if self.r.random() < 0.5:
            ref = self.table()
            cols.append(f"{ref.rstrip('s')}_id bigint REFERENCES {ref} (id) ON DELETE CASCADE")
        if self.r.random() < 0.3:
            cols.append(f"CONSTRAINT {t}_amount_check CHECK (amount >= 0)")
        if self.r.random() < 0.2:
            cols.append(f"UNIQUE (name, created_at)")
        body = ",\n    ".join(cols)
        out = [f"CREATE TABLE {self.r.choice(['', 'IF NOT EXISTS '])}{t} (\n    {body}\n);"]
        for _ in range(self.r.randrange(0, 3)):
            out.append(f"CREATE INDEX {t}_{self.col()}_idx ON {t} ({self.col()});")
        return out

    def add_column(self):
        t, typ = self.table(), self.typ()
        c = f"ALTER TABLE {t} ADD COLUMN {self.r.choice(['', 'IF NOT EXISTS '])}{self.col()} {typ}"
        roll = self.r.random()
        if roll < 0.25 and typ in DEFAULTS:
            c += " DEFAULT " + self.r.choice(DEFAULTS[typ])
        elif roll < 0.35:
            c += " NOT NULL"
        elif roll < 0.45 and typ in DEFAULTS:
            c += " NOT NULL DEFAULT " + self.r.choice(DEFAULTS[typ])
        return [c + ";"]

    def index(self):
        t = self.table()
        cols = ", ".join(self.col() for _ in range(self.r.randrange(1, 4)))
        how = self.r.choice(["", "CONCURRENTLY ", "CONCURRENTLY IF NOT EXISTS ", ""])
        unique = self.r.choice(["", "UNIQUE ", ""])
        where = self.r.choice(["", "", " WHERE deleted_at IS NULL"])
        using = self.r.choice(["", "", " USING gin", " USING btree"])
        return [f"CREATE {unique}INDEX {how}{t}_{self.r.randrange(99999)}_idx ON {t}{using} ({cols}){where};"]

    def constraint(self):
        t, ref = self.table(), self.table()
        name = f"{t}_{self.col()}_fk"
        roll = self.r.random()
        if roll < 0.4:
            return [
                f"ALTER TABLE {t} ADD CONSTRAINT {name} FOREIGN KEY ({self.col()}) REFERENCES {ref} (id) NOT VALID;",
                f"ALTER TABLE {t} VALIDATE CONSTRAINT {name};",
            ]
        if roll < 0.6:
            return [f"ALTER TABLE {t} ADD CONSTRAINT {name} FOREIGN KEY ({self.col()}) REFERENCES {ref} (id);"]
        if roll < 0.8:
            return [f"ALTER TABLE {t} ADD CONSTRAINT {t}_chk CHECK ({self.col()} IS NOT NULL){self.r.choice(['', ' NOT VALID'])};"]
        return [f"ALTER TABLE {t} ADD CONSTRAINT {t}_uniq UNIQUE ({self.col()});"]

    def alter(self):
        t, c = self.table(), self.col()
        return [self.r.choice([
            f"ALTER TABLE {t} ALTER COLUMN {c} TYPE {self.typ()};",
            f"ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;",
            f"ALTER TABLE {t} ALTER COLUMN {c} DROP NOT NULL;",
            f"ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT 0;",
            f"ALTER TABLE {t} RENAME COLUMN {c} TO {c}_old;",
            f"ALTER TABLE {t} DROP COLUMN {c};",
            f"ALTER TABLE {t} DROP COLUMN IF EXISTS {c} CASCADE;",
            f"ALTER TABLE {t} RENAME TO {t}_archive;",
            f"DROP TABLE IF EXISTS {t};",
            f"DROP INDEX {self.r.choice(['', 'CONCURRENTLY '])}{t}_{c}_idx;",
            f"ALTER TABLE {t} ADD PRIMARY KEY (id);",
            f"ALTER TABLE {t} SET (autovacuum_vacuum_scale_factor = 0.01);",
            f"TRUNCATE {t};",
            f"CLUSTER {t} USING {t}_pkey;",
            f"VACUUM ANALYZE {t};",
        ])]

    def data(self):
        t, c = self.table(), self.col()
        roll = self.r.random()
        if roll < 0.4:
            value = self.r.choice(["0", "NULL", "now()", "'x'", "lower(email)"])
            return [f"UPDATE {t} SET {c} = {value} WHERE {c} IS NULL;"]
        if roll < 0.55:
            return [f"UPDATE {t} SET {c} = 'x' WHERE id IN (SELECT id FROM {t} WHERE {c} IS NULL LIMIT 1000);"]
        if roll < 0.65:
            return [f"DELETE FROM {t} WHERE created_at < now() - interval '90 days';"]
        rows = ",\n    ".join(
            f"({i}, '{self.r.choice(WORDS)} {i}', {self.r.choice(['true', 'false'])})"
            for i in range(self.r.randrange(1, 40))
        )
        return [f"INSERT INTO {t} (id, name, active) VALUES\n    {rows}\nON CONFLICT (id) DO NOTHING;"]

    def function(self):
        t, c = self.table(), self.col()
        n = self.r.randrange(100_000)
        body = "\n".join(
            f"    IF NEW.{self.col()} IS NULL THEN NEW.{self.col()} := now(); END IF;"
            for _ in range(self.r.randrange(1, 12))
        )
        out = [
            f"CREATE OR REPLACE FUNCTION {t}_touch_{n}() RETURNS trigger\nLANGUAGE plpgsql AS $$\nBEGIN\n{body}\n    RETURN NEW;\nEND;\n$$;",
        ]
        if self.r.random() < 0.7:
            out.append(f"CREATE TRIGGER {t}_touch_{n} BEFORE UPDATE ON {t}\n    FOR EACH ROW EXECUTE FUNCTION {t}_touch_{n}();")
        if self.r.random() < 0.3:
            out.append(f"CREATE FUNCTION f_{n}(a integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT a + 1';")
        return out

    def misc(self):
        t, c = self.table(), self.col()
        n = self.r.randrange(100_000)
        return [self.r.choice([
            f"CREATE TYPE status_{n} AS ENUM ('active', 'inactive', 'pending');",
            f"ALTER TYPE status_{n} ADD VALUE 'archived';",
            f"COMMENT ON COLUMN {t}.{c} IS 'the {c} of the {t}';",
            f"GRANT SELECT, INSERT ON {t} TO app_user;",
            f"CREATE OR REPLACE VIEW {t}_active AS SELECT * FROM {t} WHERE deleted_at IS NULL;",
            f"CREATE MATERIALIZED VIEW {t}_stats_{n} AS SELECT count(*) FROM {t};",
            f"REFRESH MATERIALIZED VIEW CONCURRENTLY {t}_stats_{n};",
            "CREATE EXTENSION IF NOT EXISTS pg_trgm;",
            f"CREATE SEQUENCE {t}_seq_{n} START 1000;",
            f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY;",
            f"CREATE POLICY {t}_p ON {t} USING (tenant_id = current_setting('app.tenant')::bigint);",
            f"CREATE SCHEMA IF NOT EXISTS s{n};",
            f"REINDEX TABLE {t};",
        ])]

    def statement_group(self):
        kind = self.r.choices(
            [self.create_table, self.add_column, self.index, self.constraint, self.alter,
             self.data, self.function, self.misc],
            weights=[22, 20, 16, 10, 14, 8, 4, 6],
        )[0]
        return kind()

    def migration(self, i):
        shape = self.r.random()
        if shape < 0.75:
            groups = self.r.randrange(1, 4)   # the common case: one change
        elif shape < 0.97:
            groups = self.r.randrange(4, 15)
        else:
            groups = self.r.randrange(30, 120)  # a baseline / squashed schema
        stmts = []
        for _ in range(groups):
            stmts.extend(self.statement_group())
        if self.r.random() < 0.3:
            stmts.insert(0, self.r.choice(["SET lock_timeout = '5s';", "SET statement_timeout = 0;"]))
        if self.r.random() < 0.25:
            stmts = ["BEGIN;"] + stmts + ["COMMIT;"]
        if self.r.random() < 0.02:
            stmts.insert(self.r.randrange(len(stmts) + 1), "ALTER TABLEE users ADD COLUMN broken text;")
        header = f"-- Migration {i}: {self.r.choice(WORDS)} changes\n"
        if self.r.random() < 0.3:
            header += "-- Generated by the schema tool; do not edit by hand.\n"
        sep = self.r.choice(["\n", "\n\n"])
        return header + sep.join(stmts) + "\n"


def revision(g, i):
    r = g.r
    down = "None" if i == 0 else f'"r{i - 1:05d}"'
    table = f"t{i}"
    ops = []
    for _ in range(r.randrange(1, 6)):
        roll = r.random()
        if roll < 0.2:
            cols = ",\n        ".join(
                [f'sa.Column("id", sa.BigInteger(), primary_key=True)']
                + [
                    f'sa.Column("{g.col()}", sa.{r.choice(["Text()", "String(length=100)", "Integer()", "Boolean()", "DateTime(timezone=True)", "Numeric(12, 2)"])}, nullable={r.choice(["True", "False"])})'
                    for _ in range(r.randrange(1, 8))
                ]
            )
            ops.append(f'op.create_table(\n        "{table}",\n        {cols},\n    )')
        elif roll < 0.45:
            typ = r.choice(["Text()", "Integer()", "Boolean()"])
            nullable = r.choice(["True", "True", "False"])
            default = r.choice(["", ', server_default=sa.text("0")'])
            ops.append(
                f'op.add_column("users", sa.Column("c{i}_{len(ops)}", sa.{typ}, nullable={nullable}{default}))'
            )
        elif roll < 0.6:
            conc = r.choice(["", ", postgresql_concurrently=True"])
            ops.append(f'op.create_index("ix_users_{i}_{len(ops)}", "users", ["email"]{conc})')
        elif roll < 0.7:
            ops.append(f'op.alter_column("users", "name", existing_type=sa.String(length=50), type_=sa.String(length=200))')
        elif roll < 0.78:
            ops.append(f'op.create_foreign_key("fk_{i}_{len(ops)}", "orders", "users", ["user_id"], ["id"])')
        elif roll < 0.86:
            ops.append(f'op.execute("UPDATE users SET c = 0 WHERE c IS NULL")')
        elif roll < 0.93:
            ops.append(f'op.drop_column("users", "old_{i}")')
        else:
            ops.append(f'op.create_check_constraint("ck_{i}", "orders", "amount >= 0")')
    body = "\n    ".join(ops)
    return f'''"""revision {i}

Revision ID: r{i:05d}
Revises: {down.strip('"')}
"""
from alembic import op
import sqlalchemy as sa

revision = "r{i:05d}"
down_revision = {down}
branch_labels = None
depends_on = None


def upgrade():
    {body}


def downgrade():
    pass
'''


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--sql", type=int, default=10_000)
    parser.add_argument("--revisions", type=int, default=2_000)
    parser.add_argument("--huge-mb", type=int, default=0)
    args = parser.parse_args()

    g = Gen(12)
    sql_dir = os.path.join(args.out, "sql")
    os.makedirs(sql_dir, exist_ok=True)
    for i in range(args.sql):
        with open(os.path.join(sql_dir, f"{i:05d}_{g.r.choice(WORDS)}.sql"), "w") as f:
            f.write(g.migration(i))

    project = os.path.join(args.out, "alembic")
    versions = os.path.join(project, "migrations", "versions")
    os.makedirs(versions, exist_ok=True)
    with open(os.path.join(project, "alembic.ini"), "w") as f:
        f.write("[alembic]\nscript_location = %(here)s/migrations\n")
    with open(os.path.join(project, "migrations", "env.py"), "w") as f:
        f.write("from alembic import context\n\ncontext.configure(transaction_per_migration=True)\n")
    g = Gen(34)
    for i in range(args.revisions):
        with open(os.path.join(versions, f"r{i:05d}_rev.py"), "w") as f:
            f.write(revision(g, i))

    if args.huge_mb:
        os.makedirs(os.path.join(args.out, "huge"), exist_ok=True)
        g = Gen(56)
        target = args.huge_mb << 20
        written = 0
        with open(os.path.join(args.out, "huge", "huge.sql"), "w") as f:
            i = 0
            while written < target:
                text = g.migration(i)
                f.write(text)
                written += len(text)
                i += 1


if __name__ == "__main__":
    main()
