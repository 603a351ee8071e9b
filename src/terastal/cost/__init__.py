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
from terastal.cost.table_backend import TableCostModel
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
