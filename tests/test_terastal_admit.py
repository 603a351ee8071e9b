"""Terastal's admission under overload: a job not started is dropped when it would not fit
behind the started jobs' work (options ``admit``, ``admit_fair``, ``admit_form``,
``admit_running``, ``admit_value``); long started jobs of light models by least laxity
(``commit_laxity``)."""

from types import SimpleNamespace

import pytest

from terastal.model import Scenario, Task
from terastal.model.job import DROPPED, IN_TIME, Job
from terastal.schedulers import make_scheduler
from terastal.schedulers._terastal_admit import (
    Admission,
    _exempt,
    admission,
    core_needs,
    light_tasks,
    task_loads,
    value_weights,
)
from terastal.sim import check_invariants, simulate
from terastal.sim.costs import build_task_costs
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform


def _job(task=0, started=False):
    """A job of task ``task`` (of two), with one layer done when ``started``: a real Job, since
    the compiled rule reads its slots."""
    sc = Scenario(
        "s", (Task("a", tiny_model("m", 2), fps=10.0), Task("b", tiny_model("n", 2), 10.0))
    )
    tables = make_tables(sc.tasks, {"a": [[1e-3, 2e-3]] * 2, "b": [[1e-3, 2e-3]] * 2})
    job = Job(0, build_task_costs(sc, tiny_platform(), tables)[task], 0, 0.0, 0.1)
    job._done = int(started)
    return job


def test_lanes_take_started_work_and_a_fresh_job_waits_for_the_earliest():
    # two cores free now; two started jobs ahead take 1 ms and 3 ms of best case left
    adm = Admission(1.0, [0.0, 0.0], None)
    assert adm.take(_job(started=True), 1e-3) == 1e-3
    adm.take(_job(started=True), 3e-3)
    assert sorted(adm.lanes) == [1e-3, 3e-3]
    adm.take(_job(), 5e-3)  # a fresh job ahead takes no lane
    assert sorted(adm.lanes) == [1e-3, 3e-3]
    assert adm.wait(_job()) == 1e-3  # a fresh job waits for the earliest lane
    # a started job waits for nothing (the hopeless test alone decides for it)
    assert adm.wait(_job(started=True)) == 0.0


def test_the_factor_scales_the_wait_and_exempt_models_skip_the_test():
    adm = Admission(2.0, [1e-3], [False, True])
    assert adm.wait(_job(task=0)) == 2e-3
    assert adm.wait(_job(task=1)) == 0.0  # a model missing far more than the others


def _sched(**opts):
    sched = make_scheduler("terastal", **opts)
    sched._fair = SimpleNamespace(missed=[10, 1, 0], ended=[10, 10, 10])
    sched._on = [None, None]
    sched._admit_w = None  # set at reset (the compiled class reads an unset field as None)
    return sched


def test_admission_is_off_unless_started_jobs_sort_first():
    assert admission(_sched(), False, [0.0, 0.0], 0.0) is None  # no overload order
    assert admission(_sched(admit=0.0), True, [0.0, 0.0], 0.0) is None  # rule off
    adm = admission(_sched(), True, [1.0, 0.75], 0.5)
    assert adm.lanes == [0.5, 0.25]  # each core's lane starts at its free time
    # miss rates 1, 0.1, 0 (mean 0.37): the first model, above 2.5 x the mean, is exempt
    assert adm.exempt is None  # worked out when a fresh job would first wait
    assert adm.wait(_job(task=0)) == 0.0 and adm.wait(_job(task=1)) == 2 * 0.25
    assert adm.exempt == [True, False, False] == _exempt(_sched())
    assert _exempt(_sched(admit_fair=0.0)) == []
    spread = admission(_sched(admit=1.0, admit_form="spread"), True, [0.0, 0.0], 0.0)
    assert spread.factor == 0.5 and spread.lanes == [0.0]  # over both cores


def _running(mode):
    """This call's admission (``admit`` 1) on two cores free in 1 ms, a chain job running its
    first layer (of two, 2 ms best case after it) on each; the second is a kept hopeless
    cascade parent."""
    sched = _sched(admit=1.0, admit_running=mode)
    sched._tasks = [SimpleNamespace(chain=True, rem_best=[3e-3, 2e-3])] * 2
    parent = _job(task=1, started=True)
    sched._late = {parent}
    sched._on = [(_job(task=0, started=True), 0), (parent, 0)]
    return admission(sched, True, [1e-3, 1e-3], 0.0)


