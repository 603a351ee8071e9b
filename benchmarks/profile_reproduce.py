"""Where the CPU of ``terastal reproduce`` goes, stage by stage and scheduler by scheduler.

Runs the points of a suite in this process (``reproduce.runner.run_point``, unchanged) with
timers around the stages it calls: cost tables, the plan, the load figures, every simulation
(attributed to its scheduler label) and the metrics. Prints the CPU seconds per stage, per
scheduler label (with dispatches and microseconds per dispatch) and the costliest runs, and
writes ``benchmarks/results/profile_reproduce.json``.

Usage (from the repository root)::

    python benchmarks/profile_reproduce.py --quick          # the --quick suite, ~1 minute
    python benchmarks/profile_reproduce.py --points 0:70:5  # every 5th point of the full suite
"""

from __future__ import annotations

import argparse
import collections
import functools
import json
import os
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


class StageClock:
    """CPU seconds per stage, from wrappers put around module attributes."""

    def __init__(self) -> None:
        self.cpu: collections.Counter = collections.Counter()
        self.calls: collections.Counter = collections.Counter()
        self.depth = 0  # only the outermost timed call counts (stages call each other)
        self.sims: list[dict] = []

    def wrap(self, module, name: str, stage: str) -> None:
        fn = getattr(module, name)

        @functools.wraps(fn)
        def timed(*args, **kwargs):
            if self.depth:
                return fn(*args, **kwargs)
            self.depth += 1
            t0 = time.process_time()
            try:
                out = fn(*args, **kwargs)
            finally:
                self.depth -= 1
            dt = time.process_time() - t0
            self.cpu[stage] += dt
            self.calls[stage] += 1
            if stage == "simulate":
                self.sims.append({"cpu_s": dt, "dispatches": out.dispatches})
            return out

        setattr(module, name, timed)


def install(clock: StageClock) -> None:
    """Time the stages ``run_point`` reaches through :mod:`terastal.experiment`.

    Each function is wrapped where the caller looks it up: ``terastal.experiment.case`` binds
    ``build_cost_tables`` at import; the others are imported from their package when called.
    """
    import terastal.experiment.case
    import terastal.metrics
    import terastal.planner
    import terastal.schedulers
    import terastal.sim
    import terastal.workloads

    clock.wrap(terastal.experiment.case, "build_cost_tables", "cost tables")
    clock.wrap(terastal.planner, "make_plan", "plan")
    clock.wrap(terastal.workloads, "scale_to_utilization", "scale to utilization")
    clock.wrap(terastal.workloads, "measure_load", "load figures")
    clock.wrap(terastal.workloads, "max_density", "load figures")
    clock.wrap(terastal.schedulers, "make_scheduler", "scheduler set-up")
    clock.wrap(terastal.sim, "simulate", "simulate")
    clock.wrap(terastal.metrics, "compute_metrics", "metrics")


def makespan(costs: list[float], workers: int) -> float:
    """Finish time of ``costs`` handed in order to the first free of ``workers`` (a pool)."""
    free = [0.0] * workers
    for c in costs:
        i = free.index(min(free))
        free[i] += c
    return max(free)


