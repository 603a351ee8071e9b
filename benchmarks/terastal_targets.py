"""Terastal against the strongest baseline per point, with the targets of its mechanisms.

Usage (from the repository root)::

    python benchmarks/terastal_targets.py --quick --workers 2
    python benchmarks/terastal_targets.py --labels terastal,terastal-static --workers 2

Every label runs under the same late policy (``--late``, default ``drop``: a late job is
dropped at its deadline for every scheduler, the strongest configuration of the baselines).
Per point (mix, platform, utilization, seed) the best baseline is the lowest mean miss rate of
``--baselines``. Printed: mean miss rate per label, reduction vs the best baseline, points
with U <= 1.0 where a label is more than 5 % worse than it, the novariants ratio at U 0.8-1.3,
accuracy loss (all points and points with no miss), and the worst model's miss rate.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from terastal.reproduce.runner import run_suite
from terastal.reproduce.suite import load_suite

_RUN = ("mix", "platform", "utilization", "seed")


def _mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else float("nan")


def analyse(rows, labels, baselines):
    """Per-label target numbers from suite rows."""
    run_mr = defaultdict(list)
    run_loss = defaultdict(list)
    worst = defaultdict(float)
    model_rates = defaultdict(lambda: defaultdict(list))
    for r in rows:
        k = (r["scheduler"], *(r[f] for f in _RUN))
        if r["miss_rate"] is not None:
            run_mr[k].append(r["miss_rate"])
            worst[k] = max(worst[k], r["miss_rate"])
            model_rates[r["scheduler"]][(r["mix"], r["model"])].append(r["miss_rate"])
        if r["has_variants"] and r["accuracy_loss"] is not None:
            run_loss[k].append(r["accuracy_loss"])
    mr = {k: sum(v) / len(v) for k, v in run_mr.items()}
    points = sorted({k[1:] for k in mr}, key=str)
    best = {p: min(mr[(b, *p)] for b in baselines if (b, *p) in mr) for p in points}
    best_worst = {p: min(worst[(b, *p)] for b in baselines if (b, *p) in worst) for p in points}
    out = {"best_baseline_mean_miss_rate": _mean(best.values()), "labels": {}}
    for s in labels:
        ps = [p for p in points if (s, *p) in mr]
        m = _mean(mr[(s, *p)] for p in ps)
        bb = _mean(best[p] for p in ps)
        worse = [
            (p, mr[(s, *p)], best[p])
            for p in ps
            if p[2] <= 1.0 and mr[(s, *p)] > best[p] * 1.05 + 1e-9
        ]
        losses = [_mean(run_loss[(s, *p)]) for p in ps if run_loss[(s, *p)]]
        zero = [_mean(run_loss[(s, *p)]) for p in ps if run_loss[(s, *p)] and mr[(s, *p)] == 0]
        worst_model = _mean(worst[(s, *p)] for p in ps)
        worst_better = sum(worst[(s, *p)] <= best_worst[p] + 1e-9 for p in ps)
        mid = [p for p in ps if 0.8 <= p[2] <= 1.3]
        out["labels"][s] = {
            "mean_miss_rate": m,
            "reduction_vs_best": 1 - m / bb if bb else float("nan"),
            "points": len(ps),
            "worse_than_best_u_le_1": [
                {"point": list(p), "miss_rate": a, "best": b} for p, a, b in worse
            ],
            "mean_miss_rate_u_08_13": _mean(mr[(s, *p)] for p in mid),
            "accuracy_loss_mean": _mean(losses),
            "accuracy_loss_zero_miss_points": _mean(zero),
            "worst_model_miss_rate_mean": worst_model,
            "best_baseline_worst_model_mean": _mean(best_worst[p] for p in ps),
            "points_worst_model_le_best": worst_better,
            "per_point": [
                {"point": list(p), "miss_rate": mr[(s, *p)], "best": best[p]} for p in ps
            ],
        }
    nv, t = out["labels"].get("terastal-novariants"), out["labels"].get("terastal")
    if nv and t and t["mean_miss_rate_u_08_13"]:
        out["novariants_ratio_u_08_13"] = nv["mean_miss_rate_u_08_13"] / t["mean_miss_rate_u_08_13"]
    return out


def main() -> None:
    """Run the suite and print the target numbers."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--suite", default=None)
    ap.add_argument("--labels", default="terastal,terastal-novariants")
    ap.add_argument("--baselines", default="fcfs-ef,edf-ef,dream")
    ap.add_argument("--late", default="drop")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--duration-ms", type=float, default=None)
    ap.add_argument("--rows", default=None, help="cache file of baseline rows (JSON)")
    ap.add_argument("--out", default=None)
    ap.add_argument(
        "--plan-option",
        action="append",
        default=[],
        help="KEY=VALUE of the planner options for every point (experiments)",
    )
    args = ap.parse_args()
    if args.plan_option:
        import dataclasses

        from terastal.experiment import PlannerOptions

        kw = {k: (None if v == "none" else float(v)) for k, v in
              (o.split("=", 1) for o in args.plan_option)}  # fmt: skip
        # Every point's plan comes from the experiment layer with PlannerOptions(): change its
        # defaults (part of the plan's cache key, so no plan made with others is reused).
        names = [f.name for f in dataclasses.fields(PlannerOptions)]
        unknown = sorted(set(kw) - set(names))
        if unknown:
            ap.error(f"--plan-option: unknown {', '.join(unknown)} (known: {', '.join(names)})")
        values = dict(zip(names, PlannerOptions.__init__.__defaults__, strict=True)) | kw
        PlannerOptions.__init__.__defaults__ = tuple(values[n] for n in names)
    suite = load_suite(args.suite, quick=args.quick)
    if args.duration_ms:
        import dataclasses

        suite = dataclasses.replace(suite, duration_ms=args.duration_ms)
    labels = args.labels.split(",")
    baselines = args.baselines.split(",")
    base_rows = None
    if args.rows and Path(args.rows).exists():
        base_rows = json.loads(Path(args.rows).read_text())
    if base_rows is None:  # baselines are planned with the default plan options
        base_rows = run_suite(suite, baselines, workers=args.workers, late=args.late)
        if args.rows:
            Path(args.rows).write_text(json.dumps(base_rows))
    rows = base_rows + run_suite(suite, labels, workers=args.workers, late=args.late)
    res = analyse(rows, labels + baselines, baselines)
    print(f"best baseline mean miss rate {res['best_baseline_mean_miss_rate']:.4f}")
    for s, d in res["labels"].items():
        print(
            f"{s:28s} MR {d['mean_miss_rate']:.4f} red {d['reduction_vs_best']:+.3f} "
            f"worse@U<=1 {len(d['worse_than_best_u_le_1'])} MR0.8-1.3 "
            f"{d['mean_miss_rate_u_08_13']:.4f} loss {d['accuracy_loss_mean']:.4f} "
            f"loss0 {d['accuracy_loss_zero_miss_points']:.4f} "
            f"worst {d['worst_model_miss_rate_mean']:.4f} "
            f"(best {d['best_baseline_worst_model_mean']:.4f}, "
            f"le {d['points_worst_model_le_best']}/{d['points']})"
        )
    if "novariants_ratio_u_08_13" in res:
        print(f"novariants/terastal at U 0.8-1.3: {res['novariants_ratio_u_08_13']:.3f}")
    for s in labels:
        for w in res["labels"][s]["worse_than_best_u_le_1"]:
            print(f"  {s} worse: {w['point']} {w['miss_rate']:.4f} vs {w['best']:.4f}")
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=2) + "\n")


if __name__ == "__main__":
    main()
