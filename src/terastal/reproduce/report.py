"""Plots (matplotlib PNG) and the short ``report.md`` of a suite run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from terastal.reproduce.summary import BASELINES, PAPER, per_point_table


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.2f} %"


def write_plots(rows: Sequence[dict], summary: dict, out: Path) -> list[str]:
    """Write the four PNG plots into ``out``; returns their file names (none without
    matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    scheds = summary["schedulers"]
    names = []

    def save(fig, name: str) -> None:
        fig.tight_layout()
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        names.append(name)

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
    save(fig, "miss_rate_per_model.png")

    for key, xlabel, fname in (
        ("utilization", "utilization", "miss_rate_vs_utilization.png"),
        ("skew", "skew (share of demand preferring one core class)", "miss_rate_vs_skew.png"),
    ):
        table = per_point_table(rows)
        fig, ax = plt.subplots(figsize=(6, 4))
        for s in scheds:
            pts: dict[float, list[float]] = {}
            for r in table:
                if s in r:
                    pts.setdefault(round(r[key], 2), []).append(r[s])
            xs = sorted(pts)
            ax.plot(xs, [sum(pts[x]) / len(pts[x]) for x in xs], marker="o", label=s)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("mean per-model miss rate")
        ax.legend(fontsize=7)
        save(fig, fname)

    loss = summary["accuracy_loss_by_model"].get("terastal", {})
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(list(loss), [100 * v for v in loss.values()])
    ax.set_ylabel("mean normalized accuracy loss (%)")
    ax.set_title("terastal: accuracy loss per model")
    ax.tick_params(axis="x", rotation=30)
    save(fig, "accuracy_loss_per_model.png")
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
