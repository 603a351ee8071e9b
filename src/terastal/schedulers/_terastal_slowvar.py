"""Variants on a slower core (option ``slow_variant``, default ``off``).

A layer's variant is designed to narrow the gap between its fastest core and the slower ones
(``planner/design.py``: its gain is the gap it removes), so the time it saves is largest where
the original is slow. The mapping rules run a layer's original whenever that meets its virtual
deadline, also on a slower core (its home there, or any core that meets it). With this option,
a layer whose chosen option is its original on a core slower than its fastest runs its variant
on that same core instead, when the job may run it (an admissible combination or the accuracy
budget's room, as everywhere) and it ends strictly earlier: the core is free sooner for the
next job. ``over``: only while the overload detector is on (points where nothing is missed
keep their accuracy); ``always``: at every load.

Reasons and measurements: ``docs/design.md``, "Variants pay, second round: where the
per-model limit binds".
"""

from __future__ import annotations

import functools

from terastal.schedulers.options import Option

OPTIONS = {"slow_variant": Option("off", choices=("off", "over", "always"))}
# a core within this relative margin of the layer's fastest counts as one of the fastest
_TOL = 1e-9


def wrap(pol, choose):
    """``choose`` (a mapping rule of :mod:`~terastal.schedulers._terastal_map`), or the same
    rule followed by the slower core's variant when ``pol.slow_variant`` is on now."""
    mode = pol.slow_variant
    if mode == "off" or (mode == "over" and (pol._over is None or not pol._over.over)):
        return choose
    return functools.partial(slower, choose)


def slower(choose, variant, variant_first, job, layer, st, starts, idle, vde, home) -> tuple:
    """The rule's choice, with its original on a slower core replaced by the variant there
    when the job may run it and it ends strictly earlier (same signature and result as the
    rules; a function of the same inputs, so the fallback's memo stays valid)."""
    choice, new = choose(variant, variant_first, job, layer, st, starts, idle, vde, home)
    a, use_var, f = choice
    if use_var or not st.bits[layer]:
        return choice, new
    lat = st.lat[layer]
    if lat[a] <= min(lat) * (1 + _TOL):
        return choice, new  # the original on one of its fastest cores: nothing to narrow
    vlat, new_v = variant(job, layer, st)
    if vlat is not None and starts[a] + vlat[a] < f:
        return (a, True, starts[a] + vlat[a]), new_v
    return choice, new
