"""Terastal's overload order: an overload detector and the order it switches to."""

import pytest

from terastal.errors import InputError
from terastal.schedulers import make_scheduler
from terastal.schedulers._terastal_guards import OverloadDetector
from terastal.sim import check_invariants, simulate
from terastal.testing import cases


@pytest.fixture(scope="module")
def mix():
    """Four paper models with variants on Dual_4K/WS_OS, with their plans at U 0.4 and 1.0."""
    return cases.paper_mix(("resnet50", "vgg11", "swin_tiny", "sp2dense"), (0.4, 1.0))


def test_detector_switches_on_and_off_with_hysteresis():
    d = OverloadDetector(on=0.1, off=0.05, window=10)
    assert not d.over
    assert not d.end(True)  # level 0.1: not above 0.1 yet
    assert d.end(True) and d.over  # 0.19 > 0.1
    changes = [d.end(False) for _ in range(6)]  # 0.19 x 0.9^k falls below 0.1 at k = 7
    assert not any(changes) and d.over  # between off and on it stays overloaded
    while d.level >= 0.05:
        was = d.over
        changed = d.end(False)
    assert changed and was and not d.over  # off only once below 0.05


def _run(case, **opts):
    sc, pf, tb, plan = case
    sched = make_scheduler("terastal", plan=plan, **opts)
    res = simulate(sc, pf, tb, sched, duration_s=0.4, seed=3, record=True)
    check_invariants(res)
    return sched, res


def _schedule(res):
    return [(r.job_id, r.layer, r.accelerator, r.variant) for r in res.log]


def test_without_misses_the_order_is_the_deadline_order(mix):
    # nothing misses at U 0.4: the detector never fires and the schedule is the one of the
    # deadline order (overload_scale=1, overload_commit=False turn the mechanism off)
    sched, res = _run(mix[0.4])
    assert all(j.status == "in_time" for j in res.counted_jobs)
    assert not sched._over.over
    _, off = _run(mix[0.4], overload_scale=1.0, overload_commit=False)
    assert _schedule(res) == _schedule(off)


def _rates(res):
    """Miss rate per model."""
    jobs = {}
    for j in res.counted_jobs:
        jobs.setdefault(j.task.name, []).append(j.status != "in_time")
    return {name: sum(v) / len(v) for name, v in jobs.items()}


def test_under_overload_the_order_switches_and_stops_starving_long_deadlines(mix):
    sched, res = _run(mix[1.0])
    assert sched._over.level > 0.05
    _, off = _run(mix[1.0], overload_scale=1.0, overload_commit=False)
    assert _schedule(res) != _schedule(off)
    on, dl = _rates(res), _rates(off)
    # the deadline order serves the short-deadline model and starves the long ones (vgg11,
    # deadline 13x swin_tiny's); the overload order spreads the misses: a lower mean and a
    # lower worst model
    assert dl["vgg11"] > 0.8 and on["vgg11"] < 0.5
    assert sum(on.values()) < sum(dl.values())
    assert max(on.values()) < max(dl.values())


@pytest.mark.parametrize(
    "opts, match",
    [
        ({"overload_scale": -0.5}, "option overload_scale: must be >= 0"),
        ({"overload_on": 1.5}, r"option overload_on: must be in \[0, 1\]"),
        ({"overload_window": 0}, "option overload_window: must be >= 1"),
    ],
)
def test_bad_overload_options_are_clear_errors(opts, match):
    with pytest.raises(InputError, match=match):
        make_scheduler("terastal", **opts)


def _wasted_s(res):
    """Compute time spent on jobs that missed their deadline."""
    missed = {j.id for j in res.counted_jobs if j.status != "in_time"}
    return sum(r.end_s - r.start_s for r in res.log if r.job_id in missed)


def test_committing_to_started_jobs_wastes_less_work(mix):
    # under overload a started job preempted at a layer boundary by newer jobs may end up
    # dropped, and the work it received is lost; with overload_commit started jobs go first
    _, commit = _run(mix[1.0])
    _, loose = _run(mix[1.0], overload_commit=False)
    assert _schedule(commit) != _schedule(loose)
    assert _wasted_s(commit) < _wasted_s(loose)


def test_long_jobs_sort_by_laxity_and_meet_more_deadlines():
    # the bound suite's `tight` instance: a classifier whose best case takes most of its
    # deadline next to a keypoint task with half its deadline; by deadline the classifier's
    # layers wait behind every keypoint job (docs/results.md, "Offline bound")
    from pathlib import Path

    from terastal.bound.replay import missed_count
    from terastal.experiment import Case, prepare

    data = Path(__file__).parent / "data" / "bound"
    prep = prepare(Case(str(data / "tight.yaml"), str(data / "ws_os.yaml")))
    missed = {}
    for above in (0.5, 0.0):
        sched = make_scheduler("terastal", laxity_above=above, group=0, affinity="off")  # the order
        res = simulate(prep.scenario, prep.platform, prep.tables(), sched, duration_s=0.03)
        check_invariants(res)
        missed[above] = missed_count(res)
    assert missed[0.5] < missed[0.0]
