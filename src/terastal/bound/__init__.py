"""Offline optimal bound: the fewest deadline misses any schedule can achieve on a trace.

>>> from terastal.bound import solve_bound, bound_row                        # doctest: +SKIP
>>> solve_bound(scenario, platform, tables, 0.05, seed=0).summary["missed_best"]  # doctest: +SKIP
"""

from terastal.bound.report import bound_row
from terastal.bound.solve import BoundSolution, solve_bound
from terastal.bound.trace import Trace, TraceJob, build_trace

__all__ = ["BoundSolution", "Trace", "TraceJob", "bound_row", "build_trace", "solve_bound"]
