"""How many workers a ``--workers`` count asks for.

A module of its own, importing only :mod:`os` and the errors: the sweep and ``bound`` use it too,
and :mod:`terastal.reproduce.pool` sits in a package whose import pulls in the suite
runner (about 1 s).
"""

from __future__ import annotations

import os

from terastal.errors import InputError


def worker_count(workers: int | None, *, cap: bool = False) -> int:
    """The number of workers that ``workers`` asks for: 0 (or None) means one per core.

    Parameters
    ----------
    workers : int or None
        As ``--workers`` takes it: a count >= 1, or 0 or None for one per core
        (``os.cpu_count()``; 1 where that is unknown).
    cap : bool
        Also bring a count above the cores down to the core count: for workers that are
        threads of one solver, where more than the cores only share them and each holds its
        own copy of the model (``bound``). Processes are capped by their callers at the
        number of points instead.

    Returns
    -------
    int
        At least 1.

    Raises
    ------
    InputError
        ``workers`` < 0 (the commands refuse it first, naming ``--workers``).
    """
    if workers is not None and workers < 0:
        raise InputError(f"--workers must be >= 0, got {workers}")
    cores = os.cpu_count() or 1
    if not workers:
        return cores
    return min(workers, cores) if cap else workers
