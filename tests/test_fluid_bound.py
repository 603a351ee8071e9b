"""The fluid capacity bound: known LP answers, validity against simulated runs, determinism."""

import math

import numpy as np
import pytest

from terastal.bound.fluid import fluid_bound, linear_losses, task_spans_s
from terastal.cost.tables import TaskCostTable
from terastal.errors import InputError
from terastal.model import Accelerator, Dataflow, Layer, LayerKind, Model, Platform, Scenario, Task
from terastal.planner.plan import LayerPlan, Plan, TaskPlan


def _platform(n):
    return Platform("p", tuple(Accelerator(f"a{i}", Dataflow.WS, 64) for i in range(n)))


def _model(name, n_layers, edges=None):
    layers = tuple(Layer(f"l{i}", LayerKind.FC, 8, 8, 1, 1) for i in range(n_layers))
    return Model(name, layers, edges)


def _table(name, lat, var=None):
    lat = np.asarray(lat, dtype=float)
    vlat = np.full_like(lat, np.nan) if var is None else np.asarray(var, dtype=float)
    zeros = np.zeros_like(lat)
    return TaskCostTable(name, lat, zeros, np.zeros(lat.shape[0]), vlat, zeros.copy())


def _task(name, n_layers, fps, deadline_s, **kw):
    return Task(name, _model(name, n_layers, kw.pop("edges", None)), fps, deadline_s, **kw)


def _plan(tasks, tables, accuracy, limit=0.02, admissible=()):
    """A plan whose only content the bound reads: variant layers, accuracy, admissible sets."""
    tps = []
    for t in tasks:
        tab = tables[t.name]
        n_acc = tab.latency_s.shape[1]
        vl = tuple(i for i in range(tab.num_layers) if tab.has_variant(i))
        share = (1.0,) + (0.0,) * (n_acc - 1)
        layers = []
        for i in range(tab.num_layers):
            variant = t.model.layers[i] if i in vl else None
            lat = tuple(tab.latency_s[i])
            layers.append(LayerPlan(i, f"l{i}", 0, lat, 0.0, 0.0, 0.0, share, 0.0, variant))
        acc = accuracy.get(t.name, {})
        tps.append(TaskPlan(t.name, t.name, t.fps, t.relative_deadline_s, tuple(layers), vl,
                            admissible, acc))  # fmt: skip
    names = tuple(f"a{i}" for i in range(n_acc))
    return Plan("s", "p", names, "test", "lp", limit, tuple(tps))


def test_one_task_one_core_twice_its_capacity_serves_half():
    t = _task("a", 1, fps=200.0, deadline_s=0.02)
    b = fluid_bound(Scenario("s", (t,)), _platform(1), {"a": _table("a", [[0.01]])})
    assert b.served_fraction["a"] == pytest.approx(0.5)
    assert b.mean_miss_rate_lb == pytest.approx(0.5)
    assert b.core_load == pytest.approx((1.0,))


def test_heterogeneous_cores_use_the_slow_core_at_its_own_speed():
    # Balanced fastest-latency utilization is 150 * 0.01 / 2 = 0.75, yet the slow core does a
    # quarter of the fast one's work: 150 (0.01 y0) <= 1 and 150 (0.04 y1) <= 1 give
    # y0 <= 2/3, y1 <= 1/6, so 5/6 is served.
    t = _task("a", 1, fps=150.0, deadline_s=0.05)
    b = fluid_bound(Scenario("s", (t,)), _platform(2), {"a": _table("a", [[0.01, 0.04]])})
    assert b.served_fraction["a"] == pytest.approx(5 / 6)
    assert b.core_load == pytest.approx((1.0, 1.0))
    t = _task("a", 1, fps=125.0, deadline_s=0.05)  # 0.8 + 0.2: everything fits
    b = fluid_bound(Scenario("s", (t,)), _platform(2), {"a": _table("a", [[0.01, 0.04]])})
    assert b.mean_miss_rate_lb == pytest.approx(0.0, abs=1e-9)


