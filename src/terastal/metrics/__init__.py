"""Run metrics (per model, per accelerator, XRBench scores) and output files."""

from terastal.metrics.core import WALL_CLOCK_KEYS, compute_metrics
from terastal.metrics.outputs import jobs_csv, to_json, write_atomic, write_run
from terastal.metrics.trace import trace_events
from terastal.metrics.xrbench import energy_score, model_score, realtime_score

__all__ = [
    "WALL_CLOCK_KEYS",
    "compute_metrics",
    "energy_score",
    "jobs_csv",
    "model_score",
    "realtime_score",
    "to_json",
    "trace_events",
    "write_atomic",
    "write_run",
]
