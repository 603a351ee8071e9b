"""Property tests: random small scenarios, every scheduler and late policy."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terastal.metrics import compute_metrics, jobs_csv
from terastal.schedulers import available_schedulers, make_scheduler
from terastal.sim import LATE, check_invariants, simulate
from terastal.sim.synthetic import random_case

SCHEDULERS = available_schedulers()

cases = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 10_000),
        "num_tasks": st.integers(1, 4),
        "num_accelerators": st.integers(1, 4),
        "max_layers": st.integers(1, 6),
        "load": st.floats(0.05, 2.0),
        "dag": st.booleans(),
        "cascade": st.booleans(),
    }
)
SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


def _critical_path(costs) -> float:
    """Longest path through the layer DAG using each layer's fastest latency."""
    finish = [0.0] * costs.num_layers
    for layer in range(costs.num_layers):
        start = max((finish[p] for p in costs.preds[layer]), default=0.0)
        finish[layer] = start + costs.min_lat[layer]
    return max(finish)


@SETTINGS
@given(
    case=cases,
    sched=st.sampled_from(SCHEDULERS),
    late=st.sampled_from(["keep", "drop", "scheduler"]),
)
def test_every_run_keeps_the_invariants(case, sched, late):
    sc, pf, tb = random_case(**case)
    r = simulate(sc, pf, tb, make_scheduler(sched), duration_s=0.3, seed=case["seed"], late=late)
    check_invariants(r)
    m = compute_metrics(r)
    for model in m["models"].values():
        assert model["released"] == model["completed"] + model["dropped"] + model["unreleased"]
        assert model["completed"] == model["in_time"] + model["late"]
    if late == "drop":
        assert not any(
            j.status == LATE for j in r.counted_jobs
        )  # late work is dropped at its deadline
    if late == "keep":
        assert all(m["dropped"] == 0 for m in m["models"].values())
    for job in r.counted_jobs:
        if job.status != "dropped" and not job.variants:
            assert job.finish - job.release >= _critical_path(job.costs) * (1 - 1e-9)
    for acc in m["accelerators"].values():
        assert 0.0 <= acc["utilization"] <= 1.0 + 1e-9


@SETTINGS
@given(case=cases, pair=st.permutations(SCHEDULERS).map(lambda p: p[:2]))
def test_periodic_arrivals_do_not_depend_on_the_scheduler(case, pair):
    sc, pf, tb = random_case(**case)
    periodic = {t.name for t in sc.tasks if t.depends_on is None}
    releases = []
    for name in pair:
        r = simulate(sc, pf, tb, make_scheduler(name), duration_s=0.3, seed=case["seed"])
        releases.append(
            [(j.task.name, j.frame, j.release) for j in r.counted_jobs if j.task.name in periodic]
        )
    assert releases[0] == releases[1]


@settings(max_examples=25, deadline=None, derandomize=True)
@given(case=cases, sched=st.sampled_from(SCHEDULERS))
def test_same_seed_same_jobs_csv(case, sched):
    sc, pf, tb = random_case(**case)
    a, b = (
        simulate(sc, pf, tb, make_scheduler(sched), duration_s=0.2, seed=case["seed"])
        for _ in range(2)
    )
    assert jobs_csv(a) == jobs_csv(b) and a.log == b.log
