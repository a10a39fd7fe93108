#!/usr/bin/env python3
"""Which Alembic operations and options the fixtures exercise.

Usage:
    python3 tests/alembic/coverage.py [--check] [FILE...]

Reads the fixtures with Python's ``ast`` module (nothing is imported or
executed) and prints a Markdown table "feature -> fixtures" (the one in
README.md). FILEs default to tests/alembic/fixtures/*.py. With ``--check``,
exits 1 and lists the features of issue 3 that no fixture covers.
"""

from __future__ import annotations

import ast
import glob
import os
import re
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))

# Every operation / option issue 3 asks for, as feature names produced below.
REQUIRED = [
    "op.add_column", "op.drop_column",
    "alter_column(nullable=)", "alter_column(type_=)", "alter_column(server_default=)",
    "alter_column(new_column_name=)", "alter_column(comment=)", "alter_column(postgresql_using=)",
    "alter_column(existing_type=)", "alter_column(existing_nullable=)",
    "alter_column(existing_server_default=)", "alter_column(existing_comment=)",
    "op.create_table",
    "type Integer", "type BigInteger", "type SmallInteger", "type String(n)", "type Text",
    "type Unicode", "type Boolean", "type DateTime(timezone=True)", "type DateTime(timezone=False)",
    "type Date", "type Time", "type Interval", "type Float", "type Numeric(p, s)", "type JSON",
    "type postgresql.JSONB", "type postgresql.UUID", "type postgresql.ARRAY", "type postgresql.INET",
    "type postgresql.TSVECTOR", "type Enum (CREATE TYPE)", "type LargeBinary", "type Uuid",
    "Column(primary_key=)", "Column(nullable=)", "Column(server_default=literal)",
    "Column(server_default=sa.text())", "Column(server_default=sa.func.now())",
    "Column(unique=)", "Column(index=)", "ForeignKey(ondelete=)", "ForeignKey(onupdate=)",
    "Column(autoincrement=)", "Identity", "Computed",
    "PrimaryKeyConstraint", "ForeignKeyConstraint", "UniqueConstraint", "CheckConstraint",
    "Index (in create_table)", "create_table(comment=)", "Column(comment=)",
    "op.drop_table", "op.rename_table",
    "op.create_index", "create_index(unique=True)", "create_index(postgresql_concurrently=)",
    "create_index(postgresql_where=)", "create_index(postgresql_using=)",
    "create_index(postgresql_include=)", "create_index(if_not_exists=)", "op.f()",
    "op.drop_index", "drop_index(postgresql_concurrently=)", "drop_index(if_exists=)",
    "op.create_unique_constraint",
    "op.create_foreign_key", "create_foreign_key(ondelete=)", "create_foreign_key(onupdate=)",
    "create_foreign_key(deferrable=)", "create_foreign_key(initially=)",
    "create_foreign_key(postgresql_not_valid=)", "create_foreign_key(source_schema=)",
    "create_foreign_key(referent_schema=)",
    "op.create_check_constraint", "op.create_primary_key", "op.create_exclude_constraint",
    "op.drop_constraint", "drop_constraint(type_=)",
    "op.execute(str)", "op.execute(sa.text())", "op.execute(f-string)",
    "batch_alter_table", "autocommit_block", "op.create_table_comment", "op.drop_table_comment",
    "op.bulk_insert", "Enum.create(op.get_bind())", "postgresql.ENUM(create_type=False)",
    "schema= on an op", "conn.execute(sa.text())", "op.execute(text('\\n'.join(LIST)))",
    "module-level constant", "same-file helper function", "quoted identifier",
    "down_revision = None", "down_revision tuple (merge)", "branch_labels", "depends_on",
    "locksmith: expect-unrenderable",
]

OPS = {"op", "batch_op"}
SA = {"sa", "sqlalchemy"}
PG = {"postgresql", "pg"}
# Too common or implied by a listed feature to be worth a row.
NOISE = {
    "op.alter_column", "op.batch_alter_table", "op.execute", "op.get_bind", "op.get_context",
    "create_index(unique=)", "drop_index(table_name=)", "ForeignKey",
}
QUOTED = re.compile(r"^(?=.*[A-Z])[A-Za-z_][A-Za-z0-9_]*$|^(user|order|group|select|table)$")


