"""Cost models: analytical (default), table (CSV) and optional ZigZag backends."""

from terastal.cost.base import CostModel, LayerCosts
from terastal.cost.tables import TaskCostTable, build_cost_tables

__all__ = ["CostModel", "LayerCosts", "TaskCostTable", "build_cost_tables"]
