"""SIGINT and SIGTERM as :class:`~terastal.errors.Interrupted`, honoured at every stage.

The CLI installs :func:`signals_as_interrupts`; its handler raises where the main thread
happens to be. Two places lose that raise: a handler that runs inside a finalizer (Python
reports the exception as unraisable and goes on) and a library that catches
``BaseException``. So the handler also records the signal, and long commands (``sweep``,
``reproduce``) call :func:`stage` between their steps (cluster started, each point stored,
before the outputs are written), which raises an interrupt received but lost.

Ctrl-C reaches the whole process group, workers included; only the driver must react (it
stops the workers itself, and each worker would print a traceback of its own). Worker
processes are started inside :func:`sigint_blocked`: a process inherits the signal mask of
the thread that starts it, so they never take SIGINT. Blocking, not ignoring: an ignored
signal is discarded, a blocked one waits, and the driver raises it when the block ends
(ignoring SIGINT while a Dask cluster started lost a Ctrl-C pressed meanwhile, and the
sweep ran to its end).

:func:`on_stage` lets a test act at a named stage, e.g. deliver a signal there.

A signal that arrives while a failure propagates (a point failed, and Ctrl-C is pressed
while :func:`~terastal.reproduce.pool.stop_pool` cleans up) is only recorded when it lands in
a :func:`deferred` section or a finalizer; the failure would then end the command as its
error. The user stopped the command: :func:`interrupting` tells the commands, which keep
their "points stored; resume" note, and the CLI does the same for any other command
(:func:`stopped_while_failing`): the command ends as interrupted (exit 130 or 143).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator

from terastal.errors import Interrupted

_received: list[int] = []  # signals received while signals_as_interrupts is active
_active = False
_deferring = 0  # depth of deferred() sections: the handler records, raises nothing
_hooks: list[Callable[[str], None]] = []


@contextlib.contextmanager
def signals_as_interrupts() -> Iterator[list[int]]:
    """While active, SIGINT and SIGTERM raise :class:`~terastal.errors.Interrupted`.

    One exception for both signals lets every command clean up the same way (cancel workers,
    keep finished points, write nothing final) and the CLI exit with 130 or 143. Yields the
    signals received: a handler that happens to run inside a finalizer cannot raise, so the
    CLI checks this record too (and :func:`stage` does, on the way).
    """
    global _active

    def handler(signum, frame):
        _received.append(signum)
        if not _deferring:
            raise Interrupted(signum)

    def unraisable(info) -> None:  # the swallowed interrupt: no "Exception ignored" traceback
        if not isinstance(info.exc_value, Interrupted):
            default_unraisable(info)

    _received.clear()
    default_unraisable = sys.unraisablehook
    sys.unraisablehook = unraisable
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, handler)
        except ValueError:  # not the main thread: leave signals alone
            break
    _active = bool(previous)
    try:
        yield _received
    finally:
        _active = False
        sys.unraisablehook = default_unraisable
        for sig, old in previous.items():
            signal.signal(sig, old)


def interrupting(exc: BaseException) -> int | None:
    """The signal that stops the command while ``exc`` propagates, or None.

    ``exc`` itself when it is the interrupt; else the first signal received meanwhile (one
    that a clean-up section deferred or a finalizer lost, see the module's docstring), while
    :func:`signals_as_interrupts` is active.
    """
    if isinstance(exc, Interrupted):
        return exc.signum
    if isinstance(exc, KeyboardInterrupt):
        return int(signal.SIGINT)
    if _active and _received:
        return _received[0]
    return None


def stopped_while_failing(exc: BaseException, signum: int) -> Interrupted:
    """The interrupt ``signum`` that arrived while the failure ``exc`` propagated; its note
    names the failure in one line (a rerun would meet it again)."""
    text = str(exc).strip().splitlines()
    what = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
    return Interrupted(signum, f"stopped while failing ({what})")


def stage(name: str) -> None:
    """Mark the stage ``name`` of a long command; raise an interrupt received but lost.

    Runs the hooks of :func:`on_stage` first (tests). Outside :func:`signals_as_interrupts`
    (a library call) only the hooks run.
    """
    for hook in tuple(_hooks):
        hook(name)
    if _active and _received and not _deferring:
        raise Interrupted(_received[0])


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """A section that an interrupt does not cut short, e.g. replacing outputs as a whole.

    A signal meanwhile is recorded, not raised: the section completes, and the next
    :func:`stage` (or the CLI, when the command ends) reports the interrupt.
    """
    global _deferring
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1


@contextlib.contextmanager
def on_stage(hook: Callable[[str], None]) -> Iterator[None]:
    """While active, :func:`stage` calls ``hook(name)`` at every stage (for tests)."""
    _hooks.append(hook)
    try:
        yield
    finally:
        _hooks.remove(hook)


@contextlib.contextmanager
def sigint_blocked(*also: signal.Signals) -> Iterator[None]:
    """Block SIGINT (and the signals ``also``) in this thread while active; threads and
    processes started meanwhile keep them blocked, until :func:`as_worker`.

    A signal that arrives meanwhile waits and is handled when the block ends (here, in the
    main thread: :class:`~terastal.errors.Interrupted` is raised on the way out; earlier
    should another thread take it). Does nothing outside the main thread, whose handlers
    are the CLI's.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, *also})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def as_worker() -> None:
    """In a worker process forked inside ``sigint_blocked(signal.SIGTERM)``: ignore SIGINT
    (Ctrl-C is the parent's to handle) and let SIGTERM end the process silently (how the
    parent stops it), instead of running the handlers inherited from the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
