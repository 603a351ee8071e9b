"""Terastal's core choice with the tasks' known next releases (option ``lookahead``)."""

import pytest

from terastal.model import Scenario, Task
from terastal.model.costs import TaskCosts
from terastal.schedulers import make_scheduler
from terastal.schedulers._terastal_ahead import Releases
from terastal.schedulers._terastal_core import CoreFit
from terastal.sim import check_invariants, simulate
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform
from terastal.testing.cases import placements

MS = 1e-3


def _case():
    """Core 0 is fast for the long layers, both cores equal for the first ones.

    ``k`` (released at 0, deadline 2 ms) runs 0.2 ms then 1.0 ms on core 0 (1.1 on core 1):
    it fits on either core. ``c`` is released 0.05 ms later (deadline 2.5 ms) with 0.2 ms then
    2.0 ms on core 0 (2.9 on core 1): it fits only on core 0, and only if it gets it at once.
    At time 0 no rule of the mapping knows of ``c``: ``k`` takes core 0.
    """
    plat = tiny_platform(2)
    tasks = (
        Task("k", tiny_model("k", 2), fps=50.0, deadline_s=2.0 * MS),
        Task("c", tiny_model("c", 2), fps=50.0, deadline_s=2.5 * MS, phase_s=0.05 * MS),
    )
    lat = {
        "k": [[0.2 * MS, 0.2 * MS], [1.0 * MS, 1.1 * MS]],
        "c": [[0.2 * MS, 0.2 * MS], [2.0 * MS, 2.9 * MS]],
    }
    return Scenario("ahead", tasks), plat, make_tables(tasks, lat)


def _run(seed=0, jitter=0.0, **opts):
    sc, plat, tables = _case()
    if jitter:
        k, c = sc.tasks
        sc = Scenario("ahead", (k, Task(c.name, c.model, c.fps, c.deadline_s, c.phase_s, jitter)))
    # the rule alone: the search over jobs released together plans such cases itself, and
    # the core affinity (k loses 1.08 x over its job on core 1) moves k there at reset
    sched = make_scheduler("terastal", group=0, affinity="off", **opts)
    return placements(sc, plat, tables, sched, 0.005, seed)


def test_without_the_releases_the_first_job_takes_the_fast_core_and_the_next_one_misses():
    status, where = _run(lookahead=0.0)
    assert where[("k", 0)] == 0
    assert status["k"] == "in_time"
    assert status["c"] != "in_time"


def test_a_layer_leaves_the_fast_core_to_a_job_about_to_be_released():
    status, where = _run()
    # c's need of core 0 at its release (0.9 / 0.3) is far above k's (0.1 / 0.8), and c may
    # be released (0.05 ms) before half of k's first layer has run (0.1 ms): k starts on
    # core 1 and stays there; c gets core 0.
    assert where[("k", 0)] == 1
    assert where[("k", 1)] == 1
    assert where[("c", 1)] == 0
    assert status == {"k": "in_time", "c": "in_time"}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_jittered_release_counts_from_its_earliest_time(seed):
    # c released up to 0.1 ms after its phase (0.05 ms): the rule counts with the earliest
    # time, so k leaves core 0 whatever the draw
    status, where = _run(seed=seed, jitter=0.1 * MS)
    assert where[("k", 0)] == 1
    assert status == {"k": "in_time", "c": "in_time"}


def test_a_job_that_loses_nothing_on_the_slower_core_is_left_to_the_mapping():
    # s (one layer, equal on both cores) at time 0, with k (0.05 ms) and c (0.1 ms) to come:
    # moving s would take core 1 from k, the job that can pay for it
    sc = Scenario("ahead", (Task("s", tiny_model("s", 1), fps=50.0, deadline_s=10 * MS),
                            *_case()[0].tasks))  # fmt: skip
    sc, plat, _ = sc, tiny_platform(2), None
    lat = {"s": [[0.5 * MS, 0.5 * MS]], "k": [[0.2 * MS, 0.2 * MS], [1.0 * MS, 1.1 * MS]],
           "c": [[0.2 * MS, 0.2 * MS], [2.0 * MS, 2.9 * MS]]}  # fmt: skip
    res = simulate(sc, plat, make_tables(sc.tasks, lat), make_scheduler("terastal", group=0),
                   duration_s=0.005, record=True)  # fmt: skip
    check_invariants(res)
    where = {(res.jobs[r.job_id].task.name, r.layer): r.accelerator for r in res.log}
    assert where[("s", 0)] == 0


def test_a_release_outside_the_window_is_not_waited_for():
    # c is released after a fifth of k's first layer (0.04 ms): k keeps core 0, c misses
    status, where = _run(lookahead=0.2)
    assert where[("k", 0)] == 0
    assert status["c"] != "in_time"


