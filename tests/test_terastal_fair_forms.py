"""Forms of the fairness guard for the worst model (options ``fair_gap``, ``fair_pool``,
``fair_commit``; docs/design.md, "The worst model against the best baseline's"): off by
default, each changes what it says and nothing else."""

from types import SimpleNamespace

from terastal.schedulers import make_scheduler
from terastal.schedulers._terastal_admit import _exempt
from terastal.schedulers._terastal_guards import FairnessGuard


def test_forms_are_off_by_default():
    sched = make_scheduler("terastal")
    assert (sched.fair_gap, sched.fair_pool, sched.fair_commit) == (0.0, False, False)


def _high_mean(gap: float) -> FairnessGuard:
    # Three tasks at 60 % / 60 % / 100 % misses after 20 jobs each: the mean (0.733) is too
    # high for the ratio (2.5 x mean > 1) to fire.
    g = FairnessGuard([0.01, 0.02, 0.03], 2.5, 0.1, 1.0, 20, gap=gap)
    for i in range(20):
        g.end(0, i % 5 < 3)
        g.end(1, i % 5 < 3)
        g.end(2, True)
    return g


def test_gap_starves_a_model_far_above_a_high_mean():
    assert _high_mean(0.0).boost == [0.0, 0.0, 0.0]  # the ratio alone: never above 2.5 x
    assert _high_mean(0.25).boost == [0.0, 0.0, 0.03]  # 1.0 > 0.733 + 0.25
    assert _high_mean(0.3).boost == [0.0, 0.0, 0.0]  # 1.0 < 0.733 + 0.3


def test_pool_judges_a_model_with_few_jobs_on_every_models_count():
    own = FairnessGuard([0.01, 0.01, 0.05], 2.5, 0.1, 1.0, 20)
    pool = FairnessGuard([0.01, 0.01, 0.05], 2.5, 0.1, 1.0, 20, pool=True)
    for g in (own, pool):
        for _ in range(9):
            g.end(0, False)
            g.end(1, False)
        assert not g.end(2, True)  # 19 ended in all: nobody judged yet
    assert not own.end(2, True)  # task 2 has ended 2 of its own 20
    # 20 in all: task 2's rate 1 > 2.5 x the mean (1/3) and > the mean + 0.1
    assert pool.end(2, True) and pool.boost == [0.0, 0.0, 0.05]


def test_commit_exempts_the_starving_models_from_admission():
    def sched(commit: bool):
        s = make_scheduler("terastal", fair_commit=commit)
        # task 0 above 2.5 x the mean (0.367); task 1 boosted by the guard but below the bar
        s._fair = SimpleNamespace(missed=[10, 1, 0], ended=[10, 10, 10], boost=[0.0, 0.02, 0.0])
        return s

    assert _exempt(sched(False)) == [True, False, False]
    assert _exempt(sched(True)) == [True, True, False]
