#!/usr/bin/env python3
"""Run locksmith on each corpus repository the way a user first does: `locksmith lint .`
at the repository's root, and check that it lints every revision of manifest.toml.

Usage:
    python3 tests/alembic/corpus/projects.py --repos DIR --locksmith BIN [--out /tmp/corpus-roots] [--runs N]

DIR holds the repositories as extract.py finds them. Each repository's files that locksmith
may read (.py, .ini, .toml, .cfg, .mako, .sql) at the manifest's commit are written to
OUT/<owner>__<name>/, then `locksmith lint --format json .` runs there. A repository passes
when the files linted are its revision files (those of its manifest entries) plus, unless
the root is itself a project (then linted alone), its .sql files outside hidden
directories, and nothing was unreadable. It also shows how many Alembic operations were
rendered and how many were not. With `--runs N`, each `lint .` (human output, to
/dev/null) is also timed N times: median wall and CPU (the kernel's rusage). Files written
out before for the same commit are reused. Prints one Markdown row a repository; exit
status 1 when one did not pass (or was skipped), 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import tomllib

from extract import HERE, find_repo, git

READ = (".py", ".ini", ".toml", ".cfg", ".mako", ".sql")


def checkout(repo_dir: str, commit: str, dest: str) -> list[str]:
    """Writes the files locksmith may read to `dest`; returns their paths."""
    listed = git(repo_dir, "ls-tree", "-r", "--name-only", "-z", commit).split("\0")
    paths = [p for p in listed if p.endswith(READ)]
    for path in paths:
        target = os.path.join(dest, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as out:
            out.write(git(repo_dir, "show", f"{commit}:{path}", binary=True))
    return paths


def is_project_root(paths: list[str], dest: str) -> bool:
    """The root is itself an Alembic project: `lint .` then lints that project alone."""
    if "alembic.ini" in paths:
        return True
    if "pyproject.toml" in paths:
        with open(os.path.join(dest, "pyproject.toml"), "rb") as f:
            return "alembic" in tomllib.load(f).get("tool", {})
    return False


def timed(binary: str, cwd: str, runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `locksmith lint .` in `cwd`."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([binary, "lint", "."], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls) * 1e3, statistics.median(cpus) * 1e3


def expected_files(paths: list[str], versions: list[str], project_root: bool) -> int:
    def hidden(path: str) -> bool:
        return any(part.startswith(".") for part in path.split("/")[:-1])

    def revision(path: str) -> bool:
        name = os.path.basename(path)
        return (
            path.endswith(".py")
            and name != "__init__.py"
            and not name.startswith(".")
            and any(os.path.dirname(path) == v.rstrip("/") for v in versions)
        )

    sql = 0 if project_root else sum(1 for p in paths if p.endswith(".sql") and not hidden(p))
    return sql + sum(1 for p in paths if revision(p))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repos", required=True, help="directory holding the repositories")
    ap.add_argument("--locksmith", required=True, help="the locksmith binary")
    ap.add_argument("--out", default="/tmp/corpus-roots")
    ap.add_argument("--manifest", default=os.path.join(HERE, "manifest.toml"))
    ap.add_argument("--runs", type=int, default=0, help="time each run this many times")
    args = ap.parse_args()
    binary = os.path.abspath(args.locksmith)

    with open(args.manifest, "rb") as f:
        projects = tomllib.load(f)["project"]
    repos: dict[tuple[str, str], list[str]] = {}
    for p in projects:
        repos.setdefault((p["repo"], p["commit"]), []).append(p["versions"])

    failed = 0
    timing = " wall ms | CPU ms |" if args.runs else ""
    print(
        "| repository | files expected | files linted | exit | warnings | errors | passed "
        f"| operations rendered | not rendered |{timing}"
    )
    print("|---|---|---|---|---|---|---|---|---|" + ("---|---|" if args.runs else ""))
    for (repo, commit), versions in repos.items():
        repo_dir = find_repo(args.repos, repo)
        if repo_dir is None:
            print(f"skipped {repo}: no repository under {args.repos}", file=sys.stderr)
            failed += 1
            continue
        dest = os.path.join(args.out, repo.replace("/", "__"))
        marker = os.path.join(dest, ".corpus-commit")
        written = open(marker).read().split("\n") if os.path.isfile(marker) else []
        if written[:1] == [commit]:
            paths = written[1:]
        else:
            shutil.rmtree(dest, ignore_errors=True)
            paths = checkout(repo_dir, commit, dest)
            with open(marker, "w") as f:
                f.write("\n".join([commit, *paths]))
        expected = expected_files(paths, versions, is_project_root(paths, dest))
        run = subprocess.run(
            [binary, "lint", "--format", "json", "."],
            cwd=dest,
            capture_output=True,
            text=True,
        )
        report = json.loads(run.stdout) if run.stdout.strip() else {}
        summary = report.get("summary", {})
        linted = summary.get("files", 0)
        rendered = summary.get("rendered") or {}
        warnings = sum(1 for line in run.stderr.splitlines() if line.startswith("warning:"))
        errors = len(report.get("errors", []))
        passed = linted == expected and errors == 0 and run.returncode in (0, 1)
        failed += not passed
        row = (
            f"| {repo} | {expected} | {linted} | {run.returncode} | {warnings} | {errors} "
            f"| {'yes' if passed else 'NO'} "
            f"| {rendered.get('exact', 0) + rendered.get('approximate', 0)} "
            f"| {rendered.get('not_rendered', 0)} |"
        )
        if args.runs:
            wall, cpu = timed(binary, dest, args.runs)
            row += f" {wall:.0f} | {cpu:.0f} |"
        print(row)
        for line in run.stderr.splitlines():
            print(f"    {repo}: {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
