"""One sweep at a time per results directory: an advisory lock file in the directory.

Two sweeps into one directory would both run every point not yet stored (each sees the
other's points as still to do) and race on the same row files. ``fcntl.flock`` locks are
released by the kernel when the holder exits, however it exits, so a killed sweep never
leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from terastal.errors import InputError

LOCK_NAME = ".sweep.lock"


@contextlib.contextmanager
def sweep_lock(out: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold the lock of results directory ``out`` (created if needed) while active.

    Raises
    ------
    InputError
        If another process holds it.
    """
    import fcntl

    root = Path(out)
    path = root / LOCK_NAME
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", file=str(root)) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(
                f"another sweep is running into {str(root)!r} (lock {str(path)!r}); wait for "
                "it or use another --out"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock
