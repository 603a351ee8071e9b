"""Variant design: which layers get variants and which combinations are admissible.

For every task the planner

1. finds its accuracy table (a user table, else a bundled paper table matched by model
   name) and turns its layer names into layer indices; layers in the table are the
   *candidates* and get a variant shape (:func:`terastal.planner.variants.variant_shape`);
2. measures, per layer, the latency gap on the non-preferred accelerators: with ``L`` the
   original and ``V`` the variant latencies, ``p`` the fastest accelerator and ``N`` the
   accelerators slower than it,
   ``gap = min_{a in N} L[a] - L[p]`` and ``gap_after = min_{a in N} min(L[a], V[a]) - L[p]``;
   ``gain = gap - gap_after``;
3. ranks candidates by ``gain / max(loss, 1e-4)``, ``loss`` being the normalized accuracy lost
   by that variant alone;
4. keeps a candidate when its gain is positive and it appears in some admissible
   combination, a combination being admissible when it was measured and its normalized
   accuracy is ``>= 1 - accuracy_loss``. The empty combination is always admissible.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from terastal.cost.tables import TaskCostTable
from terastal.errors import InputError
from terastal.model import IDENTICAL_REL_TOL, Layer, Scenario, Task
from terastal.planner.accuracy import AccuracyTable
from terastal.planner.paper import find_paper_model, paper_accuracy_table
from terastal.planner.variants import VariantError, variant_shape

__all__ = [
    "LOSS_FLOOR",
    "TaskAccuracy",
    "TaskDesign",
    "design_task",
    "layer_gaps",
    "resolve_accuracy",
]

#: Accuracy loss assumed for a variant that loses nothing, so that ranking stays finite.
LOSS_FLOOR = 1e-4
_TOL = 1e-12


@dataclass(frozen=True)
class TaskAccuracy:
    """A task's accuracy data resolved onto its layers.

    Parameters
    ----------
    table : AccuracyTable
        The table used.
    normalized : mapping of frozenset of int to float
        Normalized accuracy of every measured combination, by layer index.
    candidates : mapping of int to Layer
        Variant shape of every layer named in the table.
    bundled : bool
        Whether the table is a bundled paper table.
    """

    table: AccuracyTable
    normalized: Mapping[frozenset[int], float]
    candidates: Mapping[int, Layer]
    bundled: bool


@dataclass(frozen=True)
class TaskDesign:
    """Variant design of one task.

    Parameters
    ----------
    selected : tuple of int
        Layers that get a variant, best rank first.
    admissible : frozenset of frozenset of int
        Admissible combinations (subsets of ``selected``; always contains the empty set).
    gap_s, gap_after_s, gain_s : ndarray
        Per layer: latency gap before and after the variant, and their difference
        (``gap_after_s`` and ``gain_s`` are ``nan`` for layers without a candidate variant).
    loss : ndarray
        Per layer: normalized accuracy lost by its variant alone (``nan`` if unknown).
    rank : dict of int to int
        Rank (0 = best) of every candidate by gain per unit accuracy lost.
    """

    selected: tuple[int, ...]
    admissible: frozenset[frozenset[int]]
    gap_s: np.ndarray
    gap_after_s: np.ndarray
    gain_s: np.ndarray
    loss: np.ndarray
    rank: Mapping[int, int]


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _match_user_table(task: Task, tables: Mapping[str, AccuracyTable]) -> str | None:
    if not tables:
        return None
    for key in (task.name, task.model.name):
        if key in tables:
            return key
    wanted = {_norm(task.name), _norm(task.model.name)}
    pm = find_paper_model(task.model.name, task.model.source) or find_paper_model(task.name)
    for key in tables:
        if _norm(key) in wanted:
            return key
        if pm is not None and find_paper_model(key) is pm:
            return key
    return None


def resolve_accuracy(
    scenario: Scenario,
    user_tables: Mapping[str, AccuracyTable] | None = None,
    *,
    use_bundled: bool = True,
) -> tuple[dict[str, TaskAccuracy], list[str]]:
    """Find every task's accuracy table and resolve its layer names.

    A user table matches a task by task or model name (exact, then case- and
    separator-insensitive, then by paper-model alias); otherwise a bundled paper table
    matches by model name or source file. A layer name matches a model layer exactly, or
    with ``.`` read as ``_`` (PyTorch dotted names).

    Parameters
    ----------
    scenario : Scenario
        The tasks.
    user_tables : mapping of str to AccuracyTable, optional
        Tables supplied by the user, keyed by model or task name; they take precedence.
    use_bundled : bool
        Whether to fall back on the bundled paper tables.

    Returns
    -------
    dict of str to TaskAccuracy
        Per task name, for tasks with a table.
    list of str
        Notes (tables that matched no task, bundled tables that did not fit a model).

    Raises
    ------
    InputError
        A user table names a layer the model lacks, or a layer without a variant.
    """
    user_tables = dict(user_tables or {})
    used: set[str] = set()
    notes: list[str] = []
    out: dict[str, TaskAccuracy] = {}
    for task in scenario.tasks:
        key = _match_user_table(task, user_tables)
        table = None if key is None else user_tables[key]
        bundled = False
        if key is not None:
            used.add(key)
        elif use_bundled:
            pm = find_paper_model(task.model.name, task.model.source)
            if pm is not None:
                table, bundled = paper_accuracy_table(pm.name), True
        if table is None:
            continue
        try:
            out[task.name] = _resolve(task, table, bundled)
        except InputError as exc:
            if not bundled:
                raise
            notes.append(f"task {task.name!r}: bundled accuracy table not used ({exc.message})")
    for key in user_tables:
        if key not in used:
            notes.append(f"accuracy table for {key!r} matches no task of the scenario")
    return out, notes


def _resolve(task: Task, table: AccuracyTable, bundled: bool) -> TaskAccuracy:
    index: dict[str, int] = {}
    dup: set[str] = set()
    for i, layer in enumerate(task.model.layers):
        for key in {layer.name, layer.name.replace(".", "_")}:
            if key in index:
                dup.add(key)
            index.setdefault(key, i)
    mapping: dict[str, int] = {}
    for name in table.layers:
        key = name if name in index else name.replace(".", "_")
        if key not in index:
            raise InputError(
                f"model {task.model.name!r} of task {task.name!r} has no layer {name!r}",
                file=table.source,
                field=name,
            )
        if key in dup:
            raise InputError(
                f"layer name {name!r} is ambiguous in model {task.model.name!r}",
                file=table.source,
                field=name,
            )
        mapping[name] = index[key]
    candidates: dict[int, Layer] = {}
    for name, i in mapping.items():
        try:
            candidates[i] = variant_shape(task.model.layers[i])
        except VariantError as exc:
            raise VariantError(
                f"accuracy table of {table.model!r}: {exc.message}", file=table.source, field=name
            ) from None
    normalized = {
        frozenset(mapping[n] for n in combo): v for combo, v in table.normalized_all().items()
    }
    return TaskAccuracy(table, normalized, candidates, bundled)


def layer_gaps(cost: TaskCostTable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-layer latency gap on the non-preferred accelerators, before and after variants.

    Parameters
    ----------
    cost : TaskCostTable
        Costs of the task (variant latencies ``nan`` where a layer has no variant).

    Returns
    -------
    gap_s, gap_after_s, gain_s : ndarray
        ``gap_s`` is 0 where every accelerator is as fast as the preferred one;
        ``gap_after_s`` and ``gain_s`` are ``nan`` for layers without a variant.
    """
    lat = np.asarray(cost.latency_s, dtype=float)
    var = np.asarray(cost.var_latency_s, dtype=float)
    best = lat.min(axis=1, keepdims=True)
    nonpref = lat > best * (1 + IDENTICAL_REL_TOL) + 1e-18
    inf = np.inf
    gap = np.where(nonpref, lat, inf).min(axis=1) - best[:, 0]
    gap[~nonpref.any(axis=1)] = 0.0
    has_var = ~np.isnan(var[:, 0]) if var.size else np.zeros(len(lat), dtype=bool)
    after_lat = np.where(np.isnan(var), lat, np.minimum(lat, var))
    after = np.where(nonpref, after_lat, inf).min(axis=1) - best[:, 0]
    after[~nonpref.any(axis=1)] = 0.0
    after = np.where(has_var, after, np.nan)
    return gap, after, gap - after