def main(argv: list[str] | None = None) -> int:
    """Profile the points of a suite; print and write the figures."""
    from terastal.reproduce.runner import DEFAULT_SCHEDULERS, _point_args, point_cost, run_point
    from terastal.reproduce.suite import load_suite

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the suite's quick subset")
    ap.add_argument("--points", default=None, help="START:STOP[:STEP] slice of the points")
    ap.add_argument("--schedulers", default="", help="labels (default: the suite's, as reproduce)")
    ap.add_argument("--out", default=None)
    ap.add_argument(
        "--disk-cache", action="store_true",
        help="read plans and tables from the on-disk cache (default: build them, and time it)",
    )  # fmt: skip
    args = ap.parse_args(argv)
    if not args.disk_cache:
        os.environ["TERASTAL_NO_CACHE"] = "1"
    suite = load_suite(quick=args.quick)
    labels = [s for s in args.schedulers.split(",") if s] or list(
        suite.schedulers or DEFAULT_SCHEDULERS
    )
    points = _point_args(suite, labels, "scheduler", suite.cost_model)
    if args.points:
        points = points[slice(*(int(x) if x else None for x in args.points.split(":")))]
    clock = StageClock()
    install(clock)
    runs, point_cpu_s = [], []
    load0 = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    for k, a in enumerate(points):
        mix, plat, u, seeds = a[0], a[1], a[2], a[3]
        first = len(clock.sims)
        pc0 = time.process_time()
        run_point(*a)
        point_cpu = time.process_time() - pc0
        point_cpu_s.append(point_cpu)
        for i, sim in enumerate(clock.sims[first:]):
            label = labels[i // len(seeds)]
            runs.append({"mix": mix.name, "platform": plat, "utilization": u,
                         "scheduler": label, "seed": seeds[i % len(seeds)], **sim})  # fmt: skip
        print(f"[{k + 1}/{len(points)}] {mix.name} {plat} u={u}: {point_cpu:.2f} CPU-s",
              file=sys.stderr, flush=True)  # fmt: skip
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    estimate = [point_cost(*a[:3]) for a in points]
    by_label: dict = {}
    for r in runs:
        agg = by_label.setdefault(r["scheduler"], {"runs": 0, "cpu_s": 0.0, "dispatches": 0})
        agg["runs"] += 1
        agg["cpu_s"] += r["cpu_s"]
        agg["dispatches"] += r["dispatches"]
    res = {
        "suite": "quick" if args.quick else "full",
        "points": len(points),
        "runs": len(runs),
        "wall_s": wall,
        "cpu_s": cpu,
        "load_avg_start": load0,
        "load_avg_end": os.getloadavg()[0],
        "stages_cpu_s": dict(clock.cpu),
        "stage_calls": dict(clock.calls),
        "schedulers": by_label,
        "costliest_runs": sorted(runs, key=lambda r: -r["cpu_s"])[:10],
        "point_cpu_s": point_cpu_s,
        "makespan_2_workers_s": {
            "suite order": makespan(point_cpu_s, 2),
            "costliest first": makespan(sorted(point_cpu_s, reverse=True), 2),
            "estimated costliest first (point_cost)": makespan(
                [point_cpu_s[i] for i in sorted(range(len(points)), key=lambda i: -estimate[i])],
                2,
            ),
            "lower bound": max(sum(point_cpu_s) / 2, max(point_cpu_s, default=0.0)),
        },
    }
    _print(res)
    write_results(res, args.out, f"profile_reproduce_{res['suite']}.json")
    return 0


def write_results(res: dict, out: str | None, default_name: str) -> None:
    """Write ``res`` as JSON to ``out``, or to ``benchmarks/results/<default_name>``."""
    path = Path(out) if out else RESULTS / default_name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(res, indent=1) + "\n")
    print(f"\nwrote {path}")


def _print(res: dict) -> None:
    from bench_report import table

    print(f"{res['suite']} suite: {res['points']} points, {res['runs']} runs, "
          f"{res['cpu_s']:.1f} CPU-s in {res['wall_s']:.1f} s wall (one process), load "
          f"{res['load_avg_start']:.2f} -> {res['load_avg_end']:.2f}")  # fmt: skip
    print(
        "points on 2 workers (from their CPU in this process): "
        + ", ".join(f"{k} {v:.1f} s" for k, v in res["makespan_2_workers_s"].items())
    )
    other = res["cpu_s"] - sum(res["stages_cpu_s"].values())
    stages = [*sorted(res["stages_cpu_s"].items(), key=lambda kv: -kv[1]), ("other", other)]
    table("CPU by stage", ("stage", "calls", "CPU s", "share"),
          [(s, res["stage_calls"].get(s, "-"), f"{c:.2f}", f"{100 * c / res['cpu_s']:.1f} %")
           for s, c in stages])  # fmt: skip
    labels = sorted(res["schedulers"].items(), key=lambda kv: -kv[1]["cpu_s"])
    table("simulation CPU by scheduler", ("scheduler", "runs", "CPU s", "dispatches", "µs/disp"),
          [(s, a["runs"], f"{a['cpu_s']:.2f}", f"{a['dispatches']:,}",
            f"{1e6 * a['cpu_s'] / max(a['dispatches'], 1):.1f}") for s, a in labels])  # fmt: skip
    table("costliest runs", ("mix", "platform", "u", "scheduler", "CPU s", "dispatches"),
          [(r["mix"], r["platform"], r["utilization"], r["scheduler"], f"{r['cpu_s']:.2f}",
            f"{r['dispatches']:,}") for r in res["costliest_runs"]])  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