def dotted(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return dotted(node.value) + "." + node.attr
    if isinstance(node, ast.Call):
        return dotted(node.func) + "()"
    return "?"


def kw(call: ast.Call, name: str):
    for k in call.keywords:
        if k.arg == name:
            return k.value
    return None


def features(path: str) -> set[str]:
    src = open(path, encoding="utf-8").read()
    tree = ast.parse(src, path)
    out: set[str] = set()
    # names imported from sqlalchemy / its postgresql dialect
    from_sa, from_pg = set(), set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy":
            from_sa |= {a.asname or a.name for a in node.names}
        if isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy.dialects.postgresql":
            from_pg |= {a.asname or a.name for a in node.names}
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if not isinstance(t, ast.Name):
                    continue
                v = node.value
                if t.id == "down_revision":
                    if isinstance(v, ast.Constant) and v.value is None:
                        out.add("down_revision = None")
                    elif isinstance(v, ast.Tuple):
                        out.add("down_revision tuple (merge)")
                elif t.id in ("branch_labels", "depends_on"):
                    if not (isinstance(v, ast.Constant) and v.value is None):
                        out.add(t.id)
                elif t.id.isupper() or t.id in ("visibility",):
                    out.add("module-level constant")
        if isinstance(node, ast.FunctionDef) and node.name not in ("upgrade", "downgrade"):
            out.add("same-file helper function")

    def typename(call: ast.Call) -> str | None:
        f = call.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
            if f.value.id in SA:
                return f.attr
            if f.value.id in PG:
                return "postgresql." + f.attr
        if isinstance(f, ast.Name):
            if f.id in from_sa:
                return f.id
            if f.id in from_pg:
                return "postgresql." + f.id
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.With):
            for item in node.items:
                d = dotted(item.context_expr)
                if d.endswith("batch_alter_table()"):
                    out.add("batch_alter_table")
                if d.endswith("autocommit_block()"):
                    out.add("autocommit_block")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith('"') is False and '"' in node.value and re.search(r'"[A-Za-z_]+"', node.value):
                out.add("quoted identifier")
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        d = dotted(f)
        t = typename(node)
        # operations
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in OPS:
            name = f.attr
            if name == "f":
                out.add("op.f()")
            else:
                out.add("op." + name)
            for k in node.keywords:
                if k.arg:
                    out.add(f"{name}({k.arg}=)")
                    if k.arg == "schema" and not (isinstance(k.value, ast.Constant) and k.value.value is None):
                        out.add("schema= on an op")
            if name == "create_index" and isinstance(kw(node, "unique"), ast.Constant) and kw(node, "unique").value is True:
                out.add("create_index(unique=True)")
            if name == "execute" and node.args:
                a = node.args[0]
                if isinstance(a, ast.Constant):
                    out.add("op.execute(str)")
                elif isinstance(a, ast.JoinedStr):
                    out.add("op.execute(f-string)")
                elif isinstance(a, ast.BinOp) and isinstance(a.op, ast.Mod):
                    out.add("op.execute(str % args)")
                elif isinstance(a, ast.Call) and dotted(a.func).endswith(".format"):
                    out.add("op.execute(str.format())")
                elif isinstance(a, ast.Call) and dotted(a.func) in ("sa.text", "text", "sqlalchemy.text"):
                    inner = a.args[0] if a.args else None
                    if isinstance(inner, ast.Call) and dotted(inner.func).endswith(".join"):
                        out.add("op.execute(text('\\n'.join(LIST)))")
                    else:
                        out.add("op.execute(sa.text())")
            if name in ("create_table", "create_index", "add_column", "alter_column", "rename_table",
                        "drop_table", "create_foreign_key", "drop_constraint", "create_check_constraint"):
                for a in node.args[:2]:
                    if isinstance(a, ast.Constant) and isinstance(a.value, str) and QUOTED.match(a.value):
                        out.add("quoted identifier")
        if d.endswith(".execute") and not d.startswith("op.") and node.args:
            a = node.args[0]
            if isinstance(a, ast.Call) and dotted(a.func).startswith(("sa.text", "text")) or (
                isinstance(a, ast.Call) and isinstance(a.func, ast.Attribute) and a.func.attr == "bindparams"
            ):
                out.add("conn.execute(sa.text())")
        if isinstance(f, ast.Attribute) and f.attr == "bindparams":
            out.add("sa.text().bindparams()")
        if isinstance(f, ast.Attribute) and f.attr in ("create", "drop") and node.args and dotted(node.args[0]) == "op.get_bind()":
            out.add(f"Enum.{f.attr}(op.get_bind())")
        if t is None:
            continue
        base = t.split(".")[-1]
        if base == "Column":
            for k in node.keywords:
                if k.arg == "server_default":
                    v = k.value
                    if isinstance(v, ast.Constant):
                        out.add("Column(server_default=literal)")
                    elif dotted(v.func if isinstance(v, ast.Call) else v) in ("sa.text", "text", "sqlalchemy.text"):
                        out.add("Column(server_default=sa.text())")
                    elif isinstance(v, ast.Call) and dotted(v.func).endswith("func.now"):
                        out.add("Column(server_default=sa.func.now())")
                    else:
                        out.add("Column(server_default=" + dotted(v.func if isinstance(v, ast.Call) else v) + ")")
                elif k.arg:
                    out.add(f"Column({k.arg}=)")
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str) and QUOTED.match(node.args[0].value):
                out.add("quoted identifier")
            continue
        if base == "ForeignKey":
            for k in node.keywords:
                out.add(f"ForeignKey({k.arg}=)")
            out.add("ForeignKey")
            continue
        if base in ("Identity", "Computed", "PrimaryKeyConstraint", "ForeignKeyConstraint",
                    "UniqueConstraint", "CheckConstraint"):
            out.add(base)
            continue
        if base == "ExcludeConstraint":
            out.add("postgresql.ExcludeConstraint (in create_table)")
            continue
        if base == "Index":
            out.add("Index (in create_table)")
            continue
        if base in ("Enum", "ENUM"):
            ct = kw(node, "create_type")
            if isinstance(ct, ast.Constant) and ct.value is False:
                out.add("postgresql.ENUM(create_type=False)")
            else:
                out.add("type Enum (CREATE TYPE)")
            continue
        if base in ("String", "VARCHAR") and (node.args or kw(node, "length")):
            out.add("type String(n)")
            continue
        if base in ("Numeric", "NUMERIC") and (len(node.args) == 2 or kw(node, "scale")):
            out.add("type Numeric(p, s)")
            continue
        if base in ("DateTime", "TIMESTAMP"):
            tz = kw(node, "timezone")
            out.add(f"type DateTime(timezone={bool(tz is not None and tz.value)})")
            continue
        if base in ("text", "func", "table", "column", "true", "false", "Sequence"):
            continue
        if base[0].isupper():
            canon = {"INTEGER": "Integer", "SMALLINT": "SmallInteger", "TEXT": "Text",
                     "BOOLEAN": "Boolean", "BYTEA": "LargeBinary"}.get(base, base)
            if t.startswith("postgresql.") and canon not in ("LargeBinary",):
                canon = "postgresql." + canon
            if t in ("postgresql.BYTEA",):
                canon = "LargeBinary"
            out.add("type " + canon)
    # create_table(comment=) is found above as "create_table(comment=)"
    if "# locksmith: expect-unrenderable" in src:
        out.add("locksmith: expect-unrenderable")
    return out


def main(argv: list[str]) -> int:
    check = "--check" in argv
    files = [a for a in argv if a != "--check"] or sorted(glob.glob(os.path.join(HERE, "fixtures", "*.py")))
    by_feature: dict[str, list[str]] = defaultdict(list)
    for path in files:
        label = os.path.basename(path).split("_", 1)[0]
        for feat in features(path):
            by_feature[feat].append(label)
    print(f"{len(files)} fixtures\n")
    print("| Feature | Fixtures |")
    print("|---|---|")
    order = REQUIRED + sorted(set(by_feature) - set(REQUIRED) - NOISE)
    for feat in order:
        hits = by_feature.get(feat, [])
        extra = "" if feat in REQUIRED else " (extra)"
        print(f"| `{feat}`{extra} | {', '.join(sorted(hits)) if hits else '**none**'} |")
    missing = [f for f in REQUIRED if not by_feature.get(f)]
    if missing:
        print("\nnot covered: " + ", ".join(missing), file=sys.stderr)
        if check:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
