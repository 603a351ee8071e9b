"""Plots (matplotlib PNG) and the short ``report.md`` of a suite run."""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence
from pathlib import Path

from terastal.interrupts import as_worker, deferred, sigint_blocked, stage
from terastal.reproduce.summary import BASELINES, PAPER, per_point_table


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.2f} %"


def load_plotting() -> bool:
    """Import matplotlib (Agg) and pyplot; False without matplotlib.

    About a third of a second of CPU: ``reproduce`` calls it while its last points run, on
    the core a finished worker left idle, so that :func:`write_plots` does not pay it after.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot
    except ImportError:
        return False
    return True


def _per_model(plt, rows: Sequence[dict], summary: dict):
    scheds = summary["schedulers"]
    by_model = summary["miss_rate_by_model"]
    models = sorted({m for s in scheds for m in by_model[s]})
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(models) + 2), 4))
    width = 0.8 / len(scheds)
    for i, s in enumerate(scheds):
        ax.bar([j + i * width for j in range(len(models))],
               [by_model[s].get(m, 0.0) for m in models], width, label=s)  # fmt: skip
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(models))], models, rotation=30,
                  ha="right")  # fmt: skip
    ax.set_ylabel("deadline miss rate")
    ax.legend(fontsize=7, ncol=2)
    return fig


def _versus(key: str, xlabel: str):
    def figure(plt, rows: Sequence[dict], summary: dict):
        table = per_point_table(rows)
        fig, ax = plt.subplots(figsize=(6, 4))
        for s in summary["schedulers"]:
            pts: dict[float, list[float]] = {}
            for r in table:
                if s in r:
                    pts.setdefault(round(r[key], 2), []).append(r[s])
            xs = sorted(pts)
            ax.plot(xs, [sum(pts[x]) / len(pts[x]) for x in xs], marker="o", label=s)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("mean per-model miss rate")
        ax.legend(fontsize=7)
        return fig

    return figure


def _accuracy(plt, rows: Sequence[dict], summary: dict):
    loss = summary["accuracy_loss_by_model"].get("terastal", {})
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(list(loss), [100 * v for v in loss.values()])
    ax.set_ylabel("mean normalized accuracy loss (%)")
    ax.set_title("terastal: accuracy loss per model")
    ax.tick_params(axis="x", rotation=30)
    return fig


#: The plots, in the report's order: file name and the function that draws the figure.
FIGURES = (
    ("miss_rate_per_model.png", _per_model),
    ("miss_rate_vs_utilization.png", _versus("utilization", "utilization")),
    ("miss_rate_vs_skew.png",
     _versus("skew", "skew (share of demand preferring one core class)")),
    ("accuracy_loss_per_model.png", _accuracy),
)  # fmt: skip
# With two processes, the child draws these (about half of the drawing time each way).
_CHILD_SHARE = ("miss_rate_per_model.png", "accuracy_loss_per_model.png")


def _render(names: Sequence[str], rows: Sequence[dict], summary: dict, out: Path) -> None:
    import matplotlib.pyplot as plt

    draw = dict(FIGURES)
    for name in names:
        fig = draw[name](plt, rows, summary)
        fig.tight_layout()
        fig.savefig(out / name, dpi=110)
        plt.close(fig)


def _render_in_child(names: Sequence[str], rows: Sequence[dict], summary: dict, out: Path) -> None:
    """:func:`_render` in the forked child: Ctrl-C is the parent's to handle (it terminates
    the child), and a failure is an exit code (the parent draws those plots), not a
    traceback on the terminal."""
    as_worker()  # forked with SIGINT and SIGTERM blocked
    try:
        _render(names, rows, summary, out)
    except BaseException:
        os._exit(1)


def _fork_context():
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork")


def write_plots(rows: Sequence[dict], summary: dict, out: Path, *, processes: int = 1) -> list[str]:
    """Write the four PNG plots into ``out``; returns their file names (none without
    matplotlib).

    With ``processes`` > 1 (and where processes can fork) a child process draws half of them
    while this one draws the rest: the same files, in about half the wall time. Should the
    child fail, its plots are drawn here.
    """
    if not load_plotting():
        return []
    names = [name for name, _ in FIGURES]
    ctx = _fork_context() if processes > 1 else None
    if ctx is None:
        _render(names, rows, summary, out)
        return names
    child = ctx.Process(
        target=_render_in_child, args=(_CHILD_SHARE, rows, summary, out), daemon=True
    )
    # SIGTERM blocked until the child has its own handlers (as_worker); no interrupt in the
    # middle of the fork, which would leave the child unknown here and running.
    with deferred(), sigint_blocked(signal.SIGTERM):
        child.start()
    try:
        stage("reproduce:plots")  # an interrupt meanwhile
        _render([n for n in names if n not in _CHILD_SHARE], rows, summary, out)
        child.join()
    finally:
        if child.is_alive():  # this process failed or was interrupted: do not leave it behind
            child.terminate()
            child.join()
    if child.exitcode != 0:
        _render(_CHILD_SHARE, rows, summary, out)
    return names


def report_md(rows: Sequence[dict], summary: dict, plots: Sequence[str], title: str) -> str:
    """The headline table next to the paper's numbers, then every suite point."""
    mr = summary["mean_miss_rate"]
    red = summary.get("reduction_vs", {})
    lines = [
        f"# {title}",
        "",
        f"{summary['runs']} runs per scheduler set. MR = per-model deadline miss rate averaged "
        "over models, then over mixes, platforms, utilizations and seeds.",
        "",
        "| scheduler | MR | pooled | worst model |",
        "|---|---:|---:|---:|",
        *(
            f"| {s} | {_pct(mr[s])} | {_pct(summary['pooled_miss_rate'].get(s))} | "
            f"{_pct(summary['worst_model_miss_rate'].get(s))} |"
            for s in summary["schedulers"]
        ),
        "",
        "| terastal vs | miss-rate reduction (ours) | paper |",
        "|---|---:|---:|",
        f"| best baseline per point | {_pct(red.get('best'))} | - |",
        f"| pooled miss rate: best baseline per point "
        f"{_pct(summary.get('best_baseline_pooled_miss_rate'))}, terastal "
        f"{_pct(summary['pooled_miss_rate'].get('terastal'))} | | |",
        *(f"| {b} | {_pct(red.get(b))} | {_pct(PAPER[b])} |" for b in BASELINES if b in red),
        f"| accuracy loss | {_pct(summary.get('accuracy_loss_mean'))} | "
        f"{_pct(PAPER['accuracy_loss'])} |",
        "",
        *_strongest_md(summary),
        "## Every point (mean per-model miss rate)",
        "",
    ]
    table = per_point_table(rows)
    scheds = summary["schedulers"]
    lines.append("| mix | platform | U | skew | " + " | ".join(scheds) + " |")
    lines.append("|---|---|---:|---:|" + "---:|" * len(scheds))
    for r in table:
        vals = " | ".join(f"{r[s]:.3f}" if s in r else "" for s in scheds)
        lines.append(
            f"| {r['mix']} | {r['platform']} | {r['utilization']:g} | {r['skew']:.2f} | {vals} |"
        )
    lines += ["", *(f"![{p}]({p})" for p in plots), ""]
    return "\n".join(lines)


def _strongest_md(summary: dict) -> list[str]:
    """The cumulative ladder and, per point, the best baseline against Terastal."""
    out = []
    if summary.get("ladder"):
        out += ["## What each mechanism adds (cumulative)", "", "| step | label | MR |"]
        out.append("|---|---|---:|")
        out += [f"| {r['step']} | {r['scheduler']} | {_pct(r['mean_miss_rate'])} |"
                for r in summary["ladder"]]  # fmt: skip
        out.append("")
    points = summary.get("best_baseline_by_point") or []
    if points:
        out += ["## Best baseline at each point", "", "| mix | platform | U | best baseline | "
                "its MR | terastal MR |", "|---|---|---:|---|---:|---:|"]  # fmt: skip
        for p in points:
            lost = p["terastal"] is not None and p["terastal"] > p["best_miss_rate"]
            mark = " (loses)" if lost else ""
            out.append(
                f"| {p['mix']} | {p['platform']} | {p['utilization']:g} | {p['best']} | "
                f"{_pct(p['best_miss_rate'])} | {_pct(p['terastal'])}{mark} |"
            )
        out.append("")
    return out
