"""One XRBench-compatible run: scenario + platform -> schedule, scores and metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from terastal.io.resolve import load_platform, load_scenario
from terastal.model import Platform, Scenario
from terastal.xrbench.costs import TABLE_SOURCE, cost_matrix
from terastal.xrbench.engine import simulate
from terastal.xrbench.f32 import f32
from terastal.xrbench.score import ModelScore, score_log
from terastal.xrbench.workload import xrbench_tasks

__all__ = [
    "DEFAULT_SEED",
    "POLICY",
    "DropRow",
    "ScheduleRow",
    "XRBenchRun",
    "run_xrbench",
    "to_metrics",
]

#: ``srand`` seed when none is given: glibc's state before any ``srand`` call.
DEFAULT_SEED = 1
#: The label of the profile's one policy (XRBench's ``LatencyGreedy``).
POLICY = "xrbench_latency_greedy"


class ScheduleRow(NamedTuple):
    """A row of XRBench's schedule CSV (a completed inference)."""

    accelerator: int
    model: str
    frame: int
    injection_ms: float
    dispatch_ms: float
    deadline_ms: float
    completion_ms: float
    violation_ms: float
    energy_mj: float


class DropRow(NamedTuple):
    """A dropped request (logged by XRBench, absent from its schedule CSV)."""

    model: str
    frame: int
    injection_ms: float
    deadline_ms: float
    dropped_ms: float


class ModelCounts(NamedTuple):
    """Requests of one model: created, completed, in time, dropped, lost at the stop."""

    model: str
    released: int
    completed: int
    in_time: int
    dropped: int
    unlogged: int


@dataclass(frozen=True)
class XRBenchRun:
    """Result of :func:`run_xrbench` (frozen).

    Attributes
    ----------
    scenario, platform : str
        Case names.
    seed : int
        The ``srand`` seed of the cascade draws.
    cost_model : str
        Cost source (``"xrbench"`` = bundled XRBench-MAESTRO table, or a cost-model spec).
    schedule : tuple of ScheduleRow
        Completed inferences in XRBench's CSV order (by accelerator, then logging order).
    drops : tuple of DropRow
        Dropped requests in logging order.
    models : tuple of ModelScore
        XRBench's summary rows (models with at least one log entry, alphabetical).
    counts : tuple of ModelCounts
        Per-model request counts, every model of the scenario in file order.
    score : float
        XRBench's overall score (0-100).
    stop_ms : float
        Time of the event after the last release, where XRBench's loop ends.
    """

    scenario: str
    platform: str
    seed: int
    cost_model: str
    schedule: tuple[ScheduleRow, ...]
    drops: tuple[DropRow, ...]
    models: tuple[ModelScore, ...]
    counts: tuple[ModelCounts, ...]
    score: float
    stop_ms: float


def run_xrbench(
    scenario: Scenario | str,
    platform: Platform | str,
    *,
    seed: int | None = None,
    cost_model: str = TABLE_SOURCE,
    horizon_ms: float = 700.0,
) -> XRBenchRun:
    """Run a case the way XRBench-MAESTRO does.

    Parameters
    ----------
    scenario : Scenario or str
        A scenario or a name / path for :func:`terastal.io.resolve.load_scenario`.
    platform : Platform or str
        A platform or a name / path for :func:`terastal.io.resolve.load_platform`
        (``"Dual_4K/WS_OS"``).
    seed : int, optional
        ``srand`` seed: the same draws as XRBench started at wall-clock second ``seed``.
        ``None`` means glibc's unseeded state (as ``srand(1)``).
    cost_model : str
        ``"xrbench"`` (XRBench-MAESTRO's per-model costs, exact) or a cost-model spec such as
        ``"analytical:mode=xrbench"``.
    horizon_ms : float
        ``RunWorkloads``' horizon (sets the request counts).
    """
    sc = load_scenario(scenario) if isinstance(scenario, str) else scenario
    pf = load_platform(platform) if isinstance(platform, str) else platform
    seed = DEFAULT_SEED if seed is None else int(seed)
    tasks = xrbench_tasks(sc, horizon_ms)
    costs = cost_matrix(sc, pf, cost_model)
    log, stop, released = simulate(tasks, costs, len(pf.accelerators), seed)
    done = [e for e in log if not e.dropped]
    schedule = tuple(
        ScheduleRow(
            e.accelerator,
            e.model,
            e.frame,
            e.injection_ms,
            e.dispatch_ms,
            e.deadline_ms,
            e.completion_ms,
            f32(e.completion_ms - e.deadline_ms),
            e.energy_mj,
        )
        for e in sorted(done, key=lambda e: e.accelerator)
    )
    drops = tuple(
        DropRow(e.model, e.frame, e.injection_ms, e.deadline_ms, e.completion_ms)
        for e in log
        if e.dropped
    )
    models, overall = score_log(log)
    return XRBenchRun(
        scenario=sc.name,
        platform=pf.name,
        seed=seed,
        cost_model=cost_model,
        schedule=schedule,
        drops=drops,
        models=models,
        counts=_counts(tasks, log, released),
        score=overall,
        stop_ms=stop,
    )


