"""Offline planner: layer variants, accuracy constraints, virtual budgets and the Plan file.

>>> from terastal.planner import make_plan, Plan
>>> plan = make_plan(scenario, platform, cost_model)          # doctest: +SKIP
>>> plan.to_json("plan.json"); Plan.load("plan.json")          # doctest: +SKIP
"""

from terastal._lazy import lazy_exports
from terastal.planner.plan import PLAN_VERSION, LayerPlan, Plan, TaskPlan

# The rest on first use: reading a stored plan (a warm ``simulate``) needs neither the
# planner's design and budget modules nor the accuracy tables, paper models and variant rules
# (their imports and dataclasses are start-up of every run).
_ACCURACY = "terastal.planner.accuracy"
_PAPER = "terastal.planner.paper"
_VARIANTS = "terastal.planner.variants"
__getattr__, __dir__ = lazy_exports(
    __name__,
    globals(),
    {
        "make_plan": "terastal.planner.make",
        "AccuracyTable": _ACCURACY,
        "load_accuracy_tables": _ACCURACY,
        "parse_combination_csv": _ACCURACY,
        "parse_summary": _ACCURACY,
        "PAPER_MODELS": _PAPER,
        "PaperModel": _PAPER,
        "bundled_accuracy_tables": _PAPER,
        "load_paper_model": _PAPER,
        "paper_accuracy_table": _PAPER,
        "VariantError": _VARIANTS,
        "is_eligible": _VARIANTS,
        "variant_factor": _VARIANTS,
        "variant_shape": _VARIANTS,
    },
)


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
