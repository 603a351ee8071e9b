"""When the group search leaves a planned layer to the rules for a known release.

``group_ahead`` (:func:`~terastal.schedulers._terastal_ahead.blocks_release`) leaves the
search's schedule when its next layer on an idle core ``a`` would still run there when a job
sure to come needs ``a`` more than the layer's job does. The rules, given the call, may then
place the layer on ``a`` just the same: on the suite's ``ar_plus``@512,3584 at U 0.6 a 4.3 ms
``DE_midas_v21_small`` layer, far slower on the other core, goes to core 0 0.5 ms before a
``swin_tiny`` release, where the schedule would have run another layer first
(docs/design.md, "Known releases under the group search", "Which layers to leave").

``group_ahead_fit`` (0: off, every such layer is left) leaves the schedule only for a layer
that has somewhere else to go: another core where it would end (from that core's free time)
within ``group_ahead_fit`` x its time on ``a``, both from now. A layer that only ``a`` runs
well stays in the schedule, which knew what else to run around it.
"""

from __future__ import annotations

from terastal.schedulers._terastal_ahead import blocks_release
from terastal.schedulers.options import Option

#: Terastal's option of this rule (docs/design.md, "Known releases under the group search").
OPTIONS = {
    "group_ahead_fit": Option(0.0, lo=0.0, help="group_ahead: only a layer another core ends "
                              "within this x its time on the planned one (0: any layer)"),
}  # fmt: skip


def hands_over(pol, view, job, layer: int, a: int) -> bool:
    """Whether the group search leaves ``job``'s ``layer``, planned on the idle core ``a``, to
    the rules: it would block a known release that needs ``a`` (``blocks_release``) and, with
    ``group_ahead_fit`` > 0, another core ends it within that factor of its time on ``a``."""
    if not blocks_release(pol, view, job, layer, a):
        return False
    fit = pol.group_ahead_fit
    return fit <= 0.0 or elsewhere(job.costs.latency_s[layer], a, view.free_at, view.now, fit)


def elsewhere(lat, a: int, free, now: float, fit: float) -> bool:
    """Whether a core other than ``a``, free at ``free[b]``, ends a layer of times ``lat``
    within ``fit`` x ``lat[a]`` from ``now`` (the activation's transfer aside: microseconds
    against the milliseconds this weighs)."""
    most = fit * lat[a]
    return any(b != a and max(free[b], now) + lat[b] - now <= most for b in range(len(lat)))
