"""Turn user-facing specs (bundled names or YAML paths) into what the engine runs on."""

from __future__ import annotations

import os
from typing import Any

from terastal.cost.tables import TaskCostTable, build_cost_tables
from terastal.errors import TerastalError
from terastal.model import Platform, Scenario


def resolve_cost_model(name: str | None = None) -> Any:
    """The cost backend called ``name`` (``None``: the package default)."""
    import terastal.cost as cost

    getter = getattr(cost, "get_cost_model", None)
    if getter is not None and name is not None:
        return getter(name)
    default = getattr(cost, "default_cost_model", None)
    if default is not None:
        return default()
    if getter is not None:
        return getter("analytical")
    raise TerastalError("no cost-model backends are available in this installation")


def load_case(
    scenario: Scenario | str | os.PathLike[str],
    platform: Platform | str | os.PathLike[str],
    cost_model: Any = None,
) -> tuple[Scenario, Platform, dict[str, TaskCostTable]]:
    """Resolve a scenario and platform and build their cost tables.

    Parameters
    ----------
    scenario, platform : object or str or path
        Model objects, bundled names (``VR_gaming``, ``Dual_4K/WS_OS``) or YAML paths.
    cost_model : CostModel or str, optional
        A backend or a backend name; default :func:`resolve_cost_model`.
    """
    from terastal.io import load_platform, load_scenario

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    pf = platform if isinstance(platform, Platform) else load_platform(platform)
    if cost_model is None or isinstance(cost_model, str):
        cost_model = resolve_cost_model(cost_model)
    return sc, pf, build_cost_tables(sc, pf, cost_model)


def with_plan(
    scenario: Scenario, platform: Platform, cost_model: Any = None
) -> tuple[Any, dict[str, TaskCostTable]]:
    """Plan ``scenario`` on ``platform`` and build cost tables that include the plan's variants.

    Schedulers that take a ``plan`` (``terastal``) need both; the variant columns do not change
    the original costs other schedulers read, so every scheduler can share these tables.
    """
    from terastal.planner import make_plan

    model = cost_model
    if model is None or isinstance(model, str):
        model = resolve_cost_model(model)
    plan = make_plan(scenario, platform, model)
    return plan, build_cost_tables(scenario, platform, model, plan.variant_shapes())
