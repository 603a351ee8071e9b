"""Run a suite: every (mix, platform, utilization) point, every scheduler and seed.

A point scales its mix to the utilization, then runs every scheduler on the same arrivals
(same seeds) through :func:`terastal.experiment.run`, which plans the point once (the plan
depends on the task rates) and shares it, and the cost tables, between the point's runs. Points run
in a process pool, the costliest first (:func:`point_cost`); results are independent of the
number of workers and of that order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import as_completed
from typing import Any

from terastal._cores import worker_count
from terastal.interrupts import stage
from terastal.model.work import MAX_JOBS
from terastal.reproduce import family
from terastal.reproduce.checkpoint import Checkpoint
from terastal.reproduce.pool import make_pool, stop_pool, submit_all
from terastal.reproduce.random_mixes import keep_deadline_periods
from terastal.reproduce.suite import Mix, Suite, build_mix, resolve_platform

# Labels -> (registered scheduler, options): the baseline family, DREAM, Terastal and its
# ablations (label scheme in terastal.reproduce.family).
SCHEDULERS: dict[str, tuple[str, dict[str, Any]]] = {
    label: family.config(label) for label in family.labels(full=True)
}
#: Labels run by default: the default baseline family, DREAM, Terastal and its ablations.
DEFAULT_SCHEDULERS = family.labels()


def run_point(
    mix: Mix,
    platform_spec: str,
    utilization: float,
    seeds: Sequence[int],
    duration_s: float,
    schedulers: Sequence[str],
    late: str = "scheduler",
    cost_model: str | None = None,
    *,
    max_jobs: float = MAX_JOBS,
) -> list[dict]:
    """Run one suite point; one row per (scheduler, seed, model).

    ``cost_model`` is a backend spec (:func:`terastal.cost.resolve_cost_model`); None is the
    default analytical model. ``max_jobs`` is the work guard's ceiling of each run
    (:func:`terastal.experiment.check_work`); a point above it fails before any run.

    Returns
    -------
    list of dict
        Rows with the point's configuration, the run's summary metrics and the model's.
    """
    from terastal.experiment import Case, RunSpec, check_work, prepare, run
    from terastal.workloads import max_density, scale_to_utilization

    platform = resolve_platform(platform_spec)
    base = build_mix(mix)
    cost = cost_model or "analytical"
    base_tables = prepare(Case(base, platform, cost)).tables()
    scenario = scale_to_utilization(base, base_tables, utilization, mix.shares)
    scenario = keep_deadline_periods(scenario, mix)  # random mixes: deadlines in periods
    prepared = prepare(Case(scenario, platform, cost))
    # The work guard on the point, once its rates are known (after utilization scaling).
    check_work(
        RunSpec(scenario, platform, duration_s=duration_s, max_jobs=max_jobs), prepared,
        what=f"point {mix.name} / {platform_spec} / utilization {utilization:g}",
    )  # fmt: skip
    load = prepared.load()
    density = max_density(scenario, prepared.tables())
    rows = []
    for label in schedulers:
        name, opts = family.config(label)
        for seed in seeds:
            spec = RunSpec(
                scenario, platform, name, opts, cost_model=cost, late=late, seed=seed,
                duration_s=duration_s, record=False, label=label, max_jobs=max_jobs,
            )  # fmt: skip
            m = run(spec, prepared=prepared).metrics
            for model, mm in m["models"].items():
                rows.append(
                    {
                        "mix": mix.name,
                        "platform": platform_spec,
                        "utilization": utilization,
                        "utilization_measured": load["utilization"],
                        "skew": load["skew"],
                        "max_density": density,
                        "scheduler": label,
                        "seed": seed,
                        "model": model,
                        "released": mm["released"],
                        "in_time": mm["in_time"],
                        "late": mm["late"],
                        "dropped": mm["dropped"],
                        "unreleased": mm["unreleased"],
                        "miss_rate": mm["miss_rate"],
                        "accuracy_loss": mm["accuracy_loss_mean"],
                        "has_variants": mm["has_variants"],
                        "variant_jobs": mm["variant_jobs"],
                        "energy_mj": mm["energy_mj"],
                        "p99_ms": mm["p99_ms"],
                        "run_mean_miss_rate": m["mean_miss_rate"],
                        "run_xrbench_score": m["xrbench_score"],
                        "dispatches": m["sim"]["dispatches"],
                    }
                )
    return rows


def point_cost(mix: Mix, platform_spec: str, utilization: float) -> float:
    """A relative estimate of a point's CPU, to start the costliest points first.

    Dispatches grow with the tasks and cores a point keeps busy and its utilization; past
    saturation the backlog of the no-drop runs makes each decision dearer too, hence the
    square. Points of one suite share their seeds, horizon and schedulers, which drop out.
    On the profiled suites this orders the dearest points first (docs/benchmarks.md).
    """
    tasks = len(build_mix(mix).tasks)
    cores = len(resolve_platform(platform_spec).accelerators)
    return tasks * cores * utilization**2


def _point_args(
    suite: Suite, schedulers: Sequence[str], late: str, cost_model: str | None = None
) -> list[tuple]:
    return [
        (mix, plat, u, suite.seeds, suite.duration_ms / 1e3, tuple(schedulers), late, cost_model)
        for mix in suite.mixes
        for plat in suite.platforms
        if mix.platforms is None or plat in mix.platforms
        for u in suite.utilizations
    ]


def run_suite(
    suite: Suite,
    schedulers: Sequence[str] = DEFAULT_SCHEDULERS,
    *,
    workers: int | None = None,
    late: str = "scheduler",
    progress: Callable[[int, int], None] | None = None,
    cost_model: str | None = None,
    checkpoint: Checkpoint | None = None,
    max_jobs: float = MAX_JOBS,
    on_tail: Callable[[], None] | None = None,
) -> list[dict]:
    """Run every point of ``suite``; rows are returned in the suite's order.

    Parameters
    ----------
    suite : Suite
        What to run.
    schedulers : sequence of str
        Labels (:func:`terastal.reproduce.family.config`).
    workers : int, optional
        Worker processes (default: CPU count); 1 runs in this process.
    late : str
        Late-work policy of every run.
    progress : callable, optional
        Called with ``(points_done, points_total)``.
    cost_model : str, optional
        Backend spec for every point, e.g. ``"analytical:mode=xrbench"`` or ``"zigzag"``
        (default: the suite's ``cost_model``, else the default analytical model).
    checkpoint : Checkpoint, optional
        Points stored there are not run again; finished points are stored as they finish.
    max_jobs : float
        The work guard's job ceiling of every run (not part of a point's key: it changes
        which points may run, not their rows).
    on_tail : callable, optional
        With a pool: called once, in this process, as soon as a worker has no point left to
        take (the last points are running), so that work which would follow the suite (the
        report's imports) uses the idle core. Not called without a pool.
    """
    from terastal.cost import resolve_cost_model
    from terastal.experiment import check_max_jobs

    for label in schedulers:
        family.config(label)  # an unknown label fails here, naming the scheme
    spec = cost_model if cost_model is not None else suite.cost_model
    resolve_cost_model(spec)  # a bad spec fails here, before any worker starts
    check_max_jobs(max_jobs)
    args = _point_args(suite, schedulers, late, spec)
    workers = worker_count(workers)
    results: list[list[dict] | None] = [None] * len(args)
    if checkpoint is not None:
        results = [checkpoint.load(a) for a in args]
    todo = [i for i, r in enumerate(results) if r is None]
    done = len(args) - len(todo)

    def finish(i: int, rows: list[dict]) -> None:
        nonlocal done
        results[i] = rows
        if checkpoint is not None:
            checkpoint.save(args[i], rows)
        done += 1
        if progress:
            progress(done, len(args))
        stage("reproduce:point")

    if workers <= 1 or len(todo) <= 1:
        for i in todo:
            finish(i, run_point(*args[i], max_jobs=max_jobs))
    else:
        # Costliest first, so that the last points to finish are short ones; rows are put
        # back in the suite's order, so the order of submission changes no result.
        order = sorted(todo, key=lambda i: -point_cost(*args[i][:3]))
        pool = make_pool(min(workers, len(todo)))  # a fork per worker: not more than points
        try:
            submitted = submit_all(pool, run_point, [args[i] for i in order], max_jobs=max_jobs)
            futures = dict(zip(submitted, order, strict=True))
            stage("reproduce:submitted")
            left = len(futures)
            for fut in as_completed(futures):
                finish(futures[fut], fut.result())
                left -= 1
                if on_tail is not None and 0 < left < workers:
                    on_tail()  # a worker idles from now on: use its core
                    on_tail = None
        except BaseException:
            stop_pool(pool)  # an interrupt or a failed point: do not wait for the others
            raise
        pool.shutdown()
    return [row for rows in results for row in rows or ()]
