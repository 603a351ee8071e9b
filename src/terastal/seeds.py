"""The one range of a run's seed, checked at every boundary that takes one.

Command-line flags (``--seed``, ``--seeds``), sweep grids, suite files and run specs all
refuse a seed above :data:`terastal.model.MAX_SEED` through :func:`check_seed`; each names
its own location (flag, or file, line and field).
"""

from __future__ import annotations

from terastal.errors import InputError
from terastal.model.workload import MAX_SEED

__all__ = ["check_seed"]


def check_seed(
    value: int,
    *,
    flag: str | None = None,
    shown: str | None = None,
    file: str | None = None,
    line: int | None = None,
    field: str | None = None,
) -> int:
    """``value`` if it is at most :data:`~terastal.model.MAX_SEED`, else an error.

    Parameters
    ----------
    value : int
        The seed (already known to be a non-negative integer).
    flag : str, optional
        The command-line flag that gave it; the message starts with it.
    shown : str, optional
        What the user wrote, when the message should show that rather than ``value``
        (``--seeds 0-4``, a grid entry as written).
    file, line, field : optional
        The location of the :class:`~terastal.errors.InputError`.

    Returns
    -------
    int
        ``value``.

    Raises
    ------
    InputError
        If ``value`` exceeds ``MAX_SEED`` (results stores keep seeds in signed 64-bit
        columns).
    """
    if value > MAX_SEED:
        head = f"{flag} must" if flag else "must"
        got = value if shown is None else shown
        raise InputError(f"{head} be <= {MAX_SEED}, got {got}", file=file, line=line, field=field)
    return value
