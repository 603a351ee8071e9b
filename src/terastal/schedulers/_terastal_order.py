"""Terastal's ready order, kept sorted between calls and edited in place.

A mixin of :class:`~terastal.schedulers.terastal.Terastal` (its state is set by
``Terastal.reset``): each ready job has one entry ``(key, id, job, layer, state, ...)`` in
``self._order`` (or, without drops, in its fallback group), renewed when the job's ready
layers change and removed when it leaves the ready set. Kept apart from the scan that reads
it (``Terastal.decide``) so that each module stays short.
"""

from __future__ import annotations

from bisect import bisect_left, insort

from terastal.model.contract import SimView
from terastal.model.job import Job
from terastal.schedulers._hopeless import EPS, remaining_of
from terastal.schedulers._terastal_claim import claimed_wait
from terastal.schedulers._terastal_map import earliest_free
from terastal.schedulers._terastal_state import COMMIT_S, order_key

_INF = float("inf")
_EPS = 1e-12
#: Up to this many entries, the order is filtered and re-sorted rather than edited in place.
_SMALL = 32
#: Added to a kept hopeless parent's key: behind every job still in time.
_LATE_S = 2e3


class ReadyOrder:
    """The order's upkeep: :meth:`_ordered`, :meth:`_renew`, :meth:`_unlink`, :meth:`_demote`;
    and :meth:`_wait`, when a layer waiting for a busy core gets it."""

    def _wait(self, a: int, job: Job, layer: int, f: float) -> float:
        """When ``job``'s ``layer`` would end on busy core ``a`` (``f`` by its free time):
        :func:`~terastal.schedulers._terastal_claim.claimed_wait`."""
        return claimed_wait(self, a, job, layer, f)

    def _ordered(self, view: SimView) -> list[tuple]:
        """Ready jobs as sorted tuples ``(priority, id, job, layer, state, ...)``.

        Each entry also carries what a visit needs and what stays fixed while the layer
        waits: the drop test's terms, the layer's virtual deadline and, for chains, where
        its input is and how long moving it takes.

        The order is kept sorted between calls and updated in place: a changed job
        (:attr:`SimView.ready_changes`) loses its old entry and gets a new one, and the jobs
        that may have left the ready set (dispatched or dropped here, or ended) lose theirs,
        each by bisection (O(log n) compares and one memmove, instead of re-filtering all n
        entries). If the count still disagrees with the ready set (a job left it otherwise),
        the old entries are filtered as a whole. ``(priority, id)`` is unique, so entries
        never compare beyond it.
        """
        ready = view.ready_jobs
        changes = view.ready_changes
        if self._rekey:
            # priorities changed (fairness guard): every ready job gets a new entry
            self._rekey = False
            self._order, self._entries, self._gone, changes = [], {}, [], ready
            if self._groups is not None:
                self._groups.drain()
        entries = self._entries
        fresh, old = self._renew(changes, ready) if changes else ((), ())
        order = self._order
        groups = self._groups
        if groups is None and len(order) <= _SMALL:
            # a short order: filtering it costs less than finding each entry
            self._gone = []
            kept = []
            for entry in order:
                job = entry[2]
                if job not in ready:
                    entries.pop(job, None)
                elif entries[job] is entry:
                    kept.append(entry)
            if fresh:
                kept += fresh
                kept.sort()
            self._order = kept
            return kept
        for entry in old:
            self._unlink(entry)
        # a job listed twice in the changes has two fresh entries (the full scan's behaviour)
        renewed = len(fresh) if len(fresh) < 2 else len({e[1] for e in fresh})
        if self._gone:
            gone, self._gone = self._gone, []
            for job in gone:
                if job not in ready:
                    self._unlink(entries.pop(job, None))
        if len(order) + renewed + (groups.size if groups else 0) != len(ready):
            # a job left the ready set unreported (neither dispatched here nor ended): filter
            if groups is not None:
                order += groups.drain()
                order.sort()
            order = [e for e in order if e[2] in ready and entries.get(e[2]) is e]
            self._entries = entries = {e[2]: e for e in order}
            for entry in fresh:
                entries[entry[2]] = entry
        for entry in fresh:
            insort(order, entry)
        self._order = order
        return order

    def _renew(self, changes, ready) -> tuple[list[tuple], list[tuple]]:
        """New entries of the changed jobs still ready, and the old entries they replace.

        Reads the job's slots: compiled, C members of the Job's struct (_terastal_order.pxd,
        model/job.pxd) instead of property lookups."""
        entries = self._entries
        tasks = self._tasks
        slack, wait = self.drop_slack, self.wait_slack
        boost = self._no_boost if self._fair is None else self._fair.boost
        over = self._over is not None and self._over.over
        # Under overload, a job none of whose layers ran yet is dropped once start_slack x its
        # best case passes its deadline: docs/design.md, "Sacrifice before starting".
        fresh_slack = slack * self.start_slack if over else slack
        commit = self.overload_commit
        # started jobs by least laxity under overload (commit_laxity): none, long ones of the
        # light models, long ones, all
        lax, lax_above = self.commit_laxity, self.laxity_above
        lax_all = lax == "all"
        if lax == "off" or not lax_above:
            lax_above = _INF  # no job is long (laxity_above 0: the long-job rule is off)
        light = self._light if lax == "light" else None
        fresh, old = [], []
        for job in changes:
            if job not in ready:
                self._gone.append(job)
                continue
            layer = job._ready[0] if job._ready else -1  # job.next_layer
            ti = job._costs.index
            st = tasks[ti]
            rem = remaining_of(job, st.rem_best, False) if st.dag else st.rem_best[layer]
            release = job._release
            if st.chain:
                # Only the previous layer's output may move, and where it ran is fixed now.
                src = job._acc_of[layer - 1] if layer else -1
                move = st.move_s[layer]
            else:
                src, move = None, 0.0
            ahead = bool(over and commit and job._done)  # a started job, under overload
            key = order_key(st, layer, release, boost[ti], over, ahead)
            if ahead and (
                lax_all
                or (rem > lax_above * (job._deadline - release) and (light is None or light[ti]))
            ):
                # a long job that short ones keep overtaking: docs/design.md, "Admission by
                # the metric's weights"
                key = job._deadline - rem - boost[ti] - COMMIT_S
            dl_eps = job._deadline + EPS
            if job in self._late:
                key += _LATE_S  # behind every job that can still meet its deadline
                dl_eps = _INF
            started = job._done or job._running
            entry = (key, job._id, job, layer, st, rem * (slack if started else fresh_slack),
                     dl_eps, release + st.vd_off[layer] + _EPS, src, move,
                     rem, rem * wait if wait != 1.0 else 0.0, job._ready_since)  # fmt: skip
            prev = entries.get(job)
            if prev is not None:
                old.append(prev)
            entries[job] = entry
            fresh.append(entry)
        return fresh, old

    def _unlink(self, entry: tuple | None) -> None:
        """Take an old ``entry`` out of the order or its group."""
        if entry is not None and (self._groups is None or not self._groups.discard(entry)):
            _remove(self._order, entry)

    def _demote(self, late: list[Job], ready) -> None:
        """Move hopeless parents behind every job still in time, never to be dropped."""
        self._late.update(late)
        fresh, old = self._renew(late, ready)
        for entry in old:
            self._unlink(entry)
        for entry in fresh:
            insort(self._order, entry)


