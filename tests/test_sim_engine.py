"""Engine semantics on hand-computed cases (times in ms in comments)."""

from typing import Any, ClassVar

import pytest

from terastal.errors import ContractError, InputError
from terastal.metrics import compute_metrics
from terastal.model import Scenario, Task
from terastal.model.job import DROPPED
from terastal.schedulers import Dispatch, Drop, Scheduler, make_scheduler
from terastal.sim import Environment, Simulator, check_invariants, draw_arrivals, simulate
from terastal.sim.invariants import InvariantError
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform

MS = 1e-3


def case(specs, latency, *, bw=1e9, num_acc=2, **tables_kw):
    """specs: list of (name, n_layers, Task kwargs); latency in ms per task."""
    tasks = tuple(Task(name, tiny_model(name, n), **kw) for name, n, kw in specs)
    lat = {k: [[x * MS for x in row] for row in v] for k, v in latency.items()}
    return Scenario("s", tasks), tiny_platform(num_acc, bw), make_tables(tasks, lat, **tables_kw)


def run(scenario, platform, tables, sched, duration_ms, **kw):
    sched = make_scheduler(sched) if isinstance(sched, str) else sched  # engine takes objects
    result = simulate(scenario, platform, tables, sched, duration_s=duration_ms * MS, **kw)
    check_invariants(result)
    return result


def ms(log_row):
    return (*log_row[:3], *(round(t / MS, 9) for t in log_row[3:6]))


class Scripted(Scheduler):
    """Returns pre-written decisions at the n-th call (for contract tests)."""

    name = "scripted"
    options: ClassVar[dict[str, Any]] = {"script": None}

    def decide(self, view):
        return self.script(view)


def test_kernel_orders_by_time_priority_then_insertion():
    env = Environment()
    env.schedule(2.0, 1, 0, "c")
    env.schedule(1.0, 2, 0, "b")
    env.schedule(1.0, 0, 0, "a")
    env.schedule(2.0, 1, 0, "d")
    assert [env.pop()[4] for _ in range(4)] == ["a", "b", "c", "d"]
    assert env.now == 2.0
    with pytest.raises(ValueError, match="past"):
        env.schedule(1.0, 0, 0, "x")


def test_transfer_is_paid_when_moving_between_accelerators():
    # layer0 prefers A0 (1 ms), layer1 prefers A1 (1 ms); moving 1000 B at 1e6 B/s = 1 ms.
    sc, pf, tb = case(
        [("t", 2, {"fps": 100})], {"t": [[1, 2], [3, 1]]}, bw=1e6, out_bytes={"t": [1000, 5]}
    )
    r = run(sc, pf, tb, "edf", 10)
    assert [ms(x) for x in r.log] == [(0, 0, 0, 0, 0, 1), (1, 0, 1, 1, 2, 3)]
    (job,) = r.counted_jobs
    assert job.status == "in_time" and job.finish == pytest.approx(3 * MS)
    assert job.accelerators == {0, 1}


def test_fcfs_and_edf_order_contending_jobs_differently():
    # Both released at 0 on A0; a: 4 ms, deadline 7; b: 2 ms, deadline 3.
    spec = [
        ("a", 1, {"fps": 100, "deadline_s": 7 * MS}),
        ("b", 1, {"fps": 100, "deadline_s": 3 * MS}),
    ]
    sc, pf, tb = case(spec, {"a": [[4, 10]], "b": [[2, 10]]})
    fcfs = run(sc, pf, tb, "fcfs", 10)
    assert [ms(x) for x in fcfs.log] == [(0, 0, 0, 0, 0, 4), (0, 1, 0, 4, 4, 6)]
    assert [j.status for j in fcfs.counted_jobs] == ["in_time", "late"]
    edf = run(sc, pf, tb, "edf", 10)
    assert [ms(x) for x in edf.log] == [(0, 1, 0, 0, 0, 2), (0, 0, 0, 2, 2, 6)]
    assert [j.status for j in edf.counted_jobs] == ["in_time", "in_time"]


def test_earliest_finish_mapping_uses_the_other_accelerator():
    spec = [
        ("a", 1, {"fps": 100, "deadline_s": 7 * MS}),
        ("b", 1, {"fps": 100, "deadline_s": 3 * MS}),
    ]
    sc, pf, tb = case(spec, {"a": [[4, 10]], "b": [[2, 3]]})
    pref = run(sc, pf, tb, "fcfs", 10)
    assert [j.status for j in pref.counted_jobs] == ["in_time", "late"]  # b waits for A0: ends at 6
    r = simulate(sc, pf, tb, _make("fcfs", mapping="earliest_finish"), duration_s=10 * MS)
    check_invariants(r)
    assert [ms(x) for x in r.log] == [(0, 0, 0, 0, 0, 4), (1, 1, 0, 0, 0, 3)]
    assert [j.status for j in r.counted_jobs] == ["in_time", "in_time"]


