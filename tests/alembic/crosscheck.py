#!/usr/bin/env python3
"""Check that reference.py prints what `alembic upgrade --sql` prints.

Usage:
    python3 tests/alembic/crosscheck.py

reference.py calls each fixture's upgrade()/downgrade() directly in an
offline MigrationContext. This script runs the real commands instead,
`alembic upgrade base:heads --sql` and `alembic downgrade heads:base --sql`,
over the fixtures as one Alembic project (the example project's env.py,
``version_locations`` = fixtures/), cuts the output at Alembic's
``-- Running upgrade X -> Y`` markers, drops the ``alembic_version``
bookkeeping statements and the outer ``BEGIN;``/``COMMIT;``, and compares
each revision's text with reference.py's output byte for byte. When a
revision raises (by design: see README), the command is resumed after it.

Exit status 0 when every revision matches, 1 otherwise. Needs the pinned
alembic/sqlalchemy (tests/alembic/requirements.txt); no database.
"""

from __future__ import annotations

import contextlib
import glob
import io
import json
import logging
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")

try:
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory
except Exception as exc:
    sys.exit(f"crosscheck.py: cannot import alembic ({exc}); pip install -r {HERE}/requirements.txt")

MARKER = re.compile(r"^-- Running (upgrade|downgrade) (.*?) -> ?(.*)\n\n", re.M)
BOOKKEEPING = re.compile(
    r"^(INSERT INTO|UPDATE|DELETE FROM|CREATE TABLE|DROP TABLE) alembic_version\b[^;]*;\n\n", re.M
)


def config(buf: io.StringIO) -> Config:
    cfg = Config(output_buffer=buf)
    cfg.set_main_option("script_location", os.path.join(HERE, "example", "migrations"))
    cfg.set_main_option("version_locations", FIXTURES)
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("prepend_sys_path", os.path.join(HERE, "helpers"))
    cfg.set_main_option("sqlalchemy.url", "postgresql://localhost/example")
    return cfg


def run(direction: str) -> tuple[dict[str, str], dict[str, str]]:
    """Run the whole graph in one direction; return (rev -> text, rev -> error)."""
    bodies: dict[str, str] = {}
    errors: dict[str, str] = {}
    start = "base" if direction == "upgrade" else "heads"
    end = "heads" if direction == "upgrade" else "base"
    while True:
        buf = io.StringIO()
        cfg = config(buf)
        failed = None
        try:
            getattr(command, direction)(cfg, f"{start}:{end}", sql=True)
        except Exception as exc:
            failed = f"{type(exc).__name__}: {exc}"
        text = buf.getvalue()
        parts = MARKER.split(text)
        # parts: [preamble, kind, from, to, body, kind, from, to, body, ...]
        last = None
        for i in range(1, len(parts), 4):
            src, dst, body = parts[i + 1], parts[i + 2], parts[i + 3]
            rev = dst if direction == "upgrade" else src
            body = BOOKKEEPING.sub("", body)
            if i + 4 >= len(parts) and failed is None:
                assert body.endswith("COMMIT;\n\n"), body[-80:]
                body = body[: -len("COMMIT;\n\n")]
            bodies[rev] = body
            last = rev
        if failed is None:
            return bodies, errors
        if last is None or last in errors:
            raise SystemExit(f"crosscheck.py: {direction} failed before any revision ran: {failed}")
        errors[last] = failed
        start = last  # resume after the revision that raised
        if direction == "downgrade":
            script = ScriptDirectory.from_config(cfg)
            downs = script.get_revision(last)._all_down_revisions
            if not downs:
                return bodies, errors
            start = downs[0] if len(downs) == 1 else last


def main() -> int:
    logging.disable(logging.CRITICAL)
    files = sorted(glob.glob(os.path.join(FIXTURES, "*.py")))
    ref = json.loads(
        subprocess.check_output([sys.executable, os.path.join(HERE, "reference.py"), *files])
    )["fixtures"]
    rev_of = {}
    for path in files:
        m = re.search(r"^revision(?::\s*str)?\s*=\s*['\"](\w+)['\"]", open(path).read(), re.M)
        rev_of[os.path.basename(path)] = m.group(1)
    with contextlib.redirect_stdout(sys.stderr):
        up, up_err = run("upgrade")
        down, down_err = run("downgrade")
    bad = 0
    for name, rev in rev_of.items():
        for direction, got, errs in (("upgrade", up, up_err), ("downgrade", down, down_err)):
            if rev not in got:
                print(f"MISSING {name} {direction}: the alembic command did not run it")
                bad += 1
                continue
            expected = ref[name][direction]
            if got[rev] != expected:
                print(f"DIFF {name} {direction}:\n  alembic:   {got[rev]!r}\n  reference: {expected!r}")
                bad += 1
            ref_err = (ref[name]["error"] or "")
            if (rev in errs) != (f"{direction}():" in ref_err):
                print(f"ERROR MISMATCH {name} {direction}: alembic {errs.get(rev)!r}, reference {ref_err!r}")
                bad += 1
    total = 2 * len(rev_of)
    print(f"{total - bad}/{total} upgrade/downgrade texts identical to `alembic upgrade/downgrade --sql`"
          f" ({len(up_err) + len(down_err)} raised in both, by design)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
