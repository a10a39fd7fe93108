#!/usr/bin/env python3
"""Old against new, in turns: each command is run once per round, one after the other, so
a machine whose speed drifts (a shared VM) slows them alike. Prints the median and mean
wall time (around the process) and the median CPU time (user + system, from rusage).

    scripts/ab.py ROUNDS 'old/locksmith lint DIR' 'target/release/locksmith lint DIR'

The commands run in a shell (their output discarded); two warm-up rounds are not counted.
"""
import resource
import statistics
import subprocess
import sys
import time


def main() -> None:
    rounds, commands = int(sys.argv[1]), sys.argv[2:]
    if rounds < 1 or not commands:
        sys.exit(__doc__)
    runs = {command: [] for command in commands}
    for round_ in range(rounds + 2):
        for command in commands:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            if round_ >= 2:
                runs[command].append((wall * 1e3, cpu * 1e3))
    for command, measured in runs.items():
        walls = [wall for wall, _ in measured]
        cpus = [cpu for _, cpu in measured]
        print(
            f"wall median {statistics.median(walls):8.1f} ms, mean {statistics.mean(walls):8.1f}, "
            f"min {min(walls):8.1f} | CPU median {statistics.median(cpus):8.1f} ms | {command}"
        )


if __name__ == "__main__":
    main()
