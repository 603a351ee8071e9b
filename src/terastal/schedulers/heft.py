"""HEFT (Topcuoglu et al., 2002) adapted to online multi-DNN scheduling."""

from __future__ import annotations

from typing import Any, ClassVar

try:
    import cython  # the compiler needs this exact import
except ModuleNotFoundError:  # pragma: no cover - Cython is an optional extra
    from terastal._accel import _shadow as cython

from terastal.model.job import Job
from terastal.schedulers._hopeless import DROP_RULES, parents_option
from terastal.schedulers._list import ListScheduler
from terastal.schedulers._mapping import MAPPINGS
from terastal.schedulers.options import Option


# Reads the job's slots: compiled, C members of the Job's struct (heft.pxd, model/job.pxd).
@cython.locals(job=Job, ready=list)
def _rank_key(job):
    # Upward rank of the next ready layer: mean latency over accelerators of it and every
    # later layer (the critical path of a chain); the largest rank goes first.
    ready = job._ready
    return (-job._costs.rem_mean[ready[0] if ready else -1], job._id)


class HEFT(ListScheduler):
    """Ready jobs by decreasing upward rank, each layer on its earliest-finish accelerator.

    Earliest finish counts the accelerator's busy time, the activation transfer and the
    layer's latency; a job whose best accelerator is busy waits for it.

    Options
    -------
    mapping : {"earliest_finish", "preferred"}
        Layer-to-accelerator mapping; HEFT's own is ``earliest_finish`` (the default).
    drop : {"never", "deadline", "hopeless"}
        Drop rule for ready jobs when the late policy allows drops (see
        :mod:`terastal.schedulers._hopeless`); ``never`` by default.
    """

    name = "heft"
    options: ClassVar[dict[str, Any]] = {
        "mapping": Option(
            "earliest_finish", choices=MAPPINGS, help="layer-to-accelerator mapping"
        ),
        "drop": Option("never", choices=DROP_RULES, help="which ready jobs to drop"),
        "parents": parents_option(),
    }
    priority = staticmethod(_rank_key)
