"""An interrupt that lands while a CP-SAT solve sets up its wakeup fd leaves no closed fd set.

The solve used to close its socket pair afterwards, so that an interrupt raised between
``signal.set_wakeup_fd`` and the ``finally`` that restores it (on a loaded machine, while
``Thread.start`` waited for the watcher) left the wakeup fd at a closed number. The next
pipe took that number over: a process pool's wake-up pipe received the next signal's raw
byte, the pool's management thread blocked reading the rest of a message that never came,
and the interpreter hung at exit (docs/design.md, "Hardening").
"""

import gc
import os
import signal
import time

import pytest

from terastal import interrupts
from terastal.errors import Interrupted


@pytest.fixture
def no_wakeup_fd():
    previous = signal.set_wakeup_fd(-1)
    yield
    signal.set_wakeup_fd(previous)


def _interrupted_just_after_the_wakeup_fd_is_set(monkeypatch) -> None:
    """A solve that a SIGINT stops right after it set the wakeup fd, before its ``try``."""
    pytest.importorskip("ortools")
    from ortools.sat.python import cp_model

    from terastal.bound import interruptible

    real = signal.set_wakeup_fd

    def set_then_interrupt(fd, **kwargs):
        previous = real(fd, **kwargs)
        if fd != -1 and kwargs:  # the solve's own setting, not its restore
            os.kill(os.getpid(), signal.SIGINT)
        return previous

    monkeypatch.setattr(interruptible.signal, "set_wakeup_fd", set_then_interrupt)
    model = cp_model.CpModel()
    x = model.new_int_var(0, 3, "x")
    model.minimize(x)
    with interrupts.signals_as_interrupts(), pytest.raises(Interrupted):
        interruptible.solve(cp_model.CpSolver(), model, show=False)
        time.sleep(5)  # the handler raises before here
    monkeypatch.undo()
    gc.collect()  # what closed the solve's sockets, before


def test_the_wakeup_fd_left_by_an_interrupt_stays_open(monkeypatch, no_wakeup_fd):
    _interrupted_just_after_the_wakeup_fd_is_set(monkeypatch)
    fd = signal.set_wakeup_fd(-1)
    if fd != -1:  # left set: it must still be the solve's own (open) socket
        os.fstat(fd)
        from terastal.bound import interruptible

        assert fd == interruptible._wakeup_pair()[1].fileno()


def test_a_pool_after_an_interrupted_solve_stops_and_lets_the_interpreter_exit(
    monkeypatch, no_wakeup_fd
):
    from terastal.reproduce.pool import make_pool, stop_pool, submit_all

    _interrupted_just_after_the_wakeup_fd_is_set(monkeypatch)
    previous = signal.signal(signal.SIGINT, lambda *_: None)  # a handler that does not raise
    try:
        pool = make_pool(2)
        submit_all(pool, time.sleep, [(30,)] * 3)
        thread = pool._executor_manager_thread
        os.kill(os.getpid(), signal.SIGINT)  # the C handler writes to the wakeup fd, if any
        time.sleep(0.2)
        stop_pool(pool, thread_s=5.0)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert not thread.is_alive()  # else Python's exit hook for pools waits on it forever
