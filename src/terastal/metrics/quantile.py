"""Percentiles without numpy: the same numbers as ``numpy.percentile`` (its default method).

``numpy.percentile`` imports ``numpy.ma`` on its first call (through ``numpy.unique``), about
25 ms of a ``simulate`` command's start-up for three latency figures per model. This is its
``linear`` method (Hyndman and Fan's 7th) operation for operation, so every result is the same
float: ``tests/test_metrics_quantile.py`` compares the two on random, tied and extreme data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def percentile(values: Iterable[float], q: float) -> float:
    """The ``q``-th percentile (0 <= q <= 100) of ``values``, as ``numpy.percentile`` gives it.

    Parameters
    ----------
    values : iterable of float
        At least one value.
    q : float
        Percentile in [0, 100].

    Returns
    -------
    float
        ``nan`` if any value is nan (numpy sorts nan last and returns it).
    """
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be in [0, 100], got {q}")
    if any(x != x for x in xs):  # nan does not sort: numpy's answer is nan
        return math.nan
    # numpy: virtual index (n - 1) * (q / 100); its floor and floor + 1, both clipped to the
    # last value at or above n - 1; the weight is the distance from the (clipped) floor.
    virtual = (n - 1) * (q / 100)
    lo = -1 if virtual >= n - 1 else math.floor(virtual)
    a, b = float(xs[lo]), float(xs[-1 if lo == -1 else lo + 1])
    gamma = virtual - lo
    # numpy's _lerp: from the nearer end, so that a weight of 1 gives b exactly.
    diff = b - a
    return b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma
