"""The terastal online scheduler: hand-computed schedules, variants, admissibility, drops."""

import pytest

from terastal.model import Layer, LayerKind, Scenario, Task
from terastal.planner.plan import LayerPlan, Plan, TaskPlan
from terastal.schedulers import make_scheduler
from terastal.schedulers.terastal import Terastal
from terastal.sim import check_invariants, simulate
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform
from terastal.testing.conformance import check_scheduler


def _plan(task, lat, var_lat, shares, admissible, accuracy, platform):
    """A hand-made plan: budgets proportional to the given expected latencies."""
    n = len(lat)
    expected = [min(r) for r in lat]
    total = sum(expected)
    offs, acc = [], 0.0
    for e in expected:
        acc += e
        offs.append(task.relative_deadline_s * acc / total)
    shape = Layer("v", LayerKind.FC, k=2, c=2, y=2, x=2)
    layers = tuple(
        LayerPlan(
            index=i,
            name=f"l{i}",
            preferred=min(range(2), key=lat[i].__getitem__),
            latency_s=tuple(lat[i]),
            expected_latency_s=expected[i],
            budget_s=task.relative_deadline_s * expected[i] / total,
            deadline_offset_s=offs[i],
            share=shares[i],
            gap_s=0.0,
            variant=shape if i in var_lat else None,
            variant_latency_s=tuple(var_lat[i]) if i in var_lat else None,
        )
        for i in range(n)
    )
    tp = TaskPlan(
        name=task.name, model=task.model.name, rate_hz=task.fps,
        deadline_s=task.relative_deadline_s, layers=layers, variant_layers=tuple(sorted(var_lat)),
        admissible=tuple(frozenset(s) for s in admissible),
        accuracy={frozenset(k): v for k, v in accuracy.items()},
    )  # fmt: skip
    return Plan(
        scenario="s", platform=platform.name,
        accelerators=tuple(a.name for a in platform.accelerators), cost_model="hand",
        budget_policy="lp", accuracy_loss=0.02, tasks=(tp,),
    )  # fmt: skip


def _case(admissible, accuracy, fps=200.0):
    # Two jobs of one 2-layer task released together (phase 0, two tasks with one model).
    # Core 0 ("WS") runs each layer in 1 ms; core 1 ("OS") in 3 ms; layer 0's variant runs
    # in 1.2 ms on core 1.
    plat = tiny_platform(2)
    m = tiny_model("m", 2)
    a = Task("a", m, fps=fps)  # period = deadline = 5 ms by default
    b = Task("b", m, fps=fps)
    sc = Scenario("s", (a, b))
    lat = [[1e-3, 3e-3], [1e-3, 3e-3]]
    var = {0: [0.9e-3, 1.2e-3]}
    tables = make_tables(sc.tasks, {"a": lat, "b": lat}, var_latency={"a": var, "b": var})
    shares = ((1.0, 0.0), (1.0, 0.0))
    plans = [_plan(t, lat, var, shares, admissible, accuracy, plat) for t in sc.tasks]
    plan = Plan(
        scenario="s", platform=plat.name, accelerators=plans[0].accelerators, cost_model="hand",
        budget_policy="lp", accuracy_loss=0.02, tasks=(plans[0].tasks[0], plans[1].tasks[0]),
    )  # fmt: skip
    return sc, plat, tables, plan


def test_meets_every_deadline_on_preferred_core_when_it_suffices():
    sc, plat, tables, plan = _case([[], [0]], {(0,): 0.99}, fps=100.0)
    # the mapping alone: at this light load the group search may place layers on any core
    sched = make_scheduler("terastal", plan=plan, group=0)
    res = simulate(sc, plat, tables, sched, duration_s=0.01)
    check_invariants(res)
    # 10 ms deadline (virtual deadlines 5 and 10 ms): 4 layers x 1 ms on core 0 finish at
    # 4 ms, every layer within its virtual deadline; no slow core, no variant.
    assert [j.status for j in res.counted_jobs] == ["in_time", "in_time"]
    assert all(rec[0] == 0 for rec in res.log)
    assert all(not j.variants for j in res.counted_jobs)


