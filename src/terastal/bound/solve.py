"""Solve the offline bound: build the trace and model, warm-start, solve, replay, report.

Two phases, lexicographic: (1) minimize the number of missed jobs under the time limit;
(2) if variants are allowed and time is left, keep that number and minimize the summed
accuracy loss. Integer time (``unit_s``, default 1 ns) rounds every duration, transfer,
release and absolute deadline **down**, so the model is a relaxation of the real problem
and its proven bound is a valid lower bound (see :mod:`terastal.bound.model`).

What is reported (``BoundSolution.summary``, written as ``bound.json``):

* ``missed_best``: misses of the best schedule found, **replayed in real time** and checked
  by the simulator's invariants - achievable by a clairvoyant scheduler;
* ``missed_lower_bound``: a proven lower bound on the misses of *any* schedule, hence of
  every online scheduler: the layer model's bound (``group_layers = 1``) or the window
  relaxation's (:mod:`terastal.bound.relax`), whichever is larger;
* ``optimal``: the two are equal.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from terastal.bound import interruptible
from terastal.bound.model import LOSS_SCALE, BoundModel, VariantSpec
from terastal.bound.replay import Placement, missed_count, replay
from terastal.bound.trace import Trace, build_trace
from terastal.errors import TerastalError
from terastal.model import Platform, Scenario
from terastal.model.costs import TaskCosts
from terastal.model.job import DROPPED
from terastal.sim.costs import build_task_costs
from terastal.sim.result import SimResult

WARM_MIN_LAYERS = 32  # models at least this long get a grouped warm start
WARM_BLOCKS = 16  # ... with about this many blocks per job


@dataclass
class BoundSolution:
    """Outcome of :func:`solve_bound`.

    Attributes
    ----------
    summary : dict
        JSON-ready report (see the module docstring).
    result : SimResult or None
        The replayed best schedule (None when no schedule was found).
    trace : Trace
        The jobs.
    """

    summary: dict
    result: SimResult | None
    trace: Trace


def variant_specs(
    costs: Sequence[TaskCosts],
    plan: Any = None,
    admissible: Mapping[str, Mapping[frozenset[int], float]] | None = None,
) -> dict[int, VariantSpec]:
    """Per task index, the variants the model may use.

    Parameters
    ----------
    costs : sequence of TaskCosts
        Per task; a layer needs variant costs in the tables to be usable.
    plan : Plan, optional
        Admissible combinations and accuracies (``loss = 1 - accuracy``, 0 when unmeasured).
    admissible : mapping, optional
        ``{task: {combination: loss}}``, overriding the plan (the empty combination is always
        admissible).
    """
    out: dict[int, VariantSpec] = {}
    for i, c in enumerate(costs):
        name = c.task.name
        combos: dict[frozenset[int], float] = {}
        if admissible is not None and name in admissible:
            combos = {frozenset(k): float(v) for k, v in admissible[name].items()}
        elif plan is not None:
            tp = plan.task(name)
            for s in tp.admissible:
                acc = tp.accuracy_of(s)
                combos[s] = 0.0 if acc is None or math.isnan(acc) else max(0.0, 1.0 - acc)
        usable = {layer for layer in range(c.num_layers) if c.var_lat[layer] is not None}
        combos = {s: v for s, v in combos.items() if s <= usable}
        combos.setdefault(frozenset(), 0.0)
        layers = tuple(sorted(set().union(*combos)))
        if layers:
            keys = sorted(combos, key=lambda s: (len(s), sorted(s)))
            out[i] = VariantSpec(layers, tuple(keys), tuple(combos[k] for k in keys))
    return out


def _ortools():
    try:
        from ortools.sat.python import cp_model
    except ImportError:
        raise TerastalError(
            "the offline bound needs OR-Tools: pip install 'terastal[bound]'"
        ) from None
    return cp_model


def _online_runs(scenario, platform, tables, duration_s, seed, plan, names):
    """Runs of online schedulers on the same trace, by name, and the errors of failing ones.

    The runs only seed the solver, so a scheduler that fails is reported and skipped.
    """
    from terastal.schedulers import available_schedulers, make_scheduler
    from terastal.sim import simulate

    out, errors = {}, {}
    for name in names if names is not None else available_schedulers():
        opts = {"plan": plan} if name == "terastal" and plan is not None else {}
        try:
            sched = make_scheduler(name, **opts)
            out[name] = simulate(
                scenario, platform, tables, sched, duration_s=duration_s, seed=seed, record=True
            )
        except Exception as exc:  # any failure only loses a warm start
            errors[name] = f"{type(exc).__name__}: {exc}"
    return out, errors


def extract(bm: BoundModel, solver) -> list[Placement]:
    """The blocks of every job the solver's solution runs."""
    out = []
    for tj, jv in zip(bm.trace.jobs, bm.jobs, strict=True):
        if jv.run is None or not solver.boolean_value(jv.run):
            continue
        for b in bm.tasks[tj.task].blocks:
            acc = next(a for a, y in enumerate(jv.y[b.index]) if solver.boolean_value(y))
            var = frozenset(
                layer for layer in b.layers
                if layer in jv.w and solver.boolean_value(jv.w[layer][acc])
            )  # fmt: skip
            out.append(Placement(tj.id, b.layers, acc, solver.value(jv.start[b.index]), var))
    return out


