"""Decision cost on one point of the reproduce suite, by scheduler label.

An overloaded point without drops builds a backlog that grows for the whole run; this shows
whether a scheduler's cost per call grows with it. Runs the point as ``terastal reproduce``
does (``reproduce.runner.run_point``) and prints, per label, the decide calls, their mean
and median time, the simulation's CPU seconds and its microseconds per dispatch.

Usage (from the repository root)::

    python benchmarks/bench_backlog.py                       # paper6x2 / Quad_4K at U 1.3
    python benchmarks/bench_backlog.py --point 83 --schedulers edf,edf-ef --quick
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time


def main(argv: list[str] | None = None) -> int:
    """Run one point and print the decision cost of every label."""
    import terastal.sim
    from terastal.reproduce.runner import _point_args, run_point
    from terastal.reproduce.suite import load_suite

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--point", type=int, default=84, help="index of the point in the suite")
    ap.add_argument("--quick", action="store_true", help="index into the quick subset")
    ap.add_argument("--schedulers", default="edf,edf-hopeless,fcfs-ef,edf-ef,heft,dream")
    ap.add_argument("--out", default=None, help="also write the rows to this JSON file")
    args = ap.parse_args(argv)
    os.environ.setdefault("TERASTAL_NO_CACHE", "1")
    suite = load_suite(quick=args.quick)
    labels = [s for s in args.schedulers.split(",") if s]
    point = _point_args(suite, labels, "scheduler", suite.cost_model)[args.point]
    runs: list[tuple[float, object]] = []
    simulate = terastal.sim.simulate

    def timed(*a, **kw):
        t0 = time.process_time()
        result = simulate(*a, **kw)
        runs.append((time.process_time() - t0, result))
        return result

    terastal.sim.simulate = timed
    load0 = os.getloadavg()[0]
    run_point(*point)
    load1 = os.getloadavg()[0]
    seeds = point[3]
    rows = []
    for i, label in enumerate(labels):
        mine = runs[i * len(seeds) : (i + 1) * len(seeds)]
        ns = [x for _, r in mine for x in r.decision_ns]
        cpu = sum(c for c, _ in mine)
        disp = sum(r.dispatches for _, r in mine)
        rows.append({
            "scheduler": label, "calls": len(ns), "mean_call_us": statistics.fmean(ns) / 1e3,
            "median_call_us": statistics.median(ns) / 1e3, "cpu_s": cpu, "dispatches": disp,
            "us_per_dispatch": 1e6 * cpu / max(disp, 1),
        })  # fmt: skip
    print(f"{point[0].name} {point[1]} U={point[2]}, seeds {list(seeds)}; load {load0:.2f} -> "
          f"{load1:.2f}")  # fmt: skip
    print(f"{'scheduler':<18}{'calls':>9}{'mean µs':>10}{'p50 µs':>9}{'CPU s':>8}"
          f"{'dispatches':>12}{'µs/disp':>9}")  # fmt: skip
    for r in rows:
        print(f"{r['scheduler']:<18}{r['calls']:>9,}{r['mean_call_us']:>10.1f}"
              f"{r['median_call_us']:>9.1f}{r['cpu_s']:>8.2f}{r['dispatches']:>12,}"
              f"{r['us_per_dispatch']:>9.1f}")  # fmt: skip
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"point": args.point, "load": [load0, load1], "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