def _make(name, **kw):
    from terastal.schedulers import make_scheduler

    return make_scheduler(name, **kw)


@pytest.mark.parametrize(
    ("late", "status", "finish"),
    [("keep", "late", 4), ("scheduler", "late", 4), ("drop", "dropped", 2)],
)
def test_late_policies(late, status, finish):
    # Two 2 ms layers on A0, deadline 3 ms: layer 1 is in flight at the deadline.
    sc, pf, tb = case([("t", 2, {"fps": 100, "deadline_s": 3 * MS})], {"t": [[2, 9], [2, 9]]})
    r = run(sc, pf, tb, "edf", 10, late=late)
    (job,) = r.counted_jobs
    assert job.status == status
    assert job.finish == pytest.approx(4 * MS)  # in-flight layer finishes, then the drop
    if late == "drop":
        assert r.dispatches == 2
    del finish


def test_drop_at_deadline_stops_further_layers():
    # Three 2 ms layers, deadline 3: layer 1 runs 2..4 then the job drops; layer 2 never runs.
    sc, pf, tb = case([("t", 3, {"fps": 100, "deadline_s": 3 * MS})], {"t": [[2, 9]] * 3})
    r = run(sc, pf, tb, "edf", 10, late="drop")
    assert r.dispatches == 2 and r.jobs[0].status == "dropped"
    assert r.jobs[0].done_count == 2


def test_completion_exactly_at_deadline_is_in_time():
    sc, pf, tb = case([("t", 1, {"fps": 100, "deadline_s": 2 * MS})], {"t": [[2, 9]]})
    for late in ("keep", "drop"):
        (job,) = run(sc, pf, tb, "edf", 10, late=late).counted_jobs
        assert job.status == "in_time"


def test_periodic_releases_phase_horizon_and_drain():
    # 1 layer of 3 ms at 200 fps (period 5 ms) with phase 1 ms over 12 ms: releases 1, 6, 11.
    sc, pf, tb = case([("t", 1, {"fps": 200, "phase_s": 1 * MS})], {"t": [[3, 9]]})
    r = run(sc, pf, tb, "fcfs", 12)
    assert [round(j.release / MS, 9) for j in r.counted_jobs] == [1, 6, 11]
    assert [round(j.deadline / MS, 9) for j in r.counted_jobs] == [6, 11, 16]
    assert r.end_s == pytest.approx(14 * MS)  # the job released at 11 is drained after 12


def test_cascade_releases_dependent_job_at_upstream_completion():
    spec = [("up", 1, {"fps": 100}), ("down", 1, {"fps": 100, "depends_on": "up"})]
    sc, pf, tb = case(spec, {"up": [[2, 9]], "down": [[1, 9]]})
    r = run(sc, pf, tb, "edf", 30)
    down = [j for j in r.counted_jobs if j.task.name == "down"]
    assert [j.frame for j in down] == [0, 1, 2]
    assert [round(j.release / MS, 9) for j in down] == [2, 12, 22]


def test_cascade_probability_uses_predrawn_uniforms():
    spec = [
        ("up", 1, {"fps": 1000}),
        ("down", 1, {"fps": 1000, "depends_on": "up", "probability": 0.5}),
    ]
    sc, pf, tb = case(spec, {"up": [[0.1, 9]], "down": [[0.1, 9]]})
    arr = draw_arrivals(sc, 0.2, seed=7)
    counted = {f for _, f in arr.counted_releases(0)}  # the frames released before 0.2 s
    expected = [f for f, u in enumerate(arr.trigger_u[1]) if u < 0.5 and f in counted]
    for sched in ("fcfs", "edf"):
        r = run(sc, pf, tb, sched, 200, seed=7)
        assert [j.frame for j in r.counted_jobs if j.task.name == "down"] == expected
    assert 0 < len(expected) < 200


def test_no_cascade_from_dropped_jobs_and_their_child_counts_as_missed():
    spec = [
        ("up", 2, {"fps": 100, "deadline_s": 1 * MS}),
        ("down", 1, {"fps": 100, "depends_on": "up"}),
    ]
    sc, pf, tb = case(spec, {"up": [[2, 9], [2, 9]], "down": [[1, 9]]})
    r = run(sc, pf, tb, "edf", 30, late="drop")
    assert {j.task.name for j in r.counted_jobs} == {"up"}
    down = compute_metrics(r)["models"]["down"]
    assert (down["released"], down["unreleased"], down["miss_rate"]) == (3, 3, 1.0)