def solve_bound(
    scenario: Scenario, platform: Platform, tables: Mapping, duration_s: float, seed: int = 0,
    *, plan: Any = None, admissible: Mapping | None = None, time_limit_s: float = 60.0,
    group_layers: int = 1, unit_s: float = 1e-9, workers: int = 2, hint: bool = True,
    hint_schedulers: Sequence[str] | None = None, relax: bool = True, random_seed: int = 0,
) -> BoundSolution:  # fmt: skip
    """Compute the offline bound of one scenario, platform, horizon and seed.

    Parameters
    ----------
    scenario, platform, tables
        The instance, as for :func:`terastal.sim.simulate`.
    duration_s : float
        Release horizon in seconds.
    seed : int
        Seed of the arrivals (the same trace as every simulation with this seed).
    plan : Plan, optional
        Admissible variant combinations and accuracies; without it (or ``admissible``) no
        variant is used.
    admissible : mapping, optional
        ``{task: {frozenset(layers): accuracy loss}}`` instead of a plan.
    time_limit_s : float
        Solver time limit. The window relaxation runs first with a quarter of it (at least
        1 s), the model gets the rest (both phases together), and a repair solve, if needed,
        what is left of that or a tenth of the limit; model building comes on top.
    group_layers : int
        Layers per block; 1 is exact, more is a heuristic (:mod:`terastal.bound.grouping`).
    unit_s : float
        Seconds per integer time unit.
    workers : int
        CP-SAT workers.
    hint : bool
        Warm-start the layer model from the best online scheduler's run or, for models of
        ``WARM_MIN_LAYERS`` layers or more, of a quick grouped solve (a fifth of the limit).
    hint_schedulers : sequence of str, optional
        Which schedulers to run for the hint (default: every registered one).
    relax : bool
        Also solve the window relaxation for a lower bound.
    random_seed : int
        CP-SAT seed.

    Returns
    -------
    BoundSolution
    """
    _ortools()
    t_start = time.perf_counter()
    costs = build_task_costs(scenario, platform, tables)
    trace = build_trace(scenario, duration_s, seed)
    specs = variant_specs(costs, plan, admissible)
    timing: dict[str, float] = {}
    hinted, hint_errors, runs = None, {}, {}
    if hint and group_layers == 1:
        t0 = time.perf_counter()
        runs, hint_errors = _online_runs(
            scenario, platform, tables, duration_s, seed, plan, hint_schedulers
        )
        timing["online_s"] = time.perf_counter() - t0
    exact = group_layers == 1
    longest = max(c.num_layers for c in costs)
    if hint and exact and longest >= WARM_MIN_LAYERS:
        # Long chains: a quick grouped solve often finds far better schedules than the
        # online schedulers; its replay is a real schedule, so it can seed the layer model.
        t0 = time.perf_counter()
        k = max(2, longest // WARM_BLOCKS)
        gm = BoundModel(trace, costs, platform, safe=True, variants=specs, group_layers=k,
                        unit_s=unit_s, cuts=False)  # fmt: skip
        warm = _solve_lexicographic(
            gm, 0.2 * time_limit_s, workers=workers, random_seed=random_seed, label="warm start"
        )
        if warm["found"]:
            runs[f"grouped (K={k})"] = replay(trace, costs, platform, warm["placements"], unit_s)
        timing["warm_s"] = time.perf_counter() - t0
    if runs:
        best = min(runs, key=lambda k: (missed_count(runs[k]), k))
        hinted = (best, missed_count(runs[best]))
    relaxation, cuts = None, True
    if relax:
        from terastal.bound.relax import window_bound

        t0 = time.perf_counter()
        relaxation = window_bound(
            trace, costs, platform, variants=specs, unit_s=unit_s,
            time_limit_s=max(1.0, 0.25 * time_limit_s), workers=workers,
        )  # fmt: skip
        cuts = relaxation.pop("cuts") or False
        timing["relax_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    kw = {"variants": specs, "group_layers": group_layers, "unit_s": unit_s, "cuts": cuts}
    # The grouped model yields no bound anyway: build it safe, so that it replays exactly.
    bm = BoundModel(trace, costs, platform, safe=not exact, **kw)
    if hinted is not None:
        from terastal.bound.hints import hint_from_result

        hint_from_result(bm, runs[hinted[0]])
    timing["build_s"] = time.perf_counter() - t0
    params = {"workers": workers, "random_seed": random_seed}
    t0 = time.perf_counter()
    budget = max(1.0, time_limit_s - timing.get("relax_s", 0.0) - timing.get("warm_s", 0.0))
    out = _solve_lexicographic(bm, budget, **params)
    timing["solve_s"] = time.perf_counter() - t0
    if out["status"] == "INFEASIBLE":
        raise TerastalError("the offline model is infeasible (please report this instance)")
    result = replay(trace, costs, platform, out["placements"], unit_s) if out["found"] else None
    best = missed_count(result) if result is not None else None
    repaired = None
    if best is not None and best > out["missed"]:
        # Rounding cost the replay a job: re-solve the safe model, which replays exactly.
        from terastal.bound.hints import hint_from_solver

        t0 = time.perf_counter()
        safe = BoundModel(trace, costs, platform, safe=True, **kw)
        hint_from_solver(safe, out["solver"], bm)
        left = max(budget - timing["solve_s"], 0.1 * time_limit_s)
        rep = _solve_lexicographic(safe, left, **params, label="repair")
        timing["repair_s"] = time.perf_counter() - t0
        if rep["found"]:
            again = replay(trace, costs, platform, rep["placements"], unit_s)
            repaired = {"status": rep["status"], "missed": missed_count(again)}
            if missed_count(again) < best:
                result, best = again, missed_count(again)
    best_source = "solver" if result is not None else None
    if result is None and not runs:
        # Nothing found in time and no warm start ran: the online schedules still bound it.
        runs, errors = _online_runs(
            scenario, platform, tables, duration_s, seed, plan, hint_schedulers
        )
        hint_errors.update(errors)
        if runs:
            name = min(runs, key=lambda k: (missed_count(runs[k]), k))
            hinted = (name, missed_count(runs[name]))
    if hinted is not None and (best is None or hinted[1] < best):
        # The warm start is a real schedule on this trace: the bound is never worse than it
        # (a short time limit can stop the solver before it gets back there).
        result, best, best_source = runs[hinted[0]], hinted[1], hinted[0]
    lower = out["lower_bound"] if exact else 0
    source = "model" if exact else None
    if relaxation is not None and relaxation["lower_bound"] > lower:
        lower, source = relaxation["lower_bound"], "window relaxation"
    timing["total_s"] = time.perf_counter() - t_start
    summary = {
        "scenario": scenario.name,
        "platform": platform.name,
        "duration_s": duration_s,
        "seed": seed,
        "group_layers": group_layers,
        "time_limit_s": time_limit_s,
        "unit_s": unit_s,
        "workers": workers,
        "missed_best": best,
        "best_source": best_source,
        "released": len(result.counted_jobs) if result is not None else None,
        "missed_lower_bound": lower,
        "optimal": best is not None and best == lower,
        "missed_model": out["missed"],
        "model_status": out["status"],
        "repair": repaired,
        "lower_bound_source": source,
        "best_is_heuristic": not exact,
        "hint": None if hinted is None else {"scheduler": hinted[0], "missed": hinted[1]},
        "hint_errors": hint_errors,
        "relaxation": relaxation,
        "accuracy_loss_model": out["loss"],
        "instance": bm.stats(),
        "timing": timing,
        "jobs": per_job(result) if result is not None else [],
    }
    return BoundSolution(summary, result, trace)


def _solve_lexicographic(
    bm: BoundModel, time_limit_s: float, *, workers: int, random_seed: int, label: str = "misses"
):
    """Minimize missed jobs, then (variants, time left) accuracy loss at that many misses.

    The second phase gets what is left of the limit, at most half of it.
    """
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = int(random_seed)
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    # Core-based search on the miss literals proves bounds far faster than LP branching here.
    solver.parameters.optimize_with_core = True
    t0 = time.perf_counter()
    status = interruptible.solve(solver, bm.cp, label)
    used = time.perf_counter() - t0
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    out = {
        "status": solver.status_name(status),
        "found": found,
        "lower_bound": max(0, math.ceil(solver.best_objective_bound - 1e-6)) if found else 0,
        "missed": round(solver.objective_value) if found else None,
        "placements": extract(bm, solver) if found else [],
        "loss": None,
        "solver": solver,
    }
    left = time_limit_s - used
    if found and bm.has_variants and left > 0.05 * time_limit_s:
        from terastal.bound.hints import hint_from_solver

        hint_from_solver(bm, solver)
        bm.cp.add(bm.missed <= out["missed"])
        bm.cp.minimize(bm.loss)
        solver.parameters.max_time_in_seconds = float(min(left, 0.5 * time_limit_s))
        solver.parameters.optimize_with_core = False
        status2 = interruptible.solve(solver, bm.cp, "accuracy")
        if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            out["placements"] = extract(bm, solver)
            out["loss"] = solver.objective_value / LOSS_SCALE
        bm.cp.minimize(bm.missed)
    return out


def per_job(result: SimResult) -> list[dict]:
    """Per released counted job of the schedule (replayed, or an online run's: its load-only
    jobs are left out): task, frame, times, status, placement."""
    out = []
    by_job: dict[int, list] = {}
    for rec in result.log:
        by_job.setdefault(rec.job_id, []).append(rec)
    for job in result.counted_jobs:
        recs = sorted(by_job.get(job.id, ()), key=lambda r: r.layer)
        out.append({
            "task": job.task.name,
            "frame": job.frame,
            "release_ms": job.release * 1e3,
            "deadline_ms": job.deadline * 1e3,
            "status": job.status,
            "finish_ms": None if job.status == DROPPED else job.finish * 1e3,
            "accelerators": [r.accelerator for r in recs],
            "variants": sorted(job.variants),
        })  # fmt: skip
    return out
