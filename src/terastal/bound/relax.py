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
here (same counting as the full model, cascades included) is a valid lower bound.

There are O(jobs²) windows, most of them slack. They are generated as needed: the linear
relaxation (HiGHS via SciPy) is solved, the windows its solution overloads are added, and so
on until none is; then CP-SAT solves the Boolean problem over the windows found. Every bound
on the way is valid (fewer constraints only lower it). The bound is strong when the load is
high (many misses) and near zero when the jobs fit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from terastal.bound import interruptible
from terastal.bound.grouping import make_blocks
from terastal.bound.model import VariantSpec, task_data
from terastal.bound.trace import Trace
from terastal.model import Platform
from terastal.model.costs import TaskCosts

MAX_WINDOWS = 200  # windows kept when every job is assumed in time


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
    weights: Sequence[float] | None = None,
    skip: set | None = None,
) -> list[tuple[int, list[tuple[int, int]], tuple[int, int]]]:
    """Window constraints ``Σ_j coef_j y_j <= cap`` that ``y = weights`` violates.

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
        Return at most this many windows, the most overloaded first.
    weights : sequence of float, optional
        Per live job, its value of ``y`` (default: all 1).
    skip : set of (int, int), optional
        Windows ``(t1, t2)`` to leave out (already added).

    Returns
    -------
    list of (cap, [(job, coef), ...], (t1, t2))
    """
    if not live:
        return []
    R = np.array([r[j] for j in live], dtype=np.int64)
    D = np.array([d[j] for j in live], dtype=np.int64)
    W = np.array([work[j] for j in live], dtype=np.int64)
    P = np.array([rho[j] for j in live], dtype=np.int64)
    on = np.ones(len(live)) if weights is None else np.asarray(weights, dtype=float)
    act = on > 1e-9
    if not act.any():
        return []
    t2s = np.unique(D[act])
    found = []
    for t1 in np.unique(R[act]):
        t2 = t2s[t2s > t1]
        if not len(t2):
            continue
        outside = np.maximum(0, t1 - R)[:, None] + np.maximum(0, D[:, None] - t2[None, :])
        mand = np.maximum(0, W[:, None] - P[:, None] * outside)
        cap = m * (t2 - t1)
        over = (mand * on[:, None]).sum(axis=0) - cap
        for k in np.nonzero(over > 0.5)[0]:
            key = (int(t1), int(t2[k]))
            if skip is None or key not in skip:
                found.append((float(over[k]), int(cap[k]), mand[:, k], key))
    found.sort(key=lambda c: -c[0])
    out = []
    for _, cap, mand, key in found[:max_windows]:
        idx = np.nonzero(mand)[0]
        out.append((cap, [(live[i], int(mand[i])) for i in idx], key))
    return out


def _jobs(trace, costs, platform, variants, unit_s):
    """Per job: window, work, parallelism and how its existence is tied to its upstream."""
    m = len(platform.accelerators)
    tds = [
        task_data(c, platform, make_blocks(c, 1), unit_s, (variants or {}).get(i))
        for i, c in enumerate(costs)
    ]
    work = [sum(td.mind) for td in tds]
    rho = [1 if is_chain(c) else m for c in costs]
    sigma = 2 + max((len(p) for c in costs for p in c.preds), default=0)
    n = len(trace.jobs)
    J = {"r": [0] * n, "d": [0] * n, "live": [False] * n, "kind": [""] * n}
    J["work"] = [work[j.task] for j in trace.jobs]
    J["rho"] = [rho[j.task] for j in trace.jobs]
    for job in trace.jobs:
        i, td = job.id, tds[job.task]
        if job.cascaded:
            u = job.upstream
            if not J["live"][u]:
                J["kind"][i] = "never"  # its upstream is never in time: never released
                continue
            J["r"][i] = J["r"][u] + tds[trace.jobs[u].task].span
            J["d"][i] = J["d"][u] + math.ceil(job.deadline_rel_s / unit_s) + sigma
            # Released whenever the upstream is in time (the engine releases the children of
            # a job completing after the horizon too, and runs them to their end).
            J["kind"][i] = "tied"
        else:
            J["r"][i] = math.floor(job.release_s / unit_s)
            J["d"][i] = math.floor((job.release_s + job.deadline_rel_s) / unit_s)
            J["kind"][i] = "periodic"
        width = J["d"][i] - J["r"][i]
        J["live"][i] = td.span <= width and work[job.task] <= m * width
    return J


