"""How much work a run will create, estimated before it starts (the work guard).

A run's memory grows with the jobs it releases and the layer dispatches it records, so a
scenario with ``fps: 1e9`` or a horizon of ``1e12`` ms must be refused up front rather than
discovered by the out-of-memory killer. The estimate is an upper bound: every cascaded task is
counted as if it always triggered (probability 1), once per frame of its cascade's root, whose
fps releases it whatever its own fps says, over the whole measurement window (the horizon and
the load-only tail after it, :func:`terastal.model.window.releases_end_s`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from terastal.model.window import releases_end_s
from terastal.model.workload import release_rates

#: Default ceiling on the jobs one run may release (see docs/design.md, "Work guard").
MAX_JOBS = 2_000_000
#: Default ceiling on the layer dispatches of one run.
MAX_DISPATCHES = 10_000_000
#: Ratio of the dispatch ceiling to the job ceiling: raising one limit raises both.
DISPATCHES_PER_JOB = MAX_DISPATCHES // MAX_JOBS


@dataclass(frozen=True, slots=True)
class WorkEstimate:
    """Upper bound on the work of one run.

    Attributes
    ----------
    jobs : int
        Jobs released over the horizon and its load-only tail (cascades counted as always
        triggered).
    dispatches : int
        Layer dispatches those jobs need (one per layer and job).
    """

    jobs: int
    dispatches: int

    def exceeds(self, max_jobs: float = MAX_JOBS) -> bool:
        """True when the jobs or dispatches are above the ceilings set by ``max_jobs``."""
        return self.jobs > max_jobs or self.dispatches > max_jobs * DISPATCHES_PER_JOB

    def refusal(self, max_jobs: float = MAX_JOBS, what: str = "run") -> str | None:
        """Why a run of this size is refused (None if it is not), naming the flag to raise."""
        if not self.exceeds(max_jobs):
            return None
        return (
            f"the {what} would create {self.describe()} (limits: {max_jobs:.2g} jobs, "
            f"{max_jobs * DISPATCHES_PER_JOB:.2g} dispatches); shorten the horizon, lower "
            "the rates, or raise --max-jobs"
        )

    def describe(self) -> str:
        """``"~2.0e+09 jobs, ~1.3e+11 dispatches"``: the estimate for an error message."""
        return f"~{self.jobs:.2g} jobs, ~{self.dispatches:.2g} dispatches"


def estimate_work(tasks: Iterable, duration_s: float) -> WorkEstimate:
    """Upper bound on the jobs and dispatches of a run of ``tasks`` over ``duration_s``.

    Parameters
    ----------
    tasks : iterable of Task
        Anything with ``name``, ``fps``, ``depends_on``, ``probability`` and ``model`` (whose
        ``len`` is its layer count); a cascaded task counts its root's fps
        (:func:`~terastal.model.workload.release_rates` with every trigger firing).
    duration_s : float
        Horizon of the counted releases in seconds; must be finite and >= 0. Releases go on
        after it for the tail, which the estimate covers.

    Returns
    -------
    WorkEstimate
        Infinite inputs give counts that exceed every ceiling (``sys.maxsize``-like).
    """
    tasks = tuple(tasks)
    rates = release_rates(tasks, triggered=False)
    jobs = dispatches = 0
    end_s = releases_end_s(float(duration_s))
    for t in tasks:
        released = float(rates[t.name]) * end_s
        n = _count(released) + 1  # one more for the phase offset's rounding
        jobs += n
        dispatches += n * max(1, len(t.model))
    return WorkEstimate(jobs=min(jobs, CAP), dispatches=min(dispatches, CAP))


#: Counts are capped here: far above any ceiling, and still printable as a float.
CAP = 2**62


def _count(x: float) -> int:
    """``ceil(x)`` that survives inf, nan and huge values (all count as :data:`CAP`)."""
    if not math.isfinite(x) or x >= CAP:
        return CAP
    return math.ceil(x)
