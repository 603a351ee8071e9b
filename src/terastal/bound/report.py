"""The bound as a comparison row, shaped like the rows of :func:`terastal.metrics.compare`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from terastal.bound.solve import BoundSolution, solve_bound
from terastal.model import Platform, Scenario

#: Keys every bound row adds to the metrics summary of its replayed schedule.
BOUND_KEYS = ("missed_best", "missed_lower_bound", "optimal", "released", "group_layers")


def accuracy_loss_fn(plan: Any = None, admissible: Mapping | None = None):
    """``(task, variant_layers) -> loss`` for :func:`terastal.metrics.compute_metrics`."""
    if plan is None and admissible is None:
        return None

    def loss(task: str, layers: frozenset[int]) -> float:
        if not layers:
            return 0.0
        if admissible is not None and task in admissible:
            return float(admissible[task].get(frozenset(layers), float("nan")))
        return float("nan") if plan is None else plan.loss_of(task, layers)

    return loss


def solution_metrics(solution: BoundSolution, plan: Any = None, admissible=None) -> dict | None:
    """:func:`~terastal.metrics.compute_metrics` of the replayed schedule (None if none)."""
    from terastal.metrics import compute_metrics

    if solution.result is None:
        return None
    metrics = compute_metrics(solution.result, accuracy_loss_fn(plan, admissible))
    metrics["scheduler"] = "bound"
    return metrics


def _empty_row(scenario: Scenario) -> dict:
    """A summary row with unknown metrics (some seed found no schedule)."""
    models = {t.name: None for t in scenario.tasks}
    row: dict[str, Any] = {
        k: dict(models) for k in ("miss_rate_by_model", "drop_rate_by_model", "p99_ms_by_model")
    }
    for k in ("mean_miss_rate", "accuracy_loss_mean", "energy_mj", "xrbench_score"):
        row[k] = None
    row.update(dispatches=0, wall_s=0.0, decision_us_p50=None, decision_us_p99=None, runs=[])
    return row


def bound_row(
    scenario: Scenario,
    platform: Platform,
    tables: Mapping,
    duration_s: float,
    seed: int | Sequence[int],
    plan: Any = None,
    time_limit_s: float = 60.0,
    group_layers: int = 1,
    **options: Any,
) -> dict:
    """Solve the bound and summarize it like one scheduler of ``terastal compare``.

    Parameters
    ----------
    scenario, platform, tables
        The instance.
    duration_s : float
        Release horizon.
    seed : int or sequence of int
        One seed, or several (one solve each; misses and bounds are summed).
    plan : Plan, optional
        Admissible variant combinations.
    time_limit_s : float
        Solver time limit per seed.
    group_layers : int
        Layers per block (1: exact).
    **options
        Passed to :func:`terastal.bound.solve_bound`.

    Returns
    -------
    dict
        :func:`terastal.metrics.compare.summarize` of the replayed schedules (miss rates,
        energy, accuracy loss, ...) plus ``missed_best``, ``missed_lower_bound``,
        ``optimal``, ``released``, ``group_layers``, ``solve_s`` and ``bounds`` (the
        per-seed summaries without their per-job lists).
    """
    from terastal.metrics.compare import summarize

    seeds = [seed] if isinstance(seed, int) else list(seed)
    runs, bounds = [], []
    for s in seeds:
        sol = solve_bound(
            scenario, platform, tables, duration_s, s, plan=plan, time_limit_s=time_limit_s,
            group_layers=group_layers, **options,
        )  # fmt: skip
        metrics = solution_metrics(sol, plan, options.get("admissible"))
        if metrics is not None:
            runs.append(metrics)
        bounds.append({k: v for k, v in sol.summary.items() if k != "jobs"})
    row = summarize(runs) if len(runs) == len(seeds) else _empty_row(scenario)
    best = [b["missed_best"] for b in bounds]
    row.update(
        missed_best=None if None in best else sum(best),
        missed_lower_bound=sum(b["missed_lower_bound"] for b in bounds),
        optimal=all(b["optimal"] for b in bounds),
        released=sum(b.get("released", 0) for b in bounds),
        group_layers=group_layers,
        solve_s=sum(b["timing"]["total_s"] for b in bounds),
        bounds=bounds,
    )
    return row
