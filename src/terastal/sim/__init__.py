"""Discrete-event simulator of multi-DNN workloads on heterogeneous accelerators.

The engine implements the run contract of :mod:`terastal.model` (the view, jobs, decisions)
and is handed a scheduler object; it reads no file and makes no plan. Typical use::

    from terastal.schedulers import make_scheduler
    from terastal.sim import simulate
    result = simulate(scenario, platform, tables, EDF(), duration_s=1.0, seed=0)

The application layer (:mod:`terastal.experiment`) resolves names, costs and plans. The
contract's names (``SimView``, ``Job``, ``Dispatch``, ...) are re-exported here so that code
written against earlier versions keeps working.
"""

from terastal.model import (
    ACTIVE,
    DROPPED,
    IN_TIME,
    LATE,
    Decision,
    Dispatch,
    Drop,
    Job,
    SimView,
    TaskCosts,
)
from terastal.sim.api import simulate
from terastal.sim.arrivals import Arrivals, draw_arrivals
from terastal.sim.costs import build_task_costs
from terastal.sim.engine import LATE_POLICIES, Simulator
from terastal.sim.invariants import check_invariants
from terastal.sim.kernel import Environment
from terastal.sim.result import DispatchLog, DispatchRecord, SimResult
from terastal.sim.view import EngineView

__all__ = [
    "ACTIVE",
    "DROPPED",
    "IN_TIME",
    "LATE",
    "LATE_POLICIES",
    "Arrivals",
    "Decision",
    "Dispatch",
    "DispatchLog",
    "DispatchRecord",
    "Drop",
    "EngineView",
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
