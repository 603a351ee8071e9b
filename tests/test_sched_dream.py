"""DREAM: conformance with and without a plan, model switching, the paper preset, options."""

import math

import pytest

from terastal.errors import InputError
from terastal.model import Layer, LayerKind, Scenario, Task
from terastal.planner.plan import LayerPlan, Plan, TaskPlan
from terastal.schedulers import make_scheduler
from terastal.schedulers._dream_due import DueQueue
from terastal.schedulers._dream_models import TaskVersions
from terastal.schedulers.dream import DREAM, PAPER_OPTIONS
from terastal.sim import check_invariants, simulate
from terastal.sim.costs import build_task_costs
from terastal.sim.synthetic import make_tables, random_case, tiny_model, tiny_platform
from terastal.testing.conformance import check_scheduler

MS = 1e-3
_SHAPE = Layer("v", LayerKind.FC, k=2, c=2, y=2, x=2)


def _task_plan(task, costs, admissible, accuracy):
    """A plan of one task: every layer with a variant column may run it."""
    n = costs.num_layers
    d = task.relative_deadline_s
    layers = tuple(
        LayerPlan(
            index=i, name=f"l{i}", preferred=costs.preferred[i], latency_s=costs.lat[i],
            expected_latency_s=costs.min_lat[i], budget_s=d / n, deadline_offset_s=d * (i + 1) / n,
            share=tuple(1.0 if a == costs.preferred[i] else 0.0 for a in range(len(costs.lat[i]))),
            gap_s=0.0, variant=_SHAPE if costs.var_lat[i] is not None else None,
            variant_latency_s=costs.var_lat[i],
        )
        for i in range(n)
    )  # fmt: skip
    return TaskPlan(
        name=task.name, model=task.model.name, rate_hz=task.fps, deadline_s=d, layers=layers,
        variant_layers=tuple(i for i in range(n) if costs.var_lat[i] is not None),
        admissible=tuple(frozenset(s) for s in admissible),
        accuracy={frozenset(k): v for k, v in accuracy.items()},
    )  # fmt: skip


def plan_for(scenario, platform, costs, limit=0.02):
    """Every single variant admissible (accuracy 0.99), plus the first two together (0.985)."""
    tasks = []
    for task, c in zip(scenario.tasks, costs, strict=True):
        var = [i for i in range(c.num_layers) if c.var_lat[i] is not None]
        adm = [[i] for i in var] + ([var[:2]] if len(var) > 1 else [])
        acc = {(i,): 0.99 for i in var} | ({tuple(var[:2]): 0.985} if len(var) > 1 else {})
        tasks.append(_task_plan(task, c, adm, acc))
    return Plan(
        scenario=scenario.name, platform=platform.name,
        accelerators=tuple(a.name for a in platform.accelerators), cost_model="hand",
        budget_policy="lp", accuracy_loss=limit, tasks=tuple(tasks),
    )  # fmt: skip


class PlannedDREAM(DREAM):
    """DREAM that plans whatever case it is given (so conformance runs with switching)."""

    def reset(self, view):
        self.plan = plan_for(view.scenario, view.platform, view.costs)
        super().reset(view)


@pytest.mark.parametrize(
    "opts",
    [{}, {"preset": "paper"}, {"switching": False}, {"urgency": "laxity", "block": 3}],
    ids=str,
)
def test_conformance_without_plan(opts):
    check_scheduler(lambda: make_scheduler("dream", **opts), name=f"dream{opts}")


@pytest.mark.parametrize("opts", [{}, {"switch_urgency": 0.0}, {"urgency": "ratio"}], ids=str)
def test_conformance_with_plan_and_switching(opts):
    check_scheduler(lambda: PlannedDREAM(**opts), name=f"dream+plan{opts}")


