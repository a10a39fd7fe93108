#!/usr/bin/env python3
"""The side-by-side benchmark's measurements (run through scripts/bench-compare, which
builds the binaries, installs squawk and generates the corpus first).

Every command runs with stdout to /dev/null; wall time is measured around the process,
CPU (user + system) and peak RSS come from the kernel's rusage of that process (wait4).
Each figure is the median of --runs runs after one warm-up run; the commands whose
figures make a ratio run in turn, run by run.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


# Peak RSS is the child's `ru_maxrss`, which Linux keeps across `exec`: a child forked from
# this script starts with the script's own memory mapped, so no figure reads below the
# script's RSS (about 18 MiB), however small the run.
def run_once(cmd, cwd=None):
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(cmd, stdout=null, stderr=subprocess.PIPE, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        stderr = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mib": usage.ru_maxrss / 1024,
        "code": proc.returncode,
        "stderr": stderr,
    }


def measure(name, cmd, runs, ok_codes=(0, 1), cwd=None):
    return interleaved([(name, cmd, ok_codes)], runs, cwd)[0]


def interleaved(commands, runs, cwd=None):
    """Each (name, cmd, ok_codes) once to warm up, then all of them in turn `runs` times:
    on a shared machine whose load drifts, commands whose figures are compared see the
    same load, instead of one taking the quiet minute and the other the busy one."""
    samples = []
    for name, cmd, ok_codes in commands:
        first = run_once(cmd, cwd)
        if first["code"] not in ok_codes:
            sys.exit(f"{name}: exit code {first['code']}: {' '.join(cmd[:3])} ...\n{first['stderr'][-2000:]}")
        samples.append([first])
    for _ in range(runs):
        for (_, cmd, _), taken in zip(commands, samples):
            taken.append(run_once(cmd, cwd))
    measures = []
    for (name, _, _), taken in zip(commands, samples):
        timed = taken[1:] or taken
        measures.append({
            "name": name,
            "wall": statistics.median(s["wall"] for s in timed),
            "cpu": statistics.median(s["cpu"] for s in timed),
            "rss_mib": max(s["rss_mib"] for s in timed),
            "code": taken[0]["code"],
        })
    return measures


def one_file(cmd, runs):
    """Wall time of a whole process run on one file: hyperfine when installed."""
    if shutil.which("hyperfine"):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(
                ["hyperfine", "-N", "-i", "--warmup", "20", "--runs", str(runs),
                 "--export-json", out.name, " ".join(cmd)],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            result = json.load(open(out.name))["results"][0]
            return {"wall": result["median"], "how": f"hyperfine -N, median of {runs}"}
    samples = [run_once(cmd)["wall"] for _ in range(runs)]
    return {"wall": statistics.median(samples), "how": f"median of {runs} runs"}


def head_of(path, size):
    """The text of `path` up to the last statement that ends (`;` at a line's end) within
    its first `size` bytes."""
    with open(path) as f:
        text = f.read(size)
    yield text[:text.rfind(";\n") + 2]


def write_once(path, lines):
    """Writes the text `lines` yields to `path`, unless a previous run did."""
    if os.path.exists(path):
        return path
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".part", "w") as f:
        for line in lines:
            f.write(line)
    os.replace(path + ".part", path)
    return path


def tables_then_do_blocks(n):
    for i in range(n):
        yield f"CREATE TABLE t{i} (id bigint PRIMARY KEY, a text, b int);\n"
    for i in range(n):
        yield f"DO $$ BEGIN ALTER TABLE t{i} ADD COLUMN c int; END $$;\n"


def backfill_in_one_transaction(n):
    yield "BEGIN;\nALTER TABLE users ADD COLUMN x int;\n"
    for i in range(n):
        yield f"UPDATE users SET x = {i} WHERE id = {i};\n"
    yield "COMMIT;\n"


def validations_in_one_transaction(n):
    yield "BEGIN;\n"
    for i in range(n):
        yield (f"ALTER TABLE t{i % 50} ADD CONSTRAINT c{i} CHECK (a > {i}) NOT VALID;\n"
               f"ALTER TABLE t{i % 50} VALIDATE CONSTRAINT c{i};\n")
    yield "COMMIT;\n"


def enum_values_in_one_transaction(n):
    yield "BEGIN;\n"
    for i in range(n // 10):
        yield f"ALTER TYPE mood ADD VALUE 'v{i}';\n"
    for i in range(n):
        yield f"UPDATE t SET m = 'v{i}' WHERE id = {i};\n"
    yield "COMMIT;\n"


def statements_on_one_line(n):
    yield " ".join(f"CREATE INDEX i{i} ON users (a{i});" for i in range(n)) + "\n"


def baseline(size):
    written, i = 0, 0
    while written < size:
        text = (f"CREATE TABLE t{i} (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
                f"    email text NOT NULL,\n    total numeric(12,2) DEFAULT 0,\n"
                f"    created_at timestamptz NOT NULL DEFAULT now()\n);\n"
                f"CREATE INDEX t{i}_email_idx ON t{i} (email);\n")
        written += len(text)
        i += 1
        yield text


def data_dump(size):
    """A pg_dump-like data file: multi-row INSERTs for half, then one COPY block."""
    yield "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text);\n"
    yield "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(12,2));\n"
    written, i = 0, 0
    while written < size // 2:
        rows = ",\n".join(f"({i * 50 + j}, 'user{i * 50 + j}@example.com', 'Name {j}')" for j in range(50))
        text = f"INSERT INTO users (id, email, name) VALUES\n{rows};\n"
        written += len(text)
        i += 1
        yield text
    yield "COPY orders (id, user_id, total) FROM stdin;\n"
    k = 0
    while written < size:
        text = f"{k}\t{k % 100000}\t{k % 9999}.{k % 100:02d}\n"
        written += len(text)
        k += 1
        yield text
    yield "\\.\n"


def grow_with_size(ls, shapes, add):
    """Input shapes that once made the run quadratic in the input or held it many times
    over, each at two sizes, and a realistic big file (a data dump)."""
    out = {}
    for what, generate, n in [
        ("tables then a DO block altering each", tables_then_do_blocks, 2500),
        ("UPDATEs in one transaction after DDL", backfill_in_one_transaction, 5000),
        ("NOT VALID + VALIDATE pairs in one transaction", validations_in_one_transaction, 2500),
        ("ADD VALUEs then UPDATEs in one transaction", enum_values_in_one_transaction, 5000),
        ("statements on one line (minified SQL), a finding each", statements_on_one_line, 2500),
    ]:
        pair = []
        for size in (n, 4 * n):
            name = f"{generate.__name__}-{size}.sql"
            path = write_once(os.path.join(shapes, name), generate(size))
            pair.append(add(measure(f"locksmith lint {name}", [ls, "lint", path], 3)))
        out[what] = pair
    directory = os.path.join(shapes, "baseline-dir")
    base = write_once(os.path.join(directory, "V1__baseline.sql"), baseline(10 << 20))
    write_once(os.path.join(directory, "V2__next.sql"), ["ALTER TABLE t1 ADD COLUMN note text;\n"])
    out["baseline"] = (add(measure("locksmith lint V1__baseline.sql (10 MB)", [ls, "lint", base], 1)),
                       add(measure("locksmith lint DIR (10 MB baseline + 1 file)", [ls, "lint", directory], 1)))
    dump = write_once(os.path.join(shapes, "dump.sql"), data_dump(50 << 20))
    out["dump"] = add(measure("locksmith lint dump.sql (50 MiB)", [ls, "lint", dump], 1))
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--locksmith", required=True)
    p.add_argument("--squawk", required=True)
    p.add_argument("--floor", required=True)
    p.add_argument("--corpus", required=True)
    p.add_argument("--files", type=int, default=3200)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--out", required=True)
    a = p.parse_args()

    sql = os.path.join(a.corpus, "sql")
    every = sorted(os.path.join(sql, f) for f in os.listdir(sql) if f.endswith(".sql"))
    listed = every[: a.files]
    # The same files as one directory (hard links), for the directory-input run.
    subset = os.path.join(a.corpus, f"dir{a.files}")
    if not os.path.isdir(subset) or len(os.listdir(subset)) != len(listed):
        shutil.rmtree(subset, ignore_errors=True)
        os.makedirs(subset)
        for f in listed:
            os.link(f, os.path.join(subset, os.path.basename(f)))
    size = sum(os.path.getsize(f) for f in listed)
    ls, sq = a.locksmith, a.squawk
    rows = []

    def add(m):
        rows.append(m)
        print(f"  {m['name']:<44} wall {m['wall'] * 1e3:8.1f} ms  cpu {m['cpu'] * 1e3:8.1f} ms  "
              f"peak RSS {m['rss_mib']:6.1f} MiB  exit {m['code']}", flush=True)
        return m

    print(f"corpus: {len(listed)} .sql files, {size / 2**20:.1f} MiB; {os.cpu_count()} cores; "
          f"median of {a.runs} runs", flush=True)
    # The figures of a ratio are measured in turn, run by run (see `interleaved`).
    l_list, s_list, floor, own_parse = map(add, interleaved([
        ("locksmith lint FILES (file list)", [ls, "lint", *listed], (0, 1)),
        ("squawk FILES (file list)", [sq, *listed], (0, 1)),
        ("floor: split + pg_query parse FILES", [a.floor, *listed], (0,)),
        ("split + locksmith's parse (no protobuf) FILES", [a.floor, "--direct", *listed], (0,)),
    ], a.runs))
    l_dir, s_dir = map(add, interleaved([
        ("locksmith lint DIR", [ls, "lint", subset], (0, 1)),
        ("squawk 'DIR/*.sql'", [sq, os.path.join(subset, "*.sql")], (0, 1)),
    ], a.runs))
    l_json = add(measure("locksmith lint --format json FILES", [ls, "lint", "--format", "json", *listed], a.runs))

    scale = []
    for n in (1000, 5000, 10000):
        files = every[:n]
        if len(files) < n:
            continue
        scale.append(add(measure(f"locksmith lint {n} files (file list)", [ls, "lint", *files], max(1, a.runs // 2))))

    single = one_file([ls, "lint", listed[0]], 200)
    print(f"  one file, whole process: {single['wall'] * 1e3:.2f} ms ({single['how']})", flush=True)

    alembic = add(measure("locksmith lint ALEMBIC (2,000 revisions)", [ls, "lint", os.path.join(a.corpus, "alembic")], a.runs))
    # One revision of that project (pre-commit on an Alembic project): the others are read
    # for the revision graph.
    versions = os.path.join(a.corpus, "alembic", "migrations", "versions")
    last_revision = os.path.join(versions, sorted(os.listdir(versions))[-1])
    revision = one_file([ls, "lint", last_revision], 30)
    print(f"  one Alembic revision, whole process: {revision['wall'] * 1e3:.1f} ms ({revision['how']})", flush=True)

    huge = os.path.join(a.corpus, "huge", "huge.sql")
    big, heads = None, []
    if os.path.exists(huge):
        big = add(measure(f"locksmith lint huge.sql ({os.path.getsize(huge) / 2**20:.0f} MiB)", [ls, "lint", huge], 0))
        # How memory grows with the file: its first 10 and 25 MiB, cut after a statement.
        for mib in (10, 25):
            head = write_once(os.path.join(a.corpus, "huge", f"huge-{mib}.sql"), head_of(huge, mib << 20))
            heads.append(add(measure(f"locksmith lint huge-{mib}.sql ({mib} MiB)", [ls, "lint", head], 0)))

    shapes = grow_with_size(ls, os.path.join(a.corpus, "shapes"), add)
    dump = shapes.pop("dump")

    def ratio(x, y):
        return x / y if y else float("nan")

    lines = [
        f"| measure | figure | target | met |",
        f"| --- | --- | --- | --- |",
    ]

    def row(what, figure, target, met):
        lines.append(f"| {what} | {figure} | {target} | {'yes' if met else '**no**'} |")

    r = ratio(l_list["wall"], s_list["wall"])
    row(f"wall, {len(listed)} files as a file list: locksmith / squawk",
        f"{l_list['wall'] * 1e3:.0f} ms / {s_list['wall'] * 1e3:.0f} ms = {r:.2f}×", "≤ 0.5×", r <= 0.5)
    r = ratio(l_dir["wall"], s_dir["wall"])
    row(f"wall, the same files as a directory: locksmith / squawk",
        f"{l_dir['wall'] * 1e3:.0f} ms / {s_dir['wall'] * 1e3:.0f} ms = {r:.2f}×", "≤ 0.5×", r <= 0.5)
    r = ratio(l_list["cpu"], floor["cpu"])
    row("CPU: locksmith / bare split + pg_query parse",
        f"{l_list['cpu'] * 1e3:.0f} ms / {floor['cpu'] * 1e3:.0f} ms = {r:.2f}×", "≤ 1.5×", r <= 1.5)
    # What locksmith spends beyond its own parse, which skips the floor's protobuf round trip.
    r = ratio(l_list["cpu"], own_parse["cpu"])
    lines.append(f"| CPU: locksmith / split + locksmith's own parse (no protobuf) | "
                 f"{l_list['cpu'] * 1e3:.0f} ms / {own_parse['cpu'] * 1e3:.0f} ms = {r:.2f}× | (none of its own) | |")
    if scale:
        peaks = ", ".join(f"{m['rss_mib']:.0f}" for m in scale)
        counts = "/".join(f"{m['name'].split()[2]}" for m in scale)
        flat = scale[-1]["rss_mib"] <= 1.5 * scale[0]["rss_mib"]
        row(f"peak RSS at {counts} files", f"{peaks} MiB (squawk {s_list['rss_mib']:.0f} MiB at {len(listed)})",
            "≤ 100 MiB, flat", max(m["rss_mib"] for m in scale) <= 100 and flat)
    row("one file, whole process (pre-commit)", f"{single['wall'] * 1e3:.2f} ms", "< 10 ms", single["wall"] < 0.010)
    row("Alembic project, 2,000 revisions", f"{alembic['wall'] * 1e3:.0f} ms", "< 200 ms", alembic["wall"] < 0.200)
    lines.append(f"| one revision of that project, whole process (pre-commit) | {revision['wall'] * 1e3:.1f} ms | (none of its own) | |")
    if big:
        row("one 50 MiB .sql file: wall, peak RSS", f"{big['wall']:.2f} s, {big['rss_mib']:.0f} MiB",
            "< 5 s, < 300 MiB", big["wall"] < 5 and big["rss_mib"] < 300)
    if heads:
        slope = (big["rss_mib"] - heads[0]["rss_mib"]) / (os.path.getsize(huge) / 2**20 - 10)
        lines.append(f"| peak RSS, the 50 MiB file's first 10 / 25 MiB / all of it | "
                     f"{heads[0]['rss_mib']:.0f} / {heads[1]['rss_mib']:.0f} / {big['rss_mib']:.0f} MiB "
                     f"({slope:.1f} bytes a byte past 10 MiB) | (none of its own) | |")
    row("a 50 MiB data dump (INSERTs, then COPY data): wall, peak RSS",
        f"{dump['wall']:.2f} s, {dump['rss_mib']:.0f} MiB", "< 5 s, < 300 MiB",
        dump["wall"] < 5 and dump["rss_mib"] < 300)
    for what, (small, large) in shapes.items():
        if what == "baseline":
            r = ratio(large["rss_mib"], small["rss_mib"])
            row("peak RSS, a 10 MB baseline in a directory / the file alone",
                f"{large['rss_mib']:.0f} / {small['rss_mib']:.0f} MiB = {r:.2f}×",
                "≤ 2× (the replay's own schema)", r <= 2)
            continue
        r = ratio(large["cpu"], small["cpu"])
        row(f"CPU at 4× the input, {what}",
            f"{small['cpu'] * 1e3:.0f} → {large['cpu'] * 1e3:.0f} ms = {r:.1f}×", "≤ 6× (linear: 4×)", r <= 6)
    table = "\n".join(lines)
    print()
    print(table)
    with open(a.out, "w") as f:
        f.write(table + "\n")
        json.dump(rows, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
