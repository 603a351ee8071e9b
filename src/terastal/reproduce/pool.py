"""A process pool that an interrupt stops at once: no worker finishes the suite unseen.

Ctrl-C reaches every process of the terminal's process group. Workers ignore SIGINT, so
only the parent reacts (no traceback per worker); on any exception, including
:class:`~terastal.errors.Interrupted`, the parent cancels the queued points and terminates
the workers instead of waiting for the running ones.
"""

from __future__ import annotations

import signal
from concurrent.futures import ProcessPoolExecutor


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def make_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes that ignore SIGINT."""
    return ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint)


def stop_pool(pool: ProcessPoolExecutor, timeout_s: float = 1.0) -> None:
    """Cancel what has not started and terminate the workers (then kill any that linger)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.terminate()
    for p in processes:
        p.join(timeout_s)
        if p.is_alive():
            p.kill()