def _switch_case(deadline_ms):
    # One 2-layer task on two cores; layer 0 runs in 4 ms (variant 1 ms), layer 1 in 2 ms
    # (variant 1 ms); core 1 is 3x slower.
    plat = tiny_platform(2)
    task = Task("a", tiny_model("m", 2), fps=10, deadline_s=deadline_ms * MS)
    sc = Scenario("s", (task,))
    lat = {"a": [[4 * MS, 12 * MS], [2 * MS, 6 * MS]]}
    var = {"a": {0: [1 * MS, 3 * MS], 1: [1 * MS, 3 * MS]}}
    tables = make_tables(sc.tasks, lat, var_latency=var)
    costs = build_task_costs(sc, plat, tables)
    accuracy = {(0,): 0.97, (1,): 0.995, (0, 1): 0.96}
    plan = Plan(
        scenario="s", platform=plat.name, accelerators=tuple(a.name for a in plat.accelerators),
        cost_model="hand", budget_policy="lp", accuracy_loss=0.04,
        tasks=(_task_plan(task, costs[0], [[0], [1], [0, 1]], accuracy),),
    )  # fmt: skip
    return sc, plat, tables, plan, costs[0]


def test_versions_try_the_least_lossy_lighter_combination_first():
    *_, plan, costs = _switch_case(10)
    v = TaskVersions(costs, plan.task("a"))
    # best-case times: original 6 ms, {1} 5 ms, {0} 3 ms, {0, 1} 2 ms
    assert [sorted(c.layers) for c in v.lighter] == [[1], [0], [0, 1]]
    assert sorted(v.lightest.layers) == [0, 1] and v.lightest.rem[0] == pytest.approx(2 * MS)
    assert v.choose(12 * MS, 0.5) is v.base  # 6 <= 0.5 x 12
    assert v.choose(10 * MS, 0.5).layers == {1}  # 5 <= 5
    assert v.choose(6 * MS, 0.5).layers == {0}  # 3 <= 3
    assert v.choose(3 * MS, 0.5) is v.lightest  # nothing fits: the lightest
    assert v.choose(-1.0, 0.5) is v.lightest
    none = TaskVersions(costs, None)
    assert none.choose(1 * MS, 0.5) is none.base and none.lighter == ()


@pytest.mark.parametrize(
    ("deadline_ms", "opts", "variants"),
    [
        (20, {}, frozenset()),  # relaxed: the original model (6 ms <= 0.5 x 20)
        (5, {"switching": False}, frozenset()),  # too tight, and no switching
        (5, {}, frozenset({0, 1})),  # only the lightest fits 0.5 x 5 ms
        (8, {}, frozenset({0})),  # {0} (3 ms) is the least lossy within 0.5 x 8 ms
        (8, {"switch_urgency": 0.8}, frozenset()),  # 6 ms <= 0.8 x 8 ms
    ],
)
def test_a_tight_frame_switches_to_a_lighter_model(deadline_ms, opts, variants):
    sc, plat, tables, plan, _ = _switch_case(deadline_ms)
    sched = make_scheduler("dream", plan=plan, **{"switch_urgency": 0.5, **opts})
    r = simulate(sc, plat, tables, sched, duration_s=1 * MS, late="keep")
    check_invariants(r)
    (job,) = r.counted_jobs
    assert job.variants == variants
    assert [(d[0], d[2]) for d in r.log] == [(0, 0), (0, 1)]  # both layers on the fast core
    loss = sched.accuracy_loss("a", job.variants)
    assert loss == pytest.approx(1 - plan.task("a").accuracy_of(variants))


def _paper_point():
    from terastal.testing import cases

    return cases.paper_mix(("resnet50", "swin_tiny", "mb2_ssd_lite", "sp2dense"), (1.0,))[1.0]


