#!/usr/bin/env python3
"""Render Alembic revision files with the real Alembic, offline, for PostgreSQL.

Usage:
    python3 tests/alembic/reference.py FILE...

Each FILE is imported as a Python module (these are locksmith's own test
fixtures, so executing them is fine here) and its ``upgrade()`` and
``downgrade()`` functions are run separately, each in a fresh Alembic
offline ("--sql") environment configured exactly like the ``env.py`` that
``alembic init`` generates::

    context.configure(
        url="postgresql://...",
        target_metadata=None,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )

with the options ``alembic upgrade --sql`` itself passes (``as_sql=True``)
and PostgreSQL's default ``transactional_ddl`` (True), so
``op.get_context().autocommit_block()`` prints ``COMMIT;`` / ``BEGIN;``
just like it does in the real output.

Only the statements produced by the function body are captured: none of the
``BEGIN;`` / ``CREATE TABLE alembic_version`` / ``-- Running upgrade`` /
``UPDATE alembic_version`` / ``COMMIT;`` scaffolding that the ``alembic``
command adds around each revision.

Prints one JSON object to stdout:

    {
      "alembic": "1.20.1",
      "sqlalchemy": "2.1.9",
      "fixtures": {
        "<file name>": {
          "upgrade": "<raw SQL text as Alembic printed it>",
          "downgrade": "<raw SQL text>",
          "error": null | "<message>"
        }
      }
    }

``upgrade``/``downgrade`` hold whatever Alembic printed, even when the
function raised part-way (then ``error`` says which function raised and
why). The process exits 0 whenever every file could be processed (a fixture
raising is recorded, not fatal); 2 on usage errors; 3 when Alembic or
SQLAlchemy cannot be imported.
"""

from __future__ import annotations

import importlib.util
import inspect
import io
import json
import os
import re
import sys
import traceback

sys.dont_write_bytecode = True  # leave no __pycache__ next to the fixtures

HERE = os.path.dirname(os.path.abspath(__file__))
# Like `prepend_sys_path` in a project's alembic.ini: lets fixtures import
# "application" helpers (see helpers/acme_migration_utils.py).
HELPERS = os.path.join(HERE, "helpers")

# Same URL as tests/alembic/example/alembic.ini; only its dialect part is
# used (no driver is imported and no connection is made in offline mode).
URL = "postgresql://localhost/example"


def _die(code: int, message: str) -> None:
    sys.stderr.write(f"reference.py: {message}\n")
    sys.exit(code)


try:
    import alembic
    import sqlalchemy
    from alembic.config import Config
    from alembic.operations import Operations
    from alembic.runtime.environment import EnvironmentContext
except Exception as exc:  # ImportError, or a broken install
    _die(
        3,
        "cannot import alembic/sqlalchemy "
        f"({type(exc).__name__}: {exc}); install the pinned versions with "
        "`pip install -r tests/alembic/requirements.txt`",
    )


def _module_name(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    return "locksmith_alembic_fixture_" + re.sub(r"\W", "_", stem)


def _load(path: str):
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    finally:
        sys.stdout = real_stdout
    return module


def _arguments(fn) -> dict:
    """Arguments for a revision function that takes some (projects calling revisions
    themselves: `def upgrade(op, tables):`): `op` is Alembic's op, any other parameter
    without a default gets None (the fixtures do not use them); defaults are kept."""
    import alembic.op

    arguments = {}
    for name, parameter in inspect.signature(fn).parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if name == "op":
            arguments[name] = alembic.op
        elif parameter.default is parameter.empty:
            arguments[name] = None
    return arguments


def _render(fn) -> tuple[str, str | None]:
    """Run one migration function offline; return (printed SQL, error)."""
    buf = io.StringIO()
    env = EnvironmentContext(
        Config(),
        None,  # no ScriptDirectory: the function is called directly
        as_sql=True,
    )
    error = None
    with env:  # makes `from alembic import context` usable in fixtures
        env.configure(
            url=URL,
            target_metadata=None,
            literal_binds=True,
            dialect_opts={"paramstyle": "named"},
            output_buffer=buf,
        )
        ctx = env.get_context()
        op = Operations(ctx)
        op._install_proxy()  # what Operations.context() does, plus finally
        real_stdout = sys.stdout
        sys.stdout = sys.stderr  # a fixture's print() must not corrupt the JSON
        try:
            fn(**_arguments(fn))
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}".strip()
            if os.environ.get("LOCKSMITH_REFERENCE_TRACEBACK"):
                traceback.print_exc(file=sys.stderr)
        finally:
            sys.stdout = real_stdout
            op._remove_proxy()
    return buf.getvalue(), error


def render_file(path: str) -> dict:
    result = {"upgrade": "", "downgrade": "", "error": None}
    try:
        module = _load(path)
    except Exception as exc:
        result["error"] = f"import: {type(exc).__name__}: {exc}".strip()
        return result
    errors = []
    for name in ("upgrade", "downgrade"):
        fn = getattr(module, name, None)
        if not callable(fn):
            errors.append(f"{name}(): not defined")
            continue
        sql, error = _render(fn)
        result[name] = sql
        if error is not None:
            errors.append(f"{name}(): {error}")
    if errors:
        result["error"] = "; ".join(errors)
    return result


def main(argv: list[str]) -> int:
    sys.path.insert(0, HELPERS)
    if not argv or argv[0] in ("-h", "--help"):
        sys.stderr.write(__doc__)
        return 0 if argv else 2
    fixtures = {}
    for path in argv:
        if not os.path.isfile(path):
            _die(2, f"no such file: {path}")
        key = os.path.basename(path)
        if key in fixtures:
            _die(2, f"two files named {key}")
        fixtures[key] = render_file(path)
    json.dump(
        {
            "alembic": alembic.__version__,
            "sqlalchemy": sqlalchemy.__version__,
            "fixtures": fixtures,
        },
        sys.stdout,
        indent=2,
        ensure_ascii=False,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
