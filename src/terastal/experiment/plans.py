"""Plans from files (``terastal plan --out``), checked against the case they are used on."""

from __future__ import annotations

import math
import os
from typing import Any

from terastal.errors import InputError
from terastal.model import Platform, Scenario, release_rates

__all__ = ["check_plan", "load_plan_file"]


def load_plan_file(path: str | os.PathLike[str]) -> Any:
    """Read and validate the plan file at ``path`` (errors name the file and field)."""
    from terastal.planner import Plan

    if os.path.isdir(path):
        raise InputError("is a directory, not a plan file", file=os.fspath(path), field="--plan")
    if not os.path.isfile(path):
        raise InputError("plan file not found", file=os.fspath(path), field="--plan")
    return Plan.load(path)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)


def check_plan(plan: Any, scenario: Scenario, platform: Platform, cost_model: Any) -> None:
    """Raise :class:`InputError` unless ``plan`` was made for this workload and platform.

    Beyond :meth:`Plan.check` (accelerators, task names, layer counts), every task's model,
    release rate and relative deadline must match: budgets and variants planned for other
    rates would silently schedule another workload. The cost model's name must match too.

    Parameters
    ----------
    plan : Plan
        The plan to check (anything else is an error).
    scenario, platform : Scenario, Platform
        The run's workload and platform, load scale applied.
    cost_model : CostModel
        The run's cost backend; its ``name`` (else its class name) is compared.
    """
    from terastal.planner import Plan

    if not isinstance(plan, Plan):
        raise InputError(f"expected a plan, got {type(plan).__name__}", field="plan")
    where = f"plan for {plan.scenario!r} on {plan.platform!r}"
    try:
        plan.check(scenario, platform)
    except InputError as exc:
        raise InputError(f"{where} does not fit {scenario.name!r}: {exc.message}") from None
    extra = sorted({tp.name for tp in plan.tasks} - {t.name for t in scenario.tasks})
    if extra:
        raise InputError(f"{where} has tasks {scenario.name!r} does not: {', '.join(extra)}")
    rates = release_rates(scenario.tasks)
    for t in scenario.tasks:
        tp = plan.task(t.name)
        if tp.model != t.model.name:
            raise InputError(
                f"{where}: task {t.name!r} runs {tp.model!r} in the plan, {t.model.name!r} here",
            )
        if not _close(tp.rate_hz, rates[t.name]):
            raise InputError(
                f"{where}: task {t.name!r} was planned at {tp.rate_hz:g} Hz, runs at "
                f"{rates[t.name]:g} Hz here (another scenario or load scale)",
            )
        if not _close(tp.deadline_s, t.relative_deadline_s):
            raise InputError(
                f"{where}: task {t.name!r} was planned with a {tp.deadline_s * 1e3:g} ms "
                f"deadline, has {t.relative_deadline_s * 1e3:g} ms here",
            )
    name = str(getattr(cost_model, "name", type(cost_model).__name__))
    if plan.cost_model != name:
        raise InputError(
            f"{where} was made with cost model {plan.cost_model!r}, this run uses {name!r}",
        )
