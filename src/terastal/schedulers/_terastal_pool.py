"""A pooled accuracy budget (option ``accuracy="pooled"``).

The budget (:class:`~terastal.schedulers._terastal_guards.AccuracyBudget`) keeps each model's
mean normalized loss, over its last ``window`` completed jobs and over the run, within the
limit. The suite's accuracy measure is the mean over the models with variants of those
models' means, and the models cannot all spend their share: MobileNetV2-SSD and InceptionV3
have only single variants within the per-job ceiling (about 1 % each), Swin-Tiny's variants
are cheap, while ResNet50 and Sp2Dense reach the limit under overload. The pooled form
keeps the *mean over the run's models with variants* of their means within the limit (window
and run), so what one model leaves unspent another may use; a job's combination stays within
the per-job ceiling ``job_ceiling``, which bounds every model's own mean.

Reasons and measurements: ``docs/design.md``, "Variants pay, second round: where the
per-model limit binds".
"""

from __future__ import annotations

from terastal.schedulers._terastal_guards import AccuracyBudget, reserved


def make_budget(pol, limit: float):
    """The policy's accuracy budget: per model (``accuracy="budget"``) or pooled."""
    if pol.accuracy == "pooled":
        with_variants = [bool(st.loss) for st in pol._tasks]
        return PooledBudget(len(pol._tasks), limit, pol.budget_window, with_variants)
    return AccuracyBudget(len(pol._tasks), limit, pol.budget_window)


class PooledBudget(AccuracyBudget):
    """The accuracy budget over the mean of the models' means (see the module docstring).

    Parameters
    ----------
    num_tasks, limit, window
        As :class:`~terastal.schedulers._terastal_guards.AccuracyBudget`.
    with_variants : list of bool
        Per task, whether it has combinations to run (the models the mean is over).
    """

    __slots__ = ("models",)

    def __init__(self, num_tasks: int, limit: float, window: int, with_variants) -> None:
        super().__init__(num_tasks, limit, window)
        self.models = [t for t, v in enumerate(with_variants) if v]

    def room(self, task: int, job_id: int, loss: float) -> bool:
        """Whether job ``job_id`` may move to a combination losing ``loss``: the mean over the
        models of each one's mean (its completed jobs and its running ones' reservations, this
        job's at ``loss``; 0 for a model with neither) stays within the limit, over the
        window and over the run."""
        lim = (self.limit + 1e-12) * len(self.models)
        win = run = 0.0
        for t in self.models:
            held, pending = reserved(self.reserved[t], job_id if t == task else None, loss)
            n_win, n_run = len(self.win[t]) + pending, self.run_n[t] + pending
            if n_win:
                win += (self.win_sum[t] + held) / n_win
            if n_run:
                run += (self.run_sum[t] + held) / n_run
        return win <= lim and run <= lim