def test_upstream_completing_after_the_horizon_releases_its_child_in_the_drain():
    # up (released at 0, 2 + 2 ms, deadline 10 ms) completes in time at 4 ms, after the 3 ms
    # horizon: its child is released then, drained, and counted met.
    spec = [("up", 2, {"fps": 100}), ("down", 1, {"fps": 100, "depends_on": "up"})]
    sc, pf, tb = case(spec, {"up": [[2, 9], [2, 9]], "down": [[1, 9]]})
    r = run(sc, pf, tb, "edf", 3)
    assert [(j.task.name, round(j.release / MS, 9), j.status) for j in r.counted_jobs] == [
        ("up", 0, "in_time"),
        ("down", 4, "in_time"),
    ]
    assert r.end_s == pytest.approx(5 * MS)
    m = compute_metrics(r)["models"]
    assert (m["down"]["released"], m["down"]["in_time"], m["down"]["unreleased"]) == (1, 1, 0)
    assert m["up"]["miss_rate"] == m["down"]["miss_rate"] == 0.0


def test_a_dropped_upstream_after_the_horizon_leaves_its_child_unreleased_and_missed():
    # up has three 2 ms layers; the scheduler drops it in the drain (at 4 ms, after two of
    # them): no child is released, and its counted frame is missed.
    def script(view):
        job = next(iter(view.ready_jobs))
        if view.now > 3 * MS:
            return [Drop(job)]
        return [Dispatch(job, job.ready_layers[0], 0)]

    spec = [("up", 3, {"fps": 100}), ("down", 1, {"fps": 100, "depends_on": "up"})]
    sc, pf, tb = case(spec, {"up": [[2, 9]] * 3, "down": [[1, 9]]})
    r = run(sc, pf, tb, Scripted(script=script), 3)
    assert [(j.task.name, j.status) for j in r.counted_jobs] == [("up", "dropped")]
    down = compute_metrics(r)["models"]["down"]
    assert (down["released"], down["unreleased"], down["miss_rate"]) == (1, 1, 1.0)


def test_jitter_is_seeded_and_identical_across_schedulers():
    sc, pf, tb = case([("t", 1, {"fps": 100, "jitter_s": 2 * MS})], {"t": [[1, 9]]})
    a = [j.release for j in run(sc, pf, tb, "fcfs", 100, seed=3).counted_jobs]
    b = [j.release for j in run(sc, pf, tb, "edf", 100, seed=3).counted_jobs]
    c = [j.release for j in run(sc, pf, tb, "edf", 100, seed=4).counted_jobs]
    assert a == b and a != c
    assert all(0 <= r - f * 10 * MS <= 2 * MS for f, r in enumerate(a))


def test_fork_join_branches_run_in_parallel_and_join_waits():
    model = tiny_model("m", 4, edges=[(0, 1), (0, 2), (1, 3), (2, 3)])
    task = Task("t", model, fps=10)
    tb = make_tables([task], {"t": [[MS, MS], [2 * MS, 2 * MS], [3 * MS, 3 * MS], [MS, MS]]})
    sc, pf = Scenario("s", (task,)), tiny_platform(2)

    def both(view):
        out, free = [], list(view.idle_accelerators)
        for job in view.ready_jobs:
            for layer in job.ready_layers:
                if free:
                    out.append(Dispatch(job, layer, free.pop(0)))
        return out

    r = simulate(sc, pf, tb, Scripted(script=both), duration_s=0.05)
    check_invariants(r)
    assert [ms(x) for x in r.log] == [
        (0, 0, 0, 0, 0, 1),
        (0, 0, 1, 1, 1, 3),
        (1, 0, 2, 1, 1, 4),
        (0, 0, 3, 4, 4, 5),
    ]


def test_variants_are_run_and_recorded():
    sc, pf, tb = case(
        [("t", 2, {"fps": 100})], {"t": [[4, 9], [4, 9]]}, var_latency={"t": {1: [1 * MS, 9 * MS]}}
    )

    def var(view):
        (job,) = view.ready_jobs
        layer = job.next_layer
        return [Dispatch(job, layer, 0, job.costs.var_lat[layer] is not None)]

    r = simulate(sc, pf, tb, Scripted(script=var), duration_s=0.01)
    check_invariants(r)
    (job,) = r.counted_jobs
    assert job.variants == {1} and job.finish == pytest.approx(5 * MS)
    assert job.energy_j == pytest.approx(5 * MS)


