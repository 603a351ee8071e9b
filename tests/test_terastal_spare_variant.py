"""Terastal's variants on spare cores: a layer waiting for its busy fast core runs its variant
on the idle slow core when that ends earlier (option ``spare_variant``)."""

from types import SimpleNamespace

import pytest

from terastal.schedulers import make_scheduler
from terastal.schedulers._terastal_map import spare_variant
from terastal.sim import check_invariants, simulate
from test_terastal_scheduler import _case


def _run(admissible, measured, **opts):
    # Two jobs of one 2-layer task released together, deadline 5 ms (virtual deadlines 2.5
    # and 5 ms). Core 0 runs each layer in 1 ms, core 1 in 3 ms; layer 0's variant runs in
    # 0.9 ms on core 0 and 1.2 ms on core 1. The plan runs everything on core 0.
    sc, plat, tables, plan = _case(admissible, measured)
    sched = make_scheduler("terastal", plan=plan, group=0, **opts)  # the rule alone
    res = simulate(sc, plat, tables, sched, duration_s=0.005, record=True)
    check_invariants(res)
    return res, sorted((r.job_id, r.layer, r.accelerator, r.start_s, r.end_s) for r in res.log)


def test_a_waiting_layer_runs_its_variant_on_the_idle_slow_core():
    # Without the rule: at 0 b.l0 waits for core 0 (it would end at 2 ms, within 2.5 ms); its
    # original on core 1 would end at 3 ms, later than waiting, so core 1 idles. At 1 ms a.l1
    # takes core 0 first, waiting would end at 3 ms, past 2.5 ms: only then does b.l0 run its
    # variant on core 1, [1, 2.2] ms.
    res, off = _run([[], [0]], {(0,): 0.99}, spare_variant="off")
    assert [r[:3] for r in off] == [(0, 0, 0), (0, 1, 0), (1, 0, 1), (1, 1, 0)]
    assert [t for r in off for t in r[3:]] == pytest.approx(
        [0.0, 1e-3, 1e-3, 2e-3, 1e-3, 2.2e-3, 2.2e-3, 3.2e-3]
    )
    # With it: at 0 b.l0's variant on idle core 1 ends at 1.2 ms, before the wait's 2 ms;
    # core 1 works from the start and b ends 0.2 ms earlier.
    res, on = _run([[], [0]], {(0,): 0.99}, spare_variant="always")
    assert all(j.status == "in_time" for j in res.counted_jobs)
    assert [j.variants for j in res.counted_jobs] == [frozenset(), frozenset({0})]
    assert [r[:3] for r in on] == [(0, 0, 0), (0, 1, 0), (1, 0, 1), (1, 1, 0)]
    assert [t for r in on for t in r[3:]] == pytest.approx(
        [0.0, 1e-3, 1e-3, 2e-3, 0.0, 1.2e-3, 2e-3, 3e-3]
    )


def test_no_variant_on_a_spare_core_that_the_job_may_not_run():
    # The variant is in no admissible combination and the static mode allows no budget: the
    # schedule is the one without the rule.
    opts = {"accuracy": "static"}
    _, off = _run([[]], {(0,): 0.9}, spare_variant="off", **opts)
    res, on = _run([[]], {(0,): 0.9}, spare_variant="always", **opts)
    assert all(not j.variants for j in res.counted_jobs)
    assert on == off


def test_over_uses_the_rule_only_under_overload():
    # "over" (the default) uses the rule only while the overload detector is on; two jobs that
    # both meet their deadlines never turn it on: the schedule is the one without the rule.
    _, off = _run([[], [0]], {(0,): 0.99}, spare_variant="off")
    _, on = _run([[], [0]], {(0,): 0.99})
    assert on == off


def test_spare_variant_picks_the_earliest_idle_variant_finish_before_the_wait():
    st = SimpleNamespace(var_lat=[[0.5, 1.0, 0.8]])

    def allowed(job, layer, st):
        return st.var_lat[layer], 0b1

    def refused(job, layer, st):
        return None, 0

    free, idle = [5.0, 0.0, 0.0], [False, True, True]
    # chain layer, input on core 0 (moves cost 1): core 1 ends at 2.0, core 2 at 1.8
    assert spare_variant(allowed, None, 0, st, 0, 1.0, free, idle, 6.0, None) == (2, 1.8, 1)
    # waiting ends at 1.8: no idle core ends strictly earlier
    assert spare_variant(allowed, None, 0, st, 0, 1.0, free, idle, 1.8, None) == (-1, 1.8, 0)
    # the job may not run the variant
    assert spare_variant(refused, None, 0, st, 0, 1.0, free, idle, 6.0, None) == (-1, 6.0, 0)