def test_offloads_as_variant_when_preferred_core_would_miss_virtual_deadline():
    sc, plat, tables, plan = _case([[], [0]], {(0,): 0.99})
    # Deadline 3 ms (virtual deadlines 1.5 and 3 ms): core 0 alone would finish b at 4 ms.
    # Hand schedule: a.l0 core0 [0, 1]; b.l0 variant core1 [0, 1.2]; a.l1 core0 [1, 2];
    # b.l1 core0 [2, 3].
    sc = Scenario("s", tuple(Task(t.name, t.model, fps=200.0, deadline_s=3e-3) for t in sc.tasks))
    sched = make_scheduler("terastal", plan=plan)
    res = simulate(sc, plat, tables, sched, duration_s=0.005)
    check_invariants(res)
    assert [j.status for j in res.counted_jobs] == ["in_time", "in_time"]
    assert [j.variants for j in res.counted_jobs] == [frozenset(), frozenset({0})]
    # (dispatch, start, finish) of each layer, flattened: approx compares flat sequences
    times = [t for rec in sorted(rec[3:6] for rec in res.log) for t in rec]
    assert times == pytest.approx(
        [0.0, 0.0, 1e-3, 0.0, 0.0, 1.2e-3, 1e-3, 1e-3, 2e-3, 2e-3, 2e-3, 3e-3]
    )
    loss = [sched.accuracy_loss(j.task.name, j.variants) for j in res.counted_jobs]
    assert sorted(loss) == pytest.approx([0.0, 0.01])


def test_never_uses_an_inadmissible_variant():
    sc, plat, tables, plan = _case([[]], {(0,): 0.5})
    sc = Scenario("s", tuple(Task(t.name, t.model, fps=200.0, deadline_s=3e-3) for t in sc.tasks))
    res = simulate(sc, plat, tables, make_scheduler("terastal", plan=plan), duration_s=0.005)
    check_invariants(res)
    assert all(not j.variants for j in res.counted_jobs)
    # Without the variant b cannot finish by 3 ms: it is dropped once that is certain.
    assert [j.status for j in res.counted_jobs] == ["in_time", "dropped"]


def test_drops_hopeless_jobs_only_when_allowed():
    sc, plat, tables, plan = _case([[]], {})
    # 1.5 ms deadline: two 1 ms layers can never fit, so each job is hopeless at release.
    sc = Scenario("s", tuple(Task(t.name, t.model, fps=200.0, deadline_s=1.5e-3) for t in sc.tasks))
    res = simulate(sc, plat, tables, make_scheduler("terastal", plan=plan), duration_s=0.005)
    assert [j.status for j in res.counted_jobs] == ["dropped", "dropped"]
    res = simulate(
        sc, plat, tables, make_scheduler("terastal", plan=plan, drops=False), duration_s=0.005
    )
    assert [j.status for j in res.counted_jobs] == ["late", "late"]


def test_early_sacrifice_only_of_jobs_that_waited():
    from terastal.schedulers._terastal_guards import given_up

    # 4 ms of best-case work left, deadline in 5 ms: never provably hopeless now...
    assert not given_up(now=1.0, since=1.0, wait_rem=5.2e-3, demand_rem=0.0, deadline=1.005)
    # ...but once it has waited, a 1.3 x margin (5.2 ms) or the queue ahead (6 ms) gives it up
    assert given_up(now=1.0, since=0.999, wait_rem=5.2e-3, demand_rem=0.0, deadline=1.005)
    assert given_up(now=1.0, since=0.999, wait_rem=0.0, demand_rem=6e-3, deadline=1.005)
    assert not given_up(now=1.0, since=0.999, wait_rem=4e-3, demand_rem=4.5e-3, deadline=1.005)


def test_plan_for_another_platform_is_a_clear_error():
    sc, _, _, plan = _case([[]], {})
    other = tiny_platform(3)
    from terastal.errors import InputError

    tables3 = make_tables(sc.tasks, {t.name: [[1e-3] * 3] * 2 for t in sc.tasks})
    with pytest.raises(InputError, match="accelerators"):
        simulate(sc, other, tables3, make_scheduler("terastal", plan=plan), duration_s=0.005)


@pytest.mark.parametrize(
    "opts",
    [{}, {"variants": False}, {"budgets": False}, {"drops": False}, {"wait_slack": 1.25},
     {"demand": True}, {"spare": False}, {"spare": False, "drops": False}],
)  # fmt: skip
def test_conformance_of_terastal_and_its_ablations(opts):
    check_scheduler(lambda: make_scheduler("terastal", **opts), name=f"terastal{opts}")


def test_bad_options_are_clear_errors():
    from terastal.errors import InputError

    with pytest.raises(InputError, match="option priority: must be one of deadline, virtual"):
        make_scheduler("terastal", priority="fifo")
    with pytest.raises(InputError, match="drop_slack"):
        make_scheduler("terastal", drop_slack=0)


class _EveryJobChanged:
    """A view that reports every ready job as changed (a from-scratch sort each call)."""

    def __init__(self, view):
        self._view = view

    def __getattr__(self, attr):
        return getattr(self._view, attr)

    @property
    def ready_changes(self):
        return tuple(self._view.ready_jobs)


class _SortEveryCall(Terastal):
    """Terastal with no order kept between calls: the reference for the incremental order."""

    def _ordered(self, view):
        self._order, self._entries = [], {}
        return super()._ordered(_EveryJobChanged(view))


