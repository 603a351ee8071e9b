"""DREAM's drop test, filtered: run the scan of every ready job only when a drop may be due.

DREAM drops a ready job when ``now + rem > deadline``, or, once the job has waited, when
``now + drop_slack x rem > deadline`` (``rem``: the best-case remaining time of the job's
version from its next layer). Under overload that scan of every ready job at every call is
a large part of a call; :class:`DueQueue` tells when it can find nothing.
"""

from __future__ import annotations

from heapq import heappop, heappush

try:
    import cython  # the compiler needs this exact import
except ModuleNotFoundError:  # pragma: no cover - Cython is an optional extra
    from terastal._accel import _shadow as cython

from terastal.model.contract import SimView
from terastal.model.job import Job

#: Slack of the filter: far above the rounding of ``deadline - k x rem`` (about 1e-16 s per
#: second of simulated time), far below any latency.
MARGIN_S = 1e-9


class DueQueue:
    """Ready jobs by the earliest time DREAM's drop test can hold for them.

    A ready job's test depends on ``now`` and on its next layer and version, which change
    only with a ready change (:attr:`SimView.ready_changes`: a version is fixed at a
    dispatch, and a dispatch of a layer of a job that keeps ready layers is a change). Each
    job is queued once per change under ``deadline - max(1, drop_slack) x rem``; before
    that time (minus :data:`MARGIN_S`) neither comparison of the test can hold. The queue
    only says whether to test: the test itself, on every ready job and in their order, stays
    DREAM's, so drops are unchanged.

    Parameters
    ----------
    drop_slack : float
        DREAM's ``drop_slack`` option.
    """

    def __init__(self, drop_slack: float) -> None:
        self.k = max(1.0, drop_slack)
        self._heap: list[tuple] = []  # (earliest drop time, job id, job, layer, version)
        self._entry: dict[Job, tuple] = {}

    # Compiled (docs/design.md, "Compiled accelerator"), a job is the Job's struct
    # (_dream_due.pxd, model/job.pxd): its slots are read as C members.
    @cython.locals(job=Job, heap=list, entries=dict, old=tuple, entry=tuple,
                   layer=cython.Py_ssize_t)  # fmt: skip
    def due(self, view: SimView, now: float, chosen: dict, versions: list) -> bool:
        """Whether some ready job may be dropped at ``now`` (False: the test drops none).

        ``chosen`` maps job ids to their fixed version and ``versions`` gives per task the
        lightest one (DREAM's own state, read as its test reads it).
        """
        ready = view.ready_jobs
        heap, entries, k = self._heap, self._entry, self.k
        for job in view.ready_changes:
            if job not in ready:
                continue
            layer = job._ready[0]  # job.next_layer: the job is ready
            combo = chosen.get(job._id) or versions[job._costs.index].lightest
            old = entries.get(job)
            if old is not None and old[3] == layer and old[4] is combo:
                continue  # its entry is current
            entry = entries[job] = (
                job._deadline - k * combo.rem[layer],
                job._id,
                job,
                layer,
                combo,
            )
            heappush(heap, entry)
        while heap:
            entry = heap[0]
            job = entry[2]
            if entries.get(job) is entry and job in ready:
                return entry[0] <= now + MARGIN_S
            heappop(heap)  # stale: the job left the ready set or has a newer entry
            if entries.get(job) is entry:
                del entries[job]
        return False
