"""Sweep grids under ``compat:`` (a compatibility profile; :mod:`terastal.experiment.compat`)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["parse_compat_grid"]


def parse_compat_grid(r, file: str, keys: dict):
    """A sweep grid under ``compat:`` (called by :func:`terastal.sweep.grid.parse_grid`).

    The profile runs its own policy on its own workload, so the grid has no ``schedulers``,
    ``scheduler_options``, ``late`` or ``load_scales``; ``duration_ms`` is the horizon.
    """
    from terastal.experiment.compat import COMPAT_PROFILES, profile_scheduler
    from terastal.sweep.grid import Grid, shared_axes

    knode, vnode = keys["compat"]
    profile = r.value(vnode, "compat")
    if profile not in COMPAT_PROFILES:
        raise r.error(
            f"expected one of {', '.join(COMPAT_PROFILES)}, got {profile!r}", vnode, "compat"
        )
    for key in ("schedulers", "scheduler_options", "late", "load_scales"):
        if key in keys:
            raise r.error(
                f"{key!r} does not apply under compat: {profile} (the profile runs "
                "its own policy on its own workload)",
                keys[key][0],
                key,
            )
    for key in ("scenarios", "platforms", "seeds", "duration_ms"):
        if key not in keys:
            raise r.error(f"missing required key {key!r}", knode, key)
    node = {k: v for k, (_, v) in keys.items()}
    axes = shared_axes(r, node)
    axes.update(schedulers=[profile_scheduler(profile)], plan=[None], compat=profile)
    return Grid(Path(file), axes)
