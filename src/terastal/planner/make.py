"""Assembly of a :class:`~terastal.planner.plan.Plan` from its parts."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from terastal.cost.base import CostModel
from terastal.cost.tables import build_cost_tables
from terastal.errors import InputError
from terastal.model import IDENTICAL_REL_TOL, Platform, Scenario
from terastal.planner.accuracy import AccuracyTable, load_accuracy_tables
from terastal.planner.budgets import BUDGET_POLICIES, compute_budgets
from terastal.planner.design import design_task, resolve_accuracy
from terastal.planner.plan import LayerPlan, Plan, TaskPlan

__all__ = ["build_plan"]


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
) -> Plan:
    """Implementation of :func:`terastal.planner.plan.make_plan` (same parameters)."""
    if not isinstance(accuracy_loss, int | float) or not 0.0 <= accuracy_loss < 1.0:
        raise InputError(f"must be in [0, 1), got {accuracy_loss!r}", field="accuracy_loss")
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
        t.name: design_task(tables[t.name], accuracy.get(t.name), accuracy_loss)
        for t in scenario.tasks
    }
    res = compute_budgets(scenario, tables, designs, budgets, accuracy)
    if res.note:
        notes.append(res.note)

    tasks = []
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
                rate_hz=t.fps * t.probability,
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