def _remove(order: list[tuple], entry: tuple | None) -> None:
    """Delete ``entry`` from the sorted ``order`` (``(priority, id)`` is unique)."""
    if entry is not None:
        i = bisect_left(order, entry)
        if i < len(order) and order[i] is entry:
            del order[i]


def yields(order: list[tuple], pos: int, now: float, a: int, f: float, free: list, mode: str,
           exact: bool = False) -> bool:  # fmt: skip
    """Whether the job of ``order[pos]``, none of whose layers has started, should leave
    idle core ``a`` (its layer would hold it until ``f``) to a started job later in the order.

    A started job is *at risk* when it can still meet its deadline now (the hopeless test:
    ``now + drop_rem`` within it) but no longer once it waits for the earliest of ``f`` and
    the other cores' free times. ``mode`` says which at-risk job the fresh one yields to:
    ``"any"``; ``"shorter"``, one with less best-case work left than the fresh job (of two
    jobs that cannot both end in time, the one that frees the cores sooner); ``"fits"``, one
    whose next layer on ``a`` still leaves the fresh job in time; ``"either"``: shorter or
    fits. With ``exact``, a started chain job's wait is its next layer's earliest finish over
    the cores once ``a`` is taken (each core's own latency and the input's move) plus its
    best case after that layer (:func:`waited_end`), instead of ``t`` plus its best case
    left. Reasons: docs/design.md, "Started jobs protected".
    """
    t = earliest_free(free, a, f)
    if t <= now:
        return False  # another core is free now: nobody waits for this one
    x = order[pos]
    x_rem, x_drop, x_dl = x[10], x[5], x[6]
    for i in range(pos + 1, len(order)):
        s = order[i]
        job = s[2]
        if not (job.done_count or job.running_count):
            continue
        drop_rem, dl_eps = s[5], s[6]
        if now + drop_rem > dl_eps:
            continue  # hopeless already
        if exact and s[8] is not None:
            if waited_end(s, now, a, f, free) <= dl_eps:
                continue  # not at risk
        elif t + drop_rem <= dl_eps:
            continue  # not at risk
        if mode == "any":
            return True
        if mode != "fits" and s[10] < x_rem:
            return True
        if mode != "shorter" and now + s[4].lat[s[3]][a] + x_drop <= x_dl:
            return True
    return False


def waited_end(s: tuple, now: float, a: int, f: float, free: list) -> float:
    """When the started chain job of order entry ``s`` ends at best if idle core ``a`` is
    held until ``f``: its next layer's earliest finish over the cores (each core's latency,
    its variant's when lower, plus the input's move to a core other than the one holding it)
    plus the best case of the layers after it, scaled as the entry's hopeless test
    (``drop_rem / rem``)."""
    layer, st, src, move, rem = s[3], s[4], s[8], s[9], s[10]
    lat = st.lat[layer]
    vlat = st.var_lat[layer] if st.bits[layer] else lat  # a variant counts, at best
    end = _INF
    for c in range(len(free)):
        start = f if c == a else free[c]
        if c != src and src >= 0:
            start += move
        t = start + (lat[c] if lat[c] < vlat[c] else vlat[c])
        if t < end:
            end = t
    after = st.rem_best[layer + 1] if layer + 1 < len(st.rem_best) else 0.0
    return end + after * (s[5] / rem if rem > 0 else 1.0)