def _fingerprint(result):
    jobs = [(j.id, j.status, j.finish, j.energy_j, j.variants) for j in result.counted_jobs]
    return result.log, jobs, len(result.decision_ns)


@pytest.mark.parametrize("late", ["scheduler", "keep"])
@pytest.mark.parametrize(
    "opts", [{}, {"priority": "virtual"}, {"drops": False}, {"wait_slack": 1.25, "demand": True}]
)
def test_kept_order_decides_like_sorting_every_call(late, opts):
    from terastal.sim.synthetic import random_case

    compared = 0
    for seed in range(10):
        # fork-join models and overload, so that backlogs build and DAG jobs change layers
        sc, pf, tb = random_case(
            seed, num_tasks=2 + seed % 4, num_accelerators=1 + seed % 3, load=0.9 + 0.1 * seed
        )
        runs = [
            simulate(sc, pf, tb, cls(**opts), duration_s=0.5, seed=seed, late=late)
            for cls in (Terastal, _SortEveryCall)
        ]
        assert _fingerprint(runs[0]) == _fingerprint(runs[1])
        compared += runs[0].dispatches
    assert compared > 500  # the comparison covered real schedules


def test_kept_order_decides_like_sorting_every_call_with_variants():
    from terastal.testing import cases

    names = ("resnet50", "vgg11", "mb2_ssd_lite", "sp2dense")
    sc, pf, tables, plan = cases.paper_mix(names, (1.0,))[1.0]
    runs = [
        simulate(sc, pf, tables, cls(plan=plan), duration_s=0.3, seed=3)
        for cls in (Terastal, _SortEveryCall)
    ]
    assert _fingerprint(runs[0]) == _fingerprint(runs[1])
    assert any(j.variants for j in runs[0].counted_jobs)  # variants were part of what was compared


class _NoFallbackMemo(Terastal):
    """Terastal that runs the mapping rule for every layer: the reference for the memo."""

    def reset(self, view):
        super().reset(view)
        for st in self._tasks:
            st.min_opt = [float("-inf")] * len(st.min_opt)  # the lower bound never holds


@pytest.mark.parametrize("opts", [{"drops": False}, {}, {"on_demand": False}])
def test_fallback_memo_decides_like_running_the_rule(opts, monkeypatch):
    import terastal.schedulers._terastal_groups as groups_mod
    import terastal.schedulers._terastal_map as mod
    from terastal.testing import cases

    calls, queued = [], []
    real = mod.fallback
    monkeypatch.setattr(mod, "fallback", lambda *a: calls.append(1) or real(*a))
    add = groups_mod.FallbackGroups.add
    monkeypatch.setattr(groups_mod.FallbackGroups, "add", lambda *a: queued.append(1) or add(*a))
    names = ("resnet50", "vgg11", "swin_tiny", "sp2dense")
    sc, pf, tables, plan = cases.paper_mix(names, (1.3,))[1.3]
    runs = [
        simulate(sc, pf, tables, cls(plan=plan, **opts), duration_s=0.3, seed=1)
        for cls in (Terastal, _NoFallbackMemo)
    ]
    assert _fingerprint(runs[0]) == _fingerprint(runs[1])
    assert calls  # the memo's path was taken
    # without drops, layers past their virtual deadline wait in their key's group
    assert bool(queued) == (opts.get("drops") is False)
    assert any(j.variants for j in runs[0].counted_jobs)


def test_fallback_groups_keep_each_key_sorted_and_give_back_every_entry():
    from terastal.schedulers._terastal_groups import FallbackGroups

    st = object()

    # entries as the order builds them: (priority, id, job, layer, state, ..., src, move, ...)
    def entry(prio, jid, layer=0, src=-1):
        return (prio, jid, f"job{jid}", layer, st, 0.0, 1.0, 0.5, src, 0.0, 0.1, 0.0, 0.0)

    groups = FallbackGroups()
    a, b, c, d = entry(3.0, 1), entry(1.0, 2), entry(2.0, 3), entry(0.5, 4, layer=1)
    for e, low in ((a, 0.1), (b, 0.2), (c, 0.3), (d, 0.1)):
        groups.add(e, low)
    assert groups.size == 4 and groups.floor == 0.3
    assert sorted(groups.heads()) == [d, b]  # one head per key, the key's first entry
    assert groups.after(b) is c and groups.after(a) is None
    assert not groups.discard(entry(0.7, 2))  # an entry of that job not queued: left alone
    assert groups.discard(b) and groups.size == 3
    assert sorted(groups.heads()) == [d, c]
    assert sorted(groups.drain()) == [d, c, a]
    assert groups.size == 0 and groups.heads() == [] and groups.floor == float("-inf")
