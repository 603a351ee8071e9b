"""XRBench compatibility profile: XRBench-MAESTRO's engine, policy and scores, reproduced.

Composed of documented parts (see docs/design.md, "XRBench compatibility profile"):

* :mod:`~terastal.xrbench.workload` -- integer periods, request counts, nominal deadlines;
* :mod:`~terastal.xrbench.glibc_rand` -- glibc ``rand()`` for the cascade draws;
* :mod:`~terastal.xrbench.costs` -- per-model latency / energy per accelerator;
* :mod:`~terastal.xrbench.engine` -- polled releases, stop at the last release, the
  model-level latency-greedy dispatcher with its queue order and dependency gate;
* :mod:`~terastal.xrbench.score` -- XRBench's RT / energy / UX scores;
* :mod:`~terastal.xrbench.run` -- :func:`run_xrbench` and :func:`to_metrics`.
"""

from terastal.xrbench.run import (
    DropRow,
    ModelCounts,
    ScheduleRow,
    XRBenchRun,
    run_xrbench,
    to_metrics,
)
from terastal.xrbench.score import ModelScore

__all__ = [
    "DropRow",
    "ModelCounts",
    "ModelScore",
    "ScheduleRow",
    "XRBenchRun",
    "run_xrbench",
    "to_metrics",
]
