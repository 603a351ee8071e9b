"""Terastal's core choice between competing jobs: which job pays for the slower core."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from terastal.experiment import Case, prepare
from terastal.model import Scenario, Task
from terastal.model.costs import TaskCosts
from terastal.reproduce import family
from terastal.schedulers import make_scheduler
from terastal.schedulers._terastal_core import CoreFit, CoreRule, keep_waiting
from terastal.sim import check_invariants, simulate
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform
from terastal.testing.cases import placements

MS = 1e-3
BOUND = Path(__file__).parent / "data" / "bound"


def _chain_costs(name, lat):
    """The costs of a chain task ``name`` with per-layer latencies ``lat`` on two cores."""
    task = Task(name, tiny_model(name, len(lat)), fps=50.0, deadline_s=1.0)
    return TaskCosts(task, 0, make_tables((task,), {name: lat})[name], 2, None)


def _case():
    """Core 0 is fast, core 1 slower for the long layers.

    ``s`` (0.5 ms on either core) holds core 0 from 0; ``k`` (released at 0.05 ms) runs its
    first layer on core 1 until 0.25 ms; its second layer (1.6 ms on core 0, 1.76 on core 1,
    deadline 2.25 ms) then meets its deadline on either core, waiting for core 0 until 0.5 ms
    or starting on core 1 at once. ``c`` (released at 0.1 ms, deadline 3.4 ms) needs core 0
    for its long layer (2.0 ms there, 2.9 ms on core 1), and its first layer takes any idle
    core. ``k`` sorts first (least laxity: 0.6 against 1.0 ms).
    """
    plat = tiny_platform(2)
    tasks = (
        Task("s", tiny_model("s", 1), fps=50.0, deadline_s=10 * MS),
        Task("k", tiny_model("k", 2), fps=50.0, deadline_s=2.2 * MS, phase_s=0.05 * MS),
        Task("c", tiny_model("c", 2), fps=50.0, deadline_s=3.3 * MS, phase_s=0.1 * MS),
    )
    lat = {
        "s": [[0.5 * MS, 0.5 * MS]],
        "k": [[0.2 * MS, 0.2 * MS], [1.6 * MS, 1.76 * MS]],
        "c": [[0.3 * MS, 0.3 * MS], [2.0 * MS, 2.9 * MS]],
    }
    return Scenario("core", tasks), plat, make_tables(tasks, lat)


def _run(**opts):
    sc, plat, tables = _case()
    # the rule alone: the search over jobs released together plans such cases itself, and the
    # core affinity moves the job with room to the slower core at reset
    sched = make_scheduler("terastal", group=0, affinity="off", **opts)
    return placements(sc, plat, tables, sched, 0.005)


def test_without_the_rule_the_job_with_room_keeps_the_fast_core_and_the_other_is_late():
    status, where = _run(core_yield=0)
    # k waits for core 0; c's first layer takes the idle core 1, its long layer stays there
    # (core 0 is k's until 2.1 ms) and ends at 3.45 ms, after its deadline (3.4 ms).
    assert where[("k", 1)] == 0
    assert where[("c", 1)] == 1
    assert status["c"] != "in_time"


def test_the_job_that_needs_the_fast_core_less_pays_for_the_slow_one():
    status, where = _run(core_yield=4)
    # k's slow-core penalty over its slack (0.16 / 0.4) is below c's (0.9 / 0.85): k runs its
    # long layer on core 1 at once (ends 2.01 ms, in time) and c gets core 0.
    assert where[("k", 1)] == 1
    assert where[("c", 1)] == 0
    assert all(s == "in_time" for s in status.values())


def test_core_fit_sums_each_cores_latencies_from_each_layer():
    sc, plat, tables = _case()
    costs = TaskCosts(sc.tasks[2], 2, tables["c"], 2, plat.transfer_bytes_per_s)
    fit = CoreFit(costs, 2)
    assert fit.rem_on[0] == pytest.approx([2.3 * MS, 2.0 * MS, 0.0])
    assert fit.rem_on[1] == pytest.approx([3.2 * MS, 2.9 * MS, 0.0])


def test_spare_fit_keeps_a_job_on_its_fast_core_when_the_one_there_can_pay():
    # keep_waiting on the numbers of tight-s0 at 15.248 ms: cls's layer 1 waits for WS (busy
    # with kp's first layer until 15.367 ms) and would end 0.004 ms earlier on the idle OS core
    # than after waiting, but cls cannot end in time staying on OS, and kp can.
    cls_lat = [[0.18, 0.18], [0.749, 0.864], [0.327, 0.376], [0.118, 0.235]]
    kp_lat = [[0.135, 0.135], [0.562, 0.648], [0.004, 0.008]]
    fits = [CoreFit(_chain_costs("cls", cls_lat), 2), CoreFit(_chain_costs("kp", kp_lat), 2)]
    cls = SimpleNamespace(task_index=0, deadline=16.668)
    kp = SimpleNamespace(task_index=1, deadline=16.132)
    st = SimpleNamespace(lat=[None, [0.749, 0.864]])
    rule = CoreRule(4, 1.5, 1.2)
    running, idle, free, now = [(kp, 0), None], [False, True], [15.367, 15.248], 15.248
    args = (fits, running, cls, 1, st, 1, 16.112, 16.116, idle, free, now)
    assert keep_waiting(rule, *args)
    # kp could not pay: with its deadline 0.1 ms earlier it does not fit on OS
    kp.deadline = 15.99
    assert not keep_waiting(rule, *args)
    kp.deadline = 16.132
    # a larger slowdown than slow_ratio allows is not considered
    assert not keep_waiting(CoreRule(4, 1.5, 1.1), *args)
    # a move that gains what the layer loses is kept
    assert not keep_waiting(rule, fits, running, cls, 1, st, 1, 16.0, 16.116, idle, free, now)


def test_on_the_tight_bound_instance_kp_pays_for_the_os_core():
    case = prepare(Case(str(BOUND / "tight.yaml"), str(BOUND / "ws_os.yaml")))
    missed = {}
    for label in ("terastal-nopay", "terastal"):
        name, opts = family.config(label)
        sched = make_scheduler(name, **opts, group=0, affinity="off")  # the rule alone
        res = simulate(case.scenario, case.platform, case.tables(), sched, duration_s=0.03,
                       seed=0)  # fmt: skip
        check_invariants(res)
        missed[label] = [j.task.name for j in res.counted_jobs if j.status != "in_time"]
    assert missed == {"terastal-nopay": ["cls"], "terastal": []}