def _contract(sc, pf, tb, script, match, late="scheduler"):
    with pytest.raises(ContractError, match=match) as info:
        simulate(sc, pf, tb, Scripted(script=script), duration_s=0.01, late=late)
    assert "scripted" in str(info.value)


def test_contract_errors_name_the_scheduler_and_the_decision():
    sc, pf, tb = case([("t", 2, {"fps": 100})], {"t": [[1, 9], [1, 9]]})

    def first(view):
        return next(iter(view.ready_jobs))

    _contract(sc, pf, tb, lambda v: [(first(v), 1, 0)], "not ready")
    _contract(sc, pf, tb, lambda v: [(first(v), 0, 0), (first(v), 0, 1)], "already dispatched")
    _contract(sc, pf, tb, lambda v: [(first(v), 7, 0)], "no such layer")
    _contract(sc, pf, tb, lambda v: [(first(v), 0, 5)], "no accelerator")
    _contract(sc, pf, tb, lambda v: [(first(v), 0, 0, True)], "no variant")
    _contract(sc, pf, tb, lambda v: [Drop(first(v))], "keep", late="keep")
    _contract(sc, pf, tb, lambda v: [Drop(first(v)), Drop(first(v))], "already ended")
    _contract(sc, pf, tb, lambda v: ["x"], "Dispatch or Drop")
    _contract(sc, pf, tb, lambda v: [(object(), 0, 0)], "not a job")
    _contract(sc, pf, tb, lambda v: [], "stalled")


def test_busy_accelerator_is_refused():
    spec = [("a", 1, {"fps": 100}), ("b", 1, {"fps": 100})]
    sc, pf, tb = case(spec, {"a": [[1, 9]], "b": [[1, 9]]})
    _contract(sc, pf, tb, lambda v: [(j, 0, 0) for j in v.ready_jobs], "busy")


def test_scheduler_drop_ends_job_and_bad_inputs_are_rejected():
    sc, pf, tb = case([("t", 2, {"fps": 100})], {"t": [[1, 9], [1, 9]]})
    r = simulate(
        sc, pf, tb, Scripted(script=lambda v: [Drop(j) for j in v.ready_jobs]), duration_s=0.03
    )
    check_invariants(r)
    assert [j.status for j in r.counted_jobs] == ["dropped"] * 3 and r.dispatches == 0
    with pytest.raises(InputError, match="late policy"):
        Simulator(sc, pf, tb, Scripted(), duration_s=1, late="never")
    with pytest.raises(InputError, match="duration"):
        Simulator(sc, pf, tb, Scripted(), duration_s=0)
    with pytest.raises(InputError, match="no cost table"):
        Simulator(sc, pf, {}, Scripted(), duration_s=1)
    with pytest.raises(InputError, match="shape"):
        Simulator(sc, tiny_platform(3), tb, Scripted(), duration_s=1)


def test_same_seed_same_schedule():
    sc, pf, tb = case(
        [
            ("a", 3, {"fps": 300, "jitter_s": MS}),
            ("b", 2, {"fps": 200, "depends_on": "a", "probability": 0.6}),
        ],
        {"a": [[1, 2], [2, 1], [1, 1]], "b": [[1, 3], [2, 2]]},
        bw=1e7,
        out_bytes={"a": [100, 200, 300], "b": [10, 20]},
    )
    r1, r2 = (run(sc, pf, tb, "edf", 200, seed=5) for _ in range(2))
    assert r1.log == r2.log
    assert [(j.status, j.finish) for j in r1.counted_jobs] == [
        (j.status, j.finish) for j in r2.counted_jobs
    ]


def test_view_and_jobs_are_read_only_and_hooks_are_called():
    sc, pf, tb = case([("t", 2, {"fps": 100})], {"t": [[1, 9], [1, 9]]})
    seen, ended, ticks = [], [], []

    class Probe(Scheduler):
        name = "probe"

        def reset(self, view):
            seen.append(("reset", view.now))

        def decide(self, view):
            job = next(iter(view.ready_jobs))
            with pytest.raises(AttributeError):
                job.deadline = 1.0
            with pytest.raises(AttributeError):
                view.now = 1.0
            assert view.free_at == (view.now, view.now) and view.idle_flags == (True, True)
            assert view.transfer_s(job, job.next_layer, 1) == 0.0
            yield Dispatch(job, job.next_layer, 0)  # a generator is fine too

        def on_job_end(self, job, view):
            ended.append((job.id, job.status, view.now))

    r = simulate(sc, pf, tb, Probe(), duration_s=0.03, progress=ticks.append, record=False)
    check_invariants(r)
    assert seen == [("reset", 0.0)]
    assert [e[:2] for e in ended] == [(0, "in_time"), (1, "in_time"), (2, "in_time")]
    assert r.log == [] and r.dispatches == 6 and ticks[-1] == r.end_s
    with pytest.raises(RuntimeError, match="once"):
        sim = Simulator(sc, pf, tb, Probe(), duration_s=0.01)
        sim.run()
        sim.run()


