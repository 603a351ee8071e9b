"""The measurement window on hand-computed cases (times in ms in comments).

Frames released before the horizon are counted; periodic releases go on for a tail as long
as the horizon, as load only; the run stops at the first instant when no counted work is open
(docs/design.md, "Measurement window").
"""

import pytest

import terastal.model.window as window
from terastal.errors import ContractError
from terastal.metrics import compute_metrics, jobs_csv
from terastal.model import Scenario, Task
from terastal.model.job import ACTIVE, IN_TIME, LATE
from terastal.schedulers import make_scheduler
from terastal.sim import check_invariants, simulate
from terastal.sim.invariants import InvariantError
from terastal.sim.synthetic import make_tables, random_case, tiny_model, tiny_platform

MS = 1e-3


def case(specs, latency, *, num_acc=1):
    """specs: list of (name, n_layers, Task kwargs); latency in ms per task, layer and core."""
    tasks = tuple(Task(name, tiny_model(name, n), **kw) for name, n, kw in specs)
    lat = {k: [[x * MS for x in row] for row in v] for k, v in latency.items()}
    return Scenario("s", tasks), tiny_platform(num_acc, 1e9), make_tables(tasks, lat)


def run(sc, pf, tb, sched, duration_ms, **kw):
    r = simulate(sc, pf, tb, make_scheduler(sched), duration_s=duration_ms * MS, **kw)
    check_invariants(r)
    return r


def summary(r):
    return [(j.task.name, round(j.release_s / MS, 9), j.status, r.is_counted(j)) for j in r.jobs]


def test_load_only_jobs_after_the_horizon_are_scheduled_not_counted_and_left_at_the_stop():
    # Two cores; "long" (30 ms) keeps counted work open until 30 ms on core 0. "s" (12 ms, a
    # 10 ms period) runs back to back on core 1: 0-12, 12-24, 24-36. Horizon 15 ms: s@0 and
    # s@10 count; s@20 is load only and still in flight when "long" ends at 30, where the run
    # stops (releases end at 30 ms, twice the horizon: there is no s@30).
    spec = [("long", 1, {"fps": 10}), ("s", 1, {"fps": 100})]
    sc, pf, tb = case(spec, {"long": [[30, 99]], "s": [[99, 12]]}, num_acc=2)
    r = run(sc, pf, tb, "edf", 15, late="keep")
    assert summary(r) == [
        ("long", 0, IN_TIME, True),
        ("s", 0, LATE, True),
        ("s", 10, LATE, True),
        ("s", 20, ACTIVE, False),
    ]
    assert r.end_s == pytest.approx(30 * MS)
    assert [j.task.name for j in r.counted_jobs] == ["long", "s", "s"]
    m = compute_metrics(r)
    assert m["models"]["s"]["released"] == 2 and m["models"]["s"]["late"] == 2
    assert m["sim"]["jobs"] == 3
    # s@20's layer runs 24-36: only 24-30 is inside the run, so core 1 was busy all along.
    assert r.busy_s[1] == pytest.approx(30 * MS)
    assert m["accelerators"]["A1"]["utilization"] == pytest.approx(1.0)
    assert len(jobs_csv(r).splitlines()) == 1 + 3  # header and the counted jobs


def test_counted_work_open_after_the_releases_end_is_drained():
    # One 50 ms job released at 0 (horizon 10 ms, releases end at 20 ms): the load-only job
    # released at 10 waits behind it, and the run goes on after 20 ms until the counted job
    # ends at 50 ms, leaving the load-only job unstarted.
    sc, pf, tb = case([("t", 1, {"fps": 100})], {"t": [[50]]})
    r = run(sc, pf, tb, "fcfs", 10, late="keep")
    assert summary(r) == [("t", 0, LATE, True), ("t", 10, ACTIVE, False)]
    assert r.end_s == pytest.approx(50 * MS)


def test_the_run_stops_when_counted_work_is_done_before_the_horizon_ends():
    # A light load: the job released at 20 ms (the last before the 25 ms horizon) ends at
    # 21 ms; nothing counted is left, so no load-only job is ever released.
    sc, pf, tb = case([("t", 1, {"fps": 100})], {"t": [[1]]})
    r = run(sc, pf, tb, "edf", 25)
    assert [round(j.release_s / MS, 9) for j in r.jobs] == [0, 10, 20]
    assert r.counted == b"\x01\x01\x01" and r.end_s == pytest.approx(21 * MS)


def _cascade_case():
    # One core. bg (3 ms, deadline 3 ms) and up (7 ms, deadline 5 ms: always late, kept
    # under ``keep``) every 10 ms; down (3 ms, deadline 4 ms) is triggered by every up.
    spec = [
        ("bg", 1, {"fps": 100, "deadline_s": 3 * MS}),
        ("up", 1, {"fps": 100, "deadline_s": 5 * MS}),
        ("down", 1, {"fps": 100, "depends_on": "up", "deadline_s": 4 * MS}),
    ]
    return case(spec, {"bg": [[3]], "up": [[7]], "down": [[3]]})


