"""Run several schedulers on identical arrivals and summarize them side by side."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from terastal.cost.tables import TaskCostTable
from terastal.metrics.core import compute_metrics
from terastal.model import Platform, Scenario


def _mean(values: Sequence[float | None]) -> float | None:
    """Mean of the values; null if any is unknown or there are none."""
    if not values or any(v is None for v in values):
        return None
    return sum(values) / len(values)


def summarize(runs: Sequence[dict]) -> dict:
    """Average the metrics of one scheduler's runs (one per seed).

    Returns
    -------
    dict
        ``mean_miss_rate``, ``pooled_miss_rate``, ``worst_model_miss_rate`` (each the mean
        over seeds of the run's value), ``miss_rate_by_model``, ``accuracy_loss_mean``,
        ``energy_mj``, ``xrbench_score``, ``p99_ms_by_model``, ``drop_rate_by_model``,
        decision-time and dispatch statistics, and ``runs`` (per seed: seed, miss rates,
        score, energy).
    """
    models = list(runs[0]["models"])
    return {
        "mean_miss_rate": _mean([r["mean_miss_rate"] for r in runs]),
        "pooled_miss_rate": _mean([r["pooled_miss_rate"] for r in runs]),
        "worst_model_miss_rate": _mean([r["worst_model_miss_rate"] for r in runs]),
        "miss_rate_by_model": {
            m: _mean([r["models"][m]["miss_rate"] for r in runs]) for m in models
        },
        "drop_rate_by_model": {
            m: _mean([r["models"][m]["drop_rate"] for r in runs]) for m in models
        },
        "p99_ms_by_model": {m: _mean([r["models"][m]["p99_ms"] for r in runs]) for m in models},
        "accuracy_loss_mean": _mean([r["accuracy_loss_mean"] for r in runs]),
        "energy_mj": _mean([r["energy_mj"] for r in runs]),
        "xrbench_score": _mean([r["xrbench_score"] for r in runs]),
        "dispatches": sum(r["sim"]["dispatches"] for r in runs),
        "wall_s": sum(r["sim"]["wall_s"] for r in runs),
        "decision_us_p50": _mean([r["sim"]["decision_us_p50"] for r in runs]),
        "decision_us_p99": _mean([r["sim"]["decision_us_p99"] for r in runs]),
        "runs": [
            {
                "seed": r["seed"],
                "mean_miss_rate": r["mean_miss_rate"],
                "pooled_miss_rate": r["pooled_miss_rate"],
                "worst_model_miss_rate": r["worst_model_miss_rate"],
                "xrbench_score": r["xrbench_score"],
                "energy_mj": r["energy_mj"],
                "accuracy_loss_mean": r["accuracy_loss_mean"],
            }
            for r in runs
        ],
    }


def compare(
    scenario: Scenario,
    platform: Platform,
    tables: Mapping[str, TaskCostTable],
    schedulers: Mapping[str, Callable[[], Any]],
    *,
    seeds: Sequence[int],
    duration_s: float,
    late: str = "scheduler",
    on_run: Callable[[str, int, dict], None] | None = None,
) -> dict:
    """Run every scheduler for every seed; the same seed gives every scheduler the same arrivals.

    Parameters
    ----------
    scenario, platform, tables
        What runs where (see :func:`terastal.sim.simulate`).
    schedulers : mapping of str to callable
        Label to factory returning a fresh scheduler. A scheduler that has an
        ``accuracy_loss(task_name, variant_layers)`` method has its jobs' accuracy loss
        computed with it.
    seeds : sequence of int
        Seeds, run in order.
    duration_s : float
        Release horizon.
    late : str
        Late-work policy.
    on_run : callable, optional
        Called with ``(label, seed, metrics)`` after each run (progress, saving runs).

    Returns
    -------
    dict
        ``scenario``, ``platform``, ``duration_s``, ``seeds``, ``late_policy`` and
        ``schedulers.{label}`` = :func:`summarize` of its runs.
    """
    from terastal.sim.api import simulate

    out: dict[str, Any] = {
        "scenario": scenario.name,
        "platform": platform.name,
        "duration_s": duration_s,
        "seeds": list(seeds),
        "late_policy": late,
        "schedulers": {},
    }
    for label, factory in schedulers.items():
        runs = []
        for seed in seeds:
            sched = factory()
            result = simulate(
                scenario, platform, tables, sched, duration_s=duration_s, seed=seed, late=late
            )
            metrics = compute_metrics(result, getattr(sched, "accuracy_loss", None))
            metrics["scheduler"] = label
            runs.append(metrics)
            if on_run is not None:
                on_run(label, seed, metrics)
        out["schedulers"][label] = summarize(runs)
    return out
