"""Drop rules of the list schedulers and the shared hopeless test."""

import pytest

from terastal.model import Scenario, Task
from terastal.schedulers import make_scheduler
from terastal.schedulers._hopeless import (
    DropQueue,
    best_remaining,
    is_hopeless,
    remaining_of,
)
from terastal.sim import check_invariants, simulate
from terastal.sim.synthetic import make_tables, random_case, tiny_model, tiny_platform
from terastal.testing.conformance import check_scheduler

MS = 1e-3
POLICIES = ("fcfs", "edf", "rm", "lst", "heft")


def case(specs, latency, num_acc=1):
    tasks = tuple(Task(name, tiny_model(name, n), **kw) for name, n, kw in specs)
    lat = {k: [[x * MS for x in row] for row in v] for k, v in latency.items()}
    return Scenario("s", tasks), tiny_platform(num_acc, 1e9), make_tables(tasks, lat)


def outcome(c, name, late="scheduler", **options):
    r = simulate(*c, make_scheduler(name, **options), duration_s=10 * MS, late=late)
    check_invariants(r)
    return {j.task.name: j.status for j in r.counted_jobs}


def test_hopeless_drops_a_job_that_cannot_make_it_and_deadline_waits_for_the_deadline():
    # One core. b (deadline 6) runs 0-5; then a (4 ms left, deadline 7) cannot end by 7.
    spec = [
        ("a", 1, {"fps": 100, "deadline_s": 7 * MS}),
        ("b", 1, {"fps": 100, "deadline_s": 6 * MS}),
    ]
    c = case(spec, {"a": [[4]], "b": [[5]]})
    assert outcome(c, "edf") == {"a": "late", "b": "in_time"}
    assert outcome(c, "edf", drop="deadline") == {"a": "late", "b": "in_time"}
    assert outcome(c, "edf", drop="hopeless") == {"a": "dropped", "b": "in_time"}
    # Drops need the late policy's consent.
    assert outcome(c, "edf", late="keep", drop="hopeless") == {"a": "late", "b": "in_time"}


def test_deadline_rule_drops_a_ready_job_already_past_its_deadline():
    spec = [
        ("a", 1, {"fps": 100, "deadline_s": 4.5 * MS}),
        ("b", 1, {"fps": 100, "deadline_s": 4 * MS}),
    ]
    c = case(spec, {"a": [[1]], "b": [[5]]})
    assert outcome(c, "edf") == {"a": "late", "b": "late"}
    assert outcome(c, "edf", drop="deadline") == {"a": "dropped", "b": "late"}


def test_best_remaining_is_the_suffix_of_fastest_latencies_on_a_chain():
    sc, platform, tables = random_case(3)
    from terastal.sim.costs import build_task_costs

    for costs in build_task_costs(sc, platform, tables):
        rem = best_remaining(costs)
        if costs.is_chain:
            assert rem == pytest.approx(list(costs.rem_min[:-1]), rel=1e-12)
        # every layer's best remaining covers its own fastest latency and its successors'
        for i, succ in enumerate(costs.succs):
            for s in succ:
                assert rem[i] >= rem[s] + min(costs.lat[i]) - 1e-15


class _Brute:
    """Wraps a DropQueue and checks every answer against a scan of all ready jobs."""

    name = "brute"

    def __init__(self, rule):
        self.q = DropQueue(rule)
        self.rule = rule
        self.calls = self.drops = 0

    def reset(self, view):
        self.q.reset(view)
        self.rem = [best_remaining(c) for c in view.costs]

    def decide(self, view):
        due = self.q.due(view)
        expect = []
        for job in view.ready_jobs:
            r = 0.0
            if self.rule == "hopeless":
                r = remaining_of(job, self.rem[job.task_index], job.costs.is_chain)
            if is_hopeless(view.now, r, job.deadline):
                expect.append(job)
        assert set(due) == set(expect)
        self.calls += 1
        self.drops += len(due)
        out = [(j,) for j in due]
        idle = list(view.idle_flags)
        for job in sorted(view.ready_jobs, key=lambda j: (j.deadline, j.id)):
            if job in due:
                continue
            acc = job.costs.preferred[job.next_layer]
            if idle[acc]:
                idle[acc] = False
                out.append((job, job.next_layer, acc, False))
        return out


