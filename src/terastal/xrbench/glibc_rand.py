"""glibc's ``rand()`` / ``srand()`` (the TYPE_3 additive feedback generator), bit for bit.

XRBench draws its cascade triggers with glibc ``rand()`` (HET_load-generator.hpp:52, 64).
Reproducing the generator lets ``--seed N`` replay a run whose wall-clock seed was N.

glibc's default state (``random_r.c``, TYPE_3: degree 31, separation 3) is seeded by
``srandom_r``: ``r[0] = seed`` (0 becomes 1), ``r[i] = 16807 * r[i-1] mod (2**31 - 1)`` for
``i`` in 1..30 (Park-Miller, computed with Schrage's method on signed 32-bit values), then 310
outputs are discarded. Each output is ``r[i] = r[i-31] + r[i-3]`` modulo 2**32 and
``rand()`` returns ``r[i] >> 1``. An unseeded program behaves as after ``srand(1)``.
"""

from __future__ import annotations

__all__ = ["RAND_MAX", "GlibcRand"]

#: glibc's ``RAND_MAX``.
RAND_MAX = 2**31 - 1
_DEG, _SEP, _DISCARD = 31, 3, 310
_MASK = 0xFFFFFFFF


class GlibcRand:
    """A ``rand()`` stream seeded like ``srand(seed)``.

    Parameters
    ----------
    seed : int
        The ``unsigned int`` passed to ``srand`` (taken modulo 2**32).

    Examples
    --------
    >>> r = GlibcRand(1)
    >>> [r.rand() for _ in range(3)]
    [1804289383, 846930886, 1681692777]
    """

    __slots__ = ("_i", "_r")

    def __init__(self, seed: int = 1) -> None:
        self.srand(seed)

    def srand(self, seed: int) -> None:
        """Reset the state exactly as glibc's ``srand(seed)``."""
        seed &= _MASK
        if seed == 0:
            seed = 1
        r = [0] * _DEG
        # glibc stores the seed as int32_t: a seed >= 2**31 is negative there
        word = seed - (1 << 32) if seed >= 1 << 31 else seed
        r[0] = seed
        for i in range(1, _DEG):
            # Schrage: 16807 * word % 2147483647 without overflow, on signed values (C `/`
            # truncates toward zero)
            hi = int(word / 127773)
            lo = word - hi * 127773
            word = 16807 * lo - 2836 * hi
            if word < 0:
                word += 2147483647
            r[i] = word & _MASK
        self._r = r
        self._i = _SEP  # glibc's front pointer starts at state[3], the rear one at state[0]
        for _ in range(_DISCARD):
            self._next()

    def _next(self) -> int:
        r, i = self._r, self._i
        # r[i] holds r[n-31] and r[(i + 28) % 31] holds r[n-3]
        val = (r[i] + r[(i + _DEG - _SEP) % _DEG]) & _MASK
        r[i] = val
        self._i = (i + 1) % _DEG
        return val >> 1

    def rand(self) -> int:
        """The next value in ``[0, RAND_MAX]``."""
        return self._next()
