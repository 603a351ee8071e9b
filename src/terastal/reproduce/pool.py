"""A process pool that an interrupt stops at once: no worker finishes the suite unseen.

Ctrl-C reaches every process of the terminal's process group. Workers never take SIGINT,
so only the parent reacts (no traceback per worker); on any exception, including
:class:`~terastal.errors.Interrupted`, the parent cancels the queued points and terminates
the workers instead of waiting for the running ones.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from terastal.interrupts import as_worker, deferred, sigint_blocked, stage


def make_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes that ignore SIGINT (start them with :func:`submit_all`)."""
    return ProcessPoolExecutor(max_workers=workers, initializer=as_worker)


def submit_all(
    pool: ProcessPoolExecutor, fn: Callable, calls: Sequence[tuple], **kwargs
) -> list[Future]:
    """Submit ``fn(*args, **kwargs)`` for each ``args`` of ``calls``, in order.

    The pool starts its processes on the first submissions, with SIGINT and SIGTERM blocked
    until their initializer (:func:`terastal.interrupts.as_worker`) has set them: a child
    forked with the parent's handlers would print a traceback of its own on Ctrl-C, or when
    :func:`stop_pool` terminates it. An interrupt meanwhile is raised once all is submitted
    (:func:`terastal.interrupts.deferred`): raised in the middle of a fork, it would leave
    a process that the pool does not know of, so that :func:`stop_pool` could not stop it.
    """
    with deferred(), sigint_blocked(signal.SIGTERM):
        stage("pool:start")
        futures = [pool.submit(fn, *args, **kwargs) for args in calls]
    stage("pool:started")
    return futures


def stop_pool(pool: ProcessPoolExecutor, timeout_s: float = 1.0, thread_s: float = 10.0) -> None:
    """Cancel what has not started and terminate the workers (then kill any that linger).

    Returns once the pool's management thread has ended (``thread_s`` at most): it ends as
    soon as it sees the workers gone, and closes the pipe that wakes it. Left running,
    it races Python's exit hook for process pools, which writes to that pipe without the
    pool's lock: a pipe closed in the middle of the write printed an ``OSError`` traceback
    after the interrupt's line.

    Runs with interrupts deferred and blocked: it is called while an interrupt propagates,
    and a second one (Ctrl-C pressed again) raised in here left the workers running their
    points, so that the command hung at exit until they finished. The second interrupt is
    only recorded; the first goes on once the workers are stopped.
    """
    with deferred(), sigint_blocked(signal.SIGTERM):
        processes = list((getattr(pool, "_processes", None) or {}).values())
        thread = getattr(pool, "_executor_manager_thread", None)  # shutdown forgets it
        pool.shutdown(wait=False, cancel_futures=True)
        stage("pool:stop")
        for p in processes:
            if p.is_alive():
                p.terminate()
        for p in processes:
            p.join(timeout_s)
            if p.is_alive():
                p.kill()
        if thread is not None:
            thread.join(thread_s)
