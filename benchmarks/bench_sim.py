"""Simulator and scheduler throughput: layer dispatches per second and decision time.

Usage (from the repository root)::

    python benchmarks/bench_sim.py    # every scheduler, VR_gaming on Dual_4K/WS_OS, 10 s
    python benchmarks/bench_sim.py --schedulers edf,dream --duration-s 2 --repeat 1

Prints a table and writes ``benchmarks/results/bench_sim.json``. Each (case, scheduler) runs
``--repeat`` times and the fastest run is reported, since other load on the machine only
ever slows a run down; dispatches per CPU-second (process time) are reported as well, as they
are less sensitive to other processes. The dispatch log is recorded as in
``terastal simulate``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as _platform
import sys
import time
from pathlib import Path

from terastal.experiment import Case, prepare
from terastal.metrics import compute_metrics
from terastal.schedulers import available_schedulers, make_scheduler
from terastal.sim import simulate

DEFAULT_CASES = "VR_gaming@Dual_4K/WS_OS"


def bench_case(scenario: str, platform: str, schedulers: list[str], duration_s: float, repeat: int):
    """Benchmark every scheduler on one scenario/platform; return one row per scheduler."""
    t0 = time.perf_counter()
    case = prepare(Case(scenario, platform))
    sc, pf, tables = case.scenario, case.platform, case.tables()
    cost_s = time.perf_counter() - t0
    rows = []
    for name in schedulers:
        best, best_cpu = None, float("inf")
        for _ in range(repeat):
            cpu0 = time.process_time()
            result = simulate(sc, pf, tables, make_scheduler(name), duration_s=duration_s, seed=0)
            best_cpu = min(best_cpu, time.process_time() - cpu0)
            if best is None or result.wall_s < best.wall_s:
                best = result
        m = compute_metrics(best)
        rows.append(
            {
                "scenario": scenario,
                "platform": platform,
                "scheduler": name,
                "simulated_s": duration_s,
                "jobs": len(best.jobs),
                "dispatches": best.dispatches,
                "decisions": len(best.decision_ns),
                "wall_s": best.wall_s,
                "dispatches_per_s": best.dispatches / best.wall_s,
                "cpu_s": best_cpu,
                "dispatches_per_cpu_s": best.dispatches / best_cpu,
                "decision_us_p50": m["sim"]["decision_us_p50"],
                "decision_us_p99": m["sim"]["decision_us_p99"],
                "mean_miss_rate": m["mean_miss_rate"],
                "cost_tables_s": cost_s,
            }
        )
    return rows


def machine() -> dict:
    """What the numbers were measured on."""
    import numpy

    return {
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "machine": _platform.machine(),
        "processor": _platform.processor() or _platform.machine(),
        "cpus": os.cpu_count(),
        "load_avg_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def print_table(rows: list[dict]) -> None:
    """Print the results as an aligned plain-text table."""
    head = ("case", "scheduler", "dispatches", "wall s", "disp/s", "disp/cpu-s", "p50 µs", "p99 µs")
    lines = [head]
    for r in rows:
        lines.append(
            (
                f"{r['scenario']} @ {r['platform']}",
                r["scheduler"],
                f"{r['dispatches']:,}",
                f"{r['wall_s']:.2f}",
                f"{r['dispatches_per_s']:,.0f}",
                f"{r['dispatches_per_cpu_s']:,.0f}",
                f"{r['decision_us_p50']:.1f}",
                f"{r['decision_us_p99']:.1f}",
            )
        )
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    for k, line in enumerate(lines):
        cells = [
            str(c).ljust(w) if i < 2 else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells))
        if k == 0:
            print("  ".join("-" * w for w in widths))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schedulers", default=",".join(available_schedulers()))
    ap.add_argument("--cases", default=DEFAULT_CASES, help="SCENARIO@PLATFORM, comma-separated")
    ap.add_argument("--duration-s", type=float, default=10.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "bench_sim.json"))
    args = ap.parse_args(argv)
    schedulers = [s for s in args.schedulers.split(",") if s]
    load0 = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rows = []
    for case in args.cases.split(","):
        scenario, _, platform = case.partition("@")
        rows.extend(bench_case(scenario, platform, schedulers, args.duration_s, args.repeat))
    info = machine()
    print_table(rows)
    load1 = info["load_avg_1min"] or float("nan")
    print(f"load average (1 min): {load0:.2f} at start, {load1:.2f} at end")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    info["load_avg_1min_start"] = load0
    out.write_text(json.dumps({"machine": info, "results": rows}, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
