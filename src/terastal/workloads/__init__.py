"""Workload characterization: utilization, skew and load scaling of a scenario on a platform."""

from terastal.workloads.load import (
    WorkloadLoad,
    accelerator_classes,
    max_density,
    measure_load,
    scale_rates,
    scale_to_utilization,
)

__all__ = [
    "WorkloadLoad",
    "accelerator_classes",
    "max_density",
    "measure_load",
    "scale_rates",
    "scale_to_utilization",
]
