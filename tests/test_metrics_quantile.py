"""The numpy-free percentile of the metrics gives numpy's numbers, bit for bit."""

import math
import random

import numpy as np
import pytest

from terastal.metrics.quantile import percentile

QS = (0, 1, 5, 25, 33.3, 50, 75, 95, 99, 99.9, 100)


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or (
        a == b and math.copysign(1, a) == math.copysign(1, b)
    )


@pytest.mark.parametrize("seed", range(40))
def test_random_samples_match_numpy(seed):
    rng = random.Random(seed)
    n = rng.choice([1, 2, 3, 4, 7, 10, 99, 100, 101, 1000])
    kind = seed % 4
    if kind == 0:
        xs = [rng.random() * 10 ** rng.randint(-6, 6) for _ in range(n)]
    elif kind == 1:  # ties
        xs = [float(rng.randint(0, 5)) for _ in range(n)]
    elif kind == 2:  # latencies in ms, as the metrics have them
        xs = [(rng.random() * 0.05 + 0.001) * 1e3 for _ in range(n)]
    else:  # decision times in µs
        xs = [rng.randint(300, 90_000) / 1e3 for _ in range(n)]
    for q in QS:
        assert _same(percentile(xs, q), float(np.percentile(xs, q))), (n, q)


def test_extremes_match_numpy():
    cases = [[0.0], [1.5], [-0.0, 0.0], [1e308, -1e308, 3.0], [math.inf, 1.0], [math.inf],
             [-math.inf, math.inf], [1.0, math.nan, 2.0]]  # fmt: skip
    for xs in cases:
        for q in QS:
            with np.errstate(invalid="ignore"):
                want = float(np.percentile(xs, q))
            assert _same(percentile(xs, q), want), (xs, q)


def test_bad_input():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_several_at_once_are_each_alone():
    from terastal.metrics.quantile import percentiles

    xs = [random.Random(3).random() for _ in range(501)]
    assert percentiles(xs, QS) == [percentile(xs, q) for q in QS]
    assert all(math.isnan(v) for v in percentiles([1.0, math.nan], (5, 50)))
    inf_pair = [math.inf, -math.inf, 0.0]  # the sum is nan, yet no value is
    with np.errstate(invalid="ignore"):
        want = [float(np.percentile(inf_pair, q)) for q in QS]
    assert all(_same(a, b) for a, b in zip(percentiles(inf_pair, QS), want, strict=True))
