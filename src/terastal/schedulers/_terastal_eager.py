"""Terastal's eager variants under overload: capacity bought with unspent accuracy budget.

On demand, a layer runs its variant only when its original meets its virtual deadline on no
core. Under overload that leaves most of the accuracy budget of the models whose measured
combinations are cheap unspent (docs/design.md, "Eager variants under overload"), while
every job served costs the cores its full original time. While the overload detector is on,
:func:`eager_choice` runs a layer's variant first when the job may run it (an admissible
combination or the budget's room) and the model's budget stays within ``share`` x its limit
after it (:func:`eager_room`): the rest of the budget stays for layers that fall behind.
"""

from __future__ import annotations

from terastal.schedulers._hopeless import best_remaining
from terastal.schedulers._terastal_map import fitting, on_demand

_INF = float("inf")


def eager_room(budget, task: int, job_id: int, loss: float, share: float) -> bool:
    """Whether job ``job_id`` of ``task`` may move to a combination losing ``loss`` with the
    model's mean loss (over its window and over the run, running jobs' reservations counted
    as in :meth:`~terastal.schedulers._terastal_guards.AccuracyBudget.room`) staying within
    ``share`` x the budget's limit."""
    res = budget.reserved[task]
    held = sum(res.values()) - res.get(job_id, 0.0) + loss
    pending = len(res) + (job_id not in res)
    lim = share * budget.limit + 1e-12
    if budget.win_sum[task] + held > lim * (len(budget.win[task]) + pending):
        return False
    return budget.run_sum[task] + held <= lim * (budget.run_n[task] + pending)


def eager_choice(budget, share, variant, variant_first, job, layer, st, starts, idle, vde):
    """The mapping rule under overload: the layer's variant when :func:`eager_room` allows
    it (on the option that meets ``vde`` first, idle cores before busy ones, else the one
    that ends first), otherwise :func:`~terastal.schedulers._terastal_map.on_demand`."""
    vlat, new = variant(job, layer, st)
    if vlat is not None and eager_room(budget, job.task_index, job.id, st.loss.get(new, 0.0),
                                       share):  # fmt: skip
        home = st.home[layer]
        a = home[0] if len(home) == 1 else min(home, key=starts.__getitem__)
        f = starts[a] + vlat[a]
        if f <= vde:
            return (a, True, f), new  # on its home class, as on demand
        fits, _, any_choice = fitting(starts, vlat, idle, vde, True, _INF, None)
        return fits or any_choice, new
    return on_demand(variant, variant_first, job, layer, st, starts, idle, vde)


def combination_remaining(costs, bits, admissible, rem: list[float]) -> list[float]:
    """Best-case remaining times ``rem`` (every variant of ``bits`` counted at once) raised to
    what one admissible combination can save: per layer ``l``, at least the originals'
    best-case remaining time less the largest saving of any admissible combination on the
    layers from ``l`` on (each layer's fastest original less its fastest variant).

    Still a lower bound of any schedule's remaining time: a job runs one combination, and the
    longest path of originals from ``l`` loses at most that combination's savings on it.
    """
    lat, var_lat = costs.lat, costs.var_lat
    orig = best_remaining(costs, None)
    save = [0.0] * len(lat)
    for i, b in enumerate(bits):
        if b and var_lat[i] is not None:
            save[i] = max(0.0, min(lat[i]) - min(var_lat[i]))
    combos = [sorted(s) for s in admissible if s]
    out = list(rem)
    for layer in range(len(lat)):
        most = max((sum(save[i] for i in s if i >= layer) for s in combos), default=0.0)
        out[layer] = max(rem[layer], orig[layer] - most)
    return out
