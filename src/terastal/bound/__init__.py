"""Offline optimal bound: the fewest deadline misses any schedule can achieve on a trace."""

from terastal.bound.solve import BoundSolution, solve_bound
from terastal.bound.trace import Trace, TraceJob, build_trace

__all__ = ["BoundSolution", "Trace", "TraceJob", "build_trace", "solve_bound"]