def test_a_task_whose_span_exceeds_its_deadline_is_always_missed():
    slow = _task("slow", 2, fps=1.0, deadline_s=0.015)  # span 0.02 > 0.015
    ok = _task("ok", 1, fps=1.0, deadline_s=0.015)
    tables = {
        "slow": _table("slow", [[0.01, 0.02], [0.01, 0.02]]),
        "ok": _table("ok", [[0.01, 0.02]]),
    }
    b = fluid_bound(Scenario("s", (slow, ok)), _platform(2), tables)
    assert b.always_missed == ("slow",)
    assert b.served_fraction == pytest.approx({"slow": 0.0, "ok": 1.0})
    assert b.mean_miss_rate_lb == pytest.approx(0.5)
    assert b.span_s["slow"] == pytest.approx(0.02)


def test_span_is_the_longest_path_of_a_dag():
    # 0 -> 1 -> 3 and 0 -> 2 -> 3; layer 2 is the long branch.
    t = _task("a", 4, fps=1.0, deadline_s=1.0, edges=((0, 1), (0, 2), (1, 3), (2, 3)))
    tab = _table("a", [[0.01, 0.02], [0.01, 0.03], [0.05, 0.04], [0.01, 0.01]])
    assert task_spans_s(Scenario("s", (t,)), {"a": tab})["a"] == pytest.approx(0.06)


def test_a_cascaded_child_is_served_after_its_parent_completes_late():
    # The parent can never be in time, but its late completions still release the child.
    parent = _task("p", 2, fps=10.0, deadline_s=0.015)
    child = _task("c", 1, fps=10.0, deadline_s=0.05, depends_on="p", probability=0.5)
    tables = {"p": _table("p", [[0.01], [0.01]]), "c": _table("c", [[0.01]])}
    b = fluid_bound(Scenario("s", (parent, child)), _platform(1), tables)
    assert b.served_fraction == pytest.approx({"p": 0.0, "c": 1.0})
    assert b.completed_fraction["p"] >= 0.5 - 1e-9  # rate_c z_c <= rate_p z_p


def test_variants_raise_capacity_within_the_accuracy_budget():
    t = _task("a", 1, fps=150.0, deadline_s=0.05)  # 1.5 x one core
    tables = {"a": _table("a", [[0.01]], var=[[0.005]])}
    sc, pf = Scenario("s", (t,)), _platform(1)
    assert fluid_bound(sc, pf, tables).served_fraction["a"] == pytest.approx(2 / 3)
    plan = _plan(sc.tasks, tables, {"a": {frozenset({0}): 0.9}})  # the variant loses 10 %
    # variant share v <= 0.02 / 0.1 = 0.2; 1.5 z - 0.75 v <= 1 gives z = 1.15 / 1.5.
    b = fluid_bound(sc, pf, tables, plan=plan)
    assert b.served_fraction["a"] == pytest.approx(1.15 / 1.5)
    assert b.accuracy_limit == 0.02
    assert fluid_bound(sc, pf, tables, plan=plan, accuracy_limit=math.inf).served_fraction[
        "a"
    ] == pytest.approx(1.0)


def test_linear_losses_never_exceed_a_combinations_loss():
    t = _task("a", 3, fps=1.0, deadline_s=1.0)
    tables = {"a": _table("a", [[0.01]] * 3, var=[[0.005], [0.005], [np.nan]])}
    acc = {frozenset({0}): 0.96, frozenset({1}): 0.98, frozenset({0, 1}): 0.97}
    tp = _plan((t,), tables, {"a": acc}).task("a")
    coef = linear_losses(tp, (0, 1))
    assert coef == pytest.approx({0: 0.015, 1: 0.015})
    for combo, a in acc.items():
        assert sum(coef[i] for i in combo) <= 1 - a + 1e-12
    gain = {frozenset({0}): 1.01}
    assert linear_losses(_plan((t,), tables, {"a": gain}).task("a"), (0, 1)) is None
    # An admissible combination without a measurement is free for the budget.
    tp = _plan((t,), tables, {"a": {frozenset({0}): 0.9}}, admissible=(frozenset({1}),)).task("a")
    assert linear_losses(tp, (0, 1)) == pytest.approx({0: 0.1, 1: 0.0})


