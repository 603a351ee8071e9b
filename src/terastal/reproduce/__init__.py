"""The headline experiment: a workload suite x schedulers x seeds, summary, plots, report."""

from terastal.reproduce.runner import DEFAULT_SCHEDULERS, SCHEDULERS, run_point, run_suite
from terastal.reproduce.suite import Mix, Suite, build_mix, load_suite

__all__ = [
    "DEFAULT_SCHEDULERS",
    "SCHEDULERS",
    "Mix",
    "Suite",
    "build_mix",
    "load_suite",
    "run_point",
    "run_suite",
]
