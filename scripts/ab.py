#!/usr/bin/env python3
"""Old against new, in turns: each command is run once per round, one after the other, so
a machine whose speed drifts (a shared VM) slows them alike. Prints the median and mean
wall time (around the process), the median CPU time (user + system) and the median peak
RSS, both from the process's own rusage (`wait4`).

    scripts/ab.py ROUNDS 'old/locksmith lint DIR' 'target/release/locksmith lint DIR'

The commands run in a shell (their output discarded); start each with `exec` so that the
peak RSS is the command's, not the shell's. Two warm-up rounds are not counted.
"""
import os
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
            start = time.perf_counter()
            process = subprocess.Popen(
                command, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            _, _, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - start
            if round_ >= 2:
                cpu = usage.ru_utime + usage.ru_stime
                # ru_maxrss is in KiB on Linux.
                runs[command].append((wall * 1e3, cpu * 1e3, usage.ru_maxrss / 1024))
    for command, measured in runs.items():
        walls = [wall for wall, _, _ in measured]
        cpus = [cpu for _, cpu, _ in measured]
        peaks = [peak for _, _, peak in measured]
        print(
            f"wall median {statistics.median(walls):8.1f} ms, mean {statistics.mean(walls):8.1f}, "
            f"min {min(walls):8.1f} | CPU median {statistics.median(cpus):8.1f} ms "
            f"| peak RSS median {statistics.median(peaks):6.1f} MiB | {command}"
        )


if __name__ == "__main__":
    main()
