"""Terastal's mapping of a ready layer: ``(accelerator, original | variant)``.

Two rules share the finish-time test ``max(free, now) + transfer + latency <= virtual
deadline`` (reasons in ``docs/design.md``, "Terastal online scheduler" and "Variants on
demand and the accuracy budget"). Each returns ``((accelerator, variant?, finish), mask)``
where ``mask`` is the job's new combination when the choice is a variant; ``variant(job,
layer, state)`` gives the layer's variant latencies and that mask, or ``(None, 0)`` when the
job may not run it.
"""

from __future__ import annotations

_INF = float("inf")
_EPS = 1e-12


def allowed_variant(masks: dict, budget, job, layer: int, st) -> tuple:
    """The layer's variant latencies and the job's new mask, or ``(None, 0)``.

    Allowed when the job's combination stays admissible, or (with an accuracy ``budget``)
    is a measured one within the per-job ceiling that the model's budget has room for.
    """
    bit = st.bits[layer]
    if not bit:
        return None, 0
    new = masks.get(job.id, 0) | bit
    if new in st.admissible:
        return st.var_lat[layer], new
    if budget is not None:
        loss = st.loss.get(new)
        if loss is not None and budget.room(job.task_index, job.id, loss):
            return st.var_lat[layer], new
    return None, 0


def home_of(st, layer: int, src):
    """The home cores of ``layer``: ``st.home``, or where its input lies outside them (a job
    that started away from its task's affinity class, ``_terastal_affinity``) ``st.away``
    (``src``: the core holding the input of a chain layer, -1 for a first layer, ``None`` for
    a DAG layer)."""
    home = st.home[layer]
    if st.away is not None and src is not None and src >= 0 and src not in home:
        return st.away[layer]
    return home


def on_demand(variant, variant_first, job, layer, st, starts, idle, vde, home) -> tuple:
    """Originals first: home class, then any core meeting ``vde``; variants only then."""
    lat = st.lat[layer]
    a_h = home[0] if len(home) == 1 else min(home, key=starts.__getitem__)
    f_h = starts[a_h] + lat[a_h]
    if f_h <= vde:
        return (a_h, False, f_h), 0
    vlat, new = variant(job, layer, st)
    if variant_first and vlat is not None:
        f = starts[a_h] + vlat[a_h]
        if f <= vde:
            # the home class meets it as the variant: less work than moving away
            return (a_h, True, f), new
    fits, f_any, any_choice = fitting(starts, lat, idle, vde, False, _INF, None)
    if fits is not None:
        return fits, 0
    if vlat is not None:
        fits, f_any, any_choice = fitting(starts, vlat, idle, vde, True, f_any, any_choice)
        if fits is not None:
            return fits, new
    return any_choice, new if any_choice[1] else 0


def planned(variant, variant_first, job, layer, st, starts, idle, vde, home) -> tuple:
    """The plan's mapping first (variants where the plan runs them), then any idle core."""
    lat = st.lat[layer]
    vlat, new = variant(job, layer, st)
    home_var = st.home_var[layer] and vlat is not None
    a_best = home[0] if len(home) == 1 else min(home, key=starts.__getitem__)
    f_best = starts[a_best] + (vlat if home_var else lat)[a_best]
    if f_best <= vde:
        return (a_best, home_var, f_best), new
    if variant_first and vlat is not None and starts[a_best] + vlat[a_best] <= vde:
        # the home class meets it as the variant: less work than moving away
        return (a_best, True, starts[a_best] + vlat[a_best]), new
    choice, f_any, any_choice = None, _INF, None
    for a in range(len(starts)):
        f = starts[a] + lat[a]
        if idle[a] and f <= vde and (choice is None or f < choice[2]):
            choice = (a, False, f)
        if f < f_any:
            f_any, any_choice = f, (a, False, f)
    if choice is None and vlat is not None:
        for a in range(len(starts)):
            f = starts[a] + vlat[a]
            if idle[a] and f <= vde and (choice is None or f < choice[2]):
                choice = (a, True, f)
            # nothing meets it: a variant only if strictly earliest overall
            if f < f_any - _EPS:
                f_any, any_choice = f, (a, True, f)
    return choice or any_choice, new


def fitting(starts, lat, idle, vde, var, f_any, any_choice):
    """Earliest option meeting ``vde`` (an idle core, else a busy one to wait for).

    Also folds the options into the earliest-finishing one overall (``f_any``,
    ``any_choice``); a variant replaces it only when strictly earlier.
    """
    c_idle = c_busy = None
    tol = _EPS if var else 0.0
    for a in range(len(starts)):
        f = starts[a] + lat[a]
        if f <= vde:
            if idle[a]:
                if c_idle is None or f < c_idle[2]:
                    c_idle = (a, var, f)
            elif c_busy is None or f < c_busy[2]:
                c_busy = (a, var, f)
        if f < f_any - tol:
            f_any, any_choice = f, (a, var, f)
    return c_idle or c_busy, f_any, any_choice