def test_releases_use_the_earliest_next_release_and_skip_cascaded_tasks():
    sc, _, _ = _case()
    tasks = (*sc.tasks, Task("d", tiny_model("d", 2), fps=50.0, depends_on="c"))
    long = [[0.2 * MS, 0.2 * MS], [2.0 * MS, 2.9 * MS]]
    lat = {"k": [[0.2 * MS, 0.2 * MS], [1.0 * MS, 1.1 * MS]], "c": long, "d": long}
    tables = make_tables(tasks, lat)
    costs = [TaskCosts(t, i, tables[t.name], 2, None) for i, t in enumerate(tasks)]
    fits = [CoreFit(c, 2) for c in costs]
    rel = Releases(costs, fits, 2, 1.2, horizon=0.03)
    assert rel.tasks == [0, 1]  # the cascaded task is never looked at
    assert rel.need0[1][0][1] == pytest.approx(0.9 / 0.3)
    assert rel.need0[0][1][0] == -1.0  # core 0 is no slower
    assert rel.coming(0, 0, 1, 0.04 * MS) == -1.0  # c's frame 0 at 0.05 ms
    assert rel.coming(0, 0, 1, 0.06 * MS) == pytest.approx(3.0)
    assert rel.coming(1, 0, 1, 0.06 * MS) == pytest.approx(0.1 / 0.8)  # c skipped: k's
    rel.saw([_Job(0, 0), _Job(1, 0)])
    assert rel.coming(0, 0, 1, 0.06 * MS) == -1.0  # frame 0 is out; frame 1 at 20.05 ms
    assert rel.coming(0, 0, 1, 20.06 * MS) == pytest.approx(3.0)
    rel.horizon = 0.02
    assert rel.coming(0, 0, 1, 20.06 * MS) == -1.0  # no release at or after the horizon


class _Job:
    def __init__(self, task_index, frame):
        self.task_index, self.frame = task_index, frame


# On the triple bound instances: tests/test_terastal_search.py (with the group search off).


def _wait_case(n_deadline_ms=0.5):
    """``h`` holds core 0 from 0 to 0.5 ms. ``w`` (released at 0.1 ms, deadline 2 ms) waits
    for core 0 (ends at 1.1 ms) though the idle core 1 ends it at 1.0 ms; ``n``, released at
    0.15 ms (0.4 ms on either core), can wait for neither core with a 0.5 ms deadline."""
    tasks = (
        Task("h", tiny_model("h", 1), fps=50.0, deadline_s=10 * MS),
        Task("w", tiny_model("w", 1), fps=50.0, deadline_s=2.0 * MS, phase_s=0.1 * MS),
        Task("n", tiny_model("n", 1), fps=50.0, deadline_s=n_deadline_ms * MS, phase_s=0.15 * MS),
    )
    lat = {"h": [[0.5 * MS, 5 * MS]], "w": [[0.6 * MS, 0.9 * MS]], "n": [[0.4 * MS, 0.4 * MS]]}
    return Scenario("wait", tasks), tiny_platform(2), make_tables(tasks, lat)


@pytest.mark.parametrize("lookahead", [0.0, 0.5])
def test_a_waiting_layer_leaves_the_spare_core_to_a_job_that_cannot_wait(lookahead):
    sc, plat, tables = _wait_case()
    res = simulate(sc, plat, tables, make_scheduler("terastal", lookahead=lookahead, group=0),
                   duration_s=0.005, record=True)  # fmt: skip
    check_invariants(res)
    where = {res.jobs[r.job_id].task.name: r.accelerator for r in res.log}
    status = {j.task.name: j.status for j in res.counted_jobs}
    if lookahead:
        # w waits for core 0 and still ends in time (1.1 ms); n runs on core 1 at once
        assert where == {"h": 0, "w": 0, "n": 1}
        assert all(s == "in_time" for s in status.values())
    else:
        assert where["w"] == 1  # the spare core ends it earlier: n cannot start in time
        assert status["n"] != "in_time"


def test_a_job_that_could_wait_for_a_core_is_not_waited_for():
    # with a 1 ms deadline n can wait for core 0 (free at 0.5 ms): w takes the spare core
    sc, plat, tables = _wait_case(n_deadline_ms=1.0)
    res = simulate(sc, plat, tables, make_scheduler("terastal"), duration_s=0.005, record=True)
    where = {res.jobs[r.job_id].task.name: r.accelerator for r in res.log}
    assert where["w"] == 1
    assert all(j.status == "in_time" for j in res.counted_jobs)
