"""Terastal's spare cores: a core nobody chose goes to a layer waiting for a busy home core."""

import pytest

from terastal.model import Scenario, Task
from terastal.planner.plan import Plan
from terastal.schedulers import make_scheduler
from terastal.schedulers._terastal_map import spare_core
from terastal.sim import check_invariants, simulate
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform
from test_terastal_scheduler import _plan

# Core 0 runs each layer in 1 ms, core 1 in 1.5 ms.
_LAT = [[1e-3, 1.5e-3], [1e-3, 1.5e-3]]


def _case(tasks):
    """Tasks ``(name, deadline_s, home core)`` of one 2-layer model, released together; the
    plan runs every layer of a task on its home core (budgets: half the deadline per layer)."""
    plat = tiny_platform(2)
    m = tiny_model("m", 2)
    sc = Scenario("s", tuple(Task(n, m, fps=50.0, deadline_s=d) for n, d, _ in tasks))
    tables = make_tables(sc.tasks, {n: _LAT for n, _, _ in tasks})
    plans = []
    for task, (_, _, home) in zip(sc.tasks, tasks, strict=True):
        share = (1.0, 0.0) if home == 0 else (0.0, 1.0)
        plans.append(_plan(task, _LAT, {}, (share, share), [[]], {}, plat).tasks[0])
    plan = Plan(
        scenario="s", platform=plat.name, accelerators=("A0", "A1"), cost_model="hand",
        budget_policy="lp", accuracy_loss=0.02, tasks=tuple(plans),
    )  # fmt: skip
    return sc, plat, tables, plan


def _run(case, **opts):
    sc, plat, tables, plan = case
    res = simulate(sc, plat, tables, make_scheduler("terastal", plan=plan, group=0, **opts),
                   duration_s=0.005, record=True)  # fmt: skip
    check_invariants(res)
    # (job, layer, core, start, end) of each dispatch
    return res, sorted((r.job_id, r.layer, r.accelerator, r.start_s, r.end_s) for r in res.log)


def test_a_layer_waiting_for_its_busy_home_takes_the_idle_core_when_it_ends_earlier():
    case = _case([("a", 10e-3, 0), ("b", 10e-3, 0)])
    # Without spare cores: both jobs' home is core 0 and core 0 meets every virtual deadline
    # (5 and 10 ms), so b waits for it while core 1 idles; everything runs on core 0.
    res, off = _run(case, spare=False)
    assert [r[2] for r in off] == [0, 0, 0, 0]
    assert max(r[4] for r in off) == pytest.approx(4e-3)
    # With them: b.l0 on idle core 1 ends at 1.5 ms instead of 2 ms after waiting; b.l1 at
    # 1.5 ms would end at 3 ms on core 1 too, no earlier than on core 0 (free at 2 ms): it waits.
    res, on = _run(case)
    assert all(j.status == "in_time" for j in res.counted_jobs)
    assert [(r[0], r[1], r[2]) for r in on] == [(0, 0, 0), (0, 1, 0), (1, 0, 1), (1, 1, 0)]
    assert [r[3:] for r in on] == pytest.approx(
        [(0.0, 1e-3), (1e-3, 2e-3), (0.0, 1.5e-3), (2e-3, 3e-3)]
    )


def test_a_core_chosen_by_a_later_job_is_not_spare():
    # c (deadline 20 ms, after b in the order) has core 1 as its home: it takes core 1 in its
    # own right, so b still waits for core 0 (a core goes spare only when nobody chose it).
    case = _case([("a", 10e-3, 0), ("b", 10e-3, 0), ("c", 20e-3, 1)])
    _, on = _run(case)
    first = {(r[0], r[1]): (r[2], r[3]) for r in on}
    assert first[(2, 0)] == (1, 0.0)  # c.l0 on core 1 at 0
    assert first[(2, 1)] == (1, pytest.approx(1.5e-3))  # and c.l1 after it
    # b waited for core 0 (behind a's two layers): core 1 was never spare when it waited
    assert first[(1, 0)] == (0, pytest.approx(2e-3))
    assert first[(1, 1)][0] == 0


def test_spare_core_picks_the_earliest_idle_finish_before_the_wait():
    from types import SimpleNamespace

    st = SimpleNamespace(lat=[[1.0, 2.0, 1.5]])

    free, idle = [5.0, 0.0, 0.0], [False, True, True]
    # chain layer with its input on core 1 (moves cost 1): core 1 ends at 2, core 2 at 2.5
    assert spare_core(None, 0, st, 1, 1.0, free, idle, 6.0, None) == (1, 2.0)
    # waiting ends at 2.0: no idle core ends strictly earlier
    assert spare_core(None, 0, st, 1, 1.0, free, idle, 2.0, None) == (-1, 2.0)
    # a DAG layer: starts from the transfer function
    assert spare_core(None, 0, st, None, 0.0, free, idle, 6.0, lambda j, i, a: 0.0) == (2, 1.5)
