"""Heterogeneity-aware virtual budgets.

Each task's relative deadline ``D`` is split into per-layer budgets proportional to an
*expected latency* ``E_l``: ``b_l = D * E_l / sum(E)``; the virtual deadline of layer ``l`` is
its release plus ``b_0 + ... + b_l`` (layers in index order, a topological order), so the
last layer's virtual deadline is the job's deadline. Policies for ``E_l``:

``lp``
    Expected latency under a load-balanced fractional mapping of every task's layers onto
    the accelerators (variants allowed where admissible), from a linear program (see
    :func:`lp_mapping` and ``docs/design.md``).
``preferred``
    Latency on the layer's fastest accelerator (ablation).
``mean``
    Mean latency over the accelerators (ablation).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from terastal.cost.tables import TaskCostTable
from terastal.errors import InputError
from terastal.model import IDENTICAL_REL_TOL, Scenario, release_rates
from terastal.planner.design import LOSS_FLOOR, TaskAccuracy, TaskDesign

__all__ = [
    "BUDGET_POLICIES",
    "LP_ACCURACY_WEIGHT",
    "LP_WORK_WEIGHT",
    "BudgetResult",
    "compute_budgets",
    "fastest_share",
    "lp_mapping",
    "preferred_utilization",
    "split_budget",
]

BUDGET_POLICIES = ("lp", "preferred", "mean")
#: Weight of the total work (relative to the all-preferred total) in the LP objective.
LP_WORK_WEIGHT = 1e-3
#: Weight of the expected normalized accuracy loss in the LP objective.
LP_ACCURACY_WEIGHT = 0.1


@dataclass(frozen=True)
class BudgetResult:
    """Budgets of every task and the mapping they come from.

    Parameters
    ----------
    policy : str
        ``lp``, ``preferred`` or ``mean``.
    expected_latency_s, budget_s, deadline_offset_s : dict of str to ndarray
        Per task, per layer.
    share : dict of str to ndarray
        Per task, ``[layer, accelerator]`` fraction of the layer's executions mapped there.
    variant_share : dict of str to ndarray
        Per task, per layer: fraction of executions planned as the variant.
    utilization : ndarray
        Per accelerator, the utilization of the mapping.
    preferred_utilization : ndarray
        Per accelerator, the utilization when every layer runs on its fastest accelerator.
    note : str or None
        Why the LP fell back to ``preferred``, if it did.
    """

    policy: str
    expected_latency_s: dict[str, np.ndarray]
    budget_s: dict[str, np.ndarray]
    deadline_offset_s: dict[str, np.ndarray]
    share: dict[str, np.ndarray]
    variant_share: dict[str, np.ndarray]
    utilization: np.ndarray
    preferred_utilization: np.ndarray
    note: str | None = None


def split_budget(expected: np.ndarray, deadline_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Split ``deadline_s`` proportionally to ``expected``.

    Parameters
    ----------
    expected : ndarray
        Expected latency per layer (>= 0); all zero splits evenly.
    deadline_s : float
        The task's relative deadline.

    Returns
    -------
    budget_s, offset_s : ndarray
        Budgets summing to ``deadline_s`` and their running sums (last = ``deadline_s``).
    """
    e = np.maximum(np.asarray(expected, dtype=float), 0.0)
    total = e.sum()
    w = e / total if total > 0 else np.full(len(e), 1.0 / len(e))
    budget = deadline_s * w
    offset = np.cumsum(budget)
    offset[-1] = deadline_s
    return budget, offset


def fastest_share(lat: np.ndarray) -> np.ndarray:
    """``[layer, accelerator]`` shares splitting each layer evenly over its fastest accelerators.

    Accelerators within a relative ``IDENTICAL_REL_TOL`` of the fastest latency tie (identical
    cores).
    """
    lat = np.asarray(lat, dtype=float)
    tie = lat <= lat.min(axis=1, keepdims=True) * (1 + IDENTICAL_REL_TOL)
    return tie / tie.sum(axis=1, keepdims=True)