def test_a_running_jobs_rest_follows_on_its_cores_lane_unless_it_is_a_kept_parent():
    # the job running on core 0 sorts ahead of every fresh job and its next layer follows
    # there; the kept parent on core 1 sorts behind them, so only its layer's end counts
    assert _running("ahead").lanes == pytest.approx([3e-3, 1e-3])
    assert _running("all").lanes == pytest.approx([3e-3, 3e-3])
    assert _running("off").lanes == pytest.approx([1e-3, 1e-3])
    assert _running("ahead").wait(_job(task=1)) == pytest.approx(1e-3)
    assert _running("all").wait(_job(task=1)) == pytest.approx(3e-3)


def _wasted(res):
    """Core time of the dispatches of jobs that missed, and the mean over models of each
    model's miss rate."""
    missed = {j.id for j in res.counted_jobs if j.status != IN_TIME}
    rates = {}
    for j in res.counted_jobs:
        rates.setdefault(j.task.name, []).append(j.status != IN_TIME)
    mean = sum(sum(v) / len(v) for v in rates.values()) / len(rates)
    return sum(r.end_s - r.start_s for r in res.log if r.job_id in missed), mean


def test_counting_the_running_jobs_rest_refuses_jobs_that_would_be_dropped_half_done():
    # Overloaded (1.5 x the rates below): without the running jobs' rest, fresh jobs start
    # where a running job's next layers will run first, fall behind and are dropped after
    # taking core time; with it, fewer start, less core time goes to missed jobs and the
    # mean miss rate falls.
    # (group_ahead off: handing the search's layers to the rules spares the same jobs here,
    # 36.1 % either way; this is the admission's count alone)
    off = _wasted(_run(1.5, admit_running="off", group_ahead=False))
    on = _wasted(_run(1.5, admit_running="ahead", group_ahead=False))
    assert on[0] < 0.9 * off[0]
    assert on[1] < off[1]


def _run(fps_scale, **opts):
    # two cores, the second 3x slower; three chain tasks
    plat = tiny_platform(2)
    specs = [("a", 3, 0.30e-3, 2.1e-3, 500), ("b", 2, 0.25e-3, 1.5e-3, 650),
             ("c", 5, 0.35e-3, 4.1e-3, 300)]  # fmt: skip
    tasks, lat = [], {}
    for name, n, f, d, fps in specs:
        tasks.append(Task(name, tiny_model(name, n), fps=fps * fps_scale, deadline_s=d))
        lat[name] = [[f, 3 * f]] * n
    sc = Scenario("s", tuple(tasks))
    res = simulate(sc, plat, make_tables(sc.tasks, lat), make_scheduler("terastal", **opts),
                   duration_s=0.05, record=True)  # fmt: skip
    check_invariants(res)
    return res


def test_without_overload_the_schedule_is_unchanged():
    off, on = _run(0.4, admit=0.0), _run(0.4)
    assert all(j.status == IN_TIME for j in on.counted_jobs)
    assert list(off.log) == list(on.log)


def test_options_are_checked():
    with pytest.raises(Exception, match="admit"):
        make_scheduler("terastal", admit=-1.0)
    with pytest.raises(Exception, match="admit_form"):
        make_scheduler("terastal", admit_form="queue")
    with pytest.raises(Exception, match="admit_running"):
        make_scheduler("terastal", admit_running=True)


def _one_core(**opts):
    # one core: a long task (4 x 1 ms, 10 ms deadline, every 2.5 ms: overloaded, so the
    # overload order soon puts started jobs first) and a short one (0.5 ms, 2.5 ms deadline)
    plat = tiny_platform(1)
    sc = Scenario("s", (Task("L", tiny_model("L", 4), fps=400, deadline_s=10e-3),
                        Task("S", tiny_model("S", 1), fps=150, deadline_s=2.5e-3)))  # fmt: skip
    tables = make_tables(sc.tasks, {"L": [[1e-3]] * 4, "S": [[0.5e-3]]})
    res = simulate(sc, plat, tables, make_scheduler("terastal", **opts), duration_s=0.1,
                   record=True)  # fmt: skip
    check_invariants(res)
    return res


