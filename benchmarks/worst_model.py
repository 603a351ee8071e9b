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

COLUMNS = ("mix", "platform", "utilization", "scheduler", "seed", "model", "miss_rate")


class BadInputError(Exception):
    """A one-line input error."""


def points(path: Path) -> tuple[dict, dict]:
    """Per point ``(mix, platform, utilization)`` and scheduler: the mean miss rate and the
    mean worst-model rate over seeds, from the rows of ``path``."""
    try:
        with open(path, newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
            if missing:
                raise BadInputError(f"{path}: line 1: no column {missing[0]!r}")
            runs = defaultdict(list)
            for r in reader:
                if r["miss_rate"] in ("", "None"):
                    continue  # a model with no released job
                try:
                    rate = float(r["miss_rate"])
                except ValueError:
                    raise BadInputError(f"{path}: line {reader.line_num}: field 'miss_rate': "
                              f"not a number: {r['miss_rate']!r}") from None  # fmt: skip
                key = (r["mix"], r["platform"], r["utilization"], r["scheduler"], r["seed"])
                runs[key].append(rate)
    except OSError as exc:
        raise BadInputError(f"{path}: {exc.strerror}") from None
    mean, worst = defaultdict(lambda: defaultdict(list)), defaultdict(lambda: defaultdict(list))
    for (*pt, sched, _seed), rates in runs.items():
        mean[tuple(pt)][sched].append(sum(rates) / len(rates))
        worst[tuple(pt)][sched].append(max(rates))
    avg = lambda d: {p: {s: sum(v) / len(v) for s, v in by.items()} for p, by in d.items()}  # noqa: E731
    return avg(mean), avg(worst)


def compare(rundir: Path, rows: Path | None, sched: str) -> list[tuple]:
    """Per point where ``sched`` ran: ``(point, its worst model, best baseline, that
    baseline's worst model, the lowest worst model of any baseline)``."""
    try:
        base = json.loads((rundir / "summary.json").read_text())["baselines"]
    except OSError as exc:
        raise BadInputError(f"{rundir / 'summary.json'}: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError):
        where = rundir / "summary.json"
        raise BadInputError(f"{where}: field 'baselines': missing or not JSON") from None
    mean, worst = points(rundir / "runs.csv")
    if rows is not None:
        _, worst_t = points(rows)
    else:
        worst_t = worst
    out = []
    for pt in sorted(worst_t):
        if sched not in worst_t[pt] or pt not in mean:
            continue
        have = [b for b in base if b in mean[pt]]
        if not have:
            raise BadInputError(f"{rundir / 'runs.csv'}: point {pt}: no baseline rows")
        best = min(have, key=lambda b: (mean[pt][b], b))
        out.append((pt, worst_t[pt][sched], best, worst[pt][best], min(worst[pt][b] for b in have)))
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
