"""XRBench's view of a usage scenario: integer periods, request counts and nominal deadlines.

Mirrors HET_load-generator.hpp (XRBench-MLSys2023 commit 8915666):

* FPS is read with ``atoi`` (DFSL_parser.hpp:1020-1031), so it is an integer >= 1;
* the period is ``1000 / fps`` in *integer* division, kept as float ms (load-generator:34),
  so 60 FPS runs at 16 ms;
* a model releases ``floor(horizon / period)`` requests (load-generator:39-46), frame ``f``
  nominally at ``f * period`` with deadline ``(f + 1) * period`` (load-generator:60-61);
* the base tick of the event loop is ``1000 / max fps`` (HET_timer.hpp:242-250).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from terastal.errors import InputError
from terastal.model import Scenario
from terastal.xrbench.f32 import f32

__all__ = ["XRTask", "base_tick_ms", "xrbench_tasks"]


class XRTask(NamedTuple):
    """One model of the scenario as XRBench's load generator sees it."""

    name: str
    fps: int
    period_ms: float
    requests: int
    probability: float
    depends_on: tuple[str, ...]


def xrbench_tasks(scenario: Scenario, horizon_ms: float = 700.0) -> tuple[XRTask, ...]:
    """The scenario's tasks in file order, transformed as XRBench does.

    Parameters
    ----------
    scenario : Scenario
        A usage scenario (for example from :func:`terastal.io.resolve.load_scenario`).
    horizon_ms : float
        ``RunWorkloads``' argument (700 in XRBench-MAESTRO.cpp:204).

    Raises
    ------
    InputError
        If a task's FPS is below 1 (XRBench rejects it) or the horizon is not positive.
    """
    if not horizon_ms > 0:
        raise InputError(f"horizon must be > 0 ms, got {horizon_ms}", field="horizon_ms")
    out = []
    for task in scenario.tasks:
        fps = int(task.fps)  # atoi
        if fps < 1:
            raise InputError(
                f"task {task.name!r}: XRBench needs an integer FPS >= 1, got {task.fps}",
                file=scenario.source,
                field="FPS",
            )
        period = float(1000 // fps)
        deps = () if task.depends_on is None else (task.depends_on,)
        out.append(
            XRTask(
                name=task.name,
                fps=fps,
                period_ms=period,
                requests=math.floor(horizon_ms / period),
                probability=f32(task.probability),
                depends_on=deps,
            )
        )
    return tuple(out)


def base_tick_ms(tasks: tuple[XRTask, ...]) -> float:
    """The timer's base tick, ``1000 / max fps`` in integer division."""
    return float(1000 // max(t.fps for t in tasks))
