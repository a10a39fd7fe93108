#!/usr/bin/env python3
"""Extract the corpus's Alembic revision files per manifest.toml.

Usage:
    python3 tests/alembic/corpus/extract.py --repos DIR [--out /tmp/corpus] [--only NAME...]

DIR holds one git repository per project, found (first match wins) as
    DIR/<owner>+<name>/repo      a bare snapshot, as the `fetch` tool lays it out
    DIR/<owner>+<name>           a bare or non-bare repository
    DIR/<owner>__<name>          a clone
    DIR/<name>                   a clone (`git clone https://github.com/<owner>/<name>`)
The commit named in the manifest must be present in it (`git fetch origin <commit>`
if the clone is newer or shallow). For each [[project]] the files under its
`versions` path at that commit are written to OUT/<project name>/versions/
(sub-directories kept), with `git archive`, so no checkout is needed.

Exit status: 0 when every project was extracted, 1 when some were skipped
(missing repository or commit; listed on stderr), 2 on usage errors.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))


def find_repo(root: str, repo: str) -> str | None:
    owner, name = repo.split("/", 1)
    for cand in (
        os.path.join(root, f"{owner}+{name}", "repo"),
        os.path.join(root, f"{owner}+{name}"),
        os.path.join(root, f"{owner}__{name}"),
        os.path.join(root, name),
    ):
        if os.path.isdir(cand):
            return cand
    return None


def git(repo_dir: str, *args: str, binary: bool = False):
    # `git -C` works for both bare and non-bare repositories.
    return subprocess.run(
        ["git", "-C", repo_dir, *args],
        check=True,
        capture_output=True,
        text=not binary,
    ).stdout


def extract(repo_dir: str, commit: str, path: str, dest: str) -> int:
    data = git(repo_dir, "archive", "--format=tar", commit, "--", path, binary=True)
    prefix = path.rstrip("/") + "/"
    count = 0
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith(prefix):
                continue
            rel = member.name[len(prefix):]
            target = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with tar.extractfile(member) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
            count += rel.endswith(".py")
    return count


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repos", required=True, help="directory holding the repositories")
    ap.add_argument("--out", default="/tmp/corpus", help="output directory [/tmp/corpus]")
    ap.add_argument("--manifest", default=os.path.join(HERE, "manifest.toml"))
    ap.add_argument("--only", nargs="*", help="project names to extract (default: all)")
    args = ap.parse_args()

    with open(args.manifest, "rb") as f:
        projects = tomllib.load(f)["project"]
    skipped = []
    for p in projects:
        if args.only and p["name"] not in args.only:
            continue
        repo_dir = find_repo(args.repos, p["repo"])
        if repo_dir is None:
            skipped.append(f"{p['name']}: no repository for {p['repo']} under {args.repos}")
            continue
        try:
            git(repo_dir, "cat-file", "-e", p["commit"] + "^{commit}")
        except subprocess.CalledProcessError:
            skipped.append(f"{p['name']}: commit {p['commit']} not in {repo_dir}")
            continue
        dest = os.path.join(args.out, p["name"], "versions")
        if os.path.isdir(dest):
            shutil.rmtree(dest)
        os.makedirs(dest)
        n = extract(repo_dir, p["commit"], p["versions"], dest)
        print(f"{p['name']}: {n} .py files -> {dest}")
    for s in skipped:
        print(f"skipped {s}", file=sys.stderr)
    return 1 if skipped else 0


if __name__ == "__main__":
    sys.exit(main())