def fallback(choose, variant, variant_first, job, layer, st, free, src, move, idle) -> tuple:
    """The mapping rule's choice for a chain layer that nothing gets done by its deadline.

    A chain layer's candidates are ``starts[a] + latency`` over cores, originals and (when
    the job may run it) the variant, with ``starts`` fixed by the free times, the input's
    core and the move time; the rule compares them only with the virtual deadline ``vde``
    and with each other. When every candidate ends after ``vde`` every comparison with it
    fails, and the rule returns the same choice for every job of the key ``(task, layer,
    input core, move time, variant allowed)``: what it returns with ``vde = -inf``. Under
    overload most waiting layers are past their virtual deadline, so most visits become a
    comparison and a look-up; the floating-point operations are the rule's own, so
    schedules are unchanged.
    """
    starts = layer_starts(job, layer, src, move, free, None)  # a chain layer: no transfer
    home = home_of(st, layer, src)
    return choose(variant, variant_first, job, layer, st, starts, idle, -_INF, home)[0]


def layer_starts(job, layer: int, src, move: float, free, transfer) -> list[float]:
    """When ``layer`` could start on each core: ``free`` plus the input's move or transfer.

    ``src``: the core holding a chain layer's input (``move`` to bring it elsewhere), or
    ``None`` for a DAG layer, whose inputs cost ``transfer(job, layer, core)``. Without a
    move the list is ``free`` itself, read-only for the caller.
    """
    if src is None:
        return [free[a] + transfer(job, layer, a) for a in range(len(free))]
    if move:
        starts = [f + move for f in free]
        starts[src] = free[src]  # the input is already there
        return starts
    return free


def spare_core(job, layer, st, src, move, free, idle, f, transfer) -> tuple[int, float]:
    """The idle core where ``layer``'s original finishes first, if before ``f``, else ``-1``.

    ``f`` is when the layer would finish on the busy core it waits for; starts are
    :func:`layer_starts`, as in :func:`map_layer`.
    """
    return _first_idle(layer_starts(job, layer, src, move, free, transfer), st.lat[layer], idle, f)


def spare_variant(variant, job, layer, st, src, move, free, idle, f, transfer) -> tuple:
    """The idle core where ``layer``'s variant finishes first, if the job may run it
    (``variant``, as in the mapping) and it ends strictly before ``f``: ``(core, finish,
    new mask)``, else ``(-1, f, 0)``. Starts are :func:`layer_starts`, as in
    :func:`spare_core`."""
    vlat, new = variant(job, layer, st)
    if vlat is None:
        return -1, f, 0
    best, f = _first_idle(layer_starts(job, layer, src, move, free, transfer), vlat, idle, f)
    return best, f, new if best >= 0 else 0


def _first_idle(starts, lat, idle, f) -> tuple[int, float]:
    """The idle core where a layer of latencies ``lat`` ends first, if strictly before ``f``:
    ``(core, finish)``, else ``(-1, f)``."""
    best = -1
    for b in range(len(starts)):
        if idle[b] and starts[b] + lat[b] < f:
            best, f = b, starts[b] + lat[b]
    return best, f


def earliest_free(free, skip: int, f: float) -> float:
    """The earliest of ``f`` and the free times of the cores other than ``skip``."""
    for c in range(len(free)):
        if c != skip and free[c] < f:
            f = free[c]
    return f


def core_classes(costs, num_accelerators: int) -> list[int]:
    """Class id per accelerator: cores with identical latency columns share a class."""
    cols = [tuple(c.lat[i][a] for c in costs for i in range(c.num_layers)) for a in
            range(num_accelerators)]  # fmt: skip
    reps: list[tuple] = []
    out = []
    for col in cols:
        if col not in reps:
            reps.append(col)
        out.append(reps.index(col))
    return out


def map_layer(
    choose, variant, variant_first, memo, job, layer, st, vde, src, move, free, idle, low, transfer
) -> tuple[tuple, int, bool]:
    """The mapping rule's choice for a ready layer: ``((accelerator, variant?, finish), mask,
    past)``.

    ``past``: a chain layer that no option gets done by ``vde`` (``low + fastest option`` is
    after it), whose choice is the rule's :func:`fallback`, kept in ``memo`` per key between
    two dispatches. Otherwise every option's start is ``free`` plus the input's move or
    transfer (``src``: the core holding a chain layer's input, ``None`` for a DAG layer).
    """
    if src is not None and vde < low + st.min_opt[layer]:
        # every comparison f <= vde of the rule fails: its fallback, per key
        vlat, new = variant(job, layer, st) if st.bits[layer] else (None, 0)
        key = (st, layer, src, move, vlat is None)
        choice = memo.get(key)
        if choice is None:
            choice = memo[key] = fallback(
                choose, variant, variant_first, job, layer, st, free, src, move, idle
            )
        return choice, new, True
    starts = layer_starts(job, layer, src, move, free, transfer)
    home = home_of(st, layer, src)
    choice, new = choose(variant, variant_first, job, layer, st, starts, idle, vde, home)
    return choice, new, False
