"""Turn user-facing specs (bundled names or YAML paths) into what the engine runs on."""

from __future__ import annotations

import os
from typing import Any

from terastal.cost.tables import TaskCostTable, build_cost_tables
from terastal.errors import TerastalError
from terastal.model import Platform, Scenario


def default_cost_model() -> Any:
    """The package's default cost backend."""
    try:
        from terastal.cost import default_cost_model as make
    except ImportError:
        raise TerastalError("no default cost model is available in this installation") from None
    return make()


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
    cost_model : CostModel, optional
        Defaults to :func:`default_cost_model`.
    """
    from terastal.io import load_platform, load_scenario

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    pf = platform if isinstance(platform, Platform) else load_platform(platform)
    model = cost_model if cost_model is not None else default_cost_model()
    return sc, pf, build_cost_tables(sc, pf, model)