def test_frames_at_the_horizon_are_not_counted_and_releases_end_after_the_tail():
    sc, _, _ = case([("t", 1, {"fps": 100, "phase_s": 5 * MS})], {"t": [[1, 9]]})
    arr = draw_arrivals(sc, 0.025, seed=0)
    # Releases go on until 50 ms (a tail as long as the horizon); 25 ms is not counted.
    assert [round(t / MS, 9) for t, _ in arr.releases[0]] == [5, 15, 25, 35, 45]
    assert arr.counted == (2,) and arr.end_s == 0.05
    assert [round(t / MS, 9) for t, _ in arr.counted_releases(0)] == [5, 15]
    short = draw_arrivals(sc, 0.005, seed=0)  # released at 5 ms = the horizon: load only
    assert short.counted_releases(0) == () and len(short.releases[0]) == 1


class _NumpyAccelerators:
    """Wraps a scheduler and hands back its accelerators as numpy integers.

    The engine applies plain-int dispatches inline and sends anything else through
    ``terastal.sim.checked.apply_checked``; both must apply a dispatch the same way.
    """

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name

    def reset(self, view):
        self.inner.reset(view)

    def on_job_end(self, job, view):
        self.inner.on_job_end(job, view)

    def decide(self, view):
        import numpy as np

        return [d if len(d) == 1 else (d[0], d[1], np.int64(d[2]), *d[3:])
                for d in self.inner.decide(view)]  # fmt: skip


class _VariantsFirst(Scheduler):
    """Each ready layer on the first idle core, as its variant whenever it has one."""

    name = "variants-first"

    def decide(self, view):
        idle, out = list(view.idle_flags), []
        for job in view.ready_jobs:
            if True not in idle:
                break
            a = idle.index(True)
            layer = job.next_layer
            out.append((job, layer, a, job.costs.var_lat[layer] is not None))
            idle[a] = False
        return out


@pytest.mark.parametrize("policy", ["dream", "variants-first"])
@pytest.mark.parametrize("late", ["keep", "scheduler"])
def test_checked_path_applies_dispatches_like_the_inline_path(late, policy):
    from terastal.schedulers import make_scheduler
    from terastal.sim.synthetic import random_case

    def factory():
        return _VariantsFirst() if policy == "variants-first" else make_scheduler(policy)

    for seed in range(8):
        # fork-joins (transfers from several predecessors), cascades, variants, drops
        sc, pf, tb = random_case(seed, num_tasks=3, num_accelerators=2 + seed % 2, load=1.2)
        runs = [
            simulate(sc, pf, tb, s, duration_s=0.3, seed=seed, late=late)
            for s in (factory(), _NumpyAccelerators(factory()))
        ]
        for r in runs:
            check_invariants(r)
        a, b = runs
        assert a.dispatches == b.dispatches > 0
        assert a.log == b.log
        assert [(j.status, j.finish, j.energy_j, j.variants) for j in a.counted_jobs] == [
            (j.status, j.finish, j.energy_j, j.variants) for j in b.counted_jobs
        ]


def test_invariants_allow_a_release_after_the_horizon_only_for_a_cascaded_child():
    spec = [("up", 2, {"fps": 100}), ("down", 1, {"fps": 100, "depends_on": "up"})]
    sc, pf, tb = case(spec, {"up": [[2, 9], [2, 9]], "down": [[1, 9]]})

    def tampered(change):
        r = run(sc, pf, tb, "edf", 3, record=False)  # checked untouched by run()
        change(*r.counted_jobs)
        return r

    def late_root(up, down):  # a periodic job released at the end of the releases
        up._release = 6 * MS

    def counted_root(up, down):  # a counted periodic job released at the horizon
        up._release = 3 * MS

    def early_child(up, down):  # a child released before its upstream completed
        down._release = up._finish - MS

    def orphan(up, down):  # a child of a dropped upstream
        up._status = DROPPED

    for change, match in [
        (late_root, "at or after the end of the releases"),
        (counted_root, "counted is True"),
        (early_child, "its upstream completed at"),
        (orphan, "which was dropped"),
    ]:
        with pytest.raises(InvariantError, match=match):
            check_invariants(tampered(change))
