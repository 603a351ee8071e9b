"""XRBench's scores (Kwon et al., MLSys 2023), for comparability with XRBench results.

Per request (job) of a model, with latency ``t`` and relative deadline ``d`` in ms and the
job's energy ``E`` in mJ:

* real-time score ``RT = 1 / (1 + exp(15 (t - d)))``;
* energy score ``ES = (1500 - E) / 1500``, clipped to [0, 1];

per model, ``UX = 1 - dropped / released`` and
``score_m = UX * sum over completed jobs of RT * ES / released`` (a dropped request adds 0);
overall ``100 * mean over models of score_m``.
"""

from __future__ import annotations

import math

RT_SLOPE_PER_MS = 15.0
ENERGY_BUDGET_MJ = 1500.0


def realtime_score(latency_ms: float, deadline_ms: float) -> float:
    """``1 / (1 + exp(15 (t - d)))``, evaluated without overflow."""
    x = RT_SLOPE_PER_MS * (latency_ms - deadline_ms)
    if x >= 0:
        z = math.exp(-x) if x < 745 else 0.0
        return z / (1.0 + z)
    return 1.0 / (1.0 + math.exp(x))


def energy_score(energy_mj: float) -> float:
    """``(1500 - E) / 1500`` clipped to [0, 1]."""
    return min(1.0, max(0.0, (ENERGY_BUDGET_MJ - energy_mj) / ENERGY_BUDGET_MJ))


def model_score(
    completed: list[tuple[float, float, float]], released: int, dropped: int
) -> dict[str, float]:
    """XRBench score of one model.

    Parameters
    ----------
    completed : list of (latency_ms, deadline_ms, energy_mj)
        One entry per completed (in time or late) job.
    released, dropped : int
        Job counts.

    Returns
    -------
    dict
        ``rt`` and ``energy`` (means over completed jobs), ``ux`` and ``score`` (in [0, 1]).
    """
    if released == 0:
        return {"rt": 0.0, "energy": 0.0, "ux": 1.0, "score": 0.0}
    rt = [realtime_score(t, d) for t, d, _ in completed]
    es = [energy_score(e) for _, _, e in completed]
    ux = 1.0 - dropped / released
    total = sum(r * e for r, e in zip(rt, es, strict=True))
    n = len(completed)
    return {
        "rt": sum(rt) / n if n else 0.0,
        "energy": sum(es) / n if n else 0.0,
        "ux": ux,
        "score": ux * total / released,
    }
