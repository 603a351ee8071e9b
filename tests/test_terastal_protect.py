"""Terastal's protection of started jobs (option ``protect``): a job none of whose layers has
started leaves an idle core to a started job that waiting for it would make hopeless."""

from pathlib import Path

import pytest

from terastal.experiment import Case, prepare
from terastal.model import Scenario, Task
from terastal.model.job import DROPPED, IN_TIME
from terastal.schedulers import make_scheduler
from terastal.schedulers._terastal_guards import FairnessGuard
from terastal.sim import check_invariants, simulate
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform

DATA = Path(__file__).parent / "data" / "bound"


def _two_jobs(**opts):
    """One core. ``a``: two 0.3 ms layers, 1 ms deadline, released at 0. ``b``: one 0.65 ms
    layer, 1.2 ms deadline, released at 0.1 ms; long (best case above half its deadline), it
    sorts by least laxity (0.1 + 1.2 - 0.65 = 0.65 ms) ahead of ``a`` (1 ms)."""
    plat = tiny_platform(1)
    sc = Scenario(
        "s",
        (
            Task("a", tiny_model("ma", 2), fps=100, deadline_s=1.0e-3),
            Task("b", tiny_model("mb", 1), fps=100, deadline_s=1.2e-3, phase_s=0.1e-3),
        ),
    )
    tables = make_tables(sc.tasks, {"a": [[0.3e-3], [0.3e-3]], "b": [[0.65e-3]]})
    res = simulate(sc, plat, tables, make_scheduler("terastal", group=0, **opts), duration_s=0.005,
                   record=True)  # fmt: skip
    check_invariants(res)
    return res


def _status(res, task):
    return [j.status for j in res.counted_jobs if j.task.name == task]


def test_off_the_fresh_long_job_takes_the_core_and_the_started_one_is_lost():
    # At 0.3 ms a's first layer is done; b sorts ahead and runs 0.3-0.95 ms, after which a
    # (0.3 ms left, deadline 1 ms) is hopeless: its first layer's work is lost.
    res = _two_jobs(protect="off")
    assert _status(res, "a")[0] == DROPPED
    assert _status(res, "b")[0] == IN_TIME
    missed = {j.id for j in res.counted_jobs if j.status != IN_TIME}
    wasted = [r for r in res.log if r.job_id in missed]
    assert wasted  # a's first layer ran for nothing


@pytest.mark.parametrize("mode", ["any", "shorter", "fits", "either"])
def test_protected_the_started_job_goes_first_and_both_meet_their_deadlines(mode):
    # a runs its last layer 0.3-0.6 ms; b then still fits (0.6 + 0.65 <= 1.3 ms).
    res = _two_jobs(protect=mode)
    assert _status(res, "a")[0] == IN_TIME
    assert _status(res, "b")[0] == IN_TIME
    first_b = min(r.start_s for r in res.log if res.jobs[r.job_id].task.name == "b")
    assert first_b == pytest.approx(0.6e-3)


def test_a_started_job_that_is_not_at_risk_does_not_hold_the_fresh_one():
    # With a 2 ms deadline for a, waiting behind b (until 0.95 ms) still leaves it in time:
    # b keeps its place and nothing changes.
    plat = tiny_platform(1)

    def run(mode):
        sc = Scenario(
            "s",
            (
                Task("a", tiny_model("ma", 2), fps=100, deadline_s=2.0e-3),
                Task("b", tiny_model("mb", 1), fps=100, deadline_s=1.2e-3, phase_s=0.1e-3),
            ),
        )
        tables = make_tables(sc.tasks, {"a": [[0.3e-3], [0.3e-3]], "b": [[0.65e-3]]})
        return simulate(sc, plat, tables, make_scheduler("terastal", protect=mode),
                        duration_s=0.005, record=True).log  # fmt: skip

    assert run("any") == run("off")


def test_cascade_instances_lose_fewer_jobs():
    # The bound suite's cascade instance (seg triggers kp; docs/design.md, "Started jobs
    # protected"): kp jobs that had started were dropped behind seg's next job.
    case = prepare(Case(str(DATA / "cascade.yaml"), str(DATA / "ws_os.yaml")))

    def missed(mode, duration_s, seed):
        res = simulate(case.scenario, case.platform, case.tables(),
                       make_scheduler("terastal", protect=mode), duration_s=duration_s,
                       seed=seed)  # fmt: skip
        return sum(j.status != IN_TIME for j in res.counted_jobs)

    assert missed("either", 0.03, 1) < missed("off", 0.03, 1)
    assert missed("either", 0.06, 2) < missed("off", 0.06, 2)
    with pytest.raises(Exception, match="protect"):
        make_scheduler("terastal", protect="sometimes")


def test_fairness_guard_judges_a_model_after_twenty_jobs_and_boosts_a_whole_deadline():
    # The defaults (docs/design.md, "The worst model: the fairness guard on"): ratio 2.5,
    # margin 0.1, a boost of one relative deadline, once 20 of the model's jobs ended.
    sched = make_scheduler("terastal")
    assert (sched.fair_ratio, sched.fair_min, sched.fair_boost, sched.fair_after) == (
        2.5, 0.1, 1.0, 20,
    )  # fmt: skip
    g = FairnessGuard([0.01, 0.02, 0.03], 2.5, 0.1, 1.0, 20)
    for _ in range(19):
        g.end(0, False)
        g.end(1, False)
        assert not g.end(2, True)  # task 2 misses everything, but has not ended 20 jobs
    assert g.end(2, True)  # its 20th: rate 1 > 2.5 x mean (1/3) and > mean + 0.1
    assert g.boost == [0.0, 0.0, 0.03]
