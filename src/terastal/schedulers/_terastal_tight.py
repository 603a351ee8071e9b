"""Tight jobs: a job with little slack left maps its next layer by earliest finish.

A layer normally goes to its *home* class (the plan's load-balanced mapping) when it meets
its virtual deadline there. For a job whose slack (time to its deadline less its best case
left) is a small share of its relative deadline, the plan's budgets leave no room for what
the plan did not foresee (the fast core busy for the next layers), and a layer sent home to
a slower core makes the job late.
Such a job takes the earliest-finishing option instead, once a job of the run has missed
(a miss-free run is left as it was). Reasons and measurements: docs/design.md, "Tight jobs:
earliest finish".
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
