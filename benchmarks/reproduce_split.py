"""Where the CPU of a whole ``terastal reproduce`` goes, in the parent and in every worker.

Runs the command itself (``terastal.cli.main``, 2 workers by default) in this process with
timers put around the stages first: the workers are forked from it and inherit them. Each
worker writes its own figures to a scratch directory after every point; the parent adds its
own (imports, suite loading, result handling, summary, plots, report) and the process
tree's totals from ``getrusage``. Prints one table and writes
``benchmarks/results/reproduce_split_<suite>.json``.

Stages of a worker: start-up (its CPU before its first point: the fork, the pool's set-up),
the point's set-up (mix, platform, utilization scaling, work guard), cost tables, plan,
scheduler set-up, simulation, metrics, the rest of ``run_point`` (rows), and what the
worker spends outside ``run_point`` (receiving points, pickling and sending rows).

Usage (from the repository root)::

    python benchmarks/reproduce_split.py --quick            # reproduce --quick --workers 2
    python benchmarks/reproduce_split.py --quick --no-cache  # plans and tables built, not read
    python benchmarks/reproduce_split.py                    # the full suite (~4 min idle)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from profile_reproduce import StageClock, write_results

RESULTS = Path(__file__).resolve().parent / "results"
T0_CPU = time.process_time()


def _cpu(usage) -> float:
    return usage.ru_utime + usage.ru_stime


def install_workers(clock: StageClock, scratch: Path) -> None:
    """Timers around what ``run_point`` calls; each worker dumps its figures per point."""
    import terastal.experiment.case
    import terastal.experiment.run
    import terastal.metrics
    import terastal.reproduce.runner as runner
    import terastal.schedulers
    import terastal.sim
    import terastal.workloads

    clock.wrap(terastal.experiment.case, "build_cost_tables", "cost tables")
    clock.wrap(terastal.experiment.case.Prepared, "auto_plan", "plan")
    clock.wrap(terastal.workloads, "scale_to_utilization", "point set-up")
    clock.wrap(terastal.workloads, "max_density", "point set-up")
    clock.wrap(terastal.experiment, "check_work", "point set-up")
    clock.wrap(terastal.experiment, "prepare", "point set-up")
    clock.wrap(runner, "build_mix", "point set-up")
    clock.wrap(runner, "resolve_platform", "point set-up")
    clock.wrap(terastal.schedulers, "make_scheduler", "scheduler set-up")
    clock.wrap(terastal.sim, "simulate", "simulate")
    clock.wrap(terastal.metrics, "compute_metrics", "metrics")
    inner = runner.run_point
    state = {"start_cpu": None, "in_point": 0.0, "points": 0}

    def run_point(*args, **kwargs):
        c0 = time.process_time()
        if state["start_cpu"] is None:
            state["start_cpu"] = c0  # a forked child's CPU clock starts at its fork
        rows = inner(*args, **kwargs)
        c1 = time.process_time()
        state["in_point"] += c1 - c0
        state["points"] += 1
        doc = {"pid": os.getpid(), "cpu_s": c1, "stages": dict(clock.cpu), **state}
        (scratch / f"worker-{os.getpid()}.json").write_text(json.dumps(doc))
        return rows

    run_point.__qualname__ = inner.__qualname__  # pickled by name: the worker finds this one
    run_point.__module__ = inner.__module__
    runner.run_point = run_point


SUITE_END: list[float] = []


def install_parent(clock: StageClock) -> None:
    """Timers around the parent's own stages of the command."""
    import terastal.reproduce as rp
    import terastal.reproduce.checkpoint as ck
    import terastal.reproduce.report as report
    import terastal.reproduce.summary as summary

    inner = rp.run_suite

    def run_suite(*args, **kwargs):
        try:
            return inner(*args, **kwargs)
        finally:
            SUITE_END.append(time.perf_counter())

    rp.run_suite = run_suite  # the end of the suite: what follows is the report's

    clock.wrap(rp, "load_suite", "load suite")
    clock.wrap(ck.Checkpoint, "save", "store points")
    clock.wrap(summary, "summarize", "summary")
    clock.wrap(summary, "rows_csv", "runs.csv")
    if hasattr(report, "load_plotting"):  # an older checkout imports while it draws
        clock.wrap(report, "load_plotting", "plots: import (during the tail)")
    clock.wrap(report, "write_plots", "plots: draw")
    clock.wrap(report, "report_md", "report.md")


