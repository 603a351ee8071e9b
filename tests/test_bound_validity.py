"""The bound is valid: never above any online scheduler, and its schedule is a real one."""

import pytest

pytest.importorskip("ortools")

from ortools.sat.python import cp_model

from terastal.bound import build_trace, solve_bound
from terastal.bound.hints import hint_from_result
from terastal.bound.model import BoundModel
from terastal.bound.replay import Placement, missed_count, replay
from terastal.model.job import IN_TIME
from terastal.schedulers import available_schedulers, make_scheduler
from terastal.sim import simulate
from terastal.sim.costs import build_task_costs
from terastal.sim.invariants import InvariantError
from terastal.sim.synthetic import random_case

DURATION = 0.08


def online(sc, pf, tb, seed, late="scheduler"):
    return {
        name: simulate(sc, pf, tb, make_scheduler(name), duration_s=DURATION, seed=seed, late=late)
        for name in available_schedulers()
    }


@pytest.mark.parametrize("seed", [1, 3, 6])
def test_bound_is_never_worse_than_any_online_scheduler(seed):
    sc, pf, tb = random_case(seed, load=1.1, variants=False)
    sol = solve_bound(sc, pf, tb, DURATION, seed, time_limit_s=10)
    s = sol.summary
    assert s["missed_lower_bound"] <= s["missed_best"]
    for late in ("scheduler", "keep"):
        for name, run in online(sc, pf, tb, seed, late).items():
            missed = missed_count(run)
            assert s["missed_lower_bound"] <= missed, (name, late)
            if s["optimal"]:
                assert s["missed_best"] <= missed, (name, late)


@pytest.mark.parametrize("seed", [0, 2, 5])
def test_every_online_run_is_a_solution_of_the_model(seed):
    # The relaxation argument, checked: an online run's schedule, fixed in the model, is
    # feasible and counts at most as many misses as the run.
    sc, pf, tb = random_case(seed, load=1.2, variants=False)
    costs = build_task_costs(sc, pf, tb)
    trace = build_trace(sc, DURATION, seed)
    for name in ("edf", "dream", "heft"):
        run = simulate(sc, pf, tb, make_scheduler(name), duration_s=DURATION, seed=seed)
        bm = BoundModel(trace, costs, pf)
        counted = hint_from_result(bm, run)
        # Cascaded jobs of late upstreams are released in the run but not counted by the
        # model, which drops a missed upstream instead (never more misses).
        assert counted <= missed_count(run)
        hint = bm.cp.proto.solution_hint
        for var, value in zip(hint.vars, hint.values, strict=True):
            bm.cp.add(bm.cp.get_int_var_from_proto_index(var) == value)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 2
        solver.parameters.max_time_in_seconds = 10
        assert solver.solve(bm.cp) in (cp_model.OPTIMAL, cp_model.FEASIBLE), name
        assert round(solver.objective_value) <= counted


def test_replayed_schedule_passes_the_simulator_invariants():
    sc, pf, tb = random_case(4, load=1.0)
    sol = solve_bound(sc, pf, tb, DURATION, 4, time_limit_s=10, hint=False)
    result = sol.result
    assert result is not None and result.log
    assert missed_count(result) == sol.summary["missed_best"]
    # Same released periodic jobs as the simulator.
    run = simulate(sc, pf, tb, make_scheduler("edf"), duration_s=DURATION, seed=4)
    periodic = {
        (j.task.name, j.frame, j.release) for j in run.counted_jobs if j.task.depends_on is None
    }
    mine = {
        (j.task.name, j.frame, j.release) for j in result.counted_jobs if j.task.depends_on is None
    }
    assert mine == periodic


def test_replay_keeps_solver_times_and_is_checked(monkeypatch):
    import terastal.bound.replay as rp

    sc, pf, tb = random_case(4, load=1.0, variants=False)
    costs = build_task_costs(sc, pf, tb)
    trace = build_trace(sc, DURATION, 4)
    bm = BoundModel(trace, costs, pf)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = 10
    assert solver.solve(bm.cp) == cp_model.OPTIMAL
    from terastal.bound.solve import extract

    placements = extract(bm, solver)
    calls = []
    monkeypatch.setattr(rp, "check_invariants", lambda r: calls.append(r) or check(r))
    result = rp.replay(trace, costs, pf, placements, 1e-9)
    assert calls == [result]
    assert missed_count(result) == round(solver.objective_value)
    starts = {}
    for p in placements:
        starts[(p.acc, trace.jobs[p.job].task, trace.jobs[p.job].frame, p.layers[0])] = p.start
    for acc, jid, layer, t_disp, _, _, _ in result.log:
        job = result.jobs[jid]
        model_start = starts[(acc, job.task_index, job.frame, layer)] * 1e-9
        # Never earlier than the solver's start, later only by rounding (ns per layer).
        assert model_start <= t_disp <= model_start + 1e-7


def check(result):
    from terastal.sim.invariants import check_invariants

    check_invariants(result)


def test_replay_rejects_a_variant_the_layer_does_not_have():
    sc, pf, tb = random_case(4, load=1.0, variants=False)
    costs = build_task_costs(sc, pf, tb)
    trace = build_trace(sc, DURATION, 4)
    job = next(j for j in trace.jobs if not j.cascaded)
    layers = tuple(range(costs[job.task].num_layers))
    with pytest.raises(InvariantError, match="variant"):
        replay(trace, costs, pf, [Placement(job.id, layers, 0, 0, frozenset({0}))], 1e-9)
    result = replay(trace, costs, pf, [Placement(job.id, layers, 0, 0)], 1e-9)
    assert sum(1 for j in result.counted_jobs if j.status != "dropped") == 1


def test_grouped_blocks_replay_layer_by_layer():
    sc, pf, tb = random_case(3, load=0.9, variants=False)
    s = solve_bound(sc, pf, tb, DURATION, 3, time_limit_s=10, group_layers=3).summary
    assert s["best_is_heuristic"] and s["missed_best"] is not None
    assert s["missed_lower_bound"] <= s["missed_best"]
    assert s["instance"]["blocks"] < s["instance"]["layers"]


def test_a_run_with_a_combination_the_model_lacks_hints_that_job_as_missed():
    """A job run in time with a combination outside the admissible set (the accuracy budget's
    stronger ones) is hinted as not run, not looked up among the combinations."""
    import dataclasses
    from types import SimpleNamespace

    from terastal.bound.model import VariantSpec

    sc, pf, tb = random_case(4, load=0.5)
    costs = build_task_costs(sc, pf, tb)
    trace = build_trace(sc, DURATION, 4)
    run = simulate(sc, pf, tb, make_scheduler("edf"), duration_s=DURATION, seed=4)
    t, layer = next(
        (i, k) for i, c in enumerate(costs) for k in range(c.num_layers) if c.var_lat[k] is not None
    )
    spec = VariantSpec((layer,), (frozenset(), frozenset({layer})), (0.0, 0.01))
    bm = BoundModel(trace, costs, pf, variants={t: spec})
    before = hint_from_result(bm, run)
    jobs = list(run.counted_jobs)
    k = next(i for i, j in enumerate(jobs) if j.task_index == t and j.status == IN_TIME)
    j = jobs[k]  # the same job, run with a layer set the model lacks
    jobs[k] = SimpleNamespace(
        task_index=j.task_index, frame=j.frame, status=j.status, variants=(layer, 10_000)
    )
    counted = hint_from_result(bm, dataclasses.replace(run, jobs=tuple(jobs)))
    assert counted == before + 1
