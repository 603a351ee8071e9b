"""Frozen data model and the run contract.

Layers, models, tasks, scenarios, accelerators and platforms; and what a scheduler sees and
returns during a run (:class:`SimView`, :class:`Job`, :class:`TaskCosts`, :class:`Dispatch`,
:class:`Drop`). This package imports nothing else of terastal.
"""

from terastal.model.contract import Decision, Dispatch, Drop, SimView
from terastal.model.costs import IDENTICAL_REL_TOL, CostTable, TaskCosts, input_transfer_s
from terastal.model.job import ACTIVE, DROPPED, IN_TIME, LATE, Job, transfer_s
from terastal.model.layer import Layer, LayerKind
from terastal.model.platform import Accelerator, Dataflow, Directive, Platform
from terastal.model.workload import (
    MAX_SEED,
    Model,
    Scenario,
    Task,
    ancestors,
    dependency_cycle,
    release_rates,
)

__all__ = [
    "ACTIVE",
    "DROPPED",
    "IDENTICAL_REL_TOL",
    "IN_TIME",
    "LATE",
    "MAX_SEED",
    "Accelerator",
    "CostTable",
    "Dataflow",
    "Decision",
    "Directive",
    "Dispatch",
    "Drop",
    "Job",
    "Layer",
    "LayerKind",
    "Model",
    "Platform",
    "Scenario",
    "SimView",
    "Task",
    "TaskCosts",
    "ancestors",
    "dependency_cycle",
    "input_transfer_s",
    "release_rates",
    "transfer_s",
]
