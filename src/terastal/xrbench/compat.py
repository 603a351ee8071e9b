"""Entry points of the profile for ``simulate``, ``compare`` and ``sweep`` (``--compat xrbench``).

Each command branches here once, early; the profile has its own engine and policy, so the
commands' scheduler, late-work and duration options do not apply (XRBench hard-codes its
policy, LatencyGreedy, and its 700 ms horizon).
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path
from typing import Any

from terastal.errors import InputError
from terastal.xrbench.check import SCHEDULE_HEADER, SUMMARY_HEADER
from terastal.xrbench.costs import TABLE_SOURCE
from terastal.xrbench.run import POLICY, XRBenchRun, run_xrbench, to_metrics

__all__ = [
    "COMPAT_PROFILES",
    "POLICY",
    "check_profile",
    "compare_compat",
    "parse_compat_grid",
    "schedule_csv",
    "simulate_compat",
    "summary_csv",
    "sweep_metrics",
]

#: Profiles accepted by ``--compat`` and a grid's ``compat`` key.
COMPAT_PROFILES = ("xrbench",)
HORIZON_MS = 700.0


def check_profile(name: str) -> str:
    """``name`` if it is a known compatibility profile, else an :class:`InputError`."""
    if name not in COMPAT_PROFILES:
        raise InputError(f"--compat must be one of {', '.join(COMPAT_PROFILES)}, got {name!r}")
    return name


def _f(x: float) -> str:
    return f"{x:.6f}"  # std::to_string of a float


def schedule_csv(run: XRBenchRun) -> str:
    """The run's schedule in XRBench's CSV format (HET_timeline-extractor.hpp:20-48)."""
    lines = [",".join(SCHEDULE_HEADER)]
    for r in run.schedule:
        lines.append(",".join([str(r.accelerator), r.model, str(r.frame), *(_f(v) for v in r[3:])]))
    return "\n".join(lines) + "\n"


def summary_csv(run: XRBenchRun) -> str:
    """The run's summary in XRBench's CSV format (HET_summary-generator.hpp)."""
    lines = [",".join(SUMMARY_HEADER)]
    lines += [f"{m.model},{_f(m.rt)},{_f(m.energy)},{_f(m.ux)}" for m in run.models]
    lines.append(f"Overall Score,{_f(run.score)}")
    return "\n".join(lines) + "\n"


def _cost(cost_model: str | None) -> str:
    # The profile's default cost source is XRBench's own table; the commands' default spec
    # ("analytical", the same everywhere) therefore means "the profile's default" here.
    return TABLE_SOURCE if cost_model in (None, "", "analytical") else cost_model


def _print_run(run: XRBenchRun) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"XRBench profile: {run.scenario} / {run.platform}, seed {run.seed}")
    for col in ("model", "released", "done", "dropped", "unlogged", "RT", "energy", "UX", "score"):
        table.add_column(col, justify="left" if col == "model" else "right", no_wrap=True)
    scores = {m.model: m for m in run.models}
    for c in run.counts:
        m = scores.get(c.model)
        vals = (
            ("-",) * 4
            if m is None
            else (f"{m.rt:.4f}", f"{m.energy:.4f}", f"{m.ux:.4f}", f"{m.score:.4f}")
        )
        table.add_row(
            c.model, str(c.released), str(c.completed), str(c.dropped), str(c.unlogged), *vals
        )
    console = Console()
    console.print(table)
    console.print(f"XRBench score {run.score:.6f}  (stopped at {run.stop_ms:.3f} ms)")


def simulate_compat(
    scenario: str, platform: str, *, seed: int, cost_model: str | None, out: Path | None
) -> XRBenchRun:
    """``terastal simulate --compat xrbench``: one run, printed; files written to ``out``.

    ``out`` receives ``metrics.json`` (:func:`terastal.xrbench.to_metrics`) and XRBench's
    ``schedule.csv`` and ``summary.csv``.
    """
    from terastal.metrics import to_json, write_atomic

    run = run_xrbench(scenario, platform, seed=seed, cost_model=_cost(cost_model))
    _print_run(run)
    if out is not None:
        write_atomic(
            out,
            {
                "metrics.json": to_json(to_metrics(run)),
                "schedule.csv": schedule_csv(run),
                "summary.csv": summary_csv(run),
            },
        )
        print(f"wrote {out}")
    return run


def compare_compat(
    scenario: str, platform: str, *, seeds: list[int], cost_model: str | None, out: Path | None
) -> dict[str, Any]:
    """``terastal compare --compat xrbench``: the profile over ``seeds``, one row per seed.

    Returns the summary written as ``summary.json`` (per-seed scores, mean, standard
    deviation; per-model means of RT, energy, UX and score over the seeds where the model
    was logged).
    """
    from rich.console import Console
    from rich.table import Table

    from terastal.metrics import to_json, write_atomic

    runs = [run_xrbench(scenario, platform, seed=s, cost_model=_cost(cost_model)) for s in seeds]
    scores = [r.score for r in runs]
    per_model: dict[str, list] = {}
    for r in runs:
        for m in r.models:
            per_model.setdefault(m.model, []).append(m)
    summary = {
        "profile": "xrbench",
        "scenario": runs[0].scenario,
        "platform": runs[0].platform,
        "policy": POLICY,
        "seeds": seeds,
        "xrbench_score": {str(s): v for s, v in zip(seeds, scores, strict=True)},
        "xrbench_score_mean": statistics.fmean(scores),
        "xrbench_score_std": statistics.pstdev(scores),
        "xrbench": {
            name: {
                k: statistics.fmean(getattr(m, k) for m in ms)
                for k in ("rt", "energy", "ux", "score")
            }
            | {"runs_logged": len(ms)}
            for name, ms in sorted(per_model.items())
        },
    }
    table = Table(title=f"XRBench profile: {summary['scenario']} / {summary['platform']}")
    table.add_column("seed", justify="right")
    table.add_column("score", justify="right")
    for s, v in zip(seeds, scores, strict=True):
        table.add_row(str(s), f"{v:.4f}")
    table.add_row("mean", f"{summary['xrbench_score_mean']:.4f}")
    Console().print(table)
    if out is not None:
        files = {"summary.json": to_json(summary)}
        for s, r in zip(seeds, runs, strict=True):
            files[f"runs/{POLICY}-seed{s}.json"] = to_json(to_metrics(r))
        write_atomic(out, files)
        print(f"wrote {out}")
    return summary


def sweep_metrics(point: dict[str, Any], base_dir: str | os.PathLike[str] | None) -> dict:
    """Metrics of one sweep point under ``compat: xrbench`` (``duration_ms`` = horizon)."""
    from terastal.sweep.grid import resolve_spec

    check_profile(point["compat"])
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    run = run_xrbench(
        resolve_spec(point["scenario"], base),
        resolve_spec(point["platform"], base),
        seed=int(point["seed"]),
        cost_model=_cost(point.get("cost_model")),
        horizon_ms=float(point.get("duration_ms", HORIZON_MS)),
    )
    return to_metrics(run)


def parse_compat_grid(r, file: str, keys: dict):
    """A sweep grid under ``compat:`` (called by :func:`terastal.sweep.grid.parse_grid`).

    The profile runs its own policy on its own workload, so the grid has no ``schedulers``,
    ``scheduler_options``, ``late`` or ``load_scales``; ``duration_ms`` is the horizon.
    """
    from terastal.sweep.grid import Grid, _number, _string

    knode, vnode = keys["compat"]
    profile = r.value(vnode, "compat")
    if profile not in COMPAT_PROFILES:
        raise r.error(
            f"expected one of {', '.join(COMPAT_PROFILES)}, got {profile!r}", vnode, "compat"
        )
    for key in ("schedulers", "scheduler_options", "late", "load_scales"):
        if key in keys:
            raise r.error(
                f"{key!r} does not apply under compat: {profile} (the profile runs "
                "its own policy on its own workload)",
                keys[key][0],
                key,
            )
    for key in ("scenarios", "platforms", "seeds", "duration_ms"):
        if key not in keys:
            raise r.error(f"missing required key {key!r}", knode, key)
    node = {k: v for k, (_, v) in keys.items()}
    axes: dict[str, Any] = {
        "scenarios": r.axis(node["scenarios"], "scenarios", _string(r)),
        "platforms": r.axis(node["platforms"], "platforms", _string(r)),
        "schedulers": [POLICY],
        "seeds": r.axis(node["seeds"], "seeds", _number(r, integer=True)),
        "duration_ms": r.axis(node["duration_ms"], "duration_ms", _number(r)),
        "load_scales": [1.0],
        "late": ["scheduler"],
        "scheduler_options": {},
        "cost_model": None,
        "plan": [None],
        "compat": profile,
    }
    if "cost_model" in node:
        axes["cost_model"] = _string(r)(
            r.value(node["cost_model"], "cost_model"), node["cost_model"], "cost_model"
        )
    return Grid(Path(file), axes)