def design_task(
    cost: TaskCostTable,
    accuracy: TaskAccuracy | None,
    accuracy_loss: float = 0.02,
) -> TaskDesign:
    """Decide one task's variant layers and admissible combinations.

    Parameters
    ----------
    cost : TaskCostTable
        Costs built with the task's candidate variant shapes.
    accuracy : TaskAccuracy or None
        The task's accuracy data; ``None`` means no variants.
    accuracy_loss : float
        Largest admissible normalized accuracy loss (0.02 = 2 %).

    Returns
    -------
    TaskDesign
    """
    if not 0.0 <= accuracy_loss < 1.0:
        raise InputError(f"must be in [0, 1), got {accuracy_loss}", field="accuracy_loss")
    gap, after, gain = layer_gaps(cost)
    n = cost.num_layers
    loss = np.full(n, np.nan)
    if accuracy is None or not accuracy.candidates:
        empty = frozenset({frozenset()})
        return TaskDesign((), empty, gap, after, gain, loss, {})
    norm = accuracy.normalized
    floor = 1.0 - accuracy_loss - _TOL
    ok = [c for c, v in norm.items() if v >= floor and c]
    for i in accuracy.candidates:
        single = norm.get(frozenset({i}))
        if single is None:
            with_i = [1.0 - v for c, v in norm.items() if i in c]
            loss[i] = min(with_i) if with_i else np.nan
        else:
            loss[i] = 1.0 - single

    def score(i: int) -> float:
        li = loss[i] if np.isfinite(loss[i]) else 1.0
        return gain[i] / max(li, LOSS_FLOOR)

    ranked = sorted(accuracy.candidates, key=lambda i: (-score(i), i))
    rank = {i: r for r, i in enumerate(ranked)}
    in_ok = set().union(*ok) if ok else set()
    selected = tuple(i for i in ranked if i in in_ok and gain[i] > 0)
    sel = set(selected)
    admissible = frozenset({frozenset(), *(c for c in ok if c <= sel)})
    selected = tuple(i for i in selected if any(i in c for c in admissible))
    return TaskDesign(selected, admissible, gap, after, gain, loss, rank)
