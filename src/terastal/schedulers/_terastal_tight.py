"""Tight jobs: a job with little slack left maps its next layer by earliest finish.

A layer normally goes to its *home* class (the plan's load-balanced mapping) when it meets
its virtual deadline there. For a job whose slack (time to its deadline less its best case
left) is a small share of its relative deadline, the plan's budgets leave no room for what
the plan did not foresee (the fast core busy for the next layers), and a layer sent home to
a slower core makes the job late.
Such a job takes the earliest-finishing option instead, once a job of the run has missed
(a miss-free run is left as it was), and before that only for the tasks whose best case
alone leaves little slack and whose tight jobs cannot fill a core class by themselves
(:func:`early_slack`). Reasons and measurements: docs/design.md, "Tight jobs: earliest
finish" and "Tight jobs before the first miss".
"""

from __future__ import annotations

#: A virtual deadline no option meets: the mapping rules fall back to the earliest finish.
NO_VDE = float("-inf")


def tight_slack(costs, tight: float) -> list[float] | None:
    """Per task, the slack below which a job is tight: ``tight`` x its relative deadline
    (``None`` when ``tight`` is 0: no job is).

    The test itself is written once, in :meth:`~terastal.schedulers.terastal.Terastal.decide`
    on its hot path: a job is tight at ``now`` when ``now`` + its best case left + this slack
    is past its deadline."""
    if not tight:
        return None
    return [tight * c.task.relative_deadline_s for c in costs]


def early_slack(costs, classes: list[int], tight: float, cap: float, born: float):
    """Per task, the slack below which a job is tight *before* the run's first miss, or
    ``None`` when no task is (option ``tight_early`` 0, or no task qualifies).

    The tasks tight from the start are those whose best case takes at least ``born`` x
    their relative deadline (0: every task), added lightest first while the summed load of
    the chosen tasks on each one's fastest core class (rate x job time there, over the
    class's cores) stays at most ``cap``: earliest finish saves a job that the plan's
    home on a slower core makes late, but tight jobs that fill a core class by themselves
    take it from every other task (docs/design.md, "Tight jobs before the first miss").
    A task left out gets ``-inf``: ``now + rem + slack > deadline`` never holds for it.
    """
    from terastal.model import release_rates
    from terastal.schedulers._terastal_affinity import fastest_class, job_times

    if not (tight and cap):
        return None
    size = [classes.count(k) for k in range(max(classes) + 1)]
    rates = release_rates(c.task for c in costs)  # Hz by task name
    share = []  # (load on the fastest class, task, class) of each candidate task
    for i, (c, t) in enumerate(zip(costs, job_times(costs, classes), strict=True)):
        if c.rem_min[0] >= born * c.task.relative_deadline_s:
            k = fastest_class(t)
            share.append((rates[c.task.name] * t[k] / size[k], i, k))
    load = [0.0] * len(size)
    out = [float("-inf")] * len(costs)
    for x, i, k in sorted(share):
        if load[k] + x <= cap:
            load[k] += x
            out[i] = tight * costs[i].task.relative_deadline_s
    return out if any(s > float("-inf") for s in out) else None
