"""Checks of a whole grid before any point runs: the work guard on every point."""

from __future__ import annotations

import functools

from terastal.errors import InputError
from terastal.model.work import MAX_JOBS, estimate_work
from terastal.sweep.grid import Grid, resolve_spec


def check_grid_work(grid: Grid, max_jobs: float = MAX_JOBS) -> int:
    """Refuse the grid if any point's estimated work is above the ceilings.

    Each distinct (scenario, load scale, duration) is checked once; the point named in the
    error is the first that is too big. Returns the number of combinations seen.
    """
    from terastal.io import load_scenario

    load = functools.lru_cache(maxsize=None)(load_scenario)
    seen = set()
    for p in grid.points():
        key = (p["scenario"], p["load_scale"], p["duration_ms"])
        if key in seen:
            continue
        seen.add(key)
        try:
            sc = load(resolve_spec(p["scenario"], grid.base_dir))
        except InputError:
            # Not readable here: the workers may see other files (a remote cluster), and a
            # point that cannot load its scenario there is stored as an error row.
            continue
        tasks = [_Scaled(t, float(p["load_scale"])) for t in sc.tasks]
        message = estimate_work(tasks, float(p["duration_ms"]) / 1e3).refusal(max_jobs, "point")
        if message is not None:
            where = f"scenario {p['scenario']}, load_scale {p['load_scale']:g}, "
            where += f"duration_ms {p['duration_ms']:g}"
            raise InputError(f"{where}: {message}", file=str(grid.path))
    return len(seen)


class _Scaled:
    """A task seen at ``scale`` times its rate (what ``scale_load`` builds, without copying)."""

    __slots__ = ("fps", "model")

    def __init__(self, task, scale: float) -> None:
        self.fps = task.fps * scale
        self.model = task.model
