"""XRBench's output files of a run of the profile (``schedule.csv``, ``summary.csv``).

The profile is selected by a run spec's ``compat`` (:mod:`terastal.experiment.compat`), which
returns these files with the run's outcome.
"""

from __future__ import annotations

from terastal.xrbench.check import SCHEDULE_HEADER, SUMMARY_HEADER
from terastal.xrbench.run import XRBenchRun

__all__ = ["schedule_csv", "summary_csv"]


def _f(x: float) -> str:
    return f"{x:.6f}"  # std::to_string of a float


def schedule_csv(run: XRBenchRun) -> str:
    """The run's schedule in XRBench's CSV format (HET_timeline-extractor.hpp:20-48)."""
    lines = [",".join(SCHEDULE_HEADER)]
    for r in run.schedule:
        lines.append(",".join([str(r.accelerator), r.model, str(r.frame), *(_f(v) for v in r[3:])]))
    return "\n".join(lines) + "\n"


def summary_csv(run: XRBenchRun) -> str:
    """The run's summary in XRBench's CSV format (HET_summary-generator.hpp)."""
    lines = [",".join(SUMMARY_HEADER)]
    lines += [f"{m.model},{_f(m.rt)},{_f(m.energy)},{_f(m.ux)}" for m in run.models]
    lines.append(f"Overall Score,{_f(run.score)}")
    return "\n".join(lines) + "\n"
