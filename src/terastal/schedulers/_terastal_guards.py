"""Terastal's per-model running accounts: the accuracy budget and the fairness guard.

**Accuracy budget.**
In the static mode a job may only run an *admissible* combination of variants (normalized
loss within the plan's limit). Under a budget a job may also run a stronger measured
combination (loss up to a hard per-job ceiling) as long as the model's mean loss over its
last ``window`` completed jobs, and over the whole run, stays within the limit. Jobs still
running hold a reservation of their combination's loss, so that concurrent jobs cannot
overspend; a dropped job's reservation is returned (its loss never counts, as in the metrics).

**Fairness guard.** A model whose running miss rate exceeds both ``ratio`` x the mean over
models and the mean plus ``margin`` is *starving*: its jobs sort as if their deadlines were
``boost`` x its relative deadline earlier, until it is back in line.

**Early sacrifice** (:func:`given_up`). A ready job that has waited is dropped when it is not
expected to make its deadline, before it is provably hopeless (options ``wait_slack`` and
``demand`` of ``terastal``; both off by default, see ``docs/design.md``).

Reasons and measurements: ``docs/design.md``, "Variants on demand and the accuracy budget".
"""

from __future__ import annotations

from collections import deque

from terastal.schedulers._hopeless import EPS


def given_up(now: float, since: float, wait_rem: float, demand_rem: float, deadline: float) -> bool:
    """Whether a job waiting since ``since`` is not expected to end by ``deadline``.

    ``wait_rem``: its best-case remaining time scaled by ``wait_slack``; ``demand_rem``: the
    best-case remaining time of the jobs ahead of it and its own, spread over every core
    (0 when the test is off). A job that could still start now (``now == since``) is kept.
    """
    return now > since and now + max(wait_rem, demand_rem) > deadline + EPS


def make_guards(sched, deadlines: list[float]) -> tuple:
    """The guards of ``sched`` (a Terastal at reset) for tasks of relative ``deadlines``.

    Returns
    -------
    tuple
        ``(FairnessGuard, OverloadDetector, AccuracyBudget)``, each ``None`` when its options
        leave it off (``fair_ratio``; ``overload_scale`` and ``overload_commit``; ``accuracy``
        and a plan).
    """
    fair = over = budget = None
    if sched.fair_ratio > 0:
        fair = FairnessGuard(
            deadlines, sched.fair_ratio, sched.fair_min, sched.fair_boost, sched.fair_after
        )
    if sched.overload_scale != 1.0 or sched.overload_commit:
        over = OverloadDetector(sched.overload_on, sched.overload_off, sched.overload_window)
    plan = sched.plan
    if sched.accuracy != "static" and plan is not None:
        # imported here: _terastal_pool's budget is an AccuracyBudget, defined below
        from terastal.schedulers._terastal_pool import make_budget

        limit = plan.accuracy_loss if sched.accuracy_limit is None else sched.accuracy_limit
        budget = make_budget(sched, limit)  # per model, or pooled
    return fair, over, budget


def reserved(res: dict[int, float], job_id: int | None, loss: float) -> tuple[float, int]:
    """The loss held by a task's running jobs ``res`` (job id -> reserved loss) and their
    count, job ``job_id`` counted at ``loss`` (``None``: every job as it is).

    Both budgets' one sum of reservations. The call it adds to the default budget's
    ``room`` is not measurable compiled (1.6-2.3 us per ``room`` call before and after,
    load 7 on 2 cores), about 0.2 us pure, and ``room`` runs about once per 18 dispatches
    (docs/design.md, "Hardening", "Two hot-path reorders")."""
    held = sum(res.values())
    if job_id is None:
        return held, len(res)
    return held - res.get(job_id, 0.0) + loss, len(res) + (job_id not in res)