def test_switching_stays_within_the_accuracy_limit_and_is_deterministic():
    sc, pf, tables, plan = _paper_point()
    runs = []
    for _ in range(2):
        sched = make_scheduler("dream", plan=plan, switch_urgency=0.0)
        runs.append((sched, simulate(sc, pf, tables, sched, duration_s=0.1, seed=2, late="drop")))
    (sched, r), (_, r2) = runs
    check_invariants(r)
    assert r.log == r2.log
    assert [(j.status, j.variants) for j in r.counted_jobs] == [
        (j.status, j.variants) for j in r2.counted_jobs
    ]
    switched = [j for j in r.counted_jobs if j.variants]
    assert len(switched) > 10  # switching was exercised
    for job in r.counted_jobs:
        admissible = plan.task(job.task.name).admissible
        # a dropped job ran part of its version; a finished one ran all of it
        assert any(job.variants <= s for s in admissible)
        if job.status in ("in_time", "late"):
            assert job.variants in admissible
            assert sched.accuracy_loss(job.task.name, job.variants) <= plan.accuracy_loss + 1e-12


def test_paper_preset_is_the_paper_options_and_explicit_options_win():
    a = make_scheduler("dream", preset="paper")
    assert all(getattr(a, k) == v for k, v in PAPER_OPTIONS.items())
    assert make_scheduler("dream", preset="paper", block=2).block == 2
    case = random_case(4, load=1.2)
    r1 = simulate(*case, make_scheduler("dream", preset="paper"), duration_s=0.3)
    r2 = simulate(*case, make_scheduler("dream", **PAPER_OPTIONS), duration_s=0.3)
    assert r1.log == r2.log


@pytest.mark.parametrize(
    "opts",
    [{"preset": "fast"}, {"urgency": "edf"}, {"block": 0}, {"drop_slack": 0}, {"task_fairness": 2}],
    ids=str,
)
def test_bad_options_are_rejected(opts):
    with pytest.raises(InputError, match="dream"):
        make_scheduler("dream", **opts)


def test_fairness_weight_rises_when_one_task_starves():
    # Overload with target spread 0: any spread between task miss ratios raises w_f.
    case = random_case(5, num_tasks=4, load=1.8)
    weights = {}
    for on in (False, True):
        s = make_scheduler("dream", adapt_fairness=on, target_spread=0.0, window=8)
        check_invariants(simulate(*case, s, duration_s=0.5, late="keep"))
        assert s.history and math.isclose(sum(s.history[-1][1:]), 1.0)
        # The highest w_f of the run: the backlog of a kept overload run drives both runs'
        # weights to the same floor by its end.
        weights[on] = max(h[2] for h in s.history)
    assert weights[True] > weights[False]


# DREAM's drop filter (DueQueue) skips only scans that would drop nothing.
def _outcome(result):
    jobs = [(j.id, j.status, j.finish, j.energy_j, j.variants) for j in result.counted_jobs]
    return result.log, jobs, len(result.decision_ns)


@pytest.mark.parametrize(
    "opts", [{}, {"preset": "paper"}, {"drop_slack": 0.5}, {"drop_slack": 3.0}], ids=str
)
def test_filtered_drops_match_the_scan_at_every_call(opts, monkeypatch):
    calls = {"due": 0, "skipped": 0}
    real = DueQueue.due

    def counted(self, view, now, chosen, versions):
        out = real(self, view, now, chosen, versions)
        calls["due"] += 1
        calls["skipped"] += not out
        return out

    dropped = 0
    for seed in range(8):
        sc, pf, tb = random_case(seed, num_tasks=2 + seed % 3, num_accelerators=2, load=1.8)
        monkeypatch.setattr(DueQueue, "due", counted)
        got = simulate(sc, pf, tb, PlannedDREAM(**opts), duration_s=0.3, late="scheduler")
        # The reference tests every ready job at every call.
        monkeypatch.setattr(DueQueue, "due", lambda *a: True)
        ref = simulate(sc, pf, tb, PlannedDREAM(**opts), duration_s=0.3, late="scheduler")
        assert _outcome(got) == _outcome(ref), (seed, opts)
        dropped += sum(j.status == "dropped" for j in got.counted_jobs)
    assert dropped > 0  # the cases do drop, so the filter was tested where it matters
    assert 0 < calls["skipped"] < calls["due"]  # and it both skipped and let scans run
