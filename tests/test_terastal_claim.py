"""Terastal: a busy core is claimed by the job on it (option ``claim``).

A layer waiting for a busy core gets it only after the next layer of the job running there
when that job sorts ahead; a nearly finished job then takes an idle slower core instead."""

from types import SimpleNamespace

import pytest

from terastal.model import Scenario, Task
from terastal.planner.plan import Plan
from terastal.schedulers import make_scheduler
from terastal.schedulers._terastal_claim import claimed_wait
from terastal.sim import check_invariants, simulate
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform
from test_terastal_scheduler import _plan

# a: a long job (1 + 2 ms on core 0, 10 ms per layer on core 1), deadline 3.05 ms;
# b: a short one (0.2 ms per layer on core 0, 1.5 ms on core 1), deadline 3.1 ms.
_LAT = {"a": [[1e-3, 10e-3], [2e-3, 10e-3]], "b": [[0.2e-3, 1.5e-3], [0.2e-3, 1.5e-3]]}
_DL = {"a": 3.05e-3, "b": 3.1e-3}


def _run(**opts):
    plat = tiny_platform(2)
    m = tiny_model("m", 2)
    sc = Scenario("s", tuple(Task(n, m, fps=50.0, deadline_s=_DL[n]) for n in ("a", "b")))
    tables = make_tables(sc.tasks, _LAT)
    home = ((1.0, 0.0), (1.0, 0.0))  # the plan runs every layer on core 0
    plans = [_plan(t, _LAT[t.name], {}, home, [[]], {}, plat).tasks[0] for t in sc.tasks]
    plan = Plan(
        scenario="s", platform=plat.name, accelerators=("A0", "A1"), cost_model="hand",
        budget_policy="lp", accuracy_loss=0.02, tasks=tuple(plans),
    )  # fmt: skip
    res = simulate(sc, plat, tables, make_scheduler("terastal", plan=plan, group=0, **opts),
                   duration_s=0.005, record=True)  # fmt: skip
    check_invariants(res)
    return res, sorted((r.job_id, r.layer, r.accelerator, r.start_s, r.end_s) for r in res.log)


def test_a_nearly_finished_job_takes_the_idle_core_when_its_wait_is_claimed():
    # a sorts first (least laxity, a long job) and takes core 0 for [0, 1] ms.
    # Without the rule: b.l0 waits for core 0 (1.2 ms, before core 1's 1.5 ms), but at 1 ms
    # a.l1 takes core 0 first, until 3 ms; b.l0 runs on core 1 [1, 2.5], b.l1 would end at
    # 3.2 ms on core 0: past b's 3.1 ms deadline.
    res, off = _run(claim="off")
    assert [j.status for j in res.counted_jobs] == ["in_time", "dropped"]
    assert off[2][2:] == (1, pytest.approx(1e-3), pytest.approx(2.5e-3))
    # With it: core 0 is claimed by a.l1 (2 ms, more than b's 0.4 ms left), so b.l0 expects
    # it at 3.2 ms and takes core 1 at once, [0, 1.5]; b.l1 follows there, [1.5, 3.0].
    for mode in ("short", "any"):
        res, on = _run(claim=mode)
        assert [j.status for j in res.counted_jobs] == ["in_time", "in_time"]
        assert [r[:3] for r in on] == [(0, 0, 0), (0, 1, 0), (1, 0, 1), (1, 1, 1)]
        assert [t for r in on for t in r[3:]] == pytest.approx(
            [0.0, 1e-3, 1e-3, 3e-3, 0.0, 1.5e-3, 1.5e-3, 3e-3]
        )


def _opts(claim, rem_b, key_a, key_b):
    # Two tasks: 0 runs on core 0 (done layer 0, next layer 1 takes 2 on core 0); 1 waits.
    st0 = SimpleNamespace(chain=True, lat=[[1.0, 5.0], [2.0, 5.0]], prio=[key_a, key_a],
                          prio_over=[0.0, 0.0], rem_best=[3.0, 2.0])  # fmt: skip
    st1 = SimpleNamespace(chain=True, lat=[[0.2, 1.5]], prio=[key_b], prio_over=[0.0],
                          rem_best=[rem_b])  # fmt: skip
    running = SimpleNamespace(task_index=0, release=0.0, status="active", done_count=0)
    waiting = SimpleNamespace(task_index=1, release=0.0, status="active", done_count=1)
    opts = SimpleNamespace(claim=claim, _tasks=[st0, st1], _over=None, _fair=None,
                           _no_boost=[0.0, 0.0], _late=[], _on=[(running, 0), None],
                           overload_commit=True)  # fmt: skip
    return opts, waiting


def test_claimed_wait_adds_the_next_layer_of_a_job_ahead():
    opts, job = _opts("short", 0.4, 1.0, 2.0)
    assert claimed_wait(opts, 0, job, 0, 1.2) == pytest.approx(3.2)
    # the job on core 0 sorts behind: no claim
    opts, job = _opts("short", 0.4, 3.0, 2.0)
    assert claimed_wait(opts, 0, job, 0, 1.2) == 1.2
    # "short": the waiting job has more work left (2.5) than the claiming layer (2): no claim,
    # "any": a claim all the same
    opts, job = _opts("short", 2.5, 1.0, 2.0)
    assert claimed_wait(opts, 0, job, 0, 1.2) == 1.2
    opts, job = _opts("any", 2.5, 1.0, 2.0)
    assert claimed_wait(opts, 0, job, 0, 1.2) == pytest.approx(3.2)
    # off, or nothing known to run there
    opts, job = _opts("off", 0.4, 1.0, 2.0)
    assert claimed_wait(opts, 0, job, 0, 1.2) == 1.2
    assert claimed_wait(opts, 1, job, 0, 1.2) == 1.2


def test_no_claim_by_a_job_at_its_last_layer_or_ended():
    opts, job = _opts("short", 0.4, 1.0, 2.0)
    opts._on[0] = (opts._on[0][0], 1)  # the running layer is the job's last
    assert claimed_wait(opts, 0, job, 0, 1.2) == 1.2
    opts, job = _opts("short", 0.4, 1.0, 2.0)
    opts._on[0][0].status = "in_time"
    assert claimed_wait(opts, 0, job, 0, 1.2) == 1.2
