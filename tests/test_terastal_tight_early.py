"""Tight jobs before the run's first miss (options ``tight_early``, ``tight_born``)."""

import pytest

from terastal.errors import InputError
from terastal.model import Scenario, Task
from terastal.schedulers import make_scheduler
from terastal.schedulers._terastal_tight import early_slack
from terastal.sim import check_invariants, simulate
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform

MS = 1e-3


def _case(j_fps=100.0):
    """``hog`` takes core 0 at 0 until 0.6 ms; ``j`` (one layer: 1 ms on core 0, 1.4 ms on
    core 1; deadline 2 ms, best case 0.5 x it) comes at 0.1 ms. Home on core 0 it ends at
    1.6 ms, in time; by earliest finish it takes core 1 (1.5 ms). Nothing ever misses."""
    tasks = (
        Task("hog", tiny_model("hog", 1), fps=100.0, deadline_s=10 * MS),
        Task("j", tiny_model("j", 1), fps=j_fps, deadline_s=2 * MS, phase_s=0.1 * MS),
    )
    lat = {"hog": [[0.6 * MS, 5 * MS]], "j": [[1 * MS, 1.4 * MS]]}
    return Scenario("early", tasks), tiny_platform(2), make_tables(tasks, lat)


def _placed(born, cap, **opts):
    sc, pf, tables = _case()
    sched = make_scheduler("terastal", tight=0.51, tight_early=cap, tight_born=born, group=0,
                           spare=False, **opts)  # fmt: skip
    res = simulate(sc, pf, tables, sched, duration_s=0.005, seed=0, record=True)
    check_invariants(res)
    assert all(j.status == "in_time" for j in res.counted_jobs)  # no miss turns the rule on
    return {res.jobs[r.job_id].task.name: r.accelerator for r in res.log}


@pytest.mark.parametrize(
    "born, cap, core",
    [
        (0.0, 0.0, 0),  # off: tight only after a miss, and this run has none
        (0.5, 1.0, 1),  # j's best case is 0.5 x its deadline: tight from the start
        (0.6, 1.0, 0),  # a task whose best case leaves more slack is not
        (0.0, 1.0, 1),  # every task a candidate: hog (0.06 of core 0) and j (0.1) both fit
        (0.5, 0.09, 0),  # j alone loads core 0 by 0.1: above the cap, left out
        (0.5, 0.11, 1),  # below the cap: in
    ],
)
def test_which_tasks_are_tight_before_a_miss(born, cap, core):
    assert _placed(born, cap) == {"hog": 0, "j": core}


def test_the_cap_adds_tasks_lightest_first_per_core_class():
    sc, _, tables = _case()

    class _Costs:  # the fields early_slack reads of the engine's per-task costs
        def __init__(self, task, lat):
            self.task, self.lat = task, lat
            self.rem_min = (sum(min(row) for row in lat),)

    costs = [_Costs(t, tables[t.name].latency_s.tolist()) for t in sc.tasks]
    classes = [0, 1]
    # loads on core 0 (their fastest class): hog 100 Hz x 0.6 ms = 0.06, j 0.1
    assert early_slack(costs, classes, 0.1, 0.0, 0.0) is None  # off
    assert early_slack(costs, classes, 0.0, 1.0, 0.0) is None  # no tight rule at all
    assert early_slack(costs, classes, 0.1, 0.16, 0.0) == pytest.approx([1 * MS, 0.2 * MS])
    # 0.15: hog (lighter) first, then j no longer fits
    got = early_slack(costs, classes, 0.1, 0.15, 0.0)
    assert got[0] == pytest.approx(1 * MS) and got[1] == float("-inf")
    # only j is a candidate (best case >= 0.3 x deadline), and it fits alone
    got = early_slack(costs, classes, 0.1, 0.15, 0.3)
    assert got[0] == float("-inf") and got[1] == pytest.approx(0.2 * MS)
    assert early_slack(costs, classes, 0.1, 0.05, 0.3) is None  # j does not fit: nobody


@pytest.mark.parametrize(
    "opts, match",
    [
        ({"tight_early": -1.0}, r"option tight_early: must be"),
        ({"tight_born": 1.5}, r"option tight_born: must be in \[0, 1\]"),
    ],
)
def test_bad_early_options_are_refused(opts, match):
    with pytest.raises(InputError, match=match):
        make_scheduler("terastal", **opts)


def test_the_rule_is_on_by_default_and_its_ablation_runs_only_when_named():
    from terastal.reproduce import family

    sched = make_scheduler("terastal")
    assert (sched.tight_early, sched.tight_born) == (1.0, 0.8)
    assert family.config("terastal-notightearly") == ("terastal", {"tight_early": 0.0})
    assert "terastal-notightearly" in family.EXTRA_ABLATIONS
    assert "terastal-notightearly" not in family.labels()
    assert "terastal-notightearly" in family.labels(full=True)
