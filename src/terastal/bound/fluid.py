"""Fluid capacity bound: the lowest mean per-model miss rate the platform's capacity allows.

Where :mod:`terastal.bound.relax` and the CP-SAT model work on one trace and treat the cores
as identical in the window relaxation, this bound is heterogeneity-aware and needs no trace:
a linear program (HiGHS via SciPy) over *fractions of jobs*.

Variables, per task ``t`` (the unit :func:`terastal.metrics.compute_metrics` averages over):

* ``x_t`` in ``[0, 1]``: fraction of the task's counted frames that end in time;
* ``z_t`` in ``[x_t, 1]``: fraction that complete (in time or late, which is what releases a
  cascaded child; with a horizon: complete by ``H + E``, see below);
* with a horizon, for a cascaded task, ``l_t >= 0``: fraction in time that end after
  ``H + E`` (see below); the task's served fraction is ``x_t + l_t <= 1``;
* ``y[t, l, a, k] >= 0``: fraction of the frames whose layer ``l`` runs on accelerator ``a``
  as original (``k = 0``) or variant (``k = 1``, only for the plan's variant layers), with
  ``sum_{a, k} y[t, l, a, k] = z_t`` for every layer.

Constraints:

* capacity, per accelerator: ``sum_t w_t sum_{l, k} latency[t, l, a, k] y[t, l, a, k] <= C``
  where, in steady state, ``w_t`` is the task's rate (:func:`terastal.model.release_rates`)
  and ``C = 1``; with a horizon ``H``, ``w_t`` is its number of counted frames and
  ``C = H + E``, ``E`` the largest sum of relative deadlines along a cascade from its root
  (``max_t D_t`` without cascades): a root frame is released before ``H``, and a frame whose
  ancestors were all in time is released by ``H`` plus their deadlines, so ends in time by
  ``H + E``;
* cascade: ``w_child z_child <= w_parent z_parent`` (a child frame runs only after its
  parent's frame completed, so a child's completions never outnumber its parent's);
* after the edge (horizon form): the engine releases a child whenever its parent completes,
  after the horizon too, so a parent completing late, long after ``H``, still releases a child
  that may then end in time after ``H + E``; such a frame has an ancestor frame that was not
  in time (else it ends by ``H + E``), and its work falls outside ``C``. So
  ``w_t l_t <= sum over ancestors a of w_a (1 - x_a - l_a)``, at no capacity cost;
* span: ``x_t = 0`` when the longest path of the task's fastest options (any core, variant
  allowed) exceeds its relative deadline (such a frame can never be in time);
* accuracy (with variants): ``sum_{l, a} c_l y[t, l, a, 1] <= limit``, see below.

Objective: maximize the mean of ``x_t``; ``mean_miss_rate_lb = 1 - max``.

Why it is a lower bound. Any schedule's in-time and completed frames define a feasible point:
every completed frame ran each layer once on some core, as original or variant, and that work
(counted at its latency, without transfers, queueing or the partial work of dropped frames)
fits the time the cores have. Everything else a real schedule must respect is relaxed:
deadlines beyond the span test, precedence and non-preemption within a frame (a layer may be
split over cores), transfers, the order of releases and the scheduler's lack of clairvoyance.
So the optimum served fraction is at least any schedule's, and ``1 - mean x_t`` at most its
mean miss rate, with two caveats stated exactly:

* steady state (no ``horizon_s``) bounds a run's rates in expectation over a long horizon:
  a finite run also has the time after its horizon and the release counts of its seed; the
  horizon form with the run's counted frames (:func:`terastal.metrics.accounting.released_counts`)
  is the bound of that run (tasks with no counted frame leave the mean, as in the metrics);
* the accuracy constraint must itself be a relaxation of the schedulers' rules. A job running
  the combination ``S`` loses ``L(S)``, not the sum of single-layer losses; the linear
  coefficient is ``c_l = min over measured combinations S containing l of L(S) / |S|`` (0 for
  a layer met only in unmeasured combinations, which the budget counts as free), so
  ``sum_{l in S} c_l <= L(S)`` for every combination a job can run. The rules: DREAM's
  switching and Terastal's static mode run admissible combinations (``L(S) <= limit`` each);
  Terastal's running budget admits a stronger combination only while the reserved and
  completed losses stay within ``limit x (completed + in-flight reserved jobs)``. A dropped
  reservation can leave the completed jobs' mean above the limit, but their *total* loss
  never exceeds ``limit x counted frames`` (at the last budget check the total held is within
  ``limit x`` the jobs released so far; later reservations are admissible, each at most the
  limit, and every in-flight job is a counted frame). With losses ``>= 0`` the frames the LP
  serves (a subset of the completed ones) lose no more, hence the constraint per counted
  frame. A task whose table has a combination with negative loss gets no accuracy
  constraint; the window and the per-job ceiling are dropped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from terastal.bound._fluid_lp import LPBuilder
from terastal.cost.tables import TaskCostTable
from terastal.errors import InputError
from terastal.model import Platform, Scenario, ancestors, release_rates

__all__ = ["FluidBound", "fluid_bound", "linear_losses", "task_spans_s"]


@dataclass(frozen=True)
class FluidBound:
    """Solution of the fluid capacity bound (see the module docstring).

    Attributes
    ----------
    mean_miss_rate_lb : float
        Lower bound on the mean per-task miss rate (``1 - mean served_fraction``).
    served_fraction : dict of str to float
        Per task, the optimal in-time fraction ``x_t + l_t`` (one optimal solution).
    completed_fraction : dict of str to float
        Per task, the completed fraction ``z_t`` of that solution.
    variant_share : dict of str to float
        Per task, the share of its completed layer executions run as variants.
    core_load : tuple of float
        Per accelerator, the share of its capacity the solution uses.
    span_s : dict of str to float
        Per task, the longest path of its fastest options (transfers ignored).
    always_missed : tuple of str
        Tasks whose span exceeds their relative deadline (``x_t = 0``).
    counted : tuple of str
        Tasks the mean averages over (all in steady state; those with a counted frame with a
        horizon).
    accuracy_limit : float or None
        The accuracy budget applied (None: no variants or no budget).
    horizon_s : float or None
        The run's horizon; None for the steady-state form.
    edge_s : float
        Time each core has beyond the horizon (largest sum of relative deadlines along a
        cascade; 0 in steady state).
    """

    mean_miss_rate_lb: float
    served_fraction: dict[str, float]
    completed_fraction: dict[str, float]
    variant_share: dict[str, float]
    core_load: tuple[float, ...]
    span_s: dict[str, float]
    always_missed: tuple[str, ...]
    counted: tuple[str, ...]
    accuracy_limit: float | None
    horizon_s: float | None
    edge_s: float


def _fastest(table: TaskCostTable, variants: tuple[int, ...]) -> np.ndarray:
    """Per layer, its lowest latency over accelerators (and its variant when allowed)."""
    best = table.latency_s.min(axis=1).copy()
    for li in variants:
        best[li] = min(best[li], float(np.nanmin(table.var_latency_s[li])))
    return best


def task_spans_s(
    scenario: Scenario,
    tables: Mapping[str, TaskCostTable],
    variants: Mapping[str, tuple[int, ...]] | None = None,
) -> dict[str, float]:
    """Per task, the longest path through its model of each layer's fastest option.

    Parameters
    ----------
    scenario : Scenario
    tables : mapping of str to TaskCostTable
    variants : mapping of str to tuple of int, optional
        Per task, the layers whose variant may run (its latency counts when lower).
    """
    out = {}
    for t in scenario.tasks:
        best = _fastest(tables[t.name], (variants or {}).get(t.name, ()))
        finish = np.zeros(len(best))
        for i, preds in enumerate(t.model.predecessors()):
            finish[i] = best[i] + max((finish[p] for p in preds), default=0.0)
        out[t.name] = float(finish.max())
    return out


def linear_losses(plan_task, variant_layers: tuple[int, ...]) -> dict[int, float] | None:
    """Per variant layer, a loss coefficient whose sum never exceeds a combination's loss.

    ``c_l = min over measured combinations S containing l of (1 - accuracy(S)) / |S|``, and 0
    for a layer in an admissible combination without a measurement (the budget counts such a
    job as free) or in none at all. ``None`` when some combination has a negative loss (then
    the relaxation argument of the module docstring does not hold and the task gets no
    accuracy constraint).
    """
    known = set(variant_layers)
    coef = {li: math.inf for li in variant_layers}
    for combo, acc in plan_task.accuracy.items():
        if not combo or not combo <= known:
            continue
        loss = 1.0 - acc
        if loss < 0:
            return None
        for li in combo:
            coef[li] = min(coef[li], loss / len(combo))
    for combo in plan_task.admissible:
        if combo and combo <= known and combo not in plan_task.accuracy:
            for li in combo:
                coef[li] = 0.0
    return {li: (0.0 if math.isinf(c) else c) for li, c in coef.items()}


def _variant_layers(plan, tables: Mapping[str, TaskCostTable]) -> dict[str, tuple[int, ...]]:
    out = {}
    for tp in plan.tasks:
        layers = tuple(li for li in tp.variant_layers if tables[tp.name].has_variant(li))
        if len(layers) != len(tp.variant_layers):
            raise InputError(
                f"task {tp.name!r}: the cost tables lack the plan's variant latencies "
                "(build them with the plan's variant shapes)",
                field="tables",
            )
        out[tp.name] = layers
    return out


def _weights(
    scenario: Scenario, horizon_s: float | None, released: Mapping[str, int] | None
) -> dict[str, float]:
    if horizon_s is None:
        if released is not None:
            raise InputError("released counts need a horizon", field="released")
        return release_rates(scenario.tasks)
    if not horizon_s > 0:
        raise InputError(f"horizon must be > 0, got {horizon_s}", field="horizon_s")
    if released is None:
        return {k: v * horizon_s for k, v in release_rates(scenario.tasks).items()}
    missing = [t.name for t in scenario.tasks if t.name not in released]
    if missing:
        raise InputError(f"no released count for task {missing[0]!r}", field="released")
    return {t.name: float(released[t.name]) for t in scenario.tasks}


def _edge_s(scenario: Scenario) -> float:
    """Largest sum of relative deadlines along a cascade, from its root to any task."""
    by_name = {t.name: t for t in scenario.tasks}
    out = 0.0
    for t in scenario.tasks:
        total = t.relative_deadline_s
        for up in ancestors(t, by_name):
            total += up.relative_deadline_s
        out = max(out, total)
    return out


def _after_edge(lp, scenario: Scenario, w, spans, counted) -> None:
    """Columns ``l_t`` of cascaded tasks: in time after ``H + E`` (module docstring)."""
    by_name = {t.name: t for t in scenario.tasks}
    kids = [t for t in scenario.tasks if t.depends_on is not None and w[t.name] > 0]
    for t in kids:
        cost = -1.0 / len(counted) if t.name in counted else 0.0
        lp.l[t.name] = lp.column(1.0 if _fits(t, spans) else 0.0, cost)
    for t in kids:
        col = lp.l[t.name]
        lp.row([(lp.z[t.name] + 1, 1.0), (col, 1.0)], 1.0)
        terms, rhs = [(col, w[t.name])], 0.0
        for up in ancestors(t, by_name):
            terms.append((lp.z[up.name] + 1, w[up.name]))
            if up.name in lp.l:
                terms.append((lp.l[up.name], w[up.name]))
            rhs += w[up.name]
        lp.row(terms, rhs)


def _fits(task, spans: Mapping[str, float]) -> bool:
    """Whether the task's best-case span fits its relative deadline (rounding-tolerant)."""
    return spans[task.name] <= task.relative_deadline_s * (1 + 1e-12)


