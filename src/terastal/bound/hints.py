"""Warm starts: an online scheduler's run, or a previous solve, as a CP-SAT solution hint.

A run of any online scheduler on the same trace maps onto the layer model (``group_layers =
1``) with ``start = floor(dispatch / unit)``: its in-time jobs run at those starts on the same
accelerators with the same variants, every other job is "missed" (not run). By the rounding
argument of :mod:`terastal.bound.model` this is a feasible solution with as many misses as
the run, so hinting the best online run lets the solver start from it.
"""

from __future__ import annotations

import math

from terastal.bound.model import BoundModel
from terastal.model.job import IN_TIME
from terastal.sim.result import SimResult


def _size_value(bm: BoundModel, task: int, block, acc: int, var: set, acc_of: dict) -> int:
    td = bm.tasks[task]
    v = td.base[block.index][acc]
    for layer in block.layers:
        if layer in var and layer in td.delta:
            v += td.delta[layer][acc]
    for p in block.inputs:
        if acc_of[p] != acc:
            v += td.trans[p]
    return v


def hint_from_result(bm: BoundModel, result: SimResult) -> int:
    """Hint the solution that ``result`` (a run on the same trace) maps to.

    Only the exact layer model can be hinted this way; grouped models are left unhinted.

    Parameters
    ----------
    bm : BoundModel
        The model (``group_layers`` must be 1).
    result : SimResult
        A recorded run on the same scenario, horizon and seed.

    Returns
    -------
    int
        The run's number of missed jobs as counted by the model (jobs it ran in time that the
        model cannot hint, e.g. with inadmissible variants, count as missed).
    """
    if bm.group_layers != 1:
        return -1
    cp = bm.cp
    cp.clear_hints()
    unit = bm.unit_s
    # The counted jobs: the trace's (an online run's load-only jobs only loaded it, and the
    # model, which leaves them out, can place the counted ones where the run did).
    by_key = {(j.task_index, j.frame): j for j in result.counted_jobs}
    recs: dict[int, dict[int, tuple]] = {}
    for rec in result.log:
        recs.setdefault(rec.job_id, {})[rec.layer] = rec
    run_hint: list[bool] = []
    missed = 0
    for tj, jv in zip(bm.trace.jobs, bm.jobs, strict=True):
        online = by_key.get((tj.task, tj.frame))
        up_ok = not tj.cascaded or run_hint[tj.upstream]
        exists = online is not None and up_ok
        td = bm.tasks[tj.task]
        run = exists and jv.run is not None and online.status == IN_TIME
        combo = None
        if run and online.variants:
            spec = td.variants
            combo = frozenset(online.variants)
            if spec is None or combo not in spec.combos:
                # a combination the model does not have (the budget's stronger ones): the
                # hint is the job not run, with the original's combination
                run, combo = False, None
        run_hint.append(run)
        if tj.cascaded and not isinstance(jv.exists, int):
            cp.add_hint(jv.exists, exists)
        missed += int(exists and not run) if tj.cascaded else int(not run)
        if jv.run is None:
            continue
        cp.add_hint(jv.run, run)
        if jv.combo:
            k = td.variants.combos.index(combo or frozenset())
            for i, c in enumerate(jv.combo):
                cp.add_hint(c, i == k)
        if not run:
            for ys in jv.y:
                for y in ys:
                    cp.add_hint(y, False)
            for ws in jv.w.values():
                for w in ws:
                    cp.add_hint(w, False)
            continue
        layers = recs[online.id]
        acc_of = {layer: rec.accelerator for layer, rec in layers.items()}
        var = {layer for layer, rec in layers.items() if rec.variant}
        ends = []
        for b in td.blocks:
            (layer,) = b.layers
            acc = acc_of[layer]
            s = math.floor(layers[layer][3] / unit)
            e = s + _size_value(bm, tj.task, b, acc, var, acc_of)
            ends.append(e)
            cp.add_hint(jv.start[b.index], s)
            cp.add_hint(jv.end[b.index], e)
            for a, y in enumerate(jv.y[b.index]):
                cp.add_hint(y, a == acc)
            for a, size in enumerate(jv.size[b.index]):
                if not isinstance(size, int):
                    v = var if a == acc else set()
                    cp.add_hint(size, _size_value(bm, tj.task, b, a, v, acc_of))
            for a, w in enumerate(jv.w.get(layer, ())):
                cp.add_hint(w, a == acc and layer in var)
        if jv.done is not None and len(td.sinks) > 1:
            cp.add_hint(jv.done, max(ends[i] for i in td.sinks))
    return missed


def hint_from_solver(bm: BoundModel, solver, source: BoundModel | None = None) -> None:
    """Hint ``bm``'s variables with their values in ``solver``'s last solution.

    ``source`` is the model ``solver`` solved when it is not ``bm`` itself (e.g. the safe
    twin of a model); variables are then matched by name.
    """
    cp = bm.cp
    cp.clear_hints()
    if source is None or source is bm:
        for i in range(len(cp.proto.variables)):
            var = cp.get_int_var_from_proto_index(i)
            cp.add_hint(var, solver.value(var))
        return
    src = source.cp
    values = {}
    for i, v in enumerate(src.proto.variables):
        if v.name:
            values[v.name] = solver.value(src.get_int_var_from_proto_index(i))
    for i, v in enumerate(cp.proto.variables):
        if v.name in values:
            cp.add_hint(cp.get_int_var_from_proto_index(i), values[v.name])
