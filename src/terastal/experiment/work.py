"""The work guard of every run: refuse a spec whose run would be too big, before it starts.

The estimate itself (:func:`terastal.model.work.estimate_work`) is a rule of the model; this
module applies it to a :class:`~terastal.experiment.RunSpec` (its scenario at its load scale,
its horizon, its ``max_jobs``), so that ``simulate``, ``compare``, ``bound``, sweeps and
``reproduce`` refuse the same runs with the same message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from terastal.errors import InputError
from terastal.model.work import WorkEstimate, estimate_work

if TYPE_CHECKING:
    from terastal.experiment.case import Prepared
    from terastal.experiment.run import RunSpec

__all__ = ["check_max_jobs", "check_work", "estimate_spec"]


def check_max_jobs(max_jobs: float) -> float:
    """``max_jobs`` if it can be the guard's ceiling: a number > 0 (``inf``: no guard)."""
    ok = isinstance(max_jobs, int | float) and not isinstance(max_jobs, bool) and max_jobs > 0
    if not ok:  # nan and negatives too: a ceiling that refuses everything or nothing by mistake
        raise InputError(f"must be a number > 0, got {max_jobs!r}", field="--max-jobs")
    return max_jobs


class _Scaled:
    """A task seen at ``scale`` times its rate (what the load scale builds, without copying)."""

    __slots__ = ("depends_on", "fps", "model", "name", "probability")

    def __init__(self, task, scale: float) -> None:
        self.name, self.depends_on, self.probability = task.name, task.depends_on, task.probability
        self.fps = task.fps * scale
        self.model = task.model


def estimate_spec(spec: RunSpec, prepared: Prepared | None = None) -> WorkEstimate:
    """Upper bound on the jobs and dispatches of ``spec``'s run.

    Parameters
    ----------
    spec : RunSpec
    prepared : Prepared, optional
        The spec's case, already prepared (its scenario has the load scale applied). Without
        it only the scenario is resolved: no cost model, tables or plan are built.
    """
    if prepared is not None:
        tasks = prepared.scenario.tasks
    else:
        from terastal.experiment.case import _resolve
        from terastal.model import Scenario

        scenario = _resolve("scenario", spec.scenario, Scenario)
        tasks = [_Scaled(t, float(spec.load_scale)) for t in scenario.tasks]
    return estimate_work(tasks, spec.duration_s)


def check_work(
    spec: RunSpec, prepared: Prepared | None = None, *, what: str = "run"
) -> WorkEstimate:
    """Refuse ``spec`` if its estimated work is above the ceilings set by ``spec.max_jobs``.

    Parameters
    ----------
    spec : RunSpec
    prepared : Prepared, optional
        See :func:`estimate_spec`.
    what : str
        What the error calls the run (``"run"``, ``"point"``, ...).

    Returns
    -------
    WorkEstimate

    Raises
    ------
    InputError
        With the estimate, the limits and the flag that raises them (``--max-jobs``).
    """
    est = estimate_spec(spec, prepared)
    message = est.refusal(spec.max_jobs, what)
    if message is not None:
        raise InputError(message)
    return est
