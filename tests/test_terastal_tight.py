"""Tight jobs: a job with little slack left maps its next layer by earliest finish."""

import pytest

from terastal.errors import InputError
from terastal.model import Scenario, Task
from terastal.schedulers import make_scheduler
from terastal.schedulers._terastal_tight import tight_slack
from terastal.sim import check_invariants, simulate
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform
from terastal.testing import cases


@pytest.fixture(scope="module")
def tight_case():
    """A depth model whose best case is 95 % of its deadline, with four other tasks, on a
    big and a little core: its plan sends some of its layers to the little core, where they
    meet their virtual deadlines but leave the job too little time when the big core is
    busy afterwards (the case of a random mix where Terastal lost to EDF with
    earliest-finish mapping)."""
    from terastal.experiment import Case, prepare
    from terastal.io import load_model, load_platform

    pf = load_platform("Dual_4K_LittleBig/WS_OS")
    tasks = (
        Task("DE_midas_v21_small", load_model("DE_midas_v21_small"), 27.94, 31.62e-3),
        Task("swin_tiny", load_model("swin_tiny"), 27.94, 38.69e-3),
        Task("vgg11", load_model("vgg11"), 18.63, 69.78e-3),
        Task("vgg11#2", load_model("vgg11"), 9.31, 67.03e-3),
        Task("AS_ED_TCN", load_model("AS_ED_TCN"), 27.94, 37.92e-3,
             depends_on="DE_midas_v21_small", probability=0.713),
    )  # fmt: skip
    prep = prepare(Case(Scenario("tight", tasks), pf))
    plan = prep.auto_plan()
    return Scenario("tight", tasks), pf, prep.tables(plan), plan


def _run(case, seed=0, duration_s=0.3, **opts):
    sc, pf, tables, plan = case
    sched = make_scheduler("terastal", plan=plan, **opts)
    res = simulate(sc, pf, tables, sched, duration_s=duration_s, seed=seed, record=True)
    check_invariants(res)
    return sched, res


def _missed(res, task=None):
    return sum(j.status != "in_time" for j in res.counted_jobs if task in (None, j.task.name))


def _schedule(res):
    return [(r.job_id, r.layer, r.accelerator, r.variant) for r in res.log]


def test_the_slack_threshold_is_a_share_of_each_tasks_deadline(tight_case):
    sc = tight_case[0]

    class _C:  # the one field tight_slack reads
        def __init__(self, task):
            self.task = task

    assert tight_slack([_C(t) for t in sc.tasks], 0.0) is None
    got = tight_slack([_C(t) for t in sc.tasks], 0.1)
    assert got == pytest.approx([0.1 * t.relative_deadline_s for t in sc.tasks])


def _threshold_case():
    """``hog`` takes core 0 at 0 until 0.6 ms; ``j`` (one layer: 1 ms on core 0, 1.4 ms on
    core 1; deadline 2 ms) comes at 0.1 ms. Home on core 0 it finishes at 1.6 ms, within its
    deadline (2.1 ms); the earliest finish is core 1's 1.5 ms. At its release its slack (time
    to the deadline less its best case) is 2.1 - 0.1 - 1 = 1 ms = 0.5 x its deadline."""
    ms = 1e-3
    tasks = (
        Task("hog", tiny_model("hog", 1), fps=100.0, deadline_s=10 * ms),
        Task("j", tiny_model("j", 1), fps=100.0, deadline_s=2 * ms, phase_s=0.1 * ms),
    )
    lat = {"hog": [[0.6 * ms, 5 * ms]], "j": [[1 * ms, 1.4 * ms]]}
    return Scenario("threshold", tasks), tiny_platform(2), make_tables(tasks, lat)


