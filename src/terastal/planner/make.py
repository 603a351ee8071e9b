"""Assembly of a :class:`~terastal.planner.plan.Plan` from its parts."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from terastal.cost.base import CostModel
from terastal.cost.tables import build_cost_tables
from terastal.errors import InputError
from terastal.model import IDENTICAL_REL_TOL, Platform, Scenario, release_rates
from terastal.planner.accuracy import AccuracyTable, load_accuracy_tables
from terastal.planner.budgets import BUDGET_POLICIES, compute_budgets
from terastal.planner.design import design_task, resolve_accuracy
from terastal.planner.plan import LayerPlan, Plan, TaskPlan

__all__ = ["DEFAULT_ACCURACY_CEILING", "DEFAULT_TARGET_UTILIZATION", "build_plan", "make_plan"]


def _opt(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def build_plan(
    scenario: Scenario,
    platform: Platform,
    cost_model: CostModel,
    *,
    accuracy_loss: float = 0.02,
    budgets: str = "lp",
    accuracy_tables: Mapping[str, AccuracyTable] | str | Path | None = None,
    use_bundled: bool = True,
    accuracy_ceiling: float | None = None,
    target_utilization: float | None = None,
) -> Plan:
    """Implementation of :func:`terastal.planner.plan.make_plan` (same parameters)."""
    if not isinstance(accuracy_loss, int | float) or not 0.0 <= accuracy_loss < 1.0:
        raise InputError(f"must be in [0, 1), got {accuracy_loss!r}", field="accuracy_loss")
    if accuracy_ceiling is not None and (
        not isinstance(accuracy_ceiling, int | float) or not 0.0 <= accuracy_ceiling < 1.0
    ):
        raise InputError(f"must be in [0, 1), got {accuracy_ceiling!r}", field="accuracy_ceiling")
    if budgets not in BUDGET_POLICIES:
        raise InputError(
            f"unknown budget policy {budgets!r} (choose from {', '.join(BUDGET_POLICIES)})",
            field="budgets",
        )
    if isinstance(accuracy_tables, str | Path):
        accuracy_tables = load_accuracy_tables(accuracy_tables)
    accuracy, notes = resolve_accuracy(scenario, accuracy_tables, use_bundled=use_bundled)
    candidates = {name: dict(acc.candidates) for name, acc in accuracy.items() if acc.candidates}
    tables = build_cost_tables(scenario, platform, cost_model, variant_shapes=candidates)
    designs = {
        t.name: design_task(tables[t.name], accuracy.get(t.name), accuracy_loss, accuracy_ceiling)
        for t in scenario.tasks
    }
    if target_utilization is not None and not (
        isinstance(target_utilization, int | float) and target_utilization > 0
    ):
        raise InputError(f"must be > 0, got {target_utilization!r}", field="target_utilization")
    res = compute_budgets(scenario, tables, designs, budgets, accuracy, target_utilization)
    if res.note:
        notes.append(res.note)

    tasks = []
    rates = release_rates(scenario.tasks)
    for t in scenario.tasks:
        tab, des, acc = tables[t.name], designs[t.name], accuracy.get(t.name)
        lat = np.asarray(tab.latency_s, dtype=float)
        # among equally fast accelerators (identical cores), prefer the one the mapping uses most
        tie = lat <= lat.min(axis=1, keepdims=True) * (1 + IDENTICAL_REL_TOL)
        pref = np.argmax(np.where(tie, 1.0 + res.share[t.name], 0.0), axis=1)
        sel = set(des.selected)
        cand = acc.candidates if acc else {}
        layers = []
        for i, layer in enumerate(t.model.layers):
            is_cand = i in cand
            layers.append(
                LayerPlan(
                    index=i,
                    name=layer.name,
                    preferred=int(pref[i]),
                    latency_s=tuple(float(v) for v in lat[i]),
                    expected_latency_s=float(res.expected_latency_s[t.name][i]),
                    budget_s=float(res.budget_s[t.name][i]),
                    deadline_offset_s=float(res.deadline_offset_s[t.name][i]),
                    share=tuple(float(v) for v in res.share[t.name][i]),
                    gap_s=float(des.gap_s[i]),
                    variant=cand[i] if i in sel else None,
                    variant_latency_s=(
                        tuple(float(v) for v in tab.var_latency_s[i]) if is_cand else None
                    ),
                    gap_after_s=_opt(des.gap_after_s[i]) if is_cand else None,
                    gain_s=_opt(des.gain_s[i]) if is_cand else None,
                    variant_loss=_opt(des.loss[i]) if is_cand else None,
                    variant_rank=des.rank.get(i),
                    variant_share=float(res.variant_share[t.name][i]),
                )
            )
        tasks.append(
            TaskPlan(
                name=t.name,
                model=t.model.name,
                rate_hz=rates[t.name],
                deadline_s=t.relative_deadline_s,
                layers=tuple(layers),
                variant_layers=des.selected,
                admissible=tuple(des.admissible),
                accuracy=dict(acc.normalized) if acc else {},
                accuracy_metric=acc.table.metric if acc else None,
                accuracy_source=_short_source(acc.table.source) if acc else None,
            )
        )
    return Plan(
        scenario=scenario.name,
        platform=platform.name,
        accelerators=tuple(a.name for a in platform.accelerators),
        cost_model=str(getattr(cost_model, "name", type(cost_model).__name__)),
        budget_policy=res.policy,
        accuracy_loss=float(accuracy_loss),
        tasks=tuple(tasks),
        utilization=tuple(float(u) for u in res.utilization),
        preferred_utilization=tuple(float(u) for u in res.preferred_utilization),
        notes=tuple(notes),
    )


def _short_source(source: str | None) -> str | None:
    """Bundled files are recorded relative to the package data, user files as given."""
    if source is None:
        return None
    p = Path(source)
    parts = p.parts
    if "data" in parts and "terastal" in parts:
        k = len(parts) - 1 - parts[::-1].index("data")
        if k > 0 and parts[k - 1] == "terastal":
            return "terastal/" + "/".join(parts[k:])
    return source


#: Default hard per-job loss ceiling of the combinations a plan gives layers for (8 %: the
#: paper's single VGG11 variants lose 7.0-7.6 %, ResNet50 and Swin-Tiny pairs 2-6 %).
DEFAULT_ACCURACY_CEILING = 0.08

#: Default bottleneck utilization the budget LP balances down to (and no further).
DEFAULT_TARGET_UTILIZATION = 0.9


def make_plan(
    scenario: Scenario,
    platform: Platform,
    cost_model,
    accuracy_loss: float = 0.02,
    budgets: str = "lp",
    accuracy_tables=None,
    *,
    use_bundled: bool = True,
    accuracy_ceiling: float | None = DEFAULT_ACCURACY_CEILING,
    target_utilization: float | None = DEFAULT_TARGET_UTILIZATION,
) -> Plan:
    """Plan ``scenario`` on ``platform``: variants, admissible combinations and budgets.

    Parameters
    ----------
    scenario : Scenario
        Tasks to plan.
    platform : Platform
        Accelerators.
    cost_model : CostModel
        Backend that costs layers and variant shapes.
    accuracy_loss : float
        Largest admissible normalized accuracy loss of a variant combination (0.02 = 2 %).
    budgets : {"lp", "preferred", "mean"}
        Budget policy (see :mod:`terastal.planner.budgets`).
    accuracy_tables : mapping of str to AccuracyTable, or path, optional
        User accuracy tables keyed by model or task name (or a file for
        :func:`terastal.planner.accuracy.load_accuracy_tables`); they take precedence over
        the bundled paper tables.
    use_bundled : bool
        Whether tasks running a paper model get its bundled accuracy table.
    accuracy_ceiling : float or None
        Layers of measured combinations losing up to this much also get variants (for a
        scheduler that spends an accuracy *budget*: single jobs above ``accuracy_loss``, the
        mean within it); admissible combinations are still those within ``accuracy_loss``.
        ``None``: variants only for admissible combinations.
    target_utilization : float or None
        The budget LP balances the bottleneck accelerator down to this utilization and no
        further, so that a lightly loaded mix plans no variants (``None``: as low as it
        goes, the paper's objective).

    Returns
    -------
    Plan
    """
    return build_plan(
        scenario, platform, cost_model, accuracy_loss=accuracy_loss, budgets=budgets,
        accuracy_tables=accuracy_tables, use_bundled=use_bundled,
        accuracy_ceiling=accuracy_ceiling, target_utilization=target_utilization,
    )  # fmt: skip