def test_horizon_form_counts_frames_and_the_time_after_the_horizon():
    t = _task("a", 1, fps=200.0, deadline_s=0.02)
    sc, pf, tables = Scenario("s", (t,)), _platform(1), {"a": _table("a", [[0.01]])}
    b = fluid_bound(sc, pf, tables, horizon_s=1.0, released={"a": 200})
    assert b.edge_s == pytest.approx(0.02)
    assert b.served_fraction["a"] == pytest.approx(1.02 / 2)
    with pytest.raises(InputError, match="horizon"):
        fluid_bound(sc, pf, tables, released={"a": 200})
    with pytest.raises(InputError, match="released count"):
        fluid_bound(sc, pf, tables, horizon_s=1.0, released={})


def test_horizon_form_lets_a_late_parent_release_an_in_time_child_in_the_drain():
    # p is never in time; c needs 1 s of its one core per frame, ten frames, but 2 s deadline.
    # Within H + E = 1 + (0.005 + 2) s at most 3 c frames fit; the engine releases c when p
    # completes, late, in the drain too, so every c frame may end in time after H + E.
    parent = _task("p", 1, fps=10.0, deadline_s=0.005)
    child = _task("c", 1, fps=10.0, deadline_s=2.0, depends_on="p")
    tables = {"p": _table("p", [[0.01]]), "c": _table("c", [[1.0]])}
    sc = Scenario("s", (parent, child))
    b = fluid_bound(sc, _platform(1), tables, horizon_s=1.0, released={"p": 10, "c": 10})
    assert b.edge_s == pytest.approx(2.005)
    assert b.served_fraction == pytest.approx({"p": 0.0, "c": 1.0})


def test_a_plan_needs_tables_with_its_variants():
    t = _task("a", 1, fps=1.0, deadline_s=1.0)
    with_var = {"a": _table("a", [[0.01]], var=[[0.005]])}
    plan = _plan((t,), with_var, {})
    with pytest.raises(InputError, match="variant latencies"):
        fluid_bound(Scenario("s", (t,)), _platform(1), {"a": _table("a", [[0.01]])}, plan=plan)


def _point(utilization, mix="cls4", platform="Dual_4K/WS_OS"):
    from terastal.experiment import Case, prepare
    from terastal.reproduce.suite import build_mix, load_suite, resolve_platform
    from terastal.workloads import scale_to_utilization

    m = next(x for x in load_suite().mixes if x.name == mix)
    pf = resolve_platform(platform)
    base = build_mix(m)
    sc = scale_to_utilization(base, prepare(Case(base, pf)).tables(), utilization, m.shares)
    return sc, pf, prepare(Case(sc, pf))


@pytest.mark.parametrize(("utilization", "label"), [(1.3, "edf-ef-hopeless"), (1.6, "terastal")])
def test_never_above_a_simulated_run(utilization, label):
    """The horizon form with the run's own counted frames bounds the run (edge effects are
    the time after the horizon, which the form grants); steady state is checked with slack."""
    from terastal.experiment import RunSpec, run
    from terastal.metrics.accounting import released_counts
    from terastal.reproduce import family

    sc, pf, prepared = _point(utilization)
    plan = prepared.plan("auto")
    name, opts = family.config(label)
    duration, seed = 0.3, 0
    mr = run(RunSpec(sc, pf, name, opts, seed=seed, duration_s=duration, record=False),
             prepared=prepared).metrics["mean_miss_rate"]  # fmt: skip
    counts = dict(zip([t.name for t in sc.tasks], released_counts(sc, duration, seed), strict=True))
    kw = {"horizon_s": duration, "released": counts}
    var = fluid_bound(sc, pf, prepared.tables(plan), plan=plan, **kw)
    assert 0.0 < var.mean_miss_rate_lb <= mr + 1e-9
    if label != "terastal":  # a baseline without variants is bounded without them too
        assert fluid_bound(sc, pf, prepared.tables(), **kw).mean_miss_rate_lb <= mr + 1e-9
    steady = fluid_bound(sc, pf, prepared.tables(plan), plan=plan)
    assert steady.mean_miss_rate_lb <= mr + var.edge_s / duration


def test_deterministic():
    sc, pf, prepared = _point(1.3, "paper6")
    plan = prepared.plan("auto")
    a = fluid_bound(sc, pf, prepared.tables(plan), plan=plan)
    b = fluid_bound(sc, pf, prepared.tables(plan), plan=plan)
    assert a == b
    assert 0.0 < a.mean_miss_rate_lb < 1.0
    assert set(a.served_fraction) == {t.name for t in sc.tasks}