def test_on_one_core_the_wait_is_exact_and_a_refused_job_would_have_missed():
    # On one core the started job's best case left is exactly how long a fresh job waits:
    # with admit=1 the jobs that cannot fit behind it are dropped at once instead of waiting
    # to become hopeless, none of them had run, and the schedule is otherwise the same.
    # (Without the search over jobs released together, which serves this case another way,
    # and with one factor for both models: a weight below 1 shortens the exact wait.)
    off = _one_core(admit=0.0, group=0)
    on = _one_core(admit=1.0, admit_fair=0.0, admit_value=0.0, group=0)
    assert list(off.log) == list(on.log)
    assert [j.status for j in off.counted_jobs] == [j.status for j in on.counted_jobs]
    earlier = [
        j for j, k in zip(off.counted_jobs, on.counted_jobs, strict=True) if k.finish_s < j.finish_s
    ]
    ran = {r.job_id for r in on.log}
    assert sum(j.task.name == "S" for j in earlier) >= 3
    assert all(j.status == DROPPED and j.id not in ran for j in earlier)


def test_value_weights_lighten_the_models_loading_the_cores_less_than_the_mean():
    # loads: a 100 fps x 2 ms = 0.2, b 50 fps x 2 ms = 0.1, c (b's child, triggered half the
    # time) 25 x 12 ms = 0.3; mean 0.2
    tasks = (Task("a", tiny_model("a", 1), fps=100.0), Task("b", tiny_model("b", 1), fps=50.0),
             Task("c", tiny_model("c", 1), fps=50.0, depends_on="b", probability=0.5))  # fmt: skip
    costs = [SimpleNamespace(task=t) for t in tasks]
    loads = task_loads(costs, [2e-3, 2e-3, 12e-3])
    assert loads == pytest.approx([0.2, 0.1, 0.3])
    w = value_weights(loads, 1.0)
    assert w == pytest.approx([1.0, 0.5, 1.0])  # at most 1: nobody waits more than before
    assert value_weights(loads, 2.0) == pytest.approx([1.0, 0.25, 1.0])
    assert value_weights(loads, 0.0) is None  # off: one factor for all
    assert value_weights(task_loads(costs, [0.0, 0.0, 0.0]), 1.0) is None
    # loads 0.25, 0.1, 0.3: only b's is below the mean
    assert light_tasks(task_loads(costs, [2.5e-3, 2e-3, 12e-3])) == [False, True, False]


def test_a_weight_scales_a_fresh_jobs_wait():
    adm = Admission(2.0, [1e-3], None, None, [0.5, 1.0])
    assert adm.wait(_job(task=0)) == pytest.approx(1e-3)
    assert adm.wait(_job(task=1)) == pytest.approx(2e-3)
    assert adm.wait(_job(task=0, started=True)) == 0.0


def _miss_rates(specs, lat_rows, duration_s, **opts):
    """Per model, the share of its frames missed by terastal (no group search); ``specs``:
    (name, layers, fps, deadline) per model, ``lat_rows``: per model, every layer's latency
    on each core."""
    plat = tiny_platform(len(lat_rows[0]))
    sc = Scenario(
        "s", tuple(Task(n, tiny_model(n, k), fps=f, deadline_s=d) for n, k, f, d in specs)
    )
    tables = make_tables(
        sc.tasks, {n: [row] * k for (n, k, _, _), row in zip(specs, lat_rows, strict=True)}
    )
    res = simulate(sc, plat, tables, make_scheduler("terastal", group=0, **opts),
                   duration_s=duration_s, record=True)  # fmt: skip
    check_invariants(res)
    rate = {}
    for name, *_ in specs:
        jobs = [j for j in res.counted_jobs if j.task.name == name]
        rate[name] = sum(j.status != IN_TIME for j in jobs) / len(jobs)
    return rate


def _light_and_heavy(**opts):
    # one core: a light model (2 x 0.5 ms every 2 ms, 3 ms deadline: load 0.5) and a heavy one
    # (8 x 1 ms every 10 ms, 10 ms deadline: load 0.8); overloaded (1.3)
    specs = [("F", 2, 500, 3e-3), ("R", 8, 100, 10e-3)]
    return _miss_rates(specs, [[0.5e-3], [1e-3]], 0.3, **opts)