def _counts(tasks, log, released: dict[str, int]) -> tuple[ModelCounts, ...]:
    out = []
    for task in tasks:
        mine = [e for e in log if e.model == task.name]
        done = [e for e in mine if not e.dropped]
        in_time = sum(e.completion_ms <= e.deadline_ms for e in done)
        n = released[task.name]
        out.append(
            ModelCounts(task.name, n, len(done), in_time, len(mine) - len(done), n - len(mine))
        )
    return tuple(out)


def to_metrics(run: XRBenchRun) -> dict:
    """A ``metrics.json``-compatible dict of the run.

    ``xrbench.{model}.{rt,energy,ux,score}`` and ``xrbench_score`` follow XRBench's exact
    definitions. ``models.{model}`` carries released (triggered requests) / completed /
    in_time / late / dropped / unlogged / miss_rate / energy_mj, where a miss is a drop or a
    late completion among *logged* requests: requests still queued or running when XRBench
    stops are never logged (``unlogged``) and so are neither hits nor misses. The top-level
    ``mean_miss_rate``, ``miss_rate_overall`` and ``energy_mj`` aggregate them as the default
    profile's metrics do; there is no accuracy term (no variants).
    """
    energy: dict[str, float] = {}
    for r in run.schedule:
        energy[r.model] = energy.get(r.model, 0.0) + r.energy_mj
    models = {}
    for c in run.counts:
        logged = c.completed + c.dropped
        models[c.model] = {
            "released": c.released,
            "completed": c.completed,
            "in_time": c.in_time,
            "late": c.completed - c.in_time,
            "dropped": c.dropped,
            "unlogged": c.unlogged,
            "miss_rate": (logged - c.in_time) / logged if logged else None,
            "energy_mj": energy.get(c.model, 0.0),
        }
    rates = [m["miss_rate"] for m in models.values() if m["miss_rate"] is not None]
    logged = sum(m["completed"] + m["dropped"] for m in models.values())
    missed = sum(m["late"] + m["dropped"] for m in models.values())
    return {
        "profile": "xrbench",
        "scheduler": POLICY,
        "scenario": run.scenario,
        "platform": run.platform,
        "seed": run.seed,
        "cost_source": run.cost_model,
        "stop_ms": run.stop_ms,
        "models": models,
        "mean_miss_rate": sum(rates) / len(rates) if rates else 0.0,
        "miss_rate_overall": missed / logged if logged else 0.0,
        "energy_mj": sum(energy.values()),
        "accuracy_loss_mean": None,
        "xrbench_score": run.score,
        "xrbench": {
            m.model: {"rt": m.rt, "energy": m.energy, "ux": m.ux, "score": m.score}
            for m in run.models
        },
        "sim": {"jobs": logged, "completed": logged - sum(m["dropped"] for m in models.values())},
    }