@pytest.mark.parametrize("tight, core", [(0.49, 0), (0.4999, 0), (0.5001, 1), (0.51, 1)])
def test_a_job_is_tight_when_its_slack_is_below_the_share_of_its_deadline(tight, core):
    # decide's own test: below the threshold the job waits for its home core, above it the
    # mapping takes the earliest finish (no group search, no spare core: only this rule moves
    # the layer)
    sc, pf, tables = _threshold_case()
    sched = make_scheduler("terastal", tight=tight, tight_always=True, group=0, spare=False)
    res = simulate(sc, pf, tables, sched, duration_s=0.005, seed=0, record=True)
    check_invariants(res)
    placed = {res.jobs[r.job_id].task.name: r.accelerator for r in res.log}
    assert placed == {"hog": 0, "j": core}
    # by default the rule waits for a first miss: this run has none
    sched = make_scheduler("terastal", tight=tight, group=0, spare=False)
    res = simulate(sc, pf, tables, sched, duration_s=0.005, seed=0, record=True)
    assert {res.jobs[r.job_id].task.name: r.accelerator for r in res.log} == {"hog": 0, "j": 0}


@pytest.mark.parametrize("seed", [0, 1])
def test_a_tight_job_keeps_to_the_fast_core_and_meets_its_deadline(tight_case, seed):
    # without the rule the depth model's layers go home to the little core and a third of
    # its frames end late; mapped by earliest finish while tight, none does
    _, off = _run(tight_case, seed, tight=0.0)
    _, on = _run(tight_case, seed, tight_always=True)
    assert _missed(off, "DE_midas_v21_small") >= 3
    assert _missed(on) == 0
    # the rule moved the depth model's layers to the big core (core 0)
    little = [r for r in on.log if on.jobs[r.job_id].task.name == "DE_midas_v21_small"
              and r.accelerator == 1]  # fmt: skip
    little_off = [r for r in off.log if off.jobs[r.job_id].task.name == "DE_midas_v21_small"
                  and r.accelerator == 1]  # fmt: skip
    assert len(little) < len(little_off)


def test_by_default_the_rule_acts_once_a_job_missed(tight_case):
    # the first late frame switches the rule on; the run then misses less than without it
    # (tight_early 0: here the depth model would be tight from the start, see below)
    sched, res = _run(tight_case, 0, tight_early=0.0)
    _, off = _run(tight_case, 0, tight=0.0)
    assert sched._missed
    assert _schedule(res) != _schedule(off)
    assert _missed(res) < _missed(off)


def test_a_run_without_misses_is_left_as_it_was():
    mix = cases.paper_mix(("resnet50", "vgg11", "swin_tiny", "sp2dense"), (0.4,))[0.4]
    sched, res = _run(mix, 3, duration_s=0.4)
    assert _missed(res) == 0 and not sched._missed
    _, off = _run(mix, 3, duration_s=0.4, tight=0.0)
    assert _schedule(res) == _schedule(off)


@pytest.mark.parametrize(
    "opts, match",
    [
        ({"tight": -0.1}, r"option tight: must be in \[0, 1\], got -0.1"),
        ({"tight": 1.5}, r"option tight: must be in \[0, 1\]"),
    ],
)
def test_bad_tight_options_are_refused(opts, match):
    with pytest.raises(InputError, match=match):
        make_scheduler("terastal", **opts)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_task_born_tight_is_tight_before_the_first_miss(tight_case, seed):
    # the depth model's best case is 0.95 x its deadline: by default its first frame
    # already maps by earliest finish, and the run misses nothing (with tight_early 0 that
    # first frame is the run's first miss)
    sched, on = _run(tight_case, seed)  # the default: tight_early 1, tight_born 0.8
    _, off = _run(tight_case, seed, tight_early=0.0)
    assert _missed(off, "DE_midas_v21_small") >= 1
    assert _missed(on) == 0 and not sched._missed
    # the other tasks are not tight before a miss: only the depth model is a candidate
    assert [s > float("-inf") for s in sched._tight_pre] == [True, False, False, False, False]