def main(argv: list[str] | None = None) -> int:
    """Run the command with the timers; print and write the split."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-cache", action="store_true", help="build plans and tables")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    import terastal.cli

    import_cpu = time.process_time() - T0_CPU
    scratch = Path(tempfile.mkdtemp(prefix="terastal-split-"))
    workers_clock, parent_clock = StageClock(), StageClock()
    install_workers(workers_clock, scratch)
    install_parent(parent_clock)
    cmd = ["reproduce", "--out", str(scratch / "out"), "--workers", str(args.workers)]
    cmd += ["--quick"] * args.quick + ["--no-cache"] * args.no_cache
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    try:
        terastal.cli.main(cmd)
    except SystemExit as exc:
        if exc.code:
            raise
    t1 = time.perf_counter()
    wall = t1 - t0
    parent_cpu = _cpu(resource.getrusage(resource.RUSAGE_SELF))
    children_cpu = _cpu(resource.getrusage(resource.RUSAGE_CHILDREN))
    workers = [json.loads(p.read_text()) for p in sorted(scratch.glob("worker-*.json"))]
    res = {
        "suite": "quick" if args.quick else "full",
        "workers": args.workers,
        "cache": not args.no_cache,
        "wall_s": wall,
        "after_suite_wall_s": t1 - SUITE_END[0],
        "load_avg": [load0, os.getloadavg()[0]],
        "parent_cpu_s": parent_cpu,
        "children_cpu_s": children_cpu,
        "interpreter_and_imports_cpu_s": T0_CPU + import_cpu,
        "parent_stages_cpu_s": dict(parent_clock.cpu),
        "worker_stages_cpu_s": _worker_split(workers),
        "workers_detail": workers,
    }
    _print(res)
    write_results(res, args.out, f"reproduce_split_{res['suite']}.json")
    return 0


def _worker_split(workers: list[dict]) -> dict[str, float]:
    split: dict[str, float] = {"start-up": sum(w["start_cpu"] for w in workers)}
    for w in workers:
        for stage, cpu in w["stages"].items():
            split[stage] = split.get(stage, 0.0) + cpu
    in_point = sum(w["in_point"] for w in workers)
    timed = sum(v for k, v in split.items() if k != "start-up")
    split["rest of run_point (rows)"] = in_point - timed
    split["outside run_point (transport)"] = sum(
        w["cpu_s"] - w["start_cpu"] - w["in_point"] for w in workers
    )
    return split


def _print(res: dict) -> None:
    from bench_report import table

    total = res["parent_cpu_s"] + res["children_cpu_s"]
    print(f"{res['suite']} suite, {res['workers']} workers, cache {res['cache']}: "
          f"{res['wall_s']:.1f} s wall, {total:.1f} CPU-s (parent {res['parent_cpu_s']:.2f}, "
          f"children {res['children_cpu_s']:.1f}), load {res['load_avg'][0]:.2f} -> "
          f"{res['load_avg'][1]:.2f}; {res['after_suite_wall_s']:.2f} s wall after the suite "
          "(summary, plots, report)")  # fmt: skip
    parent = res["parent_stages_cpu_s"]
    rows = [("parent", "interpreter and imports", res["interpreter_and_imports_cpu_s"])]
    rows += [("parent", k, v) for k, v in parent.items()]
    rest = res["parent_cpu_s"] - sum(v for _, _, v in rows)
    rows.append(("parent", "rest (command set-up, waiting on the pool, output files)", rest))
    rows += [("workers", k, v) for k, v in res["worker_stages_cpu_s"].items()]
    table("CPU by stage", ("process", "stage", "CPU s", "share"),
          [(p, s, f"{v:.2f}", f"{100 * v / total:.1f} %") for p, s, v in rows])  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
