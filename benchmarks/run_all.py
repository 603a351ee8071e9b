"""The benchmark suite: simulator and schedulers, cost model, planner, and how each grows.

Usage (from the repository root)::

    python benchmarks/run_all.py            # everything, about 3-4 minutes on 2 cores
    python benchmarks/run_all.py --quick    # shorter runs, under a minute
    python benchmarks/run_all.py --only sim,cost --sim-duration-s 2

Prints one table per section and writes ``benchmarks/results/run_all.json``
(``run_all_quick.json`` with ``--quick``). Sections:

``sim``
    fcfs, edf, dream and terastal on VR_gaming / Dual_4K/WS_OS and on a paper-model mix
    (resnet50, vgg11, inceptionv3, swin_tiny, mb2_ssd_lite, sp2dense at utilization 0.6,
    equal shares) on Quad_4K/WS_OS_WS_OS, 10 s simulated, seed 0, dispatch log recorded as
    ``terastal simulate`` does. Every run is a fresh Python process, so its peak memory
    (growth of the resident set during the run) is its own; the fastest of up to three
    rounds is reported. terastal gets the plan of :meth:`terastal.experiment.Prepared.auto_plan`;
    every scheduler runs on those tables.
``cost``
    The analytical cost model on every layer of every bundled scenario x the 4 accelerators
    of Quad_4K/WS_OS_WS_OS: cold (fresh model) and cached (second pass).
``planner``
    ``make_plan`` for the six paper models on Dual_4K/WS_OS and Quad_4K/WS_OS_WS_OS, cold
    (fresh cost model) and warm.
``accelerators``, ``tasks``, ``duration``
    Growth with 1..8 accelerators (hand-built platforms alternating WS and OS cores with
    XRBench's 4K-class parameters), with 3..12 tasks (the six paper models cycled), and with
    1..60 s simulated (a linear fit of CPU time against simulated time).
``ready``
    Decision time against the number of ready jobs, on an overloaded paper mix under the
    ``keep`` policy (nothing is dropped, so the backlog grows for every scheduler).
``whole``, ``reproduce``, ``suite``
    Whole processes (``bench_whole.py``): ``terastal simulate`` side by side with XRBench's
    own engine (when ``XRBENCH_MAESTRO`` names it), ``terastal reproduce --quick``, and with
    ``--full-suite`` the whole bundled suite (minutes); wall, CPU and peak memory.

Wall-clock rates depend on what else runs on the machine; every section records the load
average, and CPU time (``time.process_time``) is reported alongside as the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

# bench_cases first: it sets one BLAS thread before numpy is imported (here and in the
# ``--child`` runs, which re-invoke this script).
from bench_cases import _T0, QUAD, RESULTS, SIM_CASES, SIM_SCHEDULERS, load_avg, machine_info
from bench_report import check_targets, print_report
from bench_sections import (
    bench_cost,
    bench_duration,
    bench_grid,
    bench_planner,
    bench_ready,
    bench_sim,
    child_sim,
)
from bench_whole import bench_reproduce, bench_whole, print_whole

SECTIONS = (
    "sim", "cost", "planner", "accelerators", "tasks", "duration", "ready", "whole", "reproduce",
)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the suite (or one child run with ``--child``)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter runs (about a minute)")
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    ap.add_argument("--schedulers", default=",".join(SIM_SCHEDULERS))
    ap.add_argument("--cases", default=",".join(SIM_CASES), help="SCENARIO@PLATFORM, ...")
    ap.add_argument("--sim-duration-s", type=float, default=None, help="default 10 (quick 2)")
    ap.add_argument("--repeat", type=int, default=None, help="runs per point; best is kept")
    ap.add_argument("--no-record", action="store_true", help="sim section without the dispatch log")
    ap.add_argument("--timeout-s", type=float, default=600.0, help="per (case, scheduler)")
    ap.add_argument("--full-suite", action="store_true",
                    help="also time the full bundled reproduce suite (minutes)")  # fmt: skip
    ap.add_argument(
        "--whole-rounds",
        type=int,
        default=None,
        help="alternating rounds of the whole-process runs (default 5, quick 3)",
    )
    ap.add_argument("--out", default=None)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child_sim(*json.loads(args.child))))
        return 0
    quick = args.quick
    only = [s for s in args.only.split(",") if s]
    bad = sorted(set(only) - set(SECTIONS))
    if bad:
        ap.error(f"unknown section(s) {', '.join(bad)}; choose from {', '.join(SECTIONS)}")
    schedulers = [s for s in args.schedulers.split(",") if s]
    repeat = args.repeat or (1 if quick else 3)
    res: dict = {"machine": machine_info(), "quick": quick, "argv": sys.argv[1:]}
    if "sim" in only:
        duration = args.sim_duration_s or (2.0 if quick else 10.0)
        cases = [c for c in args.cases.split(",") if c]
        res["sim"] = bench_sim(
            cases, schedulers, duration, repeat, args.timeout_s, not args.no_record
        )
    if "cost" in only:
        res["cost"] = bench_cost(3)
    if "planner" in only:
        res["planner"] = bench_planner(2 if quick else 3)
    grow = [s for s in ("edf", "terastal") if s in schedulers]
    if "accelerators" in only:
        ns = (1, 2, 4, 8) if quick else (1, 2, 3, 4, 5, 6, 7, 8)
        specs = [(n, f"paper6@hand{n}") for n in ns]
        res["accelerators"] = bench_grid("accelerators", specs, grow, 0.5 if quick else 1.0, "accs")
    if "tasks" in only:
        ns = (3, 6, 12) if quick else (3, 6, 9, 12)
        specs = [(n, f"paper{n}@{QUAD}") for n in ns]
        res["tasks"] = bench_grid("tasks", specs, grow, 0.5 if quick else 1.0, "tasks")
    if "duration" in only:
        vr = (1, 2, 5, 10) if quick else (1, 5, 15, 30, 60)
        mix = (0.5, 1, 2, 4) if quick else (1, 2, 5, 10, 20)
        res["duration"] = [bench_duration("VR_gaming@Dual_4K/WS_OS", grow, vr)]
        if "edf" in schedulers:  # overloaded under the preferred mapping: a growing backlog
            res["duration"].append(bench_duration(f"paper6@{QUAD}", ["edf"], mix))
    if "ready" in only:
        res["ready"] = bench_ready(f"paper6:1.3@{QUAD}", schedulers, 0.15 if quick else 0.3)
    rounds = args.whole_rounds or (3 if quick else 5)
    if "whole" in only:
        res["whole"] = bench_whole(rounds)
    if "reproduce" in only:
        res["reproduce"] = bench_reproduce(1 if quick else 3, quick=True)
    if args.full_suite:
        res["suite"] = bench_reproduce(1, quick=False)
    res["targets"] = check_targets(res)
    res["load_avg_end"] = load_avg()
    res["total_wall_s"] = time.perf_counter() - _T0
    print_report(res)
    print_whole(res)
    out = (
        Path(args.out)
        if args.out
        else RESULTS / ("run_all_quick.json" if quick else "run_all.json")
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + "\n")
    print(f"\nwrote {out} ({res['total_wall_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
