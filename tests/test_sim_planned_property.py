"""Property tests: a planned terastal with random accuracy tables, and random scheduler options.

The accuracy tables decide which variant combinations the plan admits, so these runs
exercise variant dispatches (other latencies and energies), the admissibility check and the
drop rule together; every run must keep the engine's invariants, and every job that used
variants must have used an admissible combination.
"""

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from terastal.cost import build_cost_tables, resolve_cost_model
from terastal.io import load_platform, load_scenario
from terastal.planner import make_plan
from terastal.planner.accuracy import AccuracyTable
from terastal.schedulers import make_scheduler
from terastal.sim import check_invariants, simulate
from terastal.sim.synthetic import random_case

DATA = Path(__file__).parent / "data" / "bound"
# Layers of tests/data/bound/nets.m that have a variant (see accuracy.yaml there).
VARIANT_LAYERS = {"cls": ("conv2", "conv3"), "seg": ("enc3", "pw2")}
SETTINGS = settings(
    max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@pytest.fixture(scope="module")
def base():
    sc = load_scenario(DATA / "pair.yaml")
    pf = load_platform(DATA / "ws_os.yaml")
    return sc, pf, resolve_cost_model(None)


@st.composite
def accuracy_tables(draw):
    """Per model: the baseline plus a random subset of combinations, each a little worse."""
    out = {}
    for model, layers in VARIANT_LAYERS.items():
        combos = [frozenset(c) for r in range(1, len(layers) + 1)
                  for c in itertools.combinations(layers, r)]  # fmt: skip
        values = {frozenset(): 80.0}
        for combo in combos:
            if draw(st.booleans()):
                drop = draw(st.one_of(st.just(0.0), st.floats(0.0, 0.04)))
                values[combo] = 80.0 * (1 - drop)
        out[model] = AccuracyTable(model, "top1", values)
    return out


terastal_options = st.fixed_dictionaries(
    {
        "variants": st.booleans(),
        "budgets": st.booleans(),
        "drops": st.booleans(),
        "drop_slack": st.floats(0.5, 2.0),
        "priority": st.sampled_from(["deadline", "virtual"]),
        "check": st.sampled_from(["virtual", "remaining"]),
        "home": st.sampled_from(["plan", "fastest"]),
        "variant_first": st.booleans(),
        "accuracy": st.sampled_from(["budget", "static"]),
    }
)


@SETTINGS
@given(
    tables=accuracy_tables(),
    loss=st.floats(0.0, 0.05),
    scale=st.floats(0.3, 2.5),
    opts=terastal_options,
    late=st.sampled_from(["keep", "drop", "scheduler"]),
    seed=st.integers(0, 1000),
)
def test_planned_terastal_keeps_invariants_and_admissibility(
    base, tables, loss, scale, opts, late, seed
):
    import dataclasses

    sc, pf, cost = base
    sc = dataclasses.replace(
        sc, tasks=tuple(dataclasses.replace(t, fps=t.fps * scale) for t in sc.tasks)
    )
    plan = make_plan(sc, pf, cost, accuracy_loss=loss, accuracy_tables=tables, use_bundled=False)
    costs = build_cost_tables(sc, pf, cost, plan.variant_shapes())
    sched = make_scheduler("terastal", plan=plan, **opts)
    r = simulate(sc, pf, costs, sched, duration_s=0.03, seed=seed, late=late)
    check_invariants(r)
    used = [j for j in r.counted_jobs if j.variants]
    event("variants used" if used else "no variants")
    for job in used:
        assert opts["variants"], "a variant ran with variants=False"
        job_loss = sched.accuracy_loss(job.task.name, job.variants)
        if opts["accuracy"] == "static":
            assert plan.task(job.task.name).is_admissible(sorted(job.variants)), job
            assert job_loss <= loss + 1e-9
        else:  # the budget: any measured combination up to the per-job ceiling (8 %)
            assert job_loss <= 0.08 + 1e-9, job


def test_the_planned_runs_do_exercise_variants(base):
    """At a high load with free variants, terastal uses them (so the property test can fail)."""
    sc, pf, cost = base
    free = {
        m: AccuracyTable(m, "top1", {frozenset(c): 80.0 for r in range(len(ls) + 1)
                                     for c in itertools.combinations(ls, r)})
        for m, ls in VARIANT_LAYERS.items()
    }  # fmt: skip
    plan = make_plan(sc, pf, cost, accuracy_loss=0.01, accuracy_tables=free, use_bundled=False)
    costs = build_cost_tables(sc, pf, cost, plan.variant_shapes())
    r = simulate(sc, pf, costs, make_scheduler("terastal", plan=plan), duration_s=0.03, seed=1)
    check_invariants(r)
    assert any(j.variants for j in r.counted_jobs)
    off = make_scheduler("terastal", plan=plan, variants=False)
    assert not any(j.variants for j in simulate(sc, pf, costs, off, duration_s=0.03).counted_jobs)


def _options(name: str):
    """Random valid options of the built-in schedulers (not terastal's plan)."""
    mapping = st.sampled_from(["preferred", "earliest_finish"])
    if name in ("edf", "fcfs", "lst", "rm"):
        return st.fixed_dictionaries({"mapping": mapping})
    if name == "dream":
        weight = st.floats(0.05, 1.0)
        return st.fixed_dictionaries(
            {
                "w_urgency": weight, "w_fairness": weight, "w_energy": weight,
                "adapt": st.booleans(), "window": st.integers(1, 64), "eta": st.floats(0.0, 4.0),
                "min_weight": st.floats(0.0, 0.3), "block": st.integers(1, 8),
                "max_slowdown": st.floats(1.0, 4.0), "drop": st.booleans(),
            }
        )  # fmt: skip
    if name == "terastal":
        return terastal_options
    return st.just({})


@SETTINGS
@given(data=st.data(), seed=st.integers(0, 1000), dag=st.booleans(), cascade=st.booleans())
def test_random_scheduler_options_keep_the_invariants(data, seed, dag, cascade):
    from terastal.schedulers import available_schedulers

    name = data.draw(st.sampled_from(available_schedulers()), label="scheduler")
    opts = data.draw(_options(name), label="options")
    sc, pf, tb = random_case(
        seed=seed, num_tasks=3, num_accelerators=2, max_layers=5, load=1.2, dag=dag,
        cascade=cascade,
    )  # fmt: skip
    late = data.draw(st.sampled_from(["keep", "drop", "scheduler"]), label="late")
    r = simulate(sc, pf, tb, make_scheduler(name, **opts), duration_s=0.2, seed=seed, late=late)
    check_invariants(r)