def _lp(trace, J, rows, time_left):
    """Solve the linear relaxation over the windows in ``rows``; (objective, y per job)."""
    n = len(trace.jobs)
    yv = {j: k for k, j in enumerate(j for j in range(n) if J["live"][j])}
    xv = {j: len(yv) + k for k, j in enumerate(j for j in range(n) if J["kind"][j] == "tied")}
    c = np.zeros(len(yv) + len(xv))
    const = 0.0
    data, ri, ci, b = [], [], [], []

    def row(terms, rhs):
        for col, v in terms:
            data.append(v)
            ri.append(len(b))
            ci.append(col)
        b.append(rhs)

    for job in trace.jobs:
        j = job.id
        if J["kind"][j] == "periodic":
            const += 1
            if j in yv:
                c[yv[j]] -= 1
        elif j in xv:
            c[xv[j]] += 1
            if j in yv:
                c[yv[j]] -= 1
                row([(yv[j], 1), (xv[j], -1)], 0)
            row([(xv[j], 1), (yv[job.upstream], -1)], 0)
            row([(yv[job.upstream], 1), (xv[j], -1)], 0)
    for cap, terms in rows:
        row([(yv[j], coef) for j, coef in terms], cap)
    if not len(c):
        return const, []
    a = csr_matrix((data, (ri, ci)), shape=(len(b), len(c))) if b else None
    res = linprog(
        c, A_ub=a, b_ub=b or None, bounds=(0, 1), method="highs",
        options={"time_limit": max(0.1, time_left)},
    )  # fmt: skip
    if res.status != 0:
        return None, None
    return const + res.fun, [res.x[yv[j]] for j in yv]


def window_bound(
    trace: Trace,
    costs: Sequence[TaskCosts],
    platform: Platform,
    *,
    variants: Mapping[int, VariantSpec] | None = None,
    unit_s: float = 1e-9,
    time_limit_s: float = 10.0,
    workers: int = 2,
    rounds: int = 50,
    per_round: int = 300,
) -> dict:
    """Solve the window relaxation (see the module docstring).

    Parameters
    ----------
    trace, costs, platform
        The instance (see :class:`terastal.bound.model.BoundModel`).
    variants : mapping of int to VariantSpec, optional
        Per task index, the variants it may use (their latencies count as the minimum).
    unit_s : float
        Seconds per integer time unit (durations rounded down).
    time_limit_s : float
        Time limit of the whole relaxation.
    workers : int
        CP-SAT workers.
    rounds, per_round : int
        At most this many rounds of the linear relaxation, adding at most this many
        windows each.

    Returns
    -------
    dict
        ``lower_bound`` (valid), ``lp_bound``, ``value`` (best Boolean solution),
        ``optimal``, ``windows`` (number found), and ``cuts``: those windows as
        ``(cap, [(job, coef), ...])``, valid for the full model too (not JSON-ready).
    """
    from ortools.sat.python import cp_model

    t_start = time.perf_counter()
    m = len(platform.accelerators)
    J = _jobs(trace, costs, platform, variants, unit_s)
    live = [j for j in range(len(trace.jobs)) if J["live"][j]]
    cuts, keys = [], set()
    weights, lp_bound = None, 0
    for _ in range(rounds):
        new = window_cuts(live, J["r"], J["d"], J["work"], J["rho"], m, per_round, weights, keys)
        if not new and weights is not None:
            break
        for cap, terms, key in new:
            cuts.append((cap, terms))
            keys.add(key)
        left = 0.5 * time_limit_s - (time.perf_counter() - t_start)
        if left <= 0:
            break
        value, weights = _lp(trace, J, cuts, left)
        if value is None:
            break
        lp_bound = max(lp_bound, math.ceil(value - 1e-6))
    # The Boolean problem over the windows found.
    cp = cp_model.CpModel()
    y = {j: cp.new_bool_var(f"y{j}") for j in live}
    missed = []
    for job in trace.jobs:
        j, kind = job.id, J["kind"][job.id]
        if kind == "periodic":
            missed.append(1 - y[j] if j in y else 1)
        elif kind == "tied":
            x = cp.new_bool_var(f"x{j}")
            cp.add_implication(x, y[job.upstream])
            cp.add_implication(y[job.upstream], x)
            if j in y:
                cp.add_implication(y[j], x)
            missed.append(x - y[j] if j in y else x)
    cp.minimize(sum(missed))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = int(workers)
    new = [(cap, terms, None) for cap, terms in cuts]
    ip_bound, value, optimal = 0, None, False
    for _ in range(rounds):
        # Add the windows, solve, and repeat with the windows the Boolean solution overloads.
        for cap, terms, key in new:
            cp.add(sum(coef * y[j] for j, coef in terms) <= cap)
            if key is not None:
                cuts.append((cap, terms))
                keys.add(key)
        left = time_limit_s - (time.perf_counter() - t_start)
        solver.parameters.max_time_in_seconds = max(0.5, left)
        status = interruptible.solve(solver, cp, "relaxation")
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        ip_bound = max(ip_bound, math.ceil(solver.best_objective_bound - 1e-6))
        value = round(solver.objective_value)
        sel = [1.0 if solver.boolean_value(y[j]) else 0.0 for j in live]
        new = window_cuts(live, J["r"], J["d"], J["work"], J["rho"], m, per_round, sel, keys)
        if not new:
            optimal = status == cp_model.OPTIMAL
            break
        if left <= 0.5:
            break
        cp.clear_hints()
    return {
        "lower_bound": max(0, lp_bound, ip_bound),
        "lp_bound": lp_bound,
        "value": value,
        "optimal": optimal,
        "windows": len(cuts),
        "cuts": cuts,
    }
