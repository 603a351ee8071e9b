"""The worst model against the point's best baseline, per point of a ``reproduce`` run.

Usage (from the repository root)::

    python benchmarks/worst_model.py RUNDIR                     # terastal of RUNDIR/runs.csv
    python benchmarks/worst_model.py RUNDIR --rows OTHER.csv --scheduler x-label [--all]

``RUNDIR`` is a ``terastal reproduce`` output directory: its ``runs.csv`` (one row per
scheduler, point, seed and model) and ``summary.json`` (the list of baselines). A run's worst
model is its highest per-model miss rate; a point's, the mean of that over its seeds. The
point's *best baseline* is the baseline with the lowest mean miss rate there (as the headline
of ``docs/results.md`` counts it); "any" is the lowest worst-model rate of every baseline at
the point. ``--rows`` takes the scheduler's rows from another CSV of the same columns (a run
of one scheduler against the baselines of ``RUNDIR``). Prints the points where the worst
model is above the best baseline's (``--all``: every point), then the counts.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path

from terastal.reproduce.summary import best_baseline, run_miss_rates, run_pooled_and_worst

COLUMNS = ("mix", "platform", "utilization", "scheduler", "seed", "model", "miss_rate")


class BadInputError(Exception):
    """A one-line input error."""


def _rows(path: Path) -> list[dict]:
    """The rows of ``path`` as :mod:`terastal.reproduce.summary` takes them (``miss_rate`` a
    number, or None for a model with no released job)."""
    try:
        with open(path, newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
            if missing:
                raise BadInputError(f"{path}: line 1: no column {missing[0]!r}")
            rows = []
            for r in reader:
                rate = None
                if r["miss_rate"] not in ("", "None"):
                    try:
                        rate = float(r["miss_rate"])
                    except ValueError:
                        raise BadInputError(f"{path}: line {reader.line_num}: field "
                            f"'miss_rate': not a number: {r['miss_rate']!r}") from None  # fmt: skip
                rows.append({**{c: r[c] for c in COLUMNS}, "miss_rate": rate,
                             "skew": r.get("skew")})  # fmt: skip
    except OSError as exc:
        raise BadInputError(f"{path}: {exc.strerror}") from None
    return rows


def worst_models(rows: list[dict]) -> dict[tuple, dict[str, float]]:
    """Per point ``(mix, platform, utilization)`` and scheduler: the worst model's miss rate,
    the mean over the seeds of each run's highest per-model rate (runs with a rate only)."""
    runs = run_miss_rates(rows)  # the runs the headline's means count
    acc: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for key, (_pooled, worst) in run_pooled_and_worst(rows).items():
        if key in runs:
            s, mix, plat, u, _seed = key
            acc[(mix, plat, u)][s].append(worst)
    return {p: {s: sum(v) / len(v) for s, v in by.items()} for p, by in acc.items()}


def compare(rundir: Path, rows: Path | None, sched: str) -> list[tuple]:
    """Per point where ``sched`` ran: ``(point, its worst model, best baseline, that
    baseline's worst model, the lowest worst model of any baseline)``. The best baseline is
    the headline's (:func:`terastal.reproduce.summary.best_baseline`)."""
    try:
        base = json.loads((rundir / "summary.json").read_text())["baselines"]
    except OSError as exc:
        raise BadInputError(f"{rundir / 'summary.json'}: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError):
        where = rundir / "summary.json"
        raise BadInputError(f"{where}: field 'baselines': missing or not JSON") from None
    run_rows = _rows(rundir / "runs.csv")
    worst = worst_models(run_rows)
    worst_t = worst_models(_rows(rows)) if rows is not None else worst
    best = {(p["mix"], p["platform"], p["utilization"]): p["best"]
            for p in best_baseline(run_rows, base)}  # fmt: skip
    out = []
    for pt in sorted(worst_t):
        if sched not in worst_t[pt] or pt not in worst:
            continue
        if pt not in best:
            raise BadInputError(f"{rundir / 'runs.csv'}: point {pt}: no baseline rows")
        b = best[pt]
        lowest = min(w for s, w in worst[pt].items() if s in base)
        out.append((pt, worst_t[pt][sched], b, worst[pt][b], lowest))
    if not out:
        where = rundir / "runs.csv"
        raise BadInputError(f"--scheduler: no rows of {sched!r} at a point of {where}")
    return out


def report(rows: list[tuple], every: bool = False) -> str:
    """The table of points above the best baseline's worst model (``every``: all) and the
    two counts."""
    lines = ["| point | worst model | best baseline | its worst model | lowest of any |",
             "|---|---:|---|---:|---:|"]  # fmt: skip
    for (mix, plat, u), w, b, bw, aw in rows:
        if every or w > bw + 1e-12:
            lines.append(f"| {mix} {plat} U {u} | {100 * w:.2f} % | {b} | {100 * bw:.2f} % | "
                         f"{100 * aw:.2f} % |")  # fmt: skip
    n = len(rows)
    best = sum(w <= bw + 1e-12 for _, w, _, bw, _ in rows)
    anyb = sum(w <= aw + 1e-12 for _, w, _, _, aw in rows)
    lines.append(f"worst model <= best baseline's: {best} of {n}; "
                 f"<= every baseline's: {anyb} of {n}")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("rundir", type=Path, help="a terastal reproduce output directory")
    ap.add_argument("--rows", type=Path, help="the scheduler's rows from this CSV instead")
    ap.add_argument("--scheduler", default="terastal", help="the scheduler compared")
    ap.add_argument("--all", action="store_true", help="every point, not only those above")
    args = ap.parse_args(argv)
    try:
        print(report(compare(args.rundir, args.rows, args.scheduler), args.all))
    except BadInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
