"""Cost models: analytical (default), table (CSV) and optional ZigZag backends."""

from terastal.cost.analytical import AnalyticalCostModel
from terastal.cost.base import CostModel, LayerCosts
from terastal.cost.registry import (
    BACKENDS,
    default_cost_model,
    get_cost_model,
    parse_cost_spec,
    resolve_cost_model,
)
from terastal.cost.tables import TaskCostTable, build_cost_tables

__all__ = [
    "BACKENDS",
    "AnalyticalCostModel",
    "CostModel",
    "LayerCosts",
    "TableCostModel",
    "TaskCostTable",
    "build_cost_tables",
    "default_cost_model",
    "get_cost_model",
    "parse_cost_spec",
    "resolve_cost_model",
]


def __getattr__(name: str):
    # The CSV backend imports numpy; a run that does not use it does not load it (PEP 562).
    if name == "TableCostModel":
        from terastal.cost.table_backend import TableCostModel

        return TableCostModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
