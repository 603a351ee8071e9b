"""How much room is there? The fluid capacity bound against the best baseline and Terastal.

Usage (from the repository root)::

    python benchmarks/fluid_headroom.py [--full full/runs.csv]
        [--random random/runs.csv] [--out headroom.md] [--points]

For every point of the bundled suite and of its random mixes (``random_suite(suite, 8, 2)``),
built exactly as :func:`terastal.reproduce.runner.run_point` builds it, this solves the fluid
bound (:mod:`terastal.bound.fluid`) four ways: steady state, or the suite's horizon with each
seed's counted frames (``run``, mean over the seeds); each without variants and with the
automatic plan's variants under its accuracy limit (``+var``). ``LB span`` is the share of
tasks whose fastest span exceeds their deadline (missed by any schedule). The bounds are
joined with a suite run's ``runs.csv`` (``terastal reproduce --out DIR``): per point, the mean
over seeds of each configuration's run mean miss rate; the best baseline is the lowest of the
configurations that are not Terastal or its ablations (``dream-tuned`` among them switches to
admissible variants, so the bound with variants is the one valid for every baseline). A point
is *infeasible* for the 30 % target when ``0.7 x best < LB run+var`` (the bound of the runs as
measured); ``max reduction`` is ``1 - mean LB / mean best``, the most any policy could gain
on the mean the target is stated on. Every run of the CSV is also checked against its seed's
bound. Markdown goes to stdout and, with ``--out``, to a file.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

from terastal.bound.fluid import fluid_bound
from terastal.experiment import Case, prepare
from terastal.metrics.accounting import released_counts
from terastal.reproduce.random_mixes import keep_deadline_periods, random_suite
from terastal.reproduce.suite import build_mix, load_suite, resolve_platform
from terastal.workloads import scale_to_utilization

TARGET = 0.7  # a 30 % lower mean miss rate than the best baseline
BOUNDS = ("lb_span", "lb_steady", "lb_steady_var", "lb_run", "lb_run_var")


def _points(suite):
    for mix in suite.mixes:
        for plat in suite.platforms:
            if mix.platforms is None or plat in mix.platforms:
                for u in suite.utilizations:
                    yield mix, plat, u


def point_bounds(suite, mix, plat: str, u: float) -> dict[str, float]:
    """The four fluid bounds of one suite point (built as ``run_point`` builds it)."""
    platform = resolve_platform(plat)
    base = build_mix(mix)
    cost = suite.cost_model or "analytical"
    base_tables = prepare(Case(base, platform, cost)).tables()
    scenario = scale_to_utilization(base, base_tables, u, mix.shares)
    scenario = keep_deadline_periods(scenario, mix)
    prepared = prepare(Case(scenario, platform, cost))
    plan = prepared.plan("auto")
    plain, var = prepared.tables(), prepared.tables(plan)
    steady_var = fluid_bound(scenario, platform, var, plan=plan)
    out = {
        # The share of tasks no schedule can serve in time (span above the deadline).
        "lb_span": len(steady_var.always_missed) / len(steady_var.counted),
        "lb_steady": fluid_bound(scenario, platform, plain).mean_miss_rate_lb,
        "lb_steady_var": steady_var.mean_miss_rate_lb,
    }
    horizon = suite.duration_ms / 1e3
    runs, runs_var = [], []
    for seed in suite.seeds:
        names = [t.name for t in scenario.tasks]
        counts = dict(zip(names, released_counts(scenario, horizon, seed), strict=True))
        kw = {"horizon_s": horizon, "released": counts}
        runs.append(fluid_bound(scenario, platform, plain, **kw).mean_miss_rate_lb)
        runs_var.append(fluid_bound(scenario, platform, var, plan=plan, **kw).mean_miss_rate_lb)
    out["lb_run"] = sum(runs) / len(runs)
    out["lb_run_var"] = sum(runs_var) / len(runs_var)
    out["lb_run_var_by_seed"] = dict(zip(map(str, suite.seeds), runs_var, strict=True))
    return out


def measured(path: Path) -> dict[tuple, dict[str, dict[str, float]]]:
    """Per (mix, platform, utilization), per configuration, per seed: the run's mean MR."""
    out: dict[tuple, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            key = (r["mix"], r["platform"], round(float(r["utilization"]), 6))
            out[key][r["scheduler"]][r["seed"]] = float(r["run_mean_miss_rate"])
    return out


def study(suite, path: Path) -> list[dict]:
    """One row per point of ``suite`` found in ``path``: bounds, best baseline, Terastal."""
    table = measured(path)
    rows = []
    for mix, plat, u in _points(suite):
        runs = table.get((mix.name, plat, round(u, 6)))
        if runs is None:
            continue
        got = {s: _mean(v.values()) for s, v in runs.items()}
        base = {s: v for s, v in got.items() if not s.startswith("terastal")}
        best = min(base, key=lambda s: (base[s], s))
        row = {"mix": mix.name, "platform": plat, "utilization": u}
        row.update(point_bounds(suite, mix, plat, u))
        row.update(best=best, best_mr=base[best], terastal=got.get("terastal"))
        row["infeasible"] = TARGET * row["best_mr"] < row["lb_run_var"] - 1e-9
        # Validity on the data: no run of any configuration below its seed's bound.
        lb = row.pop("lb_run_var_by_seed")
        row["runs"] = sum(len(v) for v in runs.values())
        row["below"] = sum(
            mr < lb[seed] - 1e-9 for v in runs.values() for seed, mr in v.items() if seed in lb
        )
        rows.append(row)
    return rows


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.2f} %"


