"""Summaries of several runs side by side (:func:`terastal.experiment.compare` runs them)."""

from __future__ import annotations

from collections.abc import Sequence


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
