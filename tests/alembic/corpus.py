#!/usr/bin/env python3
"""Measure locksmith's static Alembic renderer on real projects' revision files.

Usage:
    python3 tests/alembic/corpus.py [--locksmith BIN] [--out DIR] [--json] [--jobs N]
                                    PROJECT_DIR...

Each PROJECT_DIR is one project: every ``*.py`` file under it (recursively,
``__init__.py`` and files without ``def upgrade`` excepted) is a revision.
``tests/alembic/corpus/extract.py`` lays the corpus out as
``/tmp/corpus/<project>/versions/``; pass ``/tmp/corpus/*``.

For each revision file:

(a) the real Alembic renders ``upgrade()`` offline for PostgreSQL, configured as
    ``reference.py`` does (``literal_binds=True``, ``paramstyle="named"``,
    transactional DDL), in a child process per project. **This executes the
    revision files**: every import outside the standard library, ``alembic`` and
    ``sqlalchemy`` is replaced by an inert stand-in module whose attributes are
    callable stand-in objects, so no application code runs, but the revision
    files' own module-level code and ``upgrade()`` do. Run it on code you are
    willing to execute (in a container if in doubt). Parameters of
    ``upgrade(...)`` (quay's ``upgrade(op, tables, tester)``) get Alembic's
    ``op`` for ``op`` and stand-ins for the others. Each file has a 10 s alarm.
(b) locksmith renders it: ``locksmith sql FILE --color never`` (one revision file
    prints only its own upgrade SQL) and ``locksmith lint FILE --format json``
    (its ``unrenderable-operation`` findings). The ``BEGIN``/``COMMIT`` that
    ``locksmith sql`` wraps around a lone revision with autocommit blocks is dropped.
(c) both outputs are split into statements (pglast's scanner) and each statement
    normalised with pg_query parse + deparse (pglast); a statement pg_query cannot
    parse is compared whitespace-collapsed. Alembic's ``%%`` for ``%`` is a known
    difference: outputs that are equal once ``%%`` is read as ``%`` are equivalent.
(d) each revision gets one class, first match wins:
      alembic failed      real Alembic raised (import or upgrade()) and no stand-in
                          was touched
      needs stand-ins     the render touched a stand-in consequentially (see below)
      unrenderable        locksmith reported unrenderable-operation for upgrade()
      approximate         locksmith rendered some statements approximately (its lint
                          JSON has ``approximate-rendering`` findings; ``locksmith sql``
                          puts ``-- locksmith: approximate`` above each such statement) and
                          every other statement equals Alembic's, position by position
                          (otherwise: silently different)
      equivalent          same statements
      silently different  different statements, and locksmith said nothing
      locksmith error     locksmith exited with an error / printed nothing parsable
    A stand-in touch is consequential when a stand-in is called, formatted,
    converted (str/bool/iter/len/int/compare/...) or subclassed, or when alembic or
    sqlalchemy code reads any attribute of it; a stand-in's text is
    ``__standin_<name>__``, and output containing it also counts. Calls on
    stand-ins whose dotted name has a ``logger``/``log``/``logging``/``tester``
    part are treated as inert (logging; quay's test-data ``tester``) and only
    listed. Bare attribute reads by the revision's own code are not touches.

Prints a per-project table (``--json``: the same as JSON) to stdout; writes per
revision details to OUT (default ``/tmp/corpus-out``): ``OUT/summary.json``,
``OUT/<project>/revisions.json`` (class, reasons, unrenderable messages,
stand-ins touched, Alembic error) and for each non-equivalent revision
``OUT/<project>/<class>/<file>.{alembic.sql,locksmith.sql,diff}``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import difflib
import io
import json
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
URL = "postgresql://localhost/example"
FILE_TIMEOUT = 10  # seconds per revision file, Alembic side

CLASSES = [
    "equivalent",
    "approximate",
    "unrenderable",
    "silently different",
    "alembic failed",
    "needs stand-ins",
    "locksmith error",
]

# --------------------------------------------------------------------------
# Alembic side (runs in a child process: `corpus.py --alembic-worker DIR`)
# --------------------------------------------------------------------------

BENIGN = re.compile(r"(^|\.)(logger|log|logging|tester|LOGGER|LOG)(\.|\(|$)")


class _Touches:
    def __init__(self):
        self.consequential: list[str] = []
        self.benign: list[str] = []

    def reset(self):
        self.consequential, self.benign = [], []


TOUCHES = _Touches()
_LIB_DIRS: tuple[str, ...] = ()


def _from_library(depth: int = 2) -> bool:
    try:
        f = sys._getframe(depth)
    except ValueError:
        return False
    return f.f_code.co_filename.startswith(_LIB_DIRS)


def _touch(name: str, kind: str) -> None:
    entry = f"{kind} {name}"
    if BENIGN.search(name):
        lst = TOUCHES.benign
    else:
        lst = TOUCHES.consequential
    if entry not in lst and len(lst) < 50:
        lst.append(entry)


def _sentinel(name: str) -> str:
    return "__standin_" + re.sub(r"\W+", "_", name).strip("_") + "__"


class StandIn:
    """Inert stand-in for anything imported from outside stdlib/alembic/sqlalchemy."""

    __slots__ = ("_standin_name",)

    def __init__(self, name: str):
        object.__setattr__(self, "_standin_name", name)

    def __getattr__(self, attr):
        name = object.__getattribute__(self, "_standin_name")
        if attr.startswith("__") and attr.endswith("__"):
            if _from_library():
                _touch(f"{name}.{attr}", "probed by alembic/sqlalchemy:")
            raise AttributeError(attr)
        if _from_library():
            _touch(f"{name}.{attr}", "read by alembic/sqlalchemy:")
        return StandIn(f"{name}.{attr}")

    def __setattr__(self, attr, value):
        _touch(f"{self._standin_name}.{attr}", "set")

    def __call__(self, *args, **kwargs):
        _touch(self._standin_name, "call")
        return StandIn(self._standin_name + "()")

    def __str__(self):
        _touch(self._standin_name, "str")
        return _sentinel(self._standin_name)

    __repr__ = __str__

    def __format__(self, spec):
        _touch(self._standin_name, "format")
        return _sentinel(self._standin_name)

    def __bool__(self):
        _touch(self._standin_name, "bool")
        return True

    def __iter__(self):
        _touch(self._standin_name, "iter")
        return iter(())

    def __len__(self):
        _touch(self._standin_name, "len")
        return 0

    def __getitem__(self, key):
        _touch(self._standin_name, "getitem")
        return StandIn(f"{self._standin_name}[]")

    def __contains__(self, item):
        _touch(self._standin_name, "contains")
        return False

    def __eq__(self, other):
        _touch(self._standin_name, "compare")
        return self is other

    def __ne__(self, other):
        _touch(self._standin_name, "compare")
        return self is not other

    def __hash__(self):
        return id(self)

    def __int__(self):
        _touch(self._standin_name, "int")
        return 0

    __index__ = __int__

    def __float__(self):
        _touch(self._standin_name, "float")
        return 0.0

    def __enter__(self):
        _touch(self._standin_name, "with")
        return self

    def __exit__(self, *exc):
        return False

    def __mro_entries__(self, bases):
        _touch(self._standin_name, "subclass")
        return (object,)

    def _op(self, *args):
        _touch(self._standin_name, "operator")
        return StandIn(self._standin_name + "(op)")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _op
    __truediv__ = __floordiv__ = __mod__ = __rmod__ = __or__ = __ror__ = _op
    __and__ = __rand__ = __lt__ = __le__ = __gt__ = __ge__ = __neg__ = _op
    __invert__ = __pow__ = __lshift__ = __rshift__ = _op


def _install_import_hook():
    import importlib.abc
    import importlib.machinery
    import types

    allowed = set(sys.stdlib_module_names) | {
        "alembic", "sqlalchemy", "typing_extensions", "mako", "markupsafe", "greenlet",
        "pglast",
    }

    class StandInModule(types.ModuleType):
        def __getattr__(self, attr):
            if attr.startswith("__") and attr.endswith("__"):
                raise AttributeError(attr)
            return StandIn(f"{self.__name__}.{attr}")

    class Loader(importlib.abc.Loader):
        def create_module(self, spec):
            m = StandInModule(spec.name)
            m.__path__ = []  # a package: submodules are stand-ins too
            m.__standin__ = True
            return m

        def exec_module(self, module):
            pass

    loader = Loader()

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path, target=None):
            top = fullname.partition(".")[0]
            if top in allowed:
                return None
            # Imports made by alembic/sqlalchemy themselves (optional drivers) go
            # the normal way; only the revision files' imports get stand-ins.
            f = sys._getframe(1)
            while f is not None and f.f_code.co_filename.startswith("<frozen"):
                f = f.f_back
            if f is not None and f.f_code.co_filename.startswith(_LIB_DIRS):
                return None
            return importlib.machinery.ModuleSpec(fullname, loader, is_package=True)

    sys.meta_path.insert(0, Finder())


def _alembic_worker(project_dir: str) -> int:
    global _LIB_DIRS
    import importlib.util
    import inspect
    import signal
    import traceback

    import alembic
    import sqlalchemy
    import sqlalchemy.dialects.mysql  # noqa: F401  (preloaded: no stand-ins inside)
    import sqlalchemy.dialects.postgresql  # noqa: F401
    import sqlalchemy.dialects.sqlite  # noqa: F401
    import sqlalchemy.ext.compiler  # noqa: F401
    import sqlalchemy.ext.declarative  # noqa: F401
    import sqlalchemy.orm  # noqa: F401
    from alembic import op as alembic_op
    from alembic.config import Config
    from alembic.operations import Operations
    from alembic.runtime.environment import EnvironmentContext

    _LIB_DIRS = tuple(
        os.path.dirname(m.__file__) + os.sep for m in (alembic, sqlalchemy)
    )
    _install_import_hook()

    class Timeout(Exception):
        pass

    def on_alarm(signum, frame):
        raise Timeout(f"no result after {FILE_TIMEOUT} s")

    signal.signal(signal.SIGALRM, on_alarm)
    real_stdout = sys.stdout
    results = {}
    for n, path in enumerate(revision_files(project_dir)):
        rel = os.path.relpath(path, project_dir)
        res = {"upgrade": "", "error": None, "standins": [], "benign_standins": []}
        results[rel] = res
        TOUCHES.reset()
        sys.stdout = sys.stderr
        signal.alarm(FILE_TIMEOUT)
        try:
            name = f"locksmith_corpus_{n}_" + re.sub(r"\W", "_", rel)
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException as exc:
                res["error"] = f"import: {type(exc).__name__}: {exc}".strip()
                raise
            fn = getattr(module, "upgrade", None)
            if not callable(fn):
                res["error"] = "upgrade(): not defined"
                continue
            args = []
            for p in inspect.signature(fn).parameters.values():
                if p.default is not inspect.Parameter.empty or p.kind in (
                    p.VAR_POSITIONAL, p.VAR_KEYWORD, p.KEYWORD_ONLY
                ):
                    continue
                args.append(alembic_op if p.name == "op" else StandIn(f"<param {p.name}>"))
            buf = io.StringIO()
            env = EnvironmentContext(Config(), None, as_sql=True)
            with env:
                env.configure(
                    url=URL,
                    target_metadata=None,
                    literal_binds=True,
                    dialect_opts={"paramstyle": "named"},
                    output_buffer=buf,
                )
                ops = Operations(env.get_context())
                ops._install_proxy()
                try:
                    fn(*args)
                except BaseException as exc:
                    res["error"] = f"upgrade(): {type(exc).__name__}: {exc}".strip()[:2000]
                    if os.environ.get("LOCKSMITH_CORPUS_TRACEBACK"):
                        traceback.print_exc(file=sys.stderr)
                    if not isinstance(exc, Exception):
                        raise
                finally:
                    ops._remove_proxy()
            res["upgrade"] = buf.getvalue()
        except Timeout as exc:
            res["error"] = res["error"] or f"Timeout: {exc}"
        except BaseException as exc:  # SystemExit from a module, too
            res["error"] = res["error"] or f"{type(exc).__name__}: {exc}"
        finally:
            signal.alarm(0)
            sys.stdout = real_stdout
            res["standins"] = list(TOUCHES.consequential)
            res["benign_standins"] = list(TOUCHES.benign)
    json.dump(
        {"alembic": alembic.__version__, "sqlalchemy": sqlalchemy.__version__,
         "revisions": results},
        sys.stdout,
        ensure_ascii=False,
    )
    return 0


def revision_files(project_dir: str) -> list[str]:
    out = []
    for root, dirs, files in os.walk(project_dir):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for f in sorted(files):
            if not f.endswith(".py") or f == "__init__.py":
                continue
            path = os.path.join(root, f)
            with open(path, encoding="utf-8", errors="replace") as fh:
                if re.search(r"^\s*def upgrade\s*\(", fh.read(), re.M):
                    out.append(path)
    return out


# --------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------

try:
    import pglast
    from pglast import parser as _pgparser
    from pglast.stream import RawStream

    NORMALISER = f"pglast {pglast.__version__} (libpg_query parse + deparse)"
except ImportError:  # pragma: no cover - documented fallback
    pglast = None
    NORMALISER = "whitespace/case fallback (pglast not installed)"


def split_statements(text: str) -> list[str]:
    if pglast is not None:
        try:
            parts = _pgparser.split(text, with_parser=False)
            return [p.strip() for p in parts if p.strip()]
        except Exception:
            pass
    return [p.strip() for p in re.split(r";\s*\n", text) if p.strip().strip(";").strip()]


def normalise(stmt: str) -> str:
    if pglast is not None:
        try:
            return RawStream()(pglast.parse_sql(stmt))
        except Exception:
            pass
    return "~ " + " ".join(stmt.split()).lower()


def normalised(text: str) -> list[str]:
    return [n for n in (normalise(s) for s in split_statements(text)) if n]


def locksmith_statements(text: str) -> list[str]:
    """locksmith's statements, less the BEGIN/COMMIT that `locksmith sql` puts around a
    single revision with autocommit blocks (Alembic's transaction scaffolding, which
    reference-style rendering leaves out)."""
    stmts = normalised(text)
    if len(stmts) >= 2 and stmts[0] == normalise("BEGIN") and stmts[-1] == normalise("COMMIT"):
        stmts = stmts[1:-1]
    return stmts


# --------------------------------------------------------------------------
# locksmith side
# --------------------------------------------------------------------------


def run_locksmith(binary: str, path: str) -> dict:
    res = {"sql": "", "sql_rc": None, "sql_stderr": "", "unrenderable": [],
           "approximate": [], "lint_rc": None}
    p = subprocess.run([binary, "sql", path, "--color", "never"], capture_output=True,
                       text=True, timeout=120)
    res["sql_rc"], res["sql_stderr"] = p.returncode, p.stderr.strip()[:2000]
    # drop the `-- <file>` header
    res["sql"] = "\n".join(l for l in p.stdout.splitlines() if l != f"-- {path}")
    p = subprocess.run([binary, "lint", path, "--format", "json", "--color", "never",
                        "--fail-on", "error"], capture_output=True, text=True, timeout=120)
    res["lint_rc"] = p.returncode
    try:
        findings = json.loads(p.stdout).get("findings", [])
    except ValueError:
        findings = []
        res["lint_stderr"] = p.stderr.strip()[:2000]
    for f in findings:
        where = f"{f.get('line')}: {f.get('message')}"
        if f.get("rule") == "unrenderable-operation":
            res["unrenderable"].append(where)
        elif f.get("rule") == "approximate-rendering":
            res["approximate"].append(where)
    return res


APPROXIMATE_MARK = "-- locksmith: approximate"


def marked_statements(text: str) -> list[tuple[str, bool]]:
    """locksmith's statements (as `locksmith_statements`), each with whether `locksmith sql`
    marked it approximate (the comment line above it, which the scanner keeps with it)."""
    out = []
    for piece in split_statements(text):
        lines = piece.splitlines()
        approx = any(l.startswith(APPROXIMATE_MARK) for l in lines)
        sql = "\n".join(l for l in lines if not l.startswith("-- locksmith:"))
        n = normalise(sql)
        if n and n != "~ ":
            out.append((n, approx))
    if len(out) >= 2 and out[0][0] == normalise("BEGIN") and out[-1][0] == normalise("COMMIT"):
        out = out[1:-1]
    return out


def approximate_differences(alembic_sql: str, locksmith_sql: str) -> list[str]:
    """Differences between Alembic's statements and locksmith's, the approximate ones
    compared by position only (their values are placeholders)."""
    theirs = normalised(alembic_sql.replace("%%", "%"))
    mine = marked_statements(locksmith_sql)
    if len(theirs) != len(mine):
        return [f"{len(mine)} statements, alembic {len(theirs)}"]
    return [f"statement {i + 1}: {m} / alembic: {t}"
            for i, ((m, approx), t) in enumerate(zip(mine, theirs))
            if not approx and m != t]


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------


def classify(alem: dict, lock: dict) -> tuple[str, list[str]]:
    reasons = []
    standin_text = "__standin_" in alem["upgrade"]
    if alem["standins"] or standin_text:
        reasons += alem["standins"] + (["stand-in text in output"] if standin_text else [])
        if alem["error"]:
            reasons.append(alem["error"])
        return "needs stand-ins", reasons
    if alem["error"]:
        return "alembic failed", [alem["error"]]
    if lock["unrenderable"]:
        same = normalised(alem["upgrade"]) == locksmith_statements(lock["sql"])
        return "unrenderable", lock["unrenderable"] + (["statements equal anyway"] if same else [])
    if lock["approximate"]:
        differences = approximate_differences(alem["upgrade"], lock["sql"])
        if differences:
            return "silently different", ["approximate, and"] + differences
        return "approximate", lock["approximate"]
    if lock["sql_rc"] not in (0, None) and not lock["sql"].strip():
        return "locksmith error", [lock["sql_stderr"]]
    a, b = normalised(alem["upgrade"]), locksmith_statements(lock["sql"])
    if a == b:
        return "equivalent", ["empty"] if not a else []
    a2 = normalised(alem["upgrade"].replace("%%", "%"))
    if a2 == b:
        return "equivalent", ["equal once Alembic's %% is read as %"]
    if index_runs_sorted(a2) == index_runs_sorted(b):
        # SQLAlchemy emits a create_table's indexes from a set: their order changes from
        # one Python process to the next (hash randomisation), so it is no difference.
        return "equivalent", ["same indexes in another order (Alembic's order is not fixed)"]
    if sorted(a2) == sorted(b):
        return "silently different", ["same statements, different order"]
    return "silently different", []


def index_runs_sorted(statements: list[str]) -> list[str]:
    """Each run of consecutive CREATE INDEX statements sorted (as the fidelity test does)."""
    out, run = [], []
    for s in statements + [None]:
        if s is not None and s.upper().startswith(("CREATE INDEX", "CREATE UNIQUE INDEX")):
            run.append(s)
            continue
        out += sorted(run)
        run = []
        if s is not None:
            out.append(s)
    return out


def measure(project_dir: str, binary: str, out_dir: str, jobs: int) -> dict:
    name = os.path.basename(os.path.normpath(project_dir))
    if os.path.basename(os.path.normpath(project_dir)) == "versions":
        name = os.path.basename(os.path.dirname(os.path.normpath(project_dir)))
    p = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--alembic-worker", project_dir],
        capture_output=True, text=True, timeout=3600,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    if p.returncode != 0:
        raise SystemExit(f"corpus.py: Alembic worker failed on {project_dir}:\n{p.stderr[-3000:]}")
    alembic_res = json.loads(p.stdout)["revisions"]
    files = revision_files(project_dir)
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        lock_res = dict(zip(files, pool.map(lambda f: run_locksmith(binary, f), files)))

    pdir = os.path.join(out_dir, name)
    os.makedirs(pdir, exist_ok=True)
    counts = {c: 0 for c in CLASSES}
    empty_equivalent = 0
    unrenderable_equal = 0
    details = {}
    for path in files:
        rel = os.path.relpath(path, project_dir)
        alem, lock = alembic_res[rel], lock_res[path]
        cls, reasons = classify(alem, lock)
        counts[cls] += 1
        if cls == "equivalent" and reasons == ["empty"]:
            empty_equivalent += 1
        if cls == "unrenderable" and reasons[-1] == "statements equal anyway":
            unrenderable_equal += 1
        details[rel] = {
            "class": cls,
            "reasons": reasons,
            "alembic_error": alem["error"],
            "standins": alem["standins"],
            "benign_standins": alem["benign_standins"],
            "unrenderable": lock["unrenderable"],
            "locksmith_sql_rc": lock["sql_rc"],
        }
        if cls != "equivalent":
            cdir = os.path.join(pdir, cls.replace(" ", "-"))
            os.makedirs(cdir, exist_ok=True)
            base = os.path.join(cdir, rel.replace(os.sep, "__"))
            with open(base + ".alembic.sql", "w") as f:
                f.write(alem["upgrade"])
            with open(base + ".locksmith.sql", "w") as f:
                f.write(lock["sql"])
            if cls in ("silently different", "unrenderable"):
                a, b = normalised(alem["upgrade"]), locksmith_statements(lock["sql"])
                diff = difflib.unified_diff(
                    [s + "\n" for s in a], [s + "\n" for s in b],
                    "alembic (normalised)", "locksmith (normalised)", n=1)
                with open(base + ".diff", "w") as f:
                    f.write(f"# {path}\n# {cls}: {'; '.join(reasons)}\n")
                    f.writelines(diff)
    with open(os.path.join(pdir, "revisions.json"), "w") as f:
        json.dump(details, f, indent=2, ensure_ascii=False)
    rendered = len(files) - counts["alembic failed"] - counts["needs stand-ins"]
    return {
        "project": name,
        "revisions": len(files),
        "rendered_without_standins": rendered,
        "counts": counts,
        "empty_equivalent": empty_equivalent,
        "unrenderable_but_equal": unrenderable_equal,
        "equivalent_pct": round(100.0 * counts["equivalent"] / rendered, 1) if rendered else None,
    }


def table(rows: list[dict]) -> str:
    head = ["project", "revisions", "alembic failed", "needs stand-ins", "rendered",
            "equivalent", "(empty)", "approximate", "unrenderable", "(equal anyway)",
            "silently different",
            "locksmith error", "% equivalent"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    tot = {"revisions": 0, "rendered_without_standins": 0, "empty_equivalent": 0,
           "unrenderable_but_equal": 0,
           "counts": {c: 0 for c in CLASSES}}
    for r in rows + [None]:
        if r is None:
            r = dict(tot, project="**total**")
            r["equivalent_pct"] = (round(100.0 * r["counts"]["equivalent"]
                                         / r["rendered_without_standins"], 1)
                                   if r["rendered_without_standins"] else None)
        else:
            for k in ("revisions", "rendered_without_standins", "empty_equivalent",
                      "unrenderable_but_equal"):
                tot[k] += r[k]
            for c in CLASSES:
                tot["counts"][c] += r["counts"][c]
        c = r["counts"]
        pct = "–" if r["equivalent_pct"] is None else f"{r['equivalent_pct']:.1f} %"
        lines.append("| " + " | ".join(str(x) for x in [
            r["project"], r["revisions"], c["alembic failed"], c["needs stand-ins"],
            r["rendered_without_standins"], c["equivalent"], r["empty_equivalent"],
            c["approximate"], c["unrenderable"], r["unrenderable_but_equal"],
            c["silently different"],
            c["locksmith error"], pct]) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--alembic-worker"]:
        return _alembic_worker(argv[1])
    ap = argparse.ArgumentParser(
        description="Measure locksmith's static Alembic rendering against the real Alembic "
        "on directories of revision files (one project each).",
        epilog="See the module docstring (and tests/alembic/README.md) for the classes.")
    ap.add_argument("projects", nargs="+", metavar="PROJECT_DIR")
    ap.add_argument("--locksmith", default=os.path.join(REPO, "target/release/locksmith"),
                    help="locksmith binary [target/release/locksmith]")
    ap.add_argument("--out", default="/tmp/corpus-out", help="details directory [/tmp/corpus-out]")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--jobs", type=int, default=2, help="parallel locksmith runs [2]")
    args = ap.parse_args(argv)
    if not os.access(args.locksmith, os.X_OK):
        ap.error(f"no locksmith binary at {args.locksmith} (cargo build --release)")
    binary = os.path.abspath(args.locksmith)
    rows = []
    for d in args.projects:
        if not os.path.isdir(d):
            ap.error(f"not a directory: {d}")
        rows.append(measure(d, binary, args.out, args.jobs))
        print(f"corpus.py: {rows[-1]['project']}: {rows[-1]['revisions']} revisions",
              file=sys.stderr)
    summary = {"normaliser": NORMALISER, "locksmith": binary, "projects": rows}
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    if args.json:
        json.dump(summary, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(table(rows))
        print(f"\nnormalised with {NORMALISER}; % equivalent = equivalent / rendered "
              f"(rendered = by the real Alembic, without stand-ins); details in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
