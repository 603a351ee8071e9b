"""Window relaxation: a lower bound on missed jobs that stays valid at any instance size.

Each job becomes one Boolean ``y_j`` (in time) plus two numbers: its *work* ``w_j`` (sum over
layers of the lowest latency over accelerators and allowed variants) and its *span* ``P_j``
(longest path of those latencies through the model). A job in time lies in its window
``[r_j, d_j]`` (a cascaded job in the hull of the windows its upstream allows), so:

* ``P_j <= d_j - r_j`` (and ``w_j <= m (d_j - r_j)``), else the job is always missed;
* for every window ``[t1, t2]``, the work of the in-time jobs that must fall inside it fits
  the ``m`` accelerators: ``Σ_j y_j max(0, w_j - ρ_j (max(0, t1 - r_j) + max(0, d_j - t2)))
  <= m (t2 - t1)``, where ``ρ_j`` is how many accelerators the job can use at once (1 for a
  chain of layers, ``m`` otherwise), so ``ρ_j`` times the time outside ``[t1, t2]`` bounds
  the work done there.

Transfers, accelerator identities, admissibility and non-preemption are all dropped, so any
real schedule's in-time jobs satisfy these constraints: the minimum number of missed jobs
here (same counting as the full model, cascades included) is a valid lower bound. It is weak
on lightly loaded instances but cheap: windows whose total work already fits are skipped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from terastal.bound.grouping import make_blocks
from terastal.bound.model import VariantSpec, task_data
from terastal.bound.trace import Trace
from terastal.model import Platform
from terastal.sim.costs import TaskCosts

MAX_WINDOWS = 20000


def is_chain(costs: TaskCosts) -> bool:
    """Whether the model is a single chain (one layer at a time)."""
    return (
        all(len(p) <= 1 for p in costs.preds)
        and all(len(s) <= 1 for s in costs.succs)
        and sum(1 for p in costs.preds if not p) == 1
    )


def window_cuts(
    live: Sequence[int],
    r: Sequence[int],
    d: Sequence[int],
    work: Sequence[int],
    rho: Sequence[int],
    m: int,
    max_windows: int = MAX_WINDOWS,
) -> list[tuple[int, list[tuple[int, int]]]]:
    """Window constraints ``Σ_j coef_j y_j <= cap`` that the in-time jobs must satisfy.

    Parameters
    ----------
    live : sequence of int
        Jobs that may be in time.
    r, d : sequence of int
        Per job, earliest start and latest end (integer units).
    work : sequence of int
        Per job, minimum total processing.
    rho : sequence of int
        Per job, how many accelerators it can use at once.
    m : int
        Number of accelerators.
    max_windows : int
        Keep at most this many windows, the most overloaded first.

    Returns
    -------
    list of (cap, [(job, coef), ...])
        Only windows whose total mandatory work exceeds their capacity (others are implied).
    """
    if not live:
        return []
    R = np.array([r[j] for j in live], dtype=np.int64)
    D = np.array([d[j] for j in live], dtype=np.int64)
    W = np.array([work[j] for j in live], dtype=np.int64)
    P = np.array([rho[j] for j in live], dtype=np.int64)
    t2s = np.unique(D)
    found = []
    for t1 in np.unique(R):
        t2 = t2s[t2s > t1]
        if not len(t2):
            continue
        outside = np.maximum(0, t1 - R)[:, None] + np.maximum(0, D[:, None] - t2[None, :])
        mand = np.maximum(0, W[:, None] - P[:, None] * outside)
        cap = m * (t2 - t1)
        over = mand.sum(axis=0) - cap
        for k in np.nonzero(over > 0)[0]:
            found.append((int(over[k]), int(cap[k]), mand[:, k]))
    found.sort(key=lambda c: -c[0])
    out = []
    for _, cap, mand in found[:max_windows]:
        idx = np.nonzero(mand)[0]
        out.append((cap, [(live[i], int(mand[i])) for i in idx]))
    return out


def window_bound(
    trace: Trace,
    costs: Sequence[TaskCosts],
    platform: Platform,
    *,
    variants: Mapping[int, VariantSpec] | None = None,
    unit_s: float = 1e-9,
    time_limit_s: float = 10.0,
    workers: int = 2,
) -> dict:
    """Solve the window relaxation.

    Parameters
    ----------
    trace, costs, platform
        The instance (see :class:`terastal.bound.model.BoundModel`).
    variants : mapping of int to VariantSpec, optional
        Per task index, the variants it may use (their latencies count as the minimum).
    unit_s : float
        Seconds per integer time unit (durations rounded down).
    time_limit_s : float
        Solver time limit.
    workers : int
        CP-SAT workers.

    Returns
    -------
    dict
        ``lower_bound`` (valid), ``value`` (best relaxed solution), ``optimal``, ``windows``.
    """
    from ortools.sat.python import cp_model

    m = len(platform.accelerators)
    variants = variants or {}
    tds = [
        task_data(c, platform, make_blocks(c, 1), unit_s, variants.get(i))
        for i, c in enumerate(costs)
    ]
    work = [sum(td.mind) for td in tds]
    rho = [1 if is_chain(c) else m for c in costs]
    sigma = 2 + max((len(p) for c in costs for p in c.preds), default=0)
    horizon = math.floor(trace.horizon_s / unit_s)
    cp = cp_model.CpModel()
    n = len(trace.jobs)
    r = [0] * n
    d = [0] * n
    y: list = [None] * n
    exists: list = [1] * n
    missed = []
    for job in trace.jobs:
        td = tds[job.task]
        if job.cascaded:
            u = job.upstream
            if y[u] is None:
                exists[job.id] = 0
                continue
            r[job.id] = r[u] + tds[trace.jobs[u].task].span
            d[job.id] = d[u] + math.ceil(job.deadline_rel_s / unit_s) + sigma
            x = exists[job.id] = cp.new_bool_var(f"x{job.id}")
            cp.add_implication(x, y[u])
            if d[u] < horizon - sigma:
                cp.add_implication(y[u], x)
        else:
            r[job.id] = math.floor(job.release_s / unit_s)
            d[job.id] = math.floor((job.release_s + job.deadline_rel_s) / unit_s)
        width = d[job.id] - r[job.id]
        if td.span <= width and work[job.task] <= m * width:
            y[job.id] = cp.new_bool_var(f"y{job.id}")
            if job.cascaded:
                cp.add_implication(y[job.id], exists[job.id])
        missed.append(exists[job.id] - (0 if y[job.id] is None else y[job.id]))
    live = [j for j in range(n) if y[j] is not None]
    job_work = [work[j.task] for j in trace.jobs]
    job_rho = [rho[j.task] for j in trace.jobs]
    cuts = window_cuts(live, r, d, job_work, job_rho, m)
    for cap, terms in cuts:
        cp.add(sum(coef * y[j] for j, coef in terms) <= cap)
    windows = len(cuts)
    obj = sum(missed)
    if isinstance(obj, int):
        return {"lower_bound": obj, "value": obj, "optimal": True, "windows": 0}
    cp.minimize(obj)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    solver.parameters.num_workers = int(workers)
    status = solver.solve(cp)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return {"lower_bound": 0, "value": None, "optimal": False, "windows": windows}
    return {
        "lower_bound": max(0, math.ceil(solver.best_objective_bound - 1e-6)),
        "value": round(solver.objective_value),
        "optimal": status == cp_model.OPTIMAL,
        "windows": windows,
    }