def preferred_utilization(scenario: Scenario, tables: Mapping[str, TaskCostTable]) -> np.ndarray:
    """Per accelerator, the utilization when every layer runs on its fastest accelerator(s)."""
    rate = release_rates(scenario.tasks)
    util = 0.0
    for t in scenario.tasks:
        lat = np.asarray(tables[t.name].latency_s, dtype=float)
        util = util + rate[t.name] * (fastest_share(lat) * lat).sum(axis=0)
    return np.asarray(util, dtype=float)


def lp_mapping(
    scenario: Scenario,
    tables: Mapping[str, TaskCostTable],
    designs: Mapping[str, TaskDesign],
    accuracy: Mapping[str, TaskAccuracy] | None = None,
    target_utilization: float | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
    """Load-balanced fractional mapping of all tasks' layers (the budget LP).

    Variables: ``x[t,l,a]`` (fraction of layer ``l`` of task ``t`` run as original on
    accelerator ``a``), ``y[t,l,a]`` (as its variant; selected layers only), ``q[t,S]``
    (fraction of jobs of ``t`` running admissible combination ``S``) and ``z``. With rate
    ``rho_t`` its expected releases per second (:func:`terastal.model.release_rates`: the
    root's fps times the trigger probabilities along a cascade)::

        min  z + w_W * sum_a U_a / W0 + w_A * sum_t sum_S q[t,S] * loss_t(S)
        s.t. U_a = sum_t rho_t sum_l (L[t,l,a] x[t,l,a] + V[t,l,a] y[t,l,a]) <= z * U0
             sum_a x[t,l,a] + y[t,l,a] = 1            for every layer
             sum_a y[t,l,a] = sum_{S contains l} q[t,S] for every selected layer
             sum_S q[t,S] = 1                          for every task with variants
             x, y, q >= 0

    ``U0`` / ``W0`` are the largest / summed utilization of the all-preferred mapping, so
    that the terms are of order one; ``loss_t(S)`` is floored at ``1e-4`` for non-empty
    ``S``. Tasks with rate 0 keep the all-preferred mapping. With ``target_utilization``
    ``theta``, ``z >= min(theta, U0) / U0``: balancing below ``theta`` gains nothing, so the
    mapping spends no variant (and no extra work) to push the bottleneck lower than that, and
    never loads a core beyond the all-preferred mapping's bottleneck.

    Returns
    -------
    share : dict of str to ndarray
        ``[layer, accelerator]`` fractions (original + variant).
    variant_share : dict of str to ndarray
        Per layer, the fraction run as variant.
    expected_latency : dict of str to ndarray
        Per layer, the latency expected under the mapping.
    utilization : ndarray
        Per accelerator, ``U_a`` of the mapping.

    Raises
    ------
    RuntimeError
        If HiGHS does not find an optimum.
    """
    # scipy.optimize takes a third of a second to import: only a plan that is built pays it.
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    rate = release_rates(scenario.tasks)
    tasks = [t for t in scenario.tasks if rate[t.name] > 0]
    na = next(iter(tables.values())).latency_s.shape[1]
    pref_u = preferred_utilization(scenario, tables)
    u0 = pref_u.max() if pref_u.max() > 0 else 1.0
    w0 = pref_u.sum() if pref_u.sum() > 0 else 1.0

    rows_ub: list[np.ndarray] = []  # (row, col, val) triplets for the utilization rows
    eq_r: list[np.ndarray] = []
    eq_c: list[np.ndarray] = []
    eq_v: list[np.ndarray] = []
    cost: list[np.ndarray] = [np.array([1.0])]  # z is column 0
    layout: dict[str, tuple[int, int, tuple[int, ...], int, list[frozenset[int]]]] = {}
    col, row = 1, 0
    for t in tasks:
        tab, des = tables[t.name], designs[t.name]
        lat = np.asarray(tab.latency_s, float)
        n = len(lat)
        sel = des.selected
        combos = sorted(des.admissible, key=lambda s: (len(s), sorted(s))) if sel else []
        xs, ys, qs = col, col + n * na, col + n * na + len(sel) * na
        layout[t.name] = (xs, ys, sel, qs, combos)
        coef = [rate[t.name] * lat.ravel() / u0]
        ucols = [np.arange(xs, xs + n * na)]
        # each layer's fractions sum to one
        eq_r.append(np.repeat(np.arange(row, row + n), na))
        eq_c.append(np.arange(xs, xs + n * na))
        eq_v.append(np.ones(n * na))
        if sel:
            vlat = np.asarray(tab.var_latency_s, float)[list(sel)]
            coef.append(rate[t.name] * vlat.ravel() / u0)
            ucols.append(np.arange(ys, ys + len(sel) * na))
            pos = {li: k for k, li in enumerate(sel)}
            for li in sel:
                k = pos[li]
                ycols = np.arange(ys + k * na, ys + (k + 1) * na)
                eq_r += [np.full(na, row + li), np.full(na, row + n + k)]
                eq_c += [ycols, ycols]
                eq_v += [np.ones(na), np.ones(na)]
                qcols = [qs + j for j, s in enumerate(combos) if li in s]
                eq_r.append(np.full(len(qcols), row + n + k))
                eq_c.append(np.array(qcols, dtype=int))
                eq_v.append(-np.ones(len(qcols)))
            qrow = row + n + len(sel)
            eq_r.append(np.full(len(combos), qrow))
            eq_c.append(np.arange(qs, qs + len(combos)))
            eq_v.append(np.ones(len(combos)))
            row = qrow + 1
        else:
            row += n
        u_val = np.concatenate(coef)
        u_col = np.concatenate(ucols)
        acc_of = np.tile(np.arange(na), len(u_val) // na)
        rows_ub.append(np.stack([acc_of, u_col, u_val]))
        cost.append(LP_WORK_WEIGHT * u_val * u0 / w0)
        if sel:
            norm = _combo_loss(combos, t.name, accuracy)
            cost.append(LP_ACCURACY_WEIGHT * norm)
        col = qs + len(combos)
    if not tasks:
        raise RuntimeError("no task with a positive rate")
    c = np.concatenate(cost)
    ub = np.concatenate(rows_ub, axis=1) if rows_ub else np.zeros((3, 0))
    a_ub = coo_matrix(
        (
            np.concatenate([ub[2], -np.ones(na)]),
            (
                np.concatenate([ub[0], np.arange(na)]).astype(int),
                np.concatenate([ub[1], np.zeros(na)]).astype(int),
            ),
        ),
        shape=(na, col),
    ).tocsr()
    a_eq = coo_matrix(
        (np.concatenate(eq_v), (np.concatenate(eq_r), np.concatenate(eq_c))), shape=(row, col)
    ).tocsr()
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=np.zeros(na),
        A_eq=a_eq,
        b_eq=_eq_rhs(row, layout, tables),
        bounds=[(min(target_utilization or 0.0, u0) / u0, None)] + [(0, None)] * (col - 1),
        method="highs",
    )
    if res.status != 0:
        raise RuntimeError(f"budget LP failed: {res.message}")
    sol = res.x
    util = (a_ub @ sol + sol[0]) * u0
    share: dict[str, np.ndarray] = {}
    vshare: dict[str, np.ndarray] = {}
    expected: dict[str, np.ndarray] = {}
    for t in scenario.tasks:
        tab = tables[t.name]
        lat = np.asarray(tab.latency_s, float)
        n = len(lat)
        if t.name not in layout:
            s = fastest_share(lat)
            share[t.name], vshare[t.name], expected[t.name] = s, np.zeros(n), lat.min(axis=1)
            continue
        xs, ys, sel, _, _ = layout[t.name]
        x = np.clip(sol[xs : xs + n * na].reshape(n, na), 0.0, 1.0)
        e = (x * lat).sum(axis=1)
        s = x.copy()
        v = np.zeros(n)
        if sel:
            y = np.clip(sol[ys : ys + len(sel) * na].reshape(len(sel), na), 0.0, 1.0)
            vlat = np.asarray(tab.var_latency_s, float)[list(sel)]
            e[list(sel)] += (y * vlat).sum(axis=1)
            s[list(sel)] += y
            v[list(sel)] = y.sum(axis=1)
        tot = s.sum(axis=1, keepdims=True)
        share[t.name], vshare[t.name], expected[t.name] = s / tot, v, e / tot[:, 0]
    return share, vshare, expected, util


def _eq_rhs(rows: int, layout: Mapping, tables: Mapping[str, TaskCostTable]) -> np.ndarray:
    """Right-hand side: 1 for layer and combination rows, 0 for variant-link rows."""
    b = np.zeros(rows)
    row = 0
    for name, (_, _, sel, _, _) in layout.items():
        n = tables[name].num_layers
        b[row : row + n] = 1.0
        row += n
        if sel:
            row += len(sel)
            b[row] = 1.0
            row += 1
    return b


def _combo_loss(
    combos: list[frozenset[int]], task: str, accuracy: Mapping[str, TaskAccuracy] | None
) -> np.ndarray:
    norm = accuracy[task].normalized if accuracy and task in accuracy else {}
    out = []
    for s in combos:
        if not s:
            out.append(0.0)
        else:
            out.append(max(1.0 - norm.get(s, 1.0), LOSS_FLOOR))
    return np.array(out)


def compute_budgets(
    scenario: Scenario,
    tables: Mapping[str, TaskCostTable],
    designs: Mapping[str, TaskDesign],
    policy: str = "lp",
    accuracy: Mapping[str, TaskAccuracy] | None = None,
    target_utilization: float | None = None,
) -> BudgetResult:
    """Per-layer budgets and virtual deadline offsets of every task.

    Parameters
    ----------
    scenario : Scenario
        Tasks with rates and relative deadlines.
    tables : mapping of str to TaskCostTable
        Costs (with variant latencies of the selected layers).
    designs : mapping of str to TaskDesign
        Variant design per task (which layers may run a variant, admissible combinations).
    policy : {"lp", "preferred", "mean"}
        How expected latencies are set.
    accuracy : mapping of str to TaskAccuracy, optional
        Normalized accuracies, used by the LP to prefer cheap combinations.
    target_utilization : float, optional
        The LP balances the bottleneck down to this utilization, not below (see
        :func:`lp_mapping`); ``None``: as low as it goes.

    Returns
    -------
    BudgetResult
    """
    if policy not in BUDGET_POLICIES:
        raise InputError(
            f"unknown budget policy {policy!r} (choose from {', '.join(BUDGET_POLICIES)})",
            field="budgets",
        )
    rate = release_rates(scenario.tasks)
    na = next(iter(tables.values())).latency_s.shape[1]
    pref_u = preferred_utilization(scenario, tables)
    note = None
    if policy == "lp":
        try:
            share, vshare, expected, util = lp_mapping(
                scenario, tables, designs, accuracy, target_utilization
            )
        except RuntimeError as exc:
            note, policy = f"{exc}; budgets fall back to 'preferred'", "preferred"
    if policy != "lp":
        share, vshare, expected = {}, {}, {}
        for t in scenario.tasks:
            lat = np.asarray(tables[t.name].latency_s, float)
            n = len(lat)
            if policy == "preferred":
                s = fastest_share(lat)
                expected[t.name] = lat.min(axis=1)
            else:
                s = np.full((n, na), 1.0 / na)
                expected[t.name] = lat.mean(axis=1)
            share[t.name], vshare[t.name] = s, np.zeros(n)
        util = sum(
            (rate[t.name] * (share[t.name] * tables[t.name].latency_s).sum(axis=0))
            for t in scenario.tasks
        ) + np.zeros(na)
    budget, offset = {}, {}
    for t in scenario.tasks:
        budget[t.name], offset[t.name] = split_budget(expected[t.name], t.relative_deadline_s)
    return BudgetResult(policy, expected, budget, offset, share, vshare, util, pref_u, note)
