"""Run a suite: every (mix, platform, utilization) point, every scheduler and seed.

A point plans once (the plan depends on the task rates), builds the cost tables with the
plan's variant shapes, and runs every scheduler on the same arrivals (same seeds). Points run
in a process pool; results are independent of the number of workers.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import as_completed
from typing import Any

from terastal.reproduce.checkpoint import Checkpoint
from terastal.reproduce.pool import make_pool, stop_pool
from terastal.reproduce.suite import Mix, Suite, build_mix, resolve_platform

# Label -> (registered scheduler, options). Terastal ablations are labelled after it.
SCHEDULERS: dict[str, tuple[str, dict[str, Any]]] = {
    "fcfs": ("fcfs", {}),
    "edf": ("edf", {}),
    "dream": ("dream", {}),
    "terastal": ("terastal", {}),
    "terastal-novariants": ("terastal", {"variants": False}),
    "terastal-nobudgets": ("terastal", {"budgets": False}),
    "terastal-nodrops": ("terastal", {"drops": False}),
    # Extra context (not in the default set): baselines with earliest-finish mapping.
    "fcfs-ef": ("fcfs", {"mapping": "earliest_finish"}),
    "edf-ef": ("edf", {"mapping": "earliest_finish"}),
}
#: Labels run by default: the paper's baselines, terastal and its ablations.
DEFAULT_SCHEDULERS = tuple(s for s in SCHEDULERS if not s.endswith("-ef"))


def run_point(
    mix: Mix,
    platform_spec: str,
    utilization: float,
    seeds: Sequence[int],
    duration_s: float,
    schedulers: Sequence[str],
    late: str = "scheduler",
    cost_model: str | None = None,
) -> list[dict]:
    """Run one suite point; one row per (scheduler, seed, model).

    ``cost_model`` is a backend spec (``terastal.cost.get_cost_model``); None is the default
    analytical model.

    Returns
    -------
    list of dict
        Rows with the point's configuration, the run's summary metrics and the model's.
    """
    from terastal.cost import build_cost_tables
    from terastal.metrics.core import compute_metrics
    from terastal.planner import make_plan
    from terastal.schedulers import make_scheduler
    from terastal.sim import simulate
    from terastal.workloads import max_density, measure_load, scale_to_utilization

    cost = _cost_model(cost_model)
    platform = resolve_platform(platform_spec)
    base = build_mix(mix)
    scenario = scale_to_utilization(
        base, build_cost_tables(base, platform, cost), utilization, mix.shares
    )
    plan = make_plan(scenario, platform, cost)
    tables = build_cost_tables(scenario, platform, cost, plan.variant_shapes())
    _check_work(scenario, duration_s)
    load = measure_load(scenario, tables)
    density = max_density(scenario, tables)
    rows = []
    for label in schedulers:
        name, opts = SCHEDULERS[label]
        for seed in seeds:
            sched = make_scheduler(name, **({"plan": plan} if name == "terastal" else {}), **opts)
            result = simulate(
                scenario, platform, tables, sched, duration_s=duration_s, seed=seed, late=late,
                record=False,
            )  # fmt: skip
            m = compute_metrics(result, getattr(sched, "accuracy_loss", None))
            for model, mm in m["models"].items():
                rows.append(
                    {
                        "mix": mix.name,
                        "platform": platform_spec,
                        "utilization": utilization,
                        "utilization_measured": load.utilization,
                        "skew": load.skew,
                        "max_density": density,
                        "scheduler": label,
                        "seed": seed,
                        "model": model,
                        "released": mm["released"],
                        "in_time": mm["in_time"],
                        "late": mm["late"],
                        "dropped": mm["dropped"],
                        "miss_rate": mm["miss_rate"],
                        "accuracy_loss": mm["accuracy_loss_mean"],
                        "has_variants": mm["has_variants"],
                        "variant_jobs": mm["variant_jobs"],
                        "energy_mj": mm["energy_mj"],
                        "p99_ms": mm["p99_ms"],
                        "run_mean_miss_rate": m["mean_miss_rate"],
                        "run_xrbench_score": m["xrbench_score"],
                        "dispatches": m["sim"]["dispatches"],
                    }
                )
    return rows


def _check_work(scenario, duration_s: float) -> None:
    """The work guard on a point, once its rates are known (after utilization scaling)."""
    from terastal.errors import InputError
    from terastal.model.work import estimate_work

    message = estimate_work(scenario.tasks, duration_s).refusal(what=f"point {scenario.name}")
    if message is not None:
        raise InputError(message.replace("raise --max-jobs", "lower the suite's duration_ms"))


@functools.lru_cache(maxsize=4)
def _cost_model(spec: str | None):
    """One backend per spec and process, so its caches serve every point the process runs."""
    from terastal.sim.setup import resolve_cost_model

    return resolve_cost_model(spec)


def _point_args(
    suite: Suite, schedulers: Sequence[str], late: str, cost_model: str | None = None
) -> list[tuple]:
    return [
        (mix, plat, u, suite.seeds, suite.duration_ms / 1e3, tuple(schedulers), late, cost_model)
        for mix in suite.mixes
        for plat in suite.platforms
        if mix.platforms is None or plat in mix.platforms
        for u in suite.utilizations
    ]


def run_suite(
    suite: Suite,
    schedulers: Sequence[str] = DEFAULT_SCHEDULERS,
    *,
    workers: int | None = None,
    late: str = "scheduler",
    progress: Callable[[int, int], None] | None = None,
    cost_model: str | None = None,
    checkpoint: Checkpoint | None = None,
) -> list[dict]:
    """Run every point of ``suite``; rows are returned in the suite's order.

    Parameters
    ----------
    suite : Suite
        What to run.
    schedulers : sequence of str
        Labels from :data:`SCHEDULERS`.
    workers : int, optional
        Worker processes (default: CPU count); 1 runs in this process.
    late : str
        Late-work policy of every run.
    progress : callable, optional
        Called with ``(points_done, points_total)``.
    cost_model : str, optional
        Backend spec for every point, e.g. ``"analytical:mode=xrbench"`` or ``"zigzag"``
        (default: the suite's ``cost_model``, else the default analytical model).
    checkpoint : Checkpoint, optional
        Points stored there are not run again; finished points are stored as they finish.
    """
    from terastal.errors import InputError

    unknown = [s for s in schedulers if s not in SCHEDULERS]
    if unknown:
        raise InputError(
            f"unknown scheduler label(s) {', '.join(unknown)} (known: {', '.join(SCHEDULERS)})",
            field="schedulers",
        )
    spec = cost_model if cost_model is not None else suite.cost_model
    _cost_model(spec)  # a bad spec fails here, before any worker starts
    args = _point_args(suite, schedulers, late, spec)
    workers = workers or os.cpu_count() or 1
    results: list[list[dict] | None] = [None] * len(args)
    if checkpoint is not None:
        results = [checkpoint.load(a) for a in args]
    todo = [i for i, r in enumerate(results) if r is None]
    done = len(args) - len(todo)

    def finish(i: int, rows: list[dict]) -> None:
        nonlocal done
        results[i] = rows
        if checkpoint is not None:
            checkpoint.save(args[i], rows)
        done += 1
        if progress:
            progress(done, len(args))

    if workers <= 1 or len(todo) <= 1:
        for i in todo:
            finish(i, run_point(*args[i]))
    else:
        pool = make_pool(workers)
        try:
            futures = {pool.submit(run_point, *args[i]): i for i in todo}
            for fut in as_completed(futures):
                finish(futures[fut], fut.result())
        except BaseException:
            stop_pool(pool)  # an interrupt or a failed point: do not wait for the others
            raise
        pool.shutdown()
    return [row for rows in results for row in rows or ()]