def test_the_lighter_model_is_refused_less_and_the_mean_falls():
    # A frame of F is worth 1 / 150 of F's rate, one of R 1 / 30 of R's; per second of core
    # time F's frames are worth more (F loads the core less). With one factor for both, most
    # of F's fresh jobs are refused behind R's started ones; weighted by load, F's test is
    # lighter, more of its frames are served and R loses none more.
    off, on = _light_and_heavy(admit_value=0.0), _light_and_heavy()
    assert on["F"] < off["F"] - 0.1
    assert on["R"] <= off["R"]
    assert on["F"] + on["R"] < off["F"] + off["R"]


def _long_and_short(**opts):
    # two cores, the second 1.25 x slower; a short model (4 x 1 ms, 260 fps, 5.8 ms deadline:
    # load 1.04) and a long one (40 x 1 ms, 20 fps, 45 ms deadline: load 0.8, below the mean);
    # overloaded (about 1.02 of both cores)
    # (the running jobs' rest in the admission wait, off: it refuses the short model's fresh
    # jobs here and serves the long one another way)
    specs = [("S", 4, 260, 1.5 / 260), ("L", 40, 20, 0.9 / 20)]
    return _miss_rates(specs, [[1e-3, 1.25e-3]] * 2, 0.5, **{"admit_running": "off", **opts})


def test_a_long_started_job_of_a_light_model_goes_by_least_laxity_under_overload():
    # Under overload a started job sorts by release + half its deadline: the long model's
    # jobs fall behind the short ones released after them and are dropped late. By least
    # laxity (its model loads the cores less than the mean) more of them end in time; the
    # short model loses a little, the mean over models falls.
    off, on = _long_and_short(commit_laxity="off"), _long_and_short()
    assert on["L"] < off["L"]
    assert on["S"] + on["L"] < off["S"] + off["L"]
    # the long model is the light one here: every long job's rule acts on the same jobs
    assert _long_and_short(commit_laxity="long") == on


def test_core_needs_follow_the_home_class_holding_most_of_the_rest():
    # five layers: homes core 0, 0, 1, 1, 1; best cases 3, 3, 1, 1, 1 ms
    st = SimpleNamespace(
        home=[(0,), (0,), (1,), (1,), (1,)], min_opt=[3e-3, 3e-3, 1e-3, 1e-3, 1e-3]
    )
    # from layer 0 core 0 holds 6 ms of the rest against 3; from layer 1 3 ms against 3 (the
    # first of equals from the end, core 1); from layer 2 on only core 1
    assert core_needs([st]) == [[(0,), (1,), (1,), (1,), (1,)]]


def _core_admission(fresh):
    # two cores, lanes 1 ms and 0; task 0's rest needs core 0, task 1's core 1
    need = [[(0,), (0,)], [(1,), (1,)]]
    return Admission(1.0, [1e-3, 0.0], None, None, None, need, fresh)


def test_a_started_jobs_rest_takes_the_earliest_lane_of_the_cores_it_needs():
    adm = _core_admission(False)
    adm.take(_job(task=0, started=True), 2e-3)  # onto core 0's lane, though core 1's is free
    assert adm.lanes == pytest.approx([3e-3, 0.0])
    assert adm.wait(_job(task=0)) == 0.0  # "core": a fresh job waits for any core
    need = _core_admission(True)
    need.take(_job(task=0, started=True), 2e-3)
    # "need": a fresh job waits for the cores its own rest needs
    assert need.wait(_job(task=0)) == pytest.approx(3e-3)
    assert need.wait(_job(task=1)) == 0.0
    need.take(_job(task=1, started=True), 1e-3)
    assert need.wait(_job(task=1)) == pytest.approx(1e-3)
    assert need.wait(_job(task=0, started=True)) == 0.0


def test_a_running_jobs_rest_goes_to_the_cores_it_needs_under_core():
    sched = _sched(admit=1.0, admit_running="core")
    sched._tasks = [SimpleNamespace(chain=True, rem_best=[3e-3, 2e-3])] * 2
    sched._late = set()
    # the job on core 1 needs core 0 after its running layer; the one on core 0 needs core 0
    sched._need = [[(0,), (0,)], [(0,), (0,)]]
    sched._on = [(_job(task=0, started=True), 0), (_job(task=1, started=True), 0)]
    assert admission(sched, True, [1e-3, 1e-3], 0.0).lanes == pytest.approx([5e-3, 1e-3])
    sched._need = [[(0,), (0,)], [(1,), (1,)]]
    assert admission(sched, True, [1e-3, 1e-3], 0.0).lanes == pytest.approx([3e-3, 3e-3])
