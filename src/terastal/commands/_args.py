"""Checks of command-line values shared by the commands (one rule, one message each)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

from terastal.errors import InputError
from terastal.model.work import DISPATCHES_PER_JOB, MAX_JOBS, estimate_work

MAX_JOBS_HELP = (
    f"Refuse runs estimated above this many jobs (default {MAX_JOBS:.0e}; the dispatch "
    f"ceiling is {DISPATCHES_PER_JOB}x this)."
)


def positive_finite(value: float, flag: str) -> float:
    """``value`` if it is a finite number > 0, else an error naming ``flag``."""
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"{flag} must be a finite number > 0, got {value}")
    return value


def at_least(value: int, low: int, flag: str) -> int:
    """``value`` if it is >= ``low``, else an error naming ``flag``."""
    if value < low:
        raise InputError(f"{flag} must be >= {low}, got {value}")
    return value


def check_work(tasks: Iterable, duration_s: float, max_jobs: float = MAX_JOBS, what: str = "run"):
    """Refuse a run whose estimated jobs or dispatches exceed the ceilings (the work guard)."""
    est = estimate_work(tasks, duration_s)
    message = est.refusal(max_jobs, what)
    if message is not None:
        raise InputError(message)
    return est


def output_dir(out: Path | None, flag: str = "--out") -> Path | None:
    """``out`` if it can be a directory: not a file, and no file among its parents."""
    if out is None:
        return None
    for p in (out, *out.parents):
        if p.exists() and not p.is_dir():
            what = "exists and is not a directory" if p == out else f"is under the file {str(p)!r}"
            raise InputError(f"{flag} {str(out)!r} {what}")
    return out
