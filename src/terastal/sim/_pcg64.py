"""numpy's default random streams in pure Python: ``SeedSequence`` children and PCG64 doubles.

The arrivals of a run are defined by numpy's generator (``SeedSequence(seed).spawn(n)``, one
``default_rng`` per task, ``random(n)`` draws). Importing ``numpy.random`` costs a
``simulate`` command about 8 ms of start-up for a few hundred numbers, so this module computes
the same numbers without it: numpy's ``SeedSequence`` (the entropy pool and its hash mixing,
``numpy/random/bit_generator.pyx``), PCG64's seeding from it and its XSL-RR output
(``numpy/random/src/pcg64``), and ``random()``'s 53-bit doubles. numpy keeps these streams
stable across releases (NEP 19); ``tests/test_sim_pcg64.py`` compares every number with
numpy's for many seeds, children and lengths.
"""

from __future__ import annotations

_MASK32 = 0xFFFFFFFF
_MASK64 = (1 << 64) - 1
_MASK128 = (1 << 128) - 1
_POOL_SIZE = 4
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_MULT_L, _MIX_MULT_R = 0xCA01F9DD, 0x4973F715
_XSHIFT = 16
_PCG_MULT = (2549297995355413924 << 64) + 4865540595714422341
_TO_DOUBLE = 1.0 / 9007199254740992.0


def _words(n: int) -> list[int]:
    """A non-negative int as little-endian 32-bit words (``[0]`` for 0)."""
    if n < 0:
        raise ValueError("seeds must be non-negative")
    out = [n & _MASK32]
    n >>= 32
    while n:
        out.append(n & _MASK32)
        n >>= 32
    return out


def _pool(entropy: int, spawn_key: tuple[int, ...]) -> list[int]:
    """The mixed entropy pool of ``SeedSequence(entropy, spawn_key=spawn_key)``."""
    run = _words(entropy)
    spawn = [w for k in spawn_key for w in _words(k)]
    if spawn and len(run) < _POOL_SIZE:
        run += [0] * (_POOL_SIZE - len(run))
    data = run + spawn
    hash_const = _INIT_A

    def hashmix(value: int) -> int:
        nonlocal hash_const
        value ^= hash_const
        hash_const = (hash_const * _MULT_A) & _MASK32
        value = (value * hash_const) & _MASK32
        return value ^ (value >> _XSHIFT)

    def mix(x: int, y: int) -> int:
        r = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _MASK32
        return r ^ (r >> _XSHIFT)

    pool = [hashmix(data[i] if i < len(data) else 0) for i in range(_POOL_SIZE)]
    for src in range(_POOL_SIZE):
        for dst in range(_POOL_SIZE):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    for src in range(_POOL_SIZE, len(data)):
        for dst in range(_POOL_SIZE):
            pool[dst] = mix(pool[dst], hashmix(data[src]))
    return pool


def _state_words(pool: list[int], n_words: int) -> list[int]:
    """``generate_state(n_words, uint32)`` of a pool."""
    hash_const = _INIT_B
    out = []
    for i in range(n_words):
        value = pool[i % len(pool)] ^ hash_const
        hash_const = (hash_const * _MULT_B) & _MASK32
        value = (value * hash_const) & _MASK32
        out.append(value ^ (value >> _XSHIFT))
    return out


class PCG64:
    """The generator of ``numpy.random.default_rng(SeedSequence(entropy, spawn_key=key))``.

    Parameters
    ----------
    entropy : int
        The seed (non-negative).
    spawn_key : tuple of int
        The child's path: ``SeedSequence(seed).spawn(n)[i]`` has ``(i,)``.
    """

    __slots__ = ("_inc", "_state")

    def __init__(self, entropy: int, spawn_key: tuple[int, ...] = ()) -> None:
        w = _state_words(_pool(entropy, spawn_key), 8)  # generate_state(4, uint64)
        s0, s1, i0, i1 = (w[k] | (w[k + 1] << 32) for k in range(0, 8, 2))
        seed, inc = (s0 << 64) | s1, (i0 << 64) | i1
        self._inc = ((inc << 1) | 1) & _MASK128
        state = (self._inc) & _MASK128  # state 0, one step: 0 * mult + inc
        state = (state + seed) & _MASK128
        self._state = (state * _PCG_MULT + self._inc) & _MASK128

    def random(self, n: int) -> list[float]:
        """``Generator.random(n)``: ``n`` doubles in [0, 1), as a list."""
        state, inc, mult = self._state, self._inc, _PCG_MULT
        out = []
        for _ in range(n):
            state = (state * mult + inc) & _MASK128
            x = ((state >> 64) ^ state) & _MASK64
            rot = state >> 122
            x = ((x >> rot) | (x << (-rot & 63))) & _MASK64
            out.append((x >> 11) * _TO_DOUBLE)
        self._state = state
        return out


def spawn(seed: int, n: int) -> list[PCG64]:
    """The generators of ``SeedSequence(seed).spawn(n)``, in order."""
    return [PCG64(seed, (i,)) for i in range(n)]
