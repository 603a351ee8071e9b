"""The xrbench compatibility profile: XRBench's 270-run matrix in one process.

Usage (from the repository root)::

    python benchmarks/bench_xrbench.py              # 5 rounds
    python benchmarks/bench_xrbench.py --repeat 3

Runs every point of ``src/terastal/data/grids/xrbench_matrix.yaml`` and
``xrbench_probability.yaml`` (270 runs) with :func:`terastal.xrbench.run_xrbench`, and prints
the wall and CPU time of each round, their medians and the load average. The first round
includes parsing the bundled inputs (cached afterwards). ``terastal sweep`` adds Dask start-up
and one Parquet file per run on top (``docs/results.md``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from importlib import resources

from terastal.sweep import parse_grid
from terastal.xrbench import run_xrbench

GRIDS = ("xrbench_matrix.yaml", "xrbench_probability.yaml")


def points() -> list[dict]:
    """The 270 points of the two bundled grids."""
    root = resources.files("terastal").joinpath("data", "grids")
    out = []
    for name in GRIDS:
        out += parse_grid(root.joinpath(name).read_text(), name).points()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    pts = points()
    walls, cpus = [], []
    for i in range(args.repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        for p in pts:
            run_xrbench(p["scenario"], p["platform"], seed=p["seed"],
                        horizon_ms=p["duration_ms"])  # fmt: skip
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
        print(f"round {i + 1}: {len(pts)} runs, {walls[-1]:.2f} s wall, {cpus[-1]:.2f} s CPU")
    print(
        f"median {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
