"""Terastal's options for spending variants differently (all off by default): a slower core's
variant (``slow_variant``), the pooled accuracy budget (``accuracy="pooled"``) and spare-core
variants once a job missed (``spare_variant="missed"``)."""

from types import SimpleNamespace

import pytest

from terastal.errors import InputError
from terastal.schedulers import make_scheduler
from terastal.schedulers._terastal_guards import AccuracyBudget
from terastal.schedulers._terastal_pool import PooledBudget
from terastal.schedulers._terastal_slowvar import slower, wrap
from terastal.sim import check_invariants, simulate
from test_terastal_scheduler import _case

# one layer: original 1 ms on core 0 (the fastest), 3 ms on core 1; variant 0.9 / 1.2 ms
_ST = SimpleNamespace(bits=[1], lat=[[1e-3, 3e-3]])
_VLAT = [0.9e-3, 1.2e-3]


def _allowed(job, layer, st):
    return _VLAT, 0b1


def _refused(job, layer, st):
    return None, 0


def _rule(choice):
    def choose(variant, variant_first, job, layer, st, starts, idle, vde, home):
        return choice, 0

    return choose


def test_slower_core_original_becomes_its_variant_there():
    starts = [0.0, 0.0]
    # the original on core 1 (3 ms): the variant there ends at 1.2 ms
    got = slower(_rule((1, False, 3e-3)), _allowed, False, None, 0, _ST, starts, [1, 1], 1, None)
    assert got == ((1, True, pytest.approx(1.2e-3)), 0b1)
    # not when the job may not run it
    got = slower(_rule((1, False, 3e-3)), _refused, False, None, 0, _ST, starts, [1, 1], 1, None)
    assert got == ((1, False, 3e-3), 0)


def test_fastest_core_original_and_variants_stay_as_chosen():
    starts = [0.0, 0.0]
    # core 0 is the layer's fastest: nothing to narrow, though the variant is shorter there
    got = slower(_rule((0, False, 1e-3)), _allowed, False, None, 0, _ST, starts, [1, 1], 1, None)
    assert got == ((0, False, 1e-3), 0)
    # a layer without a variant
    st = SimpleNamespace(bits=[0], lat=_ST.lat)
    got = slower(_rule((1, False, 3e-3)), _allowed, False, None, 0, st, starts, [1, 1], 1, None)
    assert got == ((1, False, 3e-3), 0)


def test_wrap_follows_the_option_and_the_detector():
    rule = _rule((1, False, 3e-3))
    on, off = SimpleNamespace(over=True), SimpleNamespace(over=False)
    assert wrap(SimpleNamespace(slow_variant="off", _over=on), rule) is rule
    assert wrap(SimpleNamespace(slow_variant="over", _over=off), rule) is rule
    assert wrap(SimpleNamespace(slow_variant="over", _over=None), rule) is rule
    assert wrap(SimpleNamespace(slow_variant="over", _over=on), rule) is not rule
    assert wrap(SimpleNamespace(slow_variant="always", _over=None), rule) is not rule


def test_pooled_budget_lets_one_model_use_what_another_leaves():
    # two models with variants, limit 2 %: model 1 completed two jobs without loss
    per_model = AccuracyBudget(2, 0.02, 50)
    pooled = PooledBudget(2, 0.02, 50, [True, True])
    for b in (per_model, pooled):
        b.end(1, 10, True)
        b.end(1, 11, True)
        b.end(0, 1, True)  # model 0: one job without loss
    # a 3 % job of model 0: its own mean would be 1.5 % (within), fine for both
    assert per_model.room(0, 2, 0.03) and pooled.room(0, 2, 0.03)
    # a 5 % job: model 0's mean 2.5 % passes the per-model limit; the mean over the two
    # models (2.5 % and 0 %) is 1.25 %
    assert not per_model.room(0, 2, 0.05)
    assert pooled.room(0, 2, 0.05)
    # 9 % for one job: 4.5 % and 0 %, a mean of 2.25 %: over the pooled limit too
    assert not pooled.room(0, 2, 0.09)


def test_pooled_budget_counts_reservations_and_skips_models_without_variants():
    pooled = PooledBudget(3, 0.02, 50, [True, False, True])
    pooled.reserve(2, 7, 0.03)  # model 2 runs a 3 % job, none completed: its mean is 3 %
    # model 0, first job at 1 %: (1 % + 3 %) / 2 models = 2 %, within; 1.5 % is not
    assert pooled.room(0, 1, 0.01)
    assert not pooled.room(0, 1, 0.015)
    # model 1 has no variants: it is not part of the mean
    assert pooled.models == [0, 2]
    # a dropped job's reservation is returned
    pooled.end(2, 7, False)
    assert pooled.room(0, 1, 0.03)


def _run(**opts):
    sc, plat, tables, plan = _case([[], [0]], {(0,): 0.99})
    sched = make_scheduler("terastal", plan=plan, group=0, **opts)
    res = simulate(sc, plat, tables, sched, duration_s=0.005, record=True)
    check_invariants(res)
    return sorted((r.job_id, r.layer, r.accelerator, r.start_s, r.end_s) for r in res.log)


@pytest.mark.parametrize(
    "opts", [{"spare_variant": "missed"}, {"accuracy": "pooled"}, {"slow_variant": "over"}]
)
def test_options_leave_a_miss_free_run_as_it_was(opts):
    # two jobs that both meet their deadlines: no miss (missed, over never on) and a budget
    # that never binds (admissible combinations only)
    assert _run(**opts) == _run()


@pytest.mark.parametrize(
    "opts", [{"slow_variant": "sometimes"}, {"accuracy": "shared"}, {"spare_variant": "late"}]
)
def test_bad_choices_are_refused(opts):
    with pytest.raises(InputError):
        make_scheduler("terastal", **opts)
