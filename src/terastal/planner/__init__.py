"""Offline planner: layer variants, accuracy constraints, virtual budgets and the Plan file.

>>> from terastal.planner import make_plan, Plan
>>> plan = make_plan(scenario, platform, cost_model)          # doctest: +SKIP
>>> plan.to_json("plan.json"); Plan.load("plan.json")          # doctest: +SKIP
"""

from terastal._lazy import lazy_exports
from terastal.planner.accuracy import (
    AccuracyTable,
    load_accuracy_tables,
    parse_combination_csv,
    parse_summary,
)
from terastal.planner.paper import (
    PAPER_MODELS,
    PaperModel,
    bundled_accuracy_tables,
    load_paper_model,
    paper_accuracy_table,
)
from terastal.planner.plan import PLAN_VERSION, LayerPlan, Plan, TaskPlan
from terastal.planner.variants import VariantError, is_eligible, variant_factor, variant_shape

# make_plan on first use: reading a stored plan (a warm ``simulate``) needs neither the
# planner's design and budget modules nor their imports.
__getattr__, __dir__ = lazy_exports(__name__, globals(), {"make_plan": "terastal.planner.make"})


__all__ = [
    "PAPER_MODELS",
    "PLAN_VERSION",
    "AccuracyTable",
    "LayerPlan",
    "PaperModel",
    "Plan",
    "TaskPlan",
    "VariantError",
    "bundled_accuracy_tables",
    "is_eligible",
    "load_accuracy_tables",
    "load_paper_model",
    "make_plan",
    "paper_accuracy_table",
    "parse_combination_csv",
    "parse_summary",
    "variant_factor",
    "variant_shape",
]