def test_a_late_parent_no_longer_gets_idle_cores_after_the_horizon_for_its_child(monkeypatch):
    # Horizon 10 ms: bg@0 runs 0-3, up@0 3-10 (late); down@0 is released at 10 ms with its
    # deadline at 14 ms. In the old drain (no tail) the core is idle after the horizon: down
    # runs 10-13 and meets its deadline. Under the window bg@10 (deadline 13 ms) is released
    # at 10 ms too and goes first; down runs 13-16 and is late.
    with monkeypatch.context() as m:
        m.setattr(window, "TAIL_FACTOR", 0.0)  # the drain of earlier releases
        drained = run(*_cascade_case(), "edf", 10, late="keep")
    windowed = run(*_cascade_case(), "edf", 10, late="keep")  # new objects: no shared draws
    assert [(n, t, s) for n, t, s, _ in summary(drained)] == [
        ("bg", 0, IN_TIME), ("up", 0, LATE), ("down", 10, IN_TIME),
    ]  # fmt: skip
    assert summary(windowed) == [
        ("bg", 0, IN_TIME, True),
        ("up", 0, LATE, True),
        ("down", 10, LATE, True),
        ("bg", 10, IN_TIME, False),
        ("up", 10, ACTIVE, False),
    ]
    assert compute_metrics(drained)["models"]["down"]["miss_rate"] == 0.0
    assert compute_metrics(windowed)["models"]["down"]["miss_rate"] == 1.0
    assert windowed.end_s == pytest.approx(16 * MS)


def test_a_child_of_a_load_only_parent_is_load_only():
    # A 2-core run of the cascade above over 20 ms: up@20 and up@30 are load only, and so
    # are their children, whatever completes them.
    sc, pf, tb = _cascade_case()
    r = simulate(sc, pf, tb, make_scheduler("edf"), duration_s=0.02, late="keep")
    check_invariants(r)
    for job in r.jobs:
        if job.task.name == "down":
            up = next(j for j in r.jobs if j.task.name == "up" and j.frame == job.frame)
            assert r.is_counted(job) == r.is_counted(up) == (up.release_s < 0.02)


def test_same_inputs_same_outputs_with_the_window():
    sc, pf, tb = random_case(5, load=1.4)
    a, b = (
        simulate(sc, pf, tb, make_scheduler("terastal"), duration_s=0.3, seed=5) for _ in range(2)
    )
    assert a.counted == b.counted and a.log == b.log and jobs_csv(a) == jobs_csv(b)
    assert compute_metrics(a)["models"] == compute_metrics(b)["models"]
    assert any(not a.is_counted(j) for j in a.jobs)  # the tail did release load


@pytest.mark.parametrize("sched", ["edf", "fcfs", "terastal", "dream"])
def test_counted_frames_do_not_depend_on_the_scheduler_or_the_load(sched):
    sc, pf, tb = random_case(7, load=1.6)
    ref = compute_metrics(simulate(sc, pf, tb, make_scheduler("edf"), duration_s=0.3, seed=2))
    got = compute_metrics(simulate(sc, pf, tb, make_scheduler(sched), duration_s=0.3, seed=2))
    assert {k: m["released"] for k, m in got["models"].items()} == {
        k: m["released"] for k, m in ref["models"].items()
    }


def test_a_scheduler_that_leaves_counted_work_undispatched_stalls():
    # Dispatches nothing once the releases have ended: counted work is still open (the
    # 50 ms job), no event is left, and the run refuses to end.
    from terastal.schedulers import Dispatch, Scheduler

    class Quits(Scheduler):
        name = "quits"

        def decide(self, view):
            if view.now >= view.horizon_s:
                return []
            job = next(iter(view.ready_jobs))
            return [Dispatch(job, job.ready_layers[0], view.idle_accelerators[0])]

    sc, pf, tb = case([("t", 2, {"fps": 100})], {"t": [[25], [25]]})
    with pytest.raises(ContractError, match=r"quits.*stalled.*1 counted job"):
        simulate(sc, pf, tb, Quits(), duration_s=0.01, late="keep")


def test_the_invariants_know_counted_from_load_only():
    sc, pf, tb = case([("t", 1, {"fps": 100})], {"t": [[50]]})
    r = run(sc, pf, tb, "fcfs", 10, late="keep")
    r.counted = b"\x01\x01"  # the load-only job left active, claimed as counted
    with pytest.raises(InvariantError, match="counted is True"):
        check_invariants(r)
    r.counted = b"\x01"
    with pytest.raises(InvariantError, match="counted flags"):
        check_invariants(r)


def test_the_policies_see_the_end_of_the_releases_as_the_horizon():
    seen = []

    class Looks:
        name = "looks"

        def decide(self, view):
            seen.append(view.horizon_s)
            job = next(iter(view.ready_jobs))
            return [(job, job.ready_layers[0], view.idle_accelerators[0])]

    sc, pf, tb = case([("t", 1, {"fps": 100})], {"t": [[1]]})
    simulate(sc, pf, tb, Looks(), duration_s=0.025)
    assert set(seen) == {0.05}


@pytest.mark.parametrize("seed", range(3))
def test_the_work_guard_bounds_the_jobs_of_a_windowed_run(seed):
    # An overloaded run that never drops: counted work outlasts the releases (a drain after
    # twice the horizon), and every load-only job it released is within the estimate.
    from terastal.model.work import estimate_work

    sc, pf, tb = random_case(seed, load=1.8)
    r = simulate(sc, pf, tb, make_scheduler("fcfs"), duration_s=0.2, seed=seed, late="keep")
    check_invariants(r)
    est = estimate_work(sc.tasks, 0.2)
    assert len(r.jobs) <= est.jobs and r.dispatches <= est.dispatches
    assert len(r.jobs) > len(r.counted_jobs)  # the tail was released
