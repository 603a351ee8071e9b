"""A sweep's static HTML report: one self-contained file, plots embedded as PNG data URIs.

Sections: headline table per scheduler, miss rate per scenario, miss rate per model per
scheduler, miss rate vs load scale and vs skew (when the results vary them), accuracy loss,
energy, the errors, and the schedule timeline of one representative point, re-simulated
from its stored configuration; its Perfetto trace is written next to the report.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from terastal.errors import InputError
from terastal.sweep import plots
from terastal.sweep.grid import CONFIG_COLUMNS
from terastal.sweep.store import ResultStore

_CSS = """
body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;
color:#222;padding:0 1em}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f0f0f0}
figure{margin:.5em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption,.note{color:#555;font-size:.9em}code{background:#f5f5f5;padding:0 .2em}
"""


@dataclass
class Report:
    """What :func:`build_report` wrote.

    Attributes
    ----------
    html : Path
        The report.
    trace : Path or None
        The representative point's Perfetto trace, if it could be re-simulated.
    figures : list of str
        Ids of the embedded figures.
    """

    html: Path
    trace: Path | None = None
    figures: list[str] = field(default_factory=list)


def _e(x) -> str:
    return html.escape(str(x))


def _fmt(x, kind: str = "g") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if kind == "%":
        return f"{100 * x:.2f}%"
    if kind == "f":
        return f"{x:.3f}"
    return str(x)


def _table(header: list[str], rows: list[list[str]], tid: str) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table id="{tid}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _figure(fid: str, uri: str, alt: str, caption: str) -> str:
    return (
        f'<figure id="{fid}"><img class="plot" alt="{_e(alt)}" src="{uri}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _headline(df, ok) -> str:
    rows = []
    for sched in sorted(df["scheduler"].unique()):
        g = ok[ok["scheduler"] == sched]
        jobs = g["sim_jobs"].sum() if len(g) else 0
        rows.append(
            [
                sched,
                str(len(g)),
                str(int((df["scheduler"] == sched).sum() - len(g))),
                _fmt(g["mean_miss_rate"].mean() if len(g) else None, "%"),
                _fmt(g["miss_rate_overall"].mean() if len(g) else None, "%"),
                _fmt(g["xrbench_score"].mean() if len(g) else None, "f"),
                _fmt(g["energy_mj"].sum() / jobs if jobs else None, "f"),
                _fmt(g["accuracy_loss_mean"].mean() if len(g) else None, "%"),
            ]
        )
    header = [
        "scheduler",
        "runs ok",
        "errors",
        "mean miss rate",
        "overall miss rate",
        "XRBench score",
        "energy mJ/job",
        "accuracy loss",
    ]
    return _table(header, rows, "headline")


def _per_scenario(ok, scheds: list[str]) -> str:
    rows = []
    for sc in sorted(ok["scenario"].unique()):
        g = ok[ok["scenario"] == sc]
        rows.append(
            [sc, *(_fmt(g[g["scheduler"] == s]["mean_miss_rate"].mean(), "%") for s in scheds)]
        )
    return _table(["scenario", *scheds], rows, "per-scenario")


def _models(ok) -> tuple[dict[str, dict[str, float]], list[str]]:
    acc: dict[str, dict[str, list[float]]] = {}
    names: dict[str, None] = {}
    for sched, models in zip(ok["scheduler"], ok["models"], strict=True):
        for m in models if models is not None else []:
            rate = m.get("miss_rate")
            names[m["name"]] = None
            if rate is not None and not math.isnan(rate):
                acc.setdefault(sched, {}).setdefault(m["name"], []).append(rate)
    values = {s: {n: sum(v) / len(v) for n, v in d.items()} for s, d in sorted(acc.items())}
    return values, list(names)


def _curves(ok, xcol: str, decimals: int) -> tuple[dict, dict]:
    """Per scheduler, the mean miss rate per ``xcol`` value rounded to ``decimals``, and runs."""
    curves, scatter = {}, {}
    for sched in sorted(ok["scheduler"].unique()):
        g = ok[ok["scheduler"] == sched].dropna(subset=[xcol, "mean_miss_rate"])
        if g.empty:
            continue
        mean = g.groupby(g[xcol].round(decimals))["mean_miss_rate"].mean().sort_index()
        curves[sched] = (list(mean.index), list(mean.values))
        scatter[sched] = (list(g[xcol]), list(g["mean_miss_rate"]))
    return curves, scatter


def _representative(ok):
    """The ok row with the median mean miss rate (ties broken by point id)."""
    order = ok.sort_values(["mean_miss_rate", "point_id"], na_position="last")
    return order.iloc[(len(order) - 1) // 2]


def _timeline(row, out: Path, rep: Report) -> str:
    from terastal.metrics import trace_events, write_atomic
    from terastal.sweep.runner import simulate_point

    config = {k: row[k] for k in ("point_id", *CONFIG_COLUMNS, "compat") if k in row.index}
    for k, v in list(config.items()):
        if isinstance(v, float) and math.isnan(v):
            config[k] = None
    grid = row.get("grid")
    base = Path(grid).parent if isinstance(grid, str) and grid else None
    desc = ", ".join(f"{k}={config[k]}" for k in CONFIG_COLUMNS if config.get(k) is not None)
    try:
        outcome = simulate_point(config, base)
    except Exception as exc:
        msg = f"could not re-simulate point {config['point_id']} ({desc}): {exc}"
        return f'<p class="note">{_e(msg)}</p>'
    if "schedule.csv" in outcome.files:  # a compatibility profile: its engine's schedule
        name = f"{out.stem}.schedule.csv"
        write_atomic(out.parent, {name: outcome.files["schedule.csv"]})
        return (
            f"<p>Point <code>{_e(config['point_id'])}</code> ({_e(desc)}), the run with the "
            f"median mean miss rate, re-simulated under compat: {_e(config['compat'])}. "
            f'Its schedule in the profile\'s format: <a id="schedule-link" href="{_e(name)}">'
            f"{_e(name)}</a>.</p>"
        )
    result = outcome.result
    name = f"{out.stem}.trace.json"
    text = json.dumps(trace_events(result), separators=(",", ":")) + "\n"
    write_atomic(out.parent, {name: text})
    rep.trace = out.parent / name
    periods = [c.task.period_s for c in result.costs]
    window = min(result.end_s, max(3 * max(periods), 1e-3))
    rep.figures.append("fig-timeline")
    return (
        f"<p>Point <code>{_e(config['point_id'])}</code> ({_e(desc)}), the run with the "
        f'median mean miss rate. Full schedule: <a id="trace-link" href="{_e(name)}">'
        f"{_e(name)}</a> (open it in the Perfetto UI or chrome://tracing).</p>"
        + _figure(
            "fig-timeline",
            plots.timeline(result, window),
            "schedule timeline",
            f"First {window * 1e3:.0f} ms: layers per accelerator, coloured by task; "
            "red lines mark deadlines of late or dropped jobs.",
        )
    )


def build_report(
    results: str | os.PathLike[str], out: str | os.PathLike[str], *, trace: bool = True
) -> Report:
    """Write the HTML report of the results in ``results`` to ``out``.

    Parameters
    ----------
    results : str or path
        A sweep's results directory.
    out : str or path
        The HTML file to write (atomically).
    trace : bool
        Re-simulate a representative point and write its Perfetto trace next to ``out``.

    Returns
    -------
    Report
    """
    from terastal.metrics import write_atomic

    out = Path(out)
    if out.is_dir():
        raise InputError(f"--out {str(out)!r} is a directory; give an .html file name")
    df = ResultStore(results).to_pandas()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", file=str(out)) from None
    ok = df[df["status"] == "ok"]
    rep = Report(html=out)
    scheds = sorted(df["scheduler"].unique())
    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        f"<h1>terastal sweep report</h1><p>{len(df)} point(s) from <code>{_e(results)}</code>: "
        f"{len(ok)} ok, {len(df) - len(ok)} error(s); generated {now}.</p>",
        f"<p>{_axes(df)}</p>",
        "<h2>Headline</h2>",
        _headline(df, ok),
    ]
    if ok.empty:
        parts.append('<p class="note">No point ran successfully; nothing to plot.</p>')
    else:
        parts += ["<h2>Mean miss rate per scenario</h2>", _per_scenario(ok, scheds)]
        parts += _plots(ok, rep)
        if trace:
            parts += ["<h2>Representative schedule</h2>", _timeline(_representative(ok), out, rep)]
    errors = df[df["status"] != "ok"]
    if not errors.empty:
        cols = ["point_id", "scenario", "platform", "scheduler", "seed", "error"]
        rows = [[_fmt(r[c]) for c in cols] for _, r in errors.head(50).iterrows()]
        parts += [f"<h2>Errors ({len(errors)})</h2>", _table(cols, rows, "errors")]
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>terastal sweep report</title>"
        f"<style>{_CSS}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n"
    )
    write_atomic(out.parent, {out.name: page})
    return rep


def _axes(df) -> str:
    items = []
    for col, label in (
        ("scenario", "scenarios"),
        ("platform", "platforms"),
        ("scheduler", "schedulers"),
        ("load_scale", "load scales"),
        ("duration_ms", "durations (ms)"),
        ("seed", "seeds"),
    ):
        values = sorted(df[col].dropna().unique(), key=str)
        shown = ", ".join(str(v) for v in values[:8]) + (", ..." if len(values) > 8 else "")
        items.append(f"{len(values)} {label} ({_e(shown)})")
    return "; ".join(items)


def _plots(ok, rep: Report) -> list[str]:
    parts = ["<h2>Miss rate per model</h2>"]
    values, names = _models(ok)
    parts.append(
        _figure(
            "fig-model-miss",
            plots.grouped_bars(values, names, ylabel="miss rate", percent=True),
            "miss rate per model per scheduler",
            "Late or dropped jobs / released jobs, per model, averaged over runs.",
        )
    )
    rep.figures.append("fig-model-miss")
    for col, fid, label, decimals in (
        ("load_scale", "fig-load", "load scale (x fps)", 6),
        ("skew", "fig-skew", "skew (share of demand preferring the busiest class)", 2),
    ):
        parts.append(f"<h2>Miss rate vs {_e(col.replace('_', ' '))}</h2>")
        if col not in ok.columns or ok[col].nunique() < 2:
            why = "is not in the results" if col not in ok.columns else "does not vary"
            parts.append(f'<p class="note" id="{fid}-note">{_e(col)} {why}.</p>')
            continue
        curves, scatter = _curves(ok, col, decimals)
        uri = plots.lines(
            curves, xlabel=label, ylabel="mean miss rate", percent=True, scatter=scatter
        )
        caption = "Dots: runs; lines: means" + (" per 0.01 of skew." if col == "skew" else ".")
        parts.append(_figure(fid, uri, f"miss rate vs {col}", caption))
        rep.figures.append(fid)
    scheds = sorted(ok["scheduler"].unique())
    loss = {
        "accuracy loss": {s: ok[ok["scheduler"] == s]["accuracy_loss_mean"].mean() for s in scheds}
    }
    parts += [
        "<h2>Accuracy loss</h2>",
        _figure(
            "fig-accuracy",
            plots.grouped_bars(
                loss, scheds, ylabel="mean accuracy loss", percent=True, labels=True
            ),
            "accuracy loss per scheduler",
            "Mean normalized accuracy loss of jobs that ran layer variants (0: none did; "
            "missing bars: unknown loss).",
        ),
    ]
    scen = sorted(ok["scenario"].unique())
    energy = {}
    for s in scheds:
        g = ok[ok["scheduler"] == s]
        per = g.groupby("scenario")[["energy_mj", "sim_jobs"]].sum()
        energy[s] = {sc: r.energy_mj / r.sim_jobs for sc, r in per.iterrows() if r.sim_jobs}
    parts += [
        "<h2>Energy</h2>",
        _figure(
            "fig-energy",
            plots.grouped_bars(energy, scen, ylabel="energy per job (mJ)"),
            "energy per job per scheduler",
            "Total energy / released jobs, per scenario.",
        ),
    ]
    rep.figures += ["fig-accuracy", "fig-energy"]
    return parts
