"""Metrics of one run: per model, per accelerator, overall, XRBench and simulator statistics."""

from __future__ import annotations

import math
from collections.abc import Callable

from terastal.metrics.accounting import released_counts
from terastal.metrics.quantile import percentile, percentiles
from terastal.metrics.xrbench import model_score
from terastal.model.job import DROPPED, IN_TIME, LATE
from terastal.sim.result import SimResult

AccuracyLoss = Callable[[str, frozenset[int]], float]

# Keys of metrics["sim"] that depend on the machine and load, not on the simulation; they are
# the only fields that differ between two runs with the same inputs and seed.
WALL_CLOCK_KEYS = (
    "wall_s",
    "dispatches_per_s",
    "decision_us_p50",
    "decision_us_p99",
    "decision_us_mean",
)


def _no_accuracy(task: str, variants: frozenset[int]) -> float:
    return 0.0 if not variants else math.nan


def _pct(values: list[float], q: float) -> float | None:
    return percentile(values, q) if values else None


def _clean(x: float | None) -> float | None:
    """JSON has no nan: unknown values become null."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def _mean_known(values: list[float | None]) -> float | None:
    """Mean, 0 for no values, null if any value is unknown."""
    if not values:
        return 0.0
    if any(v is None for v in values):
        return None
    return sum(values) / len(values)


def compute_metrics(result: SimResult, accuracy_loss: AccuracyLoss | None = None) -> dict:
    """Summarize a run as a JSON-ready dict.

    Parameters
    ----------
    result : SimResult
        The run.
    accuracy_loss : callable, optional
        ``(task_name, variant_layers) -> normalized accuracy loss`` of a job that ran those
        layers as variants. Without it a job without variants loses 0 and a job with variants
        has an unknown loss (reported as null).

    Returns
    -------
    dict
        See ``docs/design.md`` ("Metrics") for every key.
    """
    loss_of = accuracy_loss or _no_accuracy
    models: dict[str, dict] = {}
    scores: dict[str, dict] = {}
    per_task: dict[str, list] = {c.task.name: [] for c in result.costs}
    # Outcomes are the counted jobs' (the measurement window): load-only jobs, released
    # after the horizon, were load for them and are not measured.
    for job in result.counted_jobs:
        per_task[job.task.name].append(job)
    counted = released_counts(result.scenario, result.horizon_s, result.seed)
    for costs in result.costs:
        name = costs.task.name
        jobs = per_task[name]
        n_in = sum(1 for j in jobs if j.status == IN_TIME)
        n_late = sum(1 for j in jobs if j.status == LATE)
        n_drop = sum(1 for j in jobs if j.status == DROPPED)
        done = [j for j in jobs if j.status != DROPPED]
        lat_ms = [(j.finish - j.release) * 1e3 for j in done]
        # Released = frames whose triggers fired, whatever the scheduler did (see accounting).
        released = counted[costs.index]
        unreleased = released - len(jobs)
        if unreleased < 0:
            raise RuntimeError(f"{name}: {len(jobs)} jobs ran but only {released} were released")
        losses = [loss_of(name, j.variants) for j in done]
        missed = n_late + n_drop + unreleased
        models[name] = {
            "released": released,
            "completed": n_in + n_late,
            "in_time": n_in,
            "late": n_late,
            "dropped": n_drop,
            "unreleased": unreleased,
            "miss_rate": missed / released if released else None,
            "drop_rate": n_drop / released if released else None,
            "p50_ms": _pct(lat_ms, 50),
            "p95_ms": _pct(lat_ms, 95),
            "p99_ms": _pct(lat_ms, 99),
            "mean_ms": sum(lat_ms) / len(lat_ms) if lat_ms else None,
            "energy_mj": sum(j.energy_j for j in jobs) * 1e3,
            "variant_jobs": sum(1 for j in done if j.variants),
            "has_variants": costs.has_variants,
            "accuracy_loss_mean": _clean(sum(losses) / len(losses)) if losses else 0.0,
        }
        deadline_ms = costs.task.relative_deadline_s * 1e3
        completed = [(t, deadline_ms, j.energy_j * 1e3) for t, j in zip(lat_ms, done, strict=True)]
        scores[name] = model_score(completed, released, n_drop + unreleased)
        models[name]["xrbench_score"] = 100.0 * scores[name]["score"]
    rates = [m["miss_rate"] for m in models.values() if m["miss_rate"] is not None]
    released = sum(m["released"] for m in models.values())
    missed = sum(m["late"] + m["dropped"] + m["unreleased"] for m in models.values())
    pooled = missed / released if released else 0.0
    with_var = [m["accuracy_loss_mean"] for m in models.values() if m["has_variants"]]
    return {
        "scheduler": result.scheduler,
        "seed": result.seed,
        "scenario": result.scenario.name,
        "platform": result.platform.name,
        "late_policy": result.late_policy,
        "duration_s": result.horizon_s,
        "end_s": result.end_s,
        "models": models,
        "mean_miss_rate": sum(rates) / len(rates) if rates else 0.0,
        "pooled_miss_rate": pooled,
        "worst_model_miss_rate": max(rates) if rates else 0.0,
        "miss_rate_overall": pooled,  # the older name of pooled_miss_rate
        "energy_mj": sum(m["energy_mj"] for m in models.values()),
        "accuracy_loss_mean": _mean_known(with_var),
        "xrbench_score": 100.0 * sum(s["score"] for s in scores.values()) / len(scores),
        "xrbench": {name: s for name, s in scores.items()},
        "accelerators": _accelerators(result),
        "sim": _sim_stats(result),
    }


def _accelerators(result: SimResult) -> dict[str, dict]:
    span = result.end_s
    counts = result.log.accelerator_counts(len(result.platform.accelerators))
    out = {}
    for i, acc in enumerate(result.platform.accelerators):
        out[acc.name] = {
            "busy_s": result.busy_s[i],
            "reserved_s": result.reserved_s[i],
            "utilization": result.busy_s[i] / span if span > 0 else 0.0,
            "dispatches": counts[i] if result.log else None,
        }
    return out


def _sim_stats(result: SimResult) -> dict:
    ns = result.decision_ns
    # Percentiles and mean of the integer nanoseconds, then scaled: sorting and summing ints
    # is several times cheaper than making a float list first (a few ms of every run). These
    # are wall-clock figures (WALL_CLOCK_KEYS), not results; the scaling's last-bit rounding
    # is far below their run-to-run spread.
    p50, p99 = (x / 1e3 for x in percentiles(ns, (50, 99))) if ns else (0.0, 0.0)
    return {
        "dispatches": result.dispatches,  # of every job, load-only ones too
        "jobs": len(result.counted_jobs),  # the measured ones (energy per job divides by it)
        "decisions": len(ns),
        "wall_s": result.wall_s,
        "dispatches_per_s": result.dispatches / result.wall_s if result.wall_s > 0 else None,
        "decision_us_p50": p50,
        "decision_us_p99": p99,
        "decision_us_mean": sum(ns) / 1e3 / len(ns) if ns else 0.0,
    }
