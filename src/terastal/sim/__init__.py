"""Discrete-event simulator of multi-DNN workloads on heterogeneous accelerators.

Typical use::

    from terastal.sim import simulate
    result = simulate(scenario, platform, tables, EDF(), duration_s=1.0, seed=0)

The application layer (:mod:`terastal.experiment`) resolves names, costs and plans.
"""

from terastal.sim.api import simulate
from terastal.sim.arrivals import Arrivals, draw_arrivals
from terastal.sim.costs import TaskCosts, build_task_costs
from terastal.sim.engine import LATE_POLICIES, Simulator
from terastal.sim.invariants import check_invariants
from terastal.sim.job import ACTIVE, DROPPED, IN_TIME, LATE, Job
from terastal.sim.kernel import Environment
from terastal.sim.result import SimResult
from terastal.sim.view import Decision, Dispatch, Drop, SimView

__all__ = [
    "ACTIVE",
    "DROPPED",
    "IN_TIME",
    "LATE",
    "LATE_POLICIES",
    "Arrivals",
    "Decision",
    "Dispatch",
    "Drop",
    "Environment",
    "Job",
    "SimResult",
    "SimView",
    "Simulator",
    "TaskCosts",
    "build_task_costs",
    "check_invariants",
    "draw_arrivals",
    "simulate",
]
