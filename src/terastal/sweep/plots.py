"""Report figures: matplotlib (Agg, no pyplot state) rendered to base64 PNG data URIs."""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence

DPI = 100


def _figure(width: float = 8.0, height: float = 3.6):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def to_data_uri(fig) -> str:
    """``data:image/png;base64,...`` of ``fig``."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _colors(names: Sequence[str]) -> dict[str, tuple]:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if len(names) <= 10 else "tab20"]
    return {n: cmap(i % cmap.N) for i, n in enumerate(names)}


def _zero_based(ax) -> None:
    """Start the y axis at 0 (and show 0..1 when every value is 0)."""
    top = ax.get_ylim()[1]
    ax.set_ylim(0, top if top > 0 else 1)


def grouped_bars(
    values: Mapping[str, Mapping[str, float]],
    groups: Sequence[str],
    *,
    ylabel: str,
    percent: bool = False,
    labels: bool = False,
) -> str:
    """Bars of ``values[series][group]``, one colour per series, clustered by group.

    With ``labels`` each bar is annotated with its value (``n/a`` for unknown values).
    """
    series = list(values)
    fig = _figure(max(6.0, min(14.0, 1.2 + 0.5 * len(groups) * max(1, len(series)) / 2)), 3.8)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(series))
    colors = _colors(series)
    for i, s in enumerate(series):
        xs = [g + (i - (len(series) - 1) / 2) * width for g in range(len(groups))]
        ys = [values[s].get(g, math.nan) for g in groups]
        ys = [100 * y if percent else y for y in ys]
        bars = ax.bar(xs, ys, width=width, label=s, color=colors[s])
        if labels:
            text = ["n/a" if math.isnan(y) else f"{y:.3g}" for y in ys]
            ax.bar_label(bars, labels=text, fontsize="small")
    crowded = sum(len(str(g)) for g in groups) > 40 or len(groups) > 6
    ax.set_xticks(
        range(len(groups)),
        groups,
        rotation=30 if crowded else 0,
        ha="right" if crowded else "center",
    )
    ax.set_ylabel(ylabel + (" (%)" if percent else ""))
    _zero_based(ax)
    ax.grid(axis="y", alpha=0.3)
    if len(series) > 1:
        ax.legend(fontsize="small", ncols=min(4, len(series)))
    return to_data_uri(fig)


def lines(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    xlabel: str,
    ylabel: str,
    percent: bool = False,
    scatter: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
) -> str:
    """One line per series (``{series: (x, y)}``), optionally over faint scatter points."""
    fig = _figure()
    ax = fig.add_subplot()
    colors = _colors(list(curves))
    k = 100.0 if percent else 1.0
    for s, (xs, ys) in curves.items():
        if scatter and s in scatter:
            sx, sy = scatter[s]
            ax.scatter(sx, [k * y for y in sy], s=10, alpha=0.3, color=colors[s])
        ax.plot(xs, [k * y for y in ys], marker="o", label=s, color=colors[s])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel + (" (%)" if percent else ""))
    _zero_based(ax)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", ncols=min(4, len(curves)))
    return to_data_uri(fig)


def timeline(result, window_s: float) -> str:
    """Gantt chart of the first ``window_s`` seconds of a run: one row per accelerator."""
    names = list(result.accelerator_names)
    tasks = [c.task.name for c in result.costs]
    colors = _colors(tasks)
    fig = _figure(10.0, 1.2 + 0.6 * len(names))
    ax = fig.add_subplot()
    from terastal.model.job import IN_TIME

    jobs = result.jobs
    spans: dict[tuple[int, str], list[tuple[float, float]]] = {}
    for rec in result.log:
        start, end, acc = rec.start_s, rec.end_s, rec.accelerator
        if start >= window_s:
            continue
        key = (acc, jobs[rec.job_id].task.name)
        spans.setdefault(key, []).append((start * 1e3, (min(end, window_s) - start) * 1e3))
    for (acc, task), bars in spans.items():
        ax.broken_barh(bars, (acc - 0.4, 0.8), facecolors=colors[task])
    for job in result.counted_jobs:
        if job.status != IN_TIME and job.deadline <= window_s:
            ax.axvline(job.deadline * 1e3, color="red", alpha=0.15, lw=0.8)
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.set_xlim(0, window_s * 1e3)
    ax.invert_yaxis()
    ax.set_xlabel("time (ms)")
    from matplotlib.patches import Patch

    handles = [Patch(color=colors[t], label=t) for t in tasks]
    ax.legend(handles=handles, fontsize="x-small", ncols=min(4, len(tasks)), loc="upper right")
    return to_data_uri(fig)
