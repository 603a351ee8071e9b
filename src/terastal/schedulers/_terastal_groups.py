"""Terastal's waiting chain layers past their virtual deadline, one queue per placement key.

Without drops, an overloaded run keeps a backlog that grows for the whole run, and a call
that finds an idle core nobody chooses visits every entry of the order. Most of those entries
are chain layers that no option gets done by their virtual deadline: the mapping rule then
returns the same choice for every job of the key ``(task, layer, input core, move time)``
(:func:`terastal.schedulers._terastal_map.fallback`; layers without a variant only, as a
variant's permission depends on the job). :class:`FallbackGroups` keeps such entries out of
the order, in one sorted queue per key, so that ``decide`` visits only each queue's head.

Why that is the scan. The fallback choice of a key is the earliest finish over the cores,
first index on ties; within a call a dispatch only makes an idle core busy and raises its
free time, so a key whose choice is a busy core keeps that choice for the rest of the call:
once its head waits, every later entry of the key waits too. After a head is dispatched, the
next entry of its key is visited at its own place in the order, as the full scan would.
An entry qualifies once ``virtual deadline < min(free) + fastest option``; the earliest free
time never goes down in a non-preemptive run, so it qualifies for as long as its job keeps
that layer. ``floor`` remembers the highest ``min(free)`` an entry qualified under: if a
call ever sees a lower one, the queues go back into the order (:meth:`drain`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from heapq import heapify, heappop, heappush

from terastal.schedulers._terastal_map import map_layer

_INF = float("inf")


def group_key(entry: tuple) -> tuple:
    """``(task state, layer, input core, move time)`` of an order entry."""
    return entry[4], entry[3], entry[8], entry[9]


class FallbackGroups:
    """Sorted queues of order entries, one per placement key (see the module docstring)."""

    __slots__ = ("floor", "groups", "of", "size")

    def __init__(self) -> None:
        self.groups: dict[tuple, list[tuple]] = {}
        self.of: dict = {}  # job -> its entry's key
        self.floor = -_INF
        self.size = 0

    def add(self, entry: tuple, low: float) -> None:
        """Queue ``entry``, which qualified while the earliest free time was ``low``."""
        key = group_key(entry)
        group = self.groups.get(key)
        if group is None:
            self.groups[key] = [entry]
        else:
            insort(group, entry)
        self.of[entry[2]] = key
        self.size += 1
        if low > self.floor:
            self.floor = low

    def discard(self, entry: tuple) -> bool:
        """Remove ``entry``; whether it was queued here."""
        job = entry[2]
        key = self.of.get(job)
        if key is None:
            return False
        group = self.groups[key]
        i = bisect_left(group, entry)
        if i == len(group) or group[i] is not entry:
            return False
        del group[i]
        del self.of[job]
        self.size -= 1
        if not group:
            del self.groups[key]
        return True

    def heads(self) -> list[tuple]:
        """The first entry of every queue (unordered)."""
        return [g[0] for g in self.groups.values()]

    def after(self, entry: tuple) -> tuple | None:
        """The entry following ``entry`` in its queue, if any."""
        group = self.groups[group_key(entry)]
        i = bisect_right(group, entry)
        return group[i] if i < len(group) else None

    def drain(self) -> list[tuple]:
        """Every queued entry (unordered); the queues are emptied."""
        out = [e for g in self.groups.values() for e in g]
        self.groups.clear()
        self.of.clear()
        self.floor = -_INF
        self.size = 0
        return out


def scan_grouped(sched, order, idle, left, free, transfer, choose, out) -> list[tuple]:
    """``Terastal.decide``'s mapping scan without drops, visiting only the groups' heads.

    Makes the decisions of the full scan over the order merged with every group (module
    docstring); entries that qualify on their visit join their group.
    """
    groups = sched._groups
    variant, variant_first = sched._variant, sched.variant_first
    low = min(free)
    if low < groups.floor:
        # the earliest free time went down (never in a non-preemptive run): back to the order
        order += groups.drain()
        order.sort()
    heads = groups.heads()
    heapify(heads)
    memo: dict[tuple, tuple] = {}
    waits: list[tuple] | None = [] if sched.spare else None  # as in Terastal.decide
    i = 0
    while left:
        if heads and (i == len(order) or heads[0] < order[i]):
            entry = heappop(heads)
            queued = True
        elif i < len(order):
            entry = order[i]
            queued = False
            i += 1
        else:
            break
        _, jid, job, layer, st, _, _, vde, src, move = entry[:10]
        (a, use_var, f), new, past = map_layer(
            choose, variant, variant_first, memo, job, layer, st, vde, src, move, free, idle,
            low, transfer,
        )  # fmt: skip
        if past and not queued and not st.bits[layer]:
            # past its virtual deadline for good: out of the order, into its group
            i -= 1
            del order[i]
            if not idle[a]:
                groups.add(entry, low)
        if not idle[a]:
            if waits is not None and f <= vde:
                # the plain finish time, not the claim rule's wait (Terastal._wait): measured
                # worse without drops (docs/design.md, "Protection by the next layer's finish")
                waits.append((job, jid, layer, st, src, move, f))
            continue  # wait for the chosen core (a group's head: the whole group waits)
        if queued:
            nxt = groups.after(entry)
            groups.discard(entry)
            if nxt is not None:
                heappush(heads, nxt)
        low = sched._dispatched(out, job, jid, layer, st, a, use_var, new, f, idle, free, memo)
        left -= 1
    if waits and left:
        sched._spare(out, waits, idle, left, free, transfer, memo)
    return out
