"""Frozen data model: layers, models, tasks, scenarios, accelerators, platforms."""

from terastal.model.layer import Layer, LayerKind
from terastal.model.platform import Accelerator, Dataflow, Directive, Platform
from terastal.model.workload import Model, Scenario, Task

__all__ = [
    "Accelerator",
    "Dataflow",
    "Directive",
    "Layer",
    "LayerKind",
    "Model",
    "Platform",
    "Scenario",
    "Task",
]
