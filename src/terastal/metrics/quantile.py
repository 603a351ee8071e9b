"""Percentiles without numpy: the same numbers as ``numpy.percentile`` (its default method).

``numpy.percentile`` imports ``numpy.ma`` on its first call (through ``numpy.unique``), about
25 ms of a ``simulate`` command's start-up for three latency figures per model. This is its
``linear`` method (Hyndman and Fan's 7th) operation for operation, so every result is the same
float: ``tests/test_metrics_quantile.py`` compares the two on random, tied and extreme data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


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
    return percentiles(values, (q,))[0]


def percentiles(values: Iterable[float], qs: Sequence[float]) -> list[float]:
    """:func:`percentile` of ``values`` for each of ``qs``, sorting the values once."""
    xs = sorted(values)
    n = len(xs)
    if n == 0:
        raise ValueError("percentile of no values")
    for q in qs:
        if not 0 <= q <= 100:
            raise ValueError(f"percentile must be in [0, 100], got {q}")
    total = sum(xs)  # nan if any value is nan (or if inf meets -inf: then look closer)
    if total != total and any(x != x for x in xs):  # nan does not sort: numpy's answer
        return [math.nan] * len(qs)
    return [_linear(xs, n, q) for q in qs]


def _linear(xs: list[float], n: int, q: float) -> float:
    """numpy's ``linear`` method on the sorted ``xs``."""
    # numpy: virtual index (n - 1) * (q / 100); its floor and floor + 1, both clipped to the
    # last value at or above n - 1; the weight is the distance from the (clipped) floor.
    virtual = (n - 1) * (q / 100)
    lo = -1 if virtual >= n - 1 else math.floor(virtual)
    a, b = float(xs[lo]), float(xs[-1 if lo == -1 else lo + 1])
    gamma = virtual - lo
    # numpy's _lerp: from the nearer end, so that a weight of 1 gives b exactly.
    diff = b - a
    return b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma
