"""Small planned cases of bundled paper models, for tests of planned schedulers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple


class PlannedCase(NamedTuple):
    """A scenario scaled to a utilization, its platform, cost tables (with the plan's
    variants) and automatic plan."""

    scenario: object
    platform: object
    tables: dict
    plan: object


def paper_mix(
    names: Sequence[str], utilizations: Sequence[float], platform: str = "Dual_4K/WS_OS"
) -> dict[float, PlannedCase]:
    """Bundled paper models with equal shares, planned at each utilization.

    Parameters
    ----------
    names : sequence of str
        Bundled models (each a task at its bundled fps, else 30 fps).
    utilizations : sequence of float
        Utilizations to scale the mix to (:func:`terastal.workloads.scale_to_utilization`).
    platform : str
        A bundled platform.
    """
    from terastal.cost import build_cost_tables, default_cost_model
    from terastal.experiment import Case, prepare
    from terastal.io import load_model, load_model_fps, load_platform
    from terastal.model import Scenario, Task
    from terastal.workloads import scale_to_utilization

    pf = load_platform(platform)
    base = Scenario("mix", tuple(Task(n, load_model(n), load_model_fps(n) or 30.0) for n in names))
    tables = build_cost_tables(base, pf, default_cost_model())
    out = {}
    for u in utilizations:
        sc = scale_to_utilization(base, tables, u, "equal")
        prep = prepare(Case(sc, pf))
        plan = prep.auto_plan()
        out[u] = PlannedCase(sc, pf, prep.tables(plan), plan)
    return out


class Placements(NamedTuple):
    """Where a recorded run put each layer, and how each task's jobs ended."""

    status: dict  # task name -> status of its last job
    where: dict  # (task name, layer) -> accelerator of the last job's layer


def placements(scenario, platform, tables, scheduler, duration_s: float, seed: int = 0):
    """Run ``scheduler`` with the log recorded, check the engine's invariants on the result
    and return its :class:`Placements` (for small constructed cases of one job per task)."""
    from terastal.sim import check_invariants, simulate

    res = simulate(scenario, platform, tables, scheduler, duration_s=duration_s, record=True,
                   seed=seed)  # fmt: skip
    check_invariants(res)
    jobs = res.jobs  # the log's index; only counted jobs are placements (no load-only one)
    where = {
        (jobs[r.job_id].task.name, r.layer): r.accelerator
        for r in res.log if res.is_counted(jobs[r.job_id])
    }  # fmt: skip
    return Placements({j.task.name: j.status for j in res.counted_jobs}, where)


def missed_jobs(case, scheduler, duration_s: float, seed: int = 0) -> int:
    """Run ``scheduler`` on a prepared case (:func:`terastal.experiment.prepare`), check the
    engine's invariants on the result and return how many counted jobs did not end in time."""
    from terastal.sim import check_invariants, simulate

    res = simulate(case.scenario, case.platform, case.tables(), scheduler,
                   duration_s=duration_s, seed=seed)  # fmt: skip
    check_invariants(res)
    return sum(j.status != "in_time" for j in res.counted_jobs)
