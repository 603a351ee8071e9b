"""Cost of Terastal's calibration runs per suite point: ``terastal`` against ``terastal-auto``.

Usage (from the repository root)::

    python benchmarks/calibration_cost.py --reps 5

Two points at Dual_4K/WS_OS, U 1.0 (the bundled suite's first mix and the report set's second),
each run with both labels in turn, ``--reps`` rounds; the calibration's cached choice is
forgotten before each run, so every ``terastal-auto`` run pays its calibration (round 0 also
builds the tables and plans). Prints wall and CPU seconds per point and the load average.
"""

from __future__ import annotations

import argparse
import os
import time

from terastal.experiment import MEMORY
from terastal.reproduce import load_suite
from terastal.reproduce.random_mixes import random_suite
from terastal.reproduce.runner import run_point


def forget_calibrations() -> None:
    """Drop the cached calibration choices (the tables and plans stay)."""
    for key in [k for k in MEMORY._data if k.startswith("calibration:")]:
        del MEMORY._data[key]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    reps = ap.parse_args().reps
    full = load_suite()
    report = random_suite(full, 8, 2)
    points = [(full, full.mixes[0]), (report, report.mixes[1])]
    for r in range(reps):
        for suite, mix in points:
            for label in ("terastal", "terastal-auto"):
                forget_calibrations()
                t, c = time.perf_counter(), time.process_time()
                run_point(mix, "Dual_4K/WS_OS", 1.0, suite.seeds, suite.duration_ms / 1e3, [label])
                wall, cpu = time.perf_counter() - t, time.process_time() - c
                load = os.getloadavg()[0]
                print(f"round {r} {mix.name} {label}: wall {wall:.2f} s, cpu {cpu:.2f} s, "
                      f"load {load:.1f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
