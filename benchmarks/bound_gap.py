"""Gap between online schedulers and the offline bound on the small-instance suite.

Usage (from the repository root)::

    python benchmarks/bound_gap.py                    # the suite, 60 s per instance
    python benchmarks/bound_gap.py --time-limit 20 --instances pair-s0,cascade-s1

Every instance is a scenario of ``tests/data/bound`` (two or three tiny networks) on the
two-core WS + OS platform ``tests/data/bound/ws_os.yaml``, for a short horizon and one seed;
``jitter-plan`` adds layer variants planned from made-up accuracies
(``tests/data/bound/accuracy.yaml``; the ``terastal`` scheduler gets the plan too), and the
last two use bundled XRBench inputs (long models), exact and with grouped layers. For each
instance the script runs every online scheduler on the trace of that seed and solves the
offline bound (CP-SAT, 2 workers), then prints a Markdown table of missed jobs (late or
dropped) and writes ``benchmarks/results/bound_gap.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from terastal.bound import solve_bound
from terastal.bound.replay import missed_count
from terastal.experiment import Case, prepare
from terastal.schedulers import available_schedulers, make_scheduler
from terastal.sim import simulate

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "bound"
PLATFORM = str(DATA / "ws_os.yaml")
SCHEDULERS = ("fcfs", "edf", "dream", "lst", "heft", "terastal")

ACCURACY = DATA / "accuracy.yaml"  # made-up variant accuracies of the tiny networks

# (label, scenario, platform, horizon ms, seed, layers per block, plan with variants?)
INSTANCES = [
    (f"{name}-s{seed}", str(DATA / f"{name}.yaml"), PLATFORM, 30.0, seed, 1, False)
    for name in ("pair", "triple", "tight", "cascade", "jitter")
    for seed in (0, 1)
] + [
    ("cascade-60ms", str(DATA / "cascade.yaml"), PLATFORM, 60.0, 2, 1, False),
    ("jitter-plan", str(DATA / "jitter.yaml"), PLATFORM, 30.0, 0, 1, True),
    ("AR_gaming", "AR_gaming", "Dual_4K_LittleBig/WS_OS", 100.0, 0, 1, False),
    ("AR_gaming-200ms-g16", "AR_gaming", "Dual_4K_LittleBig/WS_OS", 200.0, 0, 16, False),
]


def load(scenario, platform, with_plan):
    """Scenario, platform, tables and (if asked) a plan with variants from ``ACCURACY``."""
    if not with_plan:
        case = prepare(Case(scenario, platform))
        return case.scenario, case.platform, case.tables(), None
    from terastal.cost import build_cost_tables, resolve_cost_model
    from terastal.io import load_platform, load_scenario
    from terastal.planner import make_plan

    sc, pf, cm = load_scenario(scenario), load_platform(platform), resolve_cost_model()
    plan = make_plan(sc, pf, cm, accuracy_tables=ACCURACY)
    return sc, pf, build_cost_tables(sc, pf, cm, plan.variant_shapes()), plan


def run_instance(label, scenario, platform, duration_ms, seed, group, with_plan, time_limit,
                 schedulers):  # fmt: skip
    """Online misses per scheduler and the bound for one instance."""
    sc, pf, tables, plan = load(scenario, platform, with_plan)
    duration_s = duration_ms / 1e3
    online = {}
    for name in schedulers:
        opts = {"plan": plan} if name == "terastal" and plan is not None else {}
        sched = make_scheduler(name, **opts)
        result = simulate(sc, pf, tables, sched, duration_s=duration_s, seed=seed)
        online[name] = missed_count(result)
    t0 = time.perf_counter()
    s = solve_bound(
        sc, pf, tables, duration_s, seed, plan=plan, time_limit_s=time_limit,
        group_layers=group,
    ).summary  # fmt: skip
    return {
        "instance": label,
        "scenario": sc.name,
        "platform": pf.name,
        "duration_ms": duration_ms,
        "seed": seed,
        "group_layers": group,
        "plan": with_plan,
        "jobs": s["released"],
        "potential_jobs": s["instance"]["jobs"],
        "layers": s["instance"]["layers"],
        "online": online,
        "missed_best": s["missed_best"],
        "missed_lower_bound": s["missed_lower_bound"],
        "optimal": s["optimal"],
        "lower_bound_source": s["lower_bound_source"],
        "model_status": s["model_status"],
        "accuracy_loss_model": s["accuracy_loss_model"],
        "solve_s": time.perf_counter() - t0,
    }


def markdown(rows: list[dict], schedulers) -> str:
    """The gap table: misses per online scheduler, the bound, and the best online gap."""
    head = ["instance", "jobs", "layers", *schedulers, "bound best", "lower bound", "solve s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        best = "-" if r["missed_best"] is None else str(r["missed_best"])
        if r["group_layers"] > 1:
            best += " (g)"
        lower = str(r["missed_lower_bound"]) + ("" if r["optimal"] else " *")
        cells = [
            r["instance"],
            str(r["jobs"]),
            str(r["layers"]),
            *(str(r["online"].get(n, "-")) for n in schedulers),
            best,
            lower,
            f"{r['solve_s']:.1f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """Run the suite and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance")
    ap.add_argument("--instances", default=None, help="comma-separated labels (default: all)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "bound_gap.json"))
    args = ap.parse_args()
    chosen = INSTANCES
    if args.instances:
        want = set(args.instances.split(","))
        chosen = [i for i in INSTANCES if i[0] in want]
    schedulers = [n for n in SCHEDULERS if n in available_schedulers()]
    rows = []
    for inst in chosen:
        rows.append(run_instance(*inst, args.time_limit, schedulers))
        r = rows[-1]
        print(f"{r['instance']}: online {r['online']} bound {r['missed_best']} "
              f">= {r['missed_lower_bound']} ({r['solve_s']:.1f} s)", flush=True)  # fmt: skip
    print()
    print(markdown(rows, schedulers))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"time_limit_s": args.time_limit, "rows": rows}, indent=2) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
