"""Checks of a whole grid before any point runs: the work guard on every point."""

from __future__ import annotations

from terastal.errors import InputError
from terastal.model.work import MAX_JOBS
from terastal.sweep.grid import Grid


def check_grid_work(grid: Grid, max_jobs: float = MAX_JOBS) -> int:
    """Refuse the grid if any point's estimated work is above the ceilings.

    The rule is the one every run applies (:func:`terastal.experiment.check_work`), here at
    grid load so that no point is stored as an error for it. Each distinct (scenario, load
    scale, duration) is checked once; the point named in the error is the first that is too
    big. Points of a compatibility profile (``compat:``) run their own engine and are not
    checked. Returns the number of combinations seen.
    """
    from terastal.experiment import check_max_jobs, check_work
    from terastal.experiment.case import _resolve
    from terastal.model import Scenario
    from terastal.sweep.runner import point_spec

    check_max_jobs(max_jobs)
    seen = set()
    for p in grid.points():
        key = (p["scenario"], p["load_scale"], p["duration_ms"])
        if p.get("compat") or key in seen:
            continue
        seen.add(key)
        spec = point_spec(p, grid.base_dir, max_jobs)
        try:
            scenario = _resolve("scenario", spec.scenario, Scenario)
        except InputError:
            # Not readable here: the workers may see other files (a remote cluster), and a
            # point that cannot load its scenario there is stored as an error row.
            continue
        try:
            check_work(spec.replace(scenario=scenario), what="point")
        except InputError as exc:
            where = f"scenario {p['scenario']}, load_scale {p['load_scale']:g}, "
            where += f"duration_ms {p['duration_ms']:g}"
            raise InputError(f"{where}: {exc.message}", file=str(grid.path)) from None
    return len(seen)
