"""Comparison and report of ``benchmarks/xrbench_grid.py``: one case, one cost source.

A row per (case, cost source): :func:`terastal.xrbench.check.check_case`'s verdict under its
targets, whether the CSVs are byte-identical, the largest differences, and the cost source's
per-inference costs against the binary's own.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from terastal.errors import InputError
from terastal.io.resolve import load_platform, load_scenario
from terastal.xrbench.check import Case, check_case, read_schedule
from terastal.xrbench.compat import schedule_csv, summary_csv
from terastal.xrbench.costs import TABLE_SOURCE, cost_matrix

__all__ = ["FIELDS", "compare", "cost_errors", "csv_text", "markdown"]

FIELDS = [
    "case",
    "scenario",
    "platform",
    "seed",
    "cost_model",
    "agree",
    "exact",
    "max_score_diff",
    "overall_diff",
    "rows_ref",
    "rows_ours",
    "sequence_identical",
    "max_time_diff_ms",
    "max_energy_diff_mj",
    "cost_pairs",
    "cost_max_latency_rel",
    "cost_max_energy_rel",
    "first_difference",
]


def cost_errors(
    case: Case, ref: list, cost_model: str, platform: str | None = None
) -> tuple[int, float, float]:
    """The cost source against the binary's own per-inference costs.

    Every (accelerator, model) pair the binary's schedule ran: its latency (completion -
    dispatch) and energy against :func:`cost_matrix`'s; (pairs, max relative latency error,
    max relative energy error). Relative to the binary's value; float32 subtraction leaves
    about 1e-6.
    """
    pf = load_platform(case.platform if platform is None else platform)
    costs = cost_matrix(load_scenario(case.scenario), pf, cost_model)
    seen = {}
    for r in ref:
        seen.setdefault((r.accelerator, r.model), r)
    lat = en = 0.0
    for (acc, model), r in seen.items():
        c = costs[model][acc]
        lat = max(lat, abs(c.latency_ms / (r.completion_ms - r.dispatch_ms) - 1.0))
        en = max(en, abs(c.energy_mj / r.energy_mj - 1.0))
    return len(seen), lat, en


def compare(
    case: Case, files: dict[str, Path], cost_model: str, platform: str | None = None
) -> dict | None:
    """One result row: :func:`check_case`'s verdict plus the largest differences.

    None when ``cost_model`` has no cost for the platform (the bundled table off its
    hardware files).
    """
    try:
        check = check_case(case, files, cost_model, platform)
    except InputError:
        if cost_model != TABLE_SOURCE:
            raise
        return None
    ref = read_schedule(files["schedule"])
    ours = check.run.schedule
    keys = [(r.accelerator, r.model, r.frame) for r in ours]
    same_seq = keys == [(r.accelerator, r.model, r.frame) for r in ref]
    tmax = emax = 0.0
    if same_seq:
        for a, b in zip(ours, ref, strict=True):
            tmax = max(tmax, *(abs(getattr(a, f) - getattr(b, f)) for f in a._fields[3:8]))
            emax = max(emax, abs(a.energy_mj - b.energy_mj))
    per_model = [s for s in check.scores if s.model != "overall"]
    overall = next(s for s in check.scores if s.model == "overall")

    def diff(s) -> float:
        return float("inf") if s.ours is None or s.ref is None else abs(s.ours - s.ref)

    first = ""
    if check.row_diffs:
        d = check.row_diffs[0]
        first = f"row {d.index + 2}: {d.reason}"
    elif not check.ok:
        bad = next(s for s in check.scores if not s.ok)
        first = f"{bad.model} {bad.field}"
    # identical = the same bytes as XRBench prints them (float32 values, 6 decimals)
    exact = schedule_csv(check.run) == files["schedule"].read_text(encoding="utf-8")
    exact = exact and summary_csv(check.run) == files["summary"].read_text(encoding="utf-8")
    pairs, lat_rel, en_rel = cost_errors(case, ref, cost_model, platform)
    return {
        "case": case.name,
        "scenario": case.scenario,
        "platform": case.platform,
        "seed": "" if case.seed is None else case.seed,
        "cost_model": cost_model,
        "agree": "yes" if check.ok else "no",
        "exact": "yes" if exact else "no",
        "max_score_diff": max((diff(s) for s in per_model), default=0.0),
        "overall_diff": diff(overall),
        "rows_ref": len(ref),
        "rows_ours": len(ours),
        "sequence_identical": "yes" if same_seq else "no",
        "max_time_diff_ms": tmax if same_seq else "",
        "max_energy_diff_mj": emax if same_seq else "",
        "cost_pairs": pairs,
        "cost_max_latency_rel": lat_rel,
        "cost_max_energy_rel": en_rel,
        "first_difference": first,
    }


def _fmt(v) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def _pct(x: float) -> str:
    return f"{100 * x:.2g} %"


def markdown(rows: list[dict], cost_models: tuple[str, ...], n_cases: int) -> str:
    """Counts per cost model, then every disagreeing case."""
    lines = [
        f"# XRBench-MAESTRO vs the xrbench profile: {n_cases} cases",
        "",
        "| cost model | cases | agree (check.py targets) | byte-identical files | "
        "schedule sequence identical | max per-model score diff | max overall diff | "
        "max time diff ms (identical sequences) | max cost error latency / energy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for cm in cost_models:
        mine = [r for r in rows if r["cost_model"] == cm]
        times = [r["max_time_diff_ms"] for r in mine if r["max_time_diff_ms"] != ""]
        lines.append(
            f"| `{cm}` | {len(mine)} | {sum(r['agree'] == 'yes' for r in mine)} | "
            f"{sum(r['exact'] == 'yes' for r in mine)} | "
            f"{sum(r['sequence_identical'] == 'yes' for r in mine)} | "
            f"{_fmt(max((r['max_score_diff'] for r in mine), default=0.0))} | "
            f"{_fmt(max((r['overall_diff'] for r in mine), default=0.0))} | "
            f"{_fmt(max(times)) if times else '-'} | "
            f"{_pct(max((r['cost_max_latency_rel'] for r in mine), default=0.0))} / "
            f"{_pct(max((r['cost_max_energy_rel'] for r in mine), default=0.0))} |"
        )
    bad = [r for r in rows if r["agree"] != "yes"]
    if bad:
        lines += [
            "",
            "| case | cost model | max score diff | overall diff | sequence | first difference |",
            "|---|---|---:|---:|---|---|",
        ]
        for r in bad:
            lines.append(
                f"| {r['case']} | `{r['cost_model']}` | {_fmt(r['max_score_diff'])} | "
                f"{_fmt(r['overall_diff'])} | {r['sequence_identical']} | "
                f"{r['first_difference']} |"
            )
    return "\n".join(lines) + "\n"


def csv_text(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: _fmt(v) for k, v in r.items()})
    return buf.getvalue()