@pytest.mark.parametrize("rule", ["deadline", "hopeless"])
@pytest.mark.parametrize("seed", range(4))
def test_drop_queue_matches_a_scan_of_every_ready_job(rule, seed):
    sched = _Brute(rule)
    sc, platform, tables = random_case(seed, load=1.8)
    simulate(sc, platform, tables, sched, duration_s=0.5, seed=seed, late="scheduler")
    assert sched.calls > 10 and sched.drops > 0


@pytest.mark.parametrize("name", POLICIES)
def test_every_policy_takes_every_lever_and_conforms(name):
    other = "earliest_finish" if name != "heft" else "preferred"
    check_scheduler(lambda: make_scheduler(name, mapping=other, drop="hopeless"))
    check_scheduler(lambda: make_scheduler(name, drop="deadline"))


def test_bad_drop_rule_is_rejected():
    from terastal.errors import InputError

    with pytest.raises(InputError, match="option drop: must be one of"):
        make_scheduler("edf", drop="sometimes")


def cascade_case():
    # One core, one frame each. up cannot end by its deadline (5 ms of work, 3 ms deadline);
    # its child down (1 ms, deadline 4 ms from its own release) is released when up ends;
    # o (2 ms, deadline 8 ms) can be in time whatever happens to up.
    spec = [
        ("up", 1, {"fps": 100, "deadline_s": 3 * MS}),
        ("down", 1, {"fps": 100, "deadline_s": 4 * MS, "depends_on": "up"}),
        ("o", 1, {"fps": 100, "deadline_s": 8 * MS}),
    ]
    return case(spec, {"up": [[5]], "down": [[1]], "o": [[2]]})


@pytest.mark.parametrize(
    "name, options",
    [(p, {"drop": "hopeless"}) for p in POLICIES]
    + [("dream", {}), ("terastal", {})],
)
def test_a_hopeless_parent_is_kept_behind_in_time_work_and_releases_its_child(name, options):
    c = cascade_case()
    # Kept (the default): o first, then up (late), whose completion releases down in time.
    assert outcome(c, name, **options) == {"up": "late", "down": "in_time", "o": "in_time"}
    # Dropped: down is never released.
    assert outcome(c, name, parents="drop", **options) == {"up": "dropped", "o": "in_time"}


def test_parents_are_the_models_some_task_cascades_from_with_a_chance_to_trigger():
    from terastal.schedulers._hopeless import cascade_parents

    class View:
        def __init__(self, scenario, tables):
            self.scenario = scenario
            self.costs = [type("C", (), {"task": t})() for t in scenario.tasks]

    sc, _, tables = cascade_case()
    assert cascade_parents(View(sc, tables)) == [True, False, False]
    never = Scenario("s", (sc.tasks[0], Task("down", sc.tasks[1].model, fps=100,
                                            depends_on="up", probability=0.0), sc.tasks[2]))
    assert cascade_parents(View(never, tables)) == [False, False, False]


@pytest.mark.parametrize(
    "name, options",
    [(p, {"drop": "hopeless"}) for p in POLICIES]
    + [("dream", {}), ("terastal", {})],
)
def test_a_parent_found_hopeless_after_the_horizon_is_kept_and_releases_its_child(name, options):
    # One core, horizon 1 ms: every job is released at 0 and runs in the drain. A policy that
    # runs o (2 ms, deadline 2.5 ms) first finds up (2 ms left, deadline 3 ms) hopeless at
    # 2 ms, after the horizon: kept, up ends late and releases down (1 ms, deadline 4 ms from
    # its release), in time. One that runs up first ends it in time and gives o up.
    spec = [
        ("up", 1, {"fps": 100, "deadline_s": 3 * MS}),
        ("down", 1, {"fps": 100, "deadline_s": 4 * MS, "depends_on": "up"}),
        ("o", 1, {"fps": 100, "deadline_s": 2.5 * MS}),
    ]
    c = case(spec, {"up": [[2]], "down": [[1]], "o": [[2]]})
    r = simulate(*c, make_scheduler(name, **options), duration_s=1 * MS, late="scheduler")
    check_invariants(r)
    status = {j.task.name: j.status for j in r.counted_jobs}
    assert status["up"] in ("late", "in_time") and status["down"] == "in_time", status
    assert sum(s == "in_time" for s in status.values()) == 2, status
