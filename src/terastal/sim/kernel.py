"""A small SimPy-style event kernel: an explicit environment owning a clock and an event heap.

There is no global state: every simulation owns its :class:`Environment`. Events are plain
tuples ``(time, priority, seq, kind, payload)`` so that pushing and popping allocates nothing
beyond the tuple itself; ``seq`` is a per-environment counter, which makes the order of
simultaneous events of equal priority the order in which they were scheduled, independent of
the payload (payloads are never compared).
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any

# Priorities of simultaneous events: a layer that completes exactly at a deadline counts as
# in time, so completions run before deadline drops; releases run last so that a job
# released at t sees accelerators freed at t.
PRIO_COMPLETE = 0
PRIO_DEADLINE = 1
PRIO_RELEASE = 2

KIND_COMPLETE = 0
KIND_DEADLINE = 1
KIND_RELEASE = 2


class Environment:
    """Clock plus event heap keyed ``(time, priority, seq)``.

    Attributes
    ----------
    now : float
        Current simulated time in seconds.
    heap : list of tuple
        The pending events; the engine binds it locally in its hot loop.
    seq : itertools.count
        Tie-breaking sequence numbers.
    """

    __slots__ = ("heap", "now", "seq")

    def __init__(self) -> None:
        self.now = 0.0
        self.heap: list[tuple] = []
        # ``next(seq)`` is cheaper than incrementing an attribute, and the engine binds it.
        self.seq = itertools.count()

    def schedule(self, time: float, priority: int, kind: int, payload: Any) -> None:
        """Add an event at ``time`` (never earlier than :attr:`now`)."""
        if time < self.now:
            raise ValueError(f"event scheduled in the past: {time} < {self.now}")
        heapq.heappush(self.heap, (time, priority, next(self.seq), kind, payload))

    def peek(self) -> float:
        """Time of the next event, or ``inf`` when there is none."""
        return self.heap[0][0] if self.heap else float("inf")

    def pop(self) -> tuple:
        """Remove the next event, advance :attr:`now` to its time and return it."""
        event = heapq.heappop(self.heap)
        self.now = event[0]
        return event

    def __len__(self) -> int:
        return len(self.heap)
