"""XRBench's scores exactly as HET_scoring-module.hpp computes them (constants cpp:189-190).

Per logged inference of model m: ``RT = 1 / (1 + exp(k (completion - deadline)))`` with
k = 15 per ms, ``EN = (E_max - E) / E_max`` with E_max = 1500 mJ (not clamped). Per model,
``UX = 1 - D / N`` (N logged = completed + dropped) and ``S = sum_completed(RT * EN) / N * UX``
-- drops count twice. Overall ``100 * mean(S)`` over the models that have at least one log
entry (logger.hpp:131-135); the others are left out of the average.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from terastal.xrbench.engine import LogEntry

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


def _model(name: str, entries: Sequence[LogEntry]) -> ModelScore:
    done = [e for e in entries if not e.dropped]
    n, c = len(entries), len(done)
    ux = 1.0 - (n - c) / n
    if not done:
        return ModelScore(name, 0.0, 0.0, ux, 0.0, 0, n)
    comp = np.array([e.completion_ms for e in done], np.float32)
    dl = np.array([e.deadline_ms for e in done], np.float32)
    en = np.array([e.energy_mj for e in done], np.float32)
    with np.errstate(over="ignore"):  # far past the deadline exp() overflows: RT = 0
        rt = np.float32(1) / (np.float32(1) + np.exp(np.float32(K_PER_MS) * (comp - dl)))
    es = (np.float32(E_MAX_MJ) - en) / np.float32(E_MAX_MJ)
    total = float(np.sum(rt.astype(np.float64) * es.astype(np.float64)))
    return ModelScore(
        name, float(rt.mean(dtype=np.float64)), float(es.mean(dtype=np.float64)), ux,
        total / n * ux, c, n - c,
    )  # fmt: skip


def score_log(log: Sequence[LogEntry]) -> tuple[tuple[ModelScore, ...], float]:
    """Per-model scores (alphabetical, as the summary CSV) and the overall score."""
    by_model: dict[str, list[LogEntry]] = {}
    for e in log:
        by_model.setdefault(e.model, []).append(e)
    models = tuple(_model(m, by_model[m]) for m in sorted(by_model, key=lambda s: s.encode()))
    overall = 100.0 * sum(m.score for m in models) / len(models) if models else 0.0
    return models, overall
