"""Checks of command-line values shared by the commands (one rule, one message each).

The work guard is not here: it belongs to every run, whatever starts it
(:func:`terastal.experiment.check_work`); the commands only pass ``--max-jobs`` on.
"""

from __future__ import annotations

import math
from pathlib import Path

from terastal.errors import InputError


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


def seed_value(value: int, flag: str = "--seed") -> int:
    """``value`` if it can seed a run (0 to :data:`terastal.model.MAX_SEED`), else an error
    naming ``flag``."""
    from terastal.seeds import check_seed

    return check_seed(at_least(value, 0, flag), flag=flag)


def _under_file(out: Path, flag: str) -> None:
    """Refuse ``out`` when one of its parents is a file (the first one found, nearest first)."""
    for p in out.parents:
        if p.exists() and not p.is_dir():
            raise InputError(f"{flag} {str(out)!r} is under the file {str(p)!r}")


def output_dir(out: Path | None, flag: str = "--out") -> Path | None:
    """``out`` if it can be a directory: not a file, and no file among its parents."""
    if out is None:
        return None
    if out.exists() and not out.is_dir():
        raise InputError(f"{flag} {str(out)!r} exists and is not a directory")
    _under_file(out, flag)
    return out


def output_file(out: Path | None, flag: str = "--out") -> Path | None:
    """``out`` if it can be a file written by a rename: no directory and no file among its
    parents, and not an existing directory, device, pipe or socket.

    A rename replaces whatever has the name: ``--out /dev/null`` would replace the device
    with a regular file (as root) instead of writing to it.
    """
    if out is None:
        return None
    _under_file(out, flag)
    if out.is_dir():
        raise InputError(f"{flag} {str(out)!r} is a directory; give a file name")
    if out.exists() and not out.is_file():
        raise InputError(f"{flag} {str(out)!r} exists and is not a regular file")
    return out
