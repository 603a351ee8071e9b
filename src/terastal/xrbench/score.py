"""XRBench's scores exactly as HET_scoring-module.hpp computes them (constants cpp:189-190).

Per logged inference of model m: ``RT = 1 / (1 + exp(k (completion - deadline)))`` with
k = 15 per ms, ``EN = (E_max - E) / E_max`` with E_max = 1500 mJ (not clamped). Per model,
``UX = 1 - D / N`` (N logged = completed + dropped) and ``S = sum_completed(RT * EN) / N * UX``
-- drops count twice. Overall ``100 * mean(S)`` over the models that have at least one log
entry (logger.hpp:131-135); the others are left out of the average.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from terastal.xrbench.engine import LogEntry
from terastal.xrbench.f32 import f32

__all__ = ["E_MAX_MJ", "K_PER_MS", "ModelScore", "score_log"]

#: Slope of the real-time sigmoid (XRBench-MAESTRO.cpp:189).
K_PER_MS = 15.0
#: Energy budget of one inference (XRBench-MAESTRO.cpp:190).
E_MAX_MJ = 1500.0


class ModelScore(NamedTuple):
    """One model's row of XRBench's summary plus the counts behind it."""

    model: str
    rt: float
    energy: float
    ux: float
    score: float
    completed: int
    dropped: int


def _expf(x: float) -> float:
    """C's ``std::exp(float)``: float32 result, +inf past FLT_MAX."""
    try:
        return f32(math.exp(x))
    except OverflowError:  # exp() beyond double, or struct refusing a float32 overflow
        return math.inf


def _model(name: str, entries: Sequence[LogEntry]) -> tuple[ModelScore, float]:
    """The summary row and the model's float32 term of the overall score.

    Arithmetic follows the C++ types: RT, EN and their running sum are floats
    (scoring-module.hpp:52-63, 143-159; the logger keeps energy as a double widened from
    float, logger.hpp:117), the summary means are double sums (summary-generator.hpp:35-52).
    """
    rts, ens = [], []
    acc = 0.0
    for e in entries:
        if e.dropped:
            continue
        delay = f32(e.completion_ms - e.deadline_ms)
        rt = f32(1.0 / f32(1.0 + _expf(f32(K_PER_MS * delay))))
        en = f32((E_MAX_MJ - e.energy_mj) / E_MAX_MJ)
        rts.append(rt)
        ens.append(en)
        acc = f32(acc + f32(rt * en))
    n, c = len(entries), len(rts)
    ux = f32(1.0 - f32((n - c) / n))
    term = f32(f32(acc / n) * ux)
    mean_rt = sum(rts) / c if c else 0.0
    mean_en = sum(ens) / c if c else 0.0
    return ModelScore(name, mean_rt, mean_en, ux, term, c, n - c), term


def score_log(log: Sequence[LogEntry]) -> tuple[tuple[ModelScore, ...], float]:
    """Per-model scores (alphabetical, as the summary CSV) and the overall score.

    The overall sum runs over models in order of their first log entry (the logger's
    ``std::list``, logger.hpp:131-135), in float32.
    """
    by_model: dict[str, list[LogEntry]] = {}
    for e in log:
        by_model.setdefault(e.model, []).append(e)
    total = 0.0
    rows = {}
    for name, entries in by_model.items():  # first-log order
        rows[name], term = _model(name, entries)
        total = f32(total + term)
    if not rows:
        return (), 0.0
    overall = f32(f32(total / len(rows)) * 100.0)
    return tuple(rows[m] for m in sorted(rows, key=lambda s: s.encode())), overall
