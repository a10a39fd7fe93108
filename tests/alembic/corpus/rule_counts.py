#!/usr/bin/env python3
"""Count one rule's findings per corpus project (e.g. unknown-object, off by default).

Usage:
    python3 tests/alembic/corpus/rule_counts.py --out /tmp/corpus [--rule unknown-object]
        [--locksmith target/release/locksmith] [--details]

OUT is what extract.py wrote (OUT/<project>/versions). Each project's versions directory
is linted with the rule enabled at warning (a temporary lint.yaml, passed by --config);
prints `project count` lines and the total, and with --details each finding.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--rule", default="unknown-object")
    ap.add_argument("--locksmith", default=os.path.join(REPO, "target/release/locksmith"))
    ap.add_argument("--details", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "lint.yaml")
        with open(config, "w") as f:
            f.write(f"rules:\n  {args.rule}: warning\n")
        total = 0
        for name in sorted(os.listdir(args.out)):
            project = os.path.join(args.out, name)
            if not os.path.isdir(os.path.join(project, "versions")):
                continue
            run = subprocess.run(
                [args.locksmith, "lint", "--config", config, "--format", "json", "versions"],
                cwd=project, capture_output=True, text=True,
            )
            if run.returncode not in (0, 1):
                print(f"{name}: locksmith exited {run.returncode}: {run.stderr}", file=sys.stderr)
                return 2
            found = [f for f in json.loads(run.stdout)["findings"] if f["rule"] == args.rule]
            total += len(found)
            print(f"{name} {len(found)}")
            if args.details:
                for f in found:
                    print(f"  {os.path.basename(f['file'])}:{f['line']} {f['message']}")
        print(f"total {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