class AccuracyBudget:
    """Running accuracy-loss budget of every task of a run.

    Parameters
    ----------
    num_tasks : int
        Tasks of the run (indexed like ``SimView.costs``).
    limit : float
        Largest mean normalized loss per model (window and run).
    window : int
        Completed jobs in the sliding window.
    """

    __slots__ = ("limit", "reserved", "run_n", "run_sum", "win", "win_sum", "window")

    def __init__(self, num_tasks: int, limit: float, window: int) -> None:
        self.limit = limit
        self.window = window
        self.win = [deque() for _ in range(num_tasks)]
        self.win_sum = [0.0] * num_tasks
        self.run_sum = [0.0] * num_tasks
        self.run_n = [0] * num_tasks
        # Per task: job id -> loss reserved for the combination it has started.
        self.reserved: list[dict[int, float]] = [{} for _ in range(num_tasks)]

    def room(self, task: int, job_id: int, loss: float) -> bool:
        """Whether job ``job_id`` may move to a combination losing ``loss``."""
        held, pending = reserved(self.reserved[task], job_id, loss)
        lim = self.limit + 1e-12
        if self.win_sum[task] + held > lim * (len(self.win[task]) + pending):
            return False
        return self.run_sum[task] + held <= lim * (self.run_n[task] + pending)

    def reserve(self, task: int, job_id: int, loss: float) -> None:
        """Record that the job now runs a combination losing ``loss``."""
        self.reserved[task][job_id] = loss

    def end(self, task: int, job_id: int, completed: bool) -> None:
        """A job ended: a completed one's loss (0 without variants) enters the means."""
        loss = self.reserved[task].pop(job_id, 0.0)
        if not completed:
            return
        win = self.win[task]
        win.append(loss)
        self.win_sum[task] += loss
        if len(win) > self.window:
            self.win_sum[task] -= win.popleft()
        self.run_sum[task] += loss
        self.run_n[task] += 1


class FairnessGuard:
    """Priority boosts of the models whose miss rate runs away (see the module docstring).

    Parameters
    ----------
    deadlines_s : sequence of float
        Relative deadline of every task.
    ratio, margin, boost : float
        Starving when ``rate > ratio x mean`` and ``rate > mean + margin``; the boost is
        ``boost x relative deadline``.
    after : int
        A task's rate counts once this many of its jobs have ended (a few jobs say little).
    """

    __slots__ = ("after", "boost", "deadlines", "ended", "factor", "margin", "missed", "ratio")

    def __init__(
        self, deadlines_s, ratio: float, margin: float, boost: float, after: int = 0
    ) -> None:
        self.deadlines = list(deadlines_s)
        self.after = after
        self.ratio, self.margin, self.factor = ratio, margin, boost
        n = len(self.deadlines)
        self.ended, self.missed = [0] * n, [0] * n
        #: Current priority boost (seconds) per task.
        self.boost = [0.0] * n

    def end(self, task: int, missed: bool) -> bool:
        """Count an ended job; whether any task's boost changed."""
        self.ended[task] += 1
        self.missed[task] += missed
        rates = [m / e if e else 0.0 for m, e in zip(self.missed, self.ended, strict=True)]
        mean = sum(rates) / len(rates)
        changed = False
        for t, r in enumerate(rates):
            starving = (
                r > self.ratio * mean and r > mean + self.margin and self.ended[t] >= self.after
            )
            b = self.factor * self.deadlines[t] if starving else 0.0
            if b != self.boost[t]:
                self.boost[t] = b
                changed = True
        return changed


class OverloadDetector:
    """Whether the recent past was overloaded: an EWMA of ended jobs' misses, with hysteresis.

    Parameters
    ----------
    on, off : float
        Overloaded once the smoothed miss fraction exceeds ``on``; no longer once it falls
        below ``off``.
    window : int
        Smoothing: each ended job weighs ``1 / window``.
    """

    __slots__ = ("alpha", "level", "off", "on", "over")

    def __init__(self, on: float, off: float, window: int) -> None:
        self.on, self.off, self.alpha = on, off, 1.0 / window
        self.level = 0.0
        self.over = False

    def end(self, missed: bool) -> bool:
        """Count an ended job; whether the state changed."""
        self.level += self.alpha * (float(missed) - self.level)
        over = self.level > self.on if not self.over else self.level >= self.off
        changed = over != self.over
        self.over = over
        return changed
