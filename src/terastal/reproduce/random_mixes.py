"""Random mixes: workloads nobody chose, drawn from the bundled models with one seed.

``terastal reproduce --random N --seed S`` replaces the suite's hand-written mixes with N
drawn ones (same platforms, utilizations, seeds and duration). Mix ``i`` is drawn from
``SeedSequence([S, i])`` alone, so the first N mixes of a seed are the same whatever N.
Each mix has:

* 2 to 5 streams, each a root model drawn from :func:`terastal.io.list_models` (repeats
  allowed) at a nominal rate drawn from {15, 30, 45, 60} fps;
* each stream, with probability 0.4, a cascaded child (another drawn model) triggered by its
  root's completion with a probability drawn in [0.3, 1.0];
* every task a relative deadline drawn in [0.6, 1.5] periods of its stream (deadline differs
  from the period), kept in periods when the suite scales the rates to a utilization;
* rates scaled together (``shares: nominal``), so the drawn rate ratios stay;
* one platform drawn from the suite's.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from terastal.model import Scenario
from terastal.reproduce.suite import Mix, Suite

FPS_CHOICES = (15.0, 30.0, 45.0, 60.0)
STREAMS = (2, 5)
CASCADE_P = 0.4
TRIGGER_P = (0.3, 1.0)
DEADLINE_PERIODS = (0.6, 1.5)


class DrawnTask(NamedTuple):
    """One task of a random mix (a plain record, so that mixes pickle to worker processes)."""

    name: str
    model: str
    fps: float
    deadline_periods: float
    depends_on: str | None = None
    probability: float = 1.0


def draw_mix(seed: int, index: int, models: list[str], platforms: tuple[str, ...]) -> Mix:
    """Random mix number ``index`` of ``seed`` (see the module docstring)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, index]))
    tasks: list[DrawnTask] = []
    names: set[str] = set()

    def name_of(model: str) -> str:
        name, k = model, 2
        while name in names:
            name, k = f"{model}#{k}", k + 1
        names.add(name)
        return name

    for _ in range(int(rng.integers(STREAMS[0], STREAMS[1] + 1))):
        model = models[int(rng.integers(len(models)))]
        fps = float(FPS_CHOICES[int(rng.integers(len(FPS_CHOICES)))])
        root = DrawnTask(name_of(model), model, fps, float(rng.uniform(*DEADLINE_PERIODS)))
        tasks.append(root)
        if rng.random() < CASCADE_P:
            child = models[int(rng.integers(len(models)))]
            tasks.append(
                DrawnTask(
                    name_of(child),
                    child,
                    fps,
                    float(rng.uniform(*DEADLINE_PERIODS)),
                    root.name,
                    round(float(rng.uniform(*TRIGGER_P)), 3),
                )
            )
    platform = platforms[int(rng.integers(len(platforms)))]
    return Mix(f"random{seed}_{index}", shares="nominal", platforms=(platform,), drawn=tuple(tasks))


def random_suite(suite: Suite, n: int, seed: int) -> Suite:
    """``suite`` with its mixes replaced by ``n`` random mixes drawn with ``seed``."""
    from terastal.errors import InputError
    from terastal.io import list_models

    if n < 1:
        raise InputError(f"--random must be >= 1, got {n}", field="--random")
    models = list_models()
    mixes = tuple(draw_mix(seed, i, models, suite.platforms) for i in range(n))
    return dataclasses.replace(suite, name=f"{suite.name}-random{n}-seed{seed}", mixes=mixes)


def keep_deadline_periods(scenario: Scenario, mix: Mix) -> Scenario:
    """Set each drawn task's deadline to its drawn number of periods at its current rate.

    Scaling to a utilization changes the rates; a drawn deadline is a number of periods, so
    it is re-applied after the scaling. Mixes without drawn tasks are returned unchanged.
    """
    drawn = {d.name: d for d in getattr(mix, "drawn", ())}
    if not drawn:
        return scenario
    tasks = tuple(
        dataclasses.replace(t, deadline_s=drawn[t.name].deadline_periods / t.fps)
        if t.name in drawn
        else t
        for t in scenario.tasks
    )
    return dataclasses.replace(scenario, tasks=tasks)