def fluid_bound(
    scenario: Scenario,
    platform: Platform,
    tables: Mapping[str, TaskCostTable],
    *,
    plan=None,
    accuracy_limit: float | None = None,
    horizon_s: float | None = None,
    released: Mapping[str, int] | None = None,
) -> FluidBound:
    """Solve the fluid capacity bound of ``scenario`` on ``platform``.

    Parameters
    ----------
    scenario, platform : Scenario, Platform
    tables : mapping of str to TaskCostTable
        Cost tables; with ``plan``, built with its variant shapes.
    plan : Plan, optional
        Its variant layers may run at their variant latency, under the accuracy budget.
    accuracy_limit : float, optional
        Mean normalized loss allowed per task (default: the plan's ``accuracy_loss``;
        ``math.inf``: no budget).
    horizon_s : float, optional
        A run's horizon: the finite-run form (see the module docstring). None: steady state.
    released : mapping of str to int, optional
        With ``horizon_s``, each task's counted frames in the run (default: rate x horizon).

    Returns
    -------
    FluidBound
    """
    n_acc = len(platform.accelerators)
    variants = _variant_layers(plan, tables) if plan is not None else {}
    limit = None
    if plan is not None:
        limit = plan.accuracy_loss if accuracy_limit is None else float(accuracy_limit)
        if not limit >= 0:
            raise InputError(f"accuracy limit must be >= 0, got {limit}", field="accuracy_limit")
    w = _weights(scenario, horizon_s, released)
    spans = task_spans_s(scenario, tables, variants)
    edge = _edge_s(scenario) if horizon_s is not None else 0.0
    cap = horizon_s + edge if horizon_s is not None else 1.0
    counted = tuple(t.name for t in scenario.tasks if w[t.name] > 0)

    lp = LPBuilder(n_acc, cap)
    for t in scenario.tasks:
        vl = variants.get(t.name, ())
        coef = linear_losses(plan.task(t.name), vl) if vl else None
        feasible = _fits(t, spans)
        weight = -1.0 / len(counted) if t.name in counted else 0.0
        lp.add_task(t.name, tables[t.name], w[t.name], vl, feasible, weight, coef, limit)
    for t in scenario.tasks:
        if t.depends_on is not None:  # a child's completions never outnumber its parent's
            lp.row([(lp.z[t.name], w[t.name]), (lp.z[t.depends_on], -w[t.depends_on])], 0.0)
    if horizon_s is not None:
        _after_edge(lp, scenario, w, spans, counted)
    res = lp.solve()
    if res.status != 0:  # x = z = y = 0 is feasible, so only a numerical failure lands here
        raise RuntimeError(f"fluid bound LP failed: {res.message}")
    sol = np.clip(res.x, 0.0, None)
    served = {
        t.name: float(
            min(1.0, sol[lp.z[t.name] + 1] + (sol[lp.l[t.name]] if t.name in lp.l else 0))
        )
        for t in scenario.tasks
    }
    done = {t.name: float(min(1.0, sol[lp.z[t.name]])) for t in scenario.tasks}
    share = {}
    for name in done:
        total = float(sol[lp.cols[name]].sum())
        share[name] = float(sol[lp.vcols[name]].sum()) / total if total > 0 else 0.0
    load = lp.matrix(lp.capacity_entries(), n_acc) @ sol
    missed = tuple(t.name for t in scenario.tasks if not _fits(t, spans))
    mean_served = sum(served[k] for k in counted) / len(counted) if counted else 1.0
    return FluidBound(
        mean_miss_rate_lb=float(min(1.0, max(0.0, 1.0 - mean_served))),
        served_fraction=served,
        completed_fraction=done,
        variant_share=share,
        core_load=tuple(float(v) / cap for v in load),
        span_s=spans,
        always_missed=missed,
        counted=counted,
        accuracy_limit=limit if variants else None,
        horizon_s=horizon_s,
        edge_s=edge,
    )
