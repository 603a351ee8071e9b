"""Cost models: analytical (default), table (CSV) and optional ZigZag backends."""

from terastal._lazy import lazy_exports
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

# The CSV backend imports numpy at its top; a run that does not use it does not load it.
_LAZY = {"TableCostModel": "terastal.cost.table_backend"}
__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)

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