def _mean(xs) -> float:
    xs = list(xs)
    return sum(xs) / len(xs)


def aggregate(rows: list[dict]) -> str:
    """Markdown: per utilization and overall, mean bounds against 0.7 x the best baseline."""
    head = (
        "| U | points | LB span | LB steady | LB steady+var | LB run | LB run+var | best "
        "| 0.7 x best | Terastal | best - LB | Terastal - LB | infeasible points "
        "| max reduction |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    groups = sorted({r["utilization"] for r in rows})
    lines = []
    for label, sel in [*((f"{u:g}", [r for r in rows if r["utilization"] == u]) for u in groups),
                       ("all", rows)]:  # fmt: skip
        lb = _mean(r["lb_run_var"] for r in sel)
        best = _mean(r["best_mr"] for r in sel)
        ter = _mean(r["terastal"] for r in sel)
        red = 1 - lb / best if best > 0 else None
        cells = [label, str(len(sel))]
        cells += [_pct(_mean(r[b] for r in sel)) for b in BOUNDS]
        cells += [_pct(best), _pct(TARGET * best), _pct(ter), _pct(best - lb), _pct(ter - lb)]
        cells += [
            str(sum(r["infeasible"] for r in sel)),
            "-" if red is None else f"{100 * red:.1f} %",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return head + "\n".join(lines) + "\n"


def per_point(rows: list[dict]) -> str:
    """Markdown: one line per point."""
    out = [
        "| mix | platform | U | LB steady | LB run+var | best | best MR | Terastal | infeasible |",
        "|---|---|---:|---:|---:|---|---:|---:|---|",
    ]
    for r in rows:
        out.append(
            f"| {r['mix']} | {r['platform']} | {r['utilization']:g} | {_pct(r['lb_steady'])} | "
            f"{_pct(r['lb_run_var'])} | {r['best']} | {_pct(r['best_mr'])} | "
            f"{_pct(r['terastal'])} | {'yes' if r['infeasible'] else ''} |"
        )
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", type=Path, default=Path("full/runs.csv"))
    ap.add_argument("--random", type=Path, default=Path("random/runs.csv"))
    ap.add_argument("--out", type=Path, help="also write the markdown here")
    ap.add_argument("--points", action="store_true", help="include the per-point tables")
    args = ap.parse_args(argv)
    for p in (args.full, args.random):
        if not p.is_file():
            print(f"error: {p}: no such runs.csv", file=sys.stderr)
            return 2
    suite = load_suite()
    parts = []
    for title, s, path in (
        ("Bundled suite", suite, args.full),
        ("Random mixes (8, seed 2)", random_suite(suite, 8, 2), args.random),
    ):
        rows = study(s, path)
        below, runs = sum(r["below"] for r in rows), sum(r["runs"] for r in rows)
        parts.append(
            f"### {title} ({path})\n\n{aggregate(rows)}\n"
            f"Runs below their seed's bound (LB run+var): {below} of {runs}.\n"
        )
        if args.points:
            parts.append(per_point(rows))
    text = "\n".join(parts)
    sys.stdout.write(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
