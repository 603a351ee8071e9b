"""CP-SAT solves that stop on SIGINT/SIGTERM within a fraction of a second and show progress.

CP-SAT catches SIGINT itself by default and ends the search as if its time limit had
passed: the caller cannot tell an interrupt from a finished solve and would report (and
write) a near-empty result; SIGTERM it ignores until the limit. Here CP-SAT's handler is
off and Python's handlers stay in place. While the solve blocks the main thread, Python's
low-level handler only notes the signal and writes its number to the wakeup fd; a watcher
thread reads that, stops the search, and once the solve returns Python's handler raises as
usual (:class:`~terastal.errors.Interrupted` under the CLI). The watcher also prints a status
line (elapsed time, best objective, proven bound) when stderr is a terminal.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import sys
import threading
import time
from typing import Any

#: Seconds between checks for an interrupt (and between progress updates).
POLL_S = 0.1


class _Progress:
    """Best objective and bound seen by the solver's callbacks (written from its threads)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.best: float | None = None
        self.bound: float | None = None
        self.t0 = time.perf_counter()

    def line(self) -> str:
        best = "-" if self.best is None else f"{self.best:g}"
        bound = "-" if self.bound is None else f"{self.bound:g}"
        elapsed = time.perf_counter() - self.t0
        return f"bound: {self.label} {elapsed:5.1f} s, best {best}, lower bound {bound}"


def _callback(progress: _Progress):
    from ortools.sat.python import cp_model

    class Callback(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            progress.best = self.objective_value
            progress.bound = self.best_objective_bound

    return Callback()


#: This process's socket pair for the wakeup fd (and its pid: a forked child makes its own).
_pair: tuple[int, socket.socket, socket.socket] | None = None


def _wakeup_pair() -> tuple[socket.socket, socket.socket]:
    """The socket pair whose sending end is the wakeup fd during a solve; never closed.

    An interrupt can raise at any bytecode, including between setting the wakeup fd and the
    ``finally`` that restores it (``Thread.start`` waits for the new thread: on a loaded
    machine a signal often lands there). Closed after each solve, the pair then left the
    wakeup fd at a closed number that the next file opened took over: a process pool's
    wake-up pipe got the signal's raw byte, its management thread blocked reading a message
    that never came, and the interpreter hung at exit (docs/design.md, "Hardening"). Kept
    open, a wakeup fd left set by such an interrupt points here, where a byte is harmless.
    """
    global _pair
    if _pair is None or _pair[0] != os.getpid():
        recv, send = socket.socketpair()
        recv.setblocking(False)
        send.setblocking(False)  # set_wakeup_fd needs it; a full buffer drops the byte
        _pair = (os.getpid(), recv, send)
    return _pair[1], _pair[2]


def _drain(recv: socket.socket) -> None:
    try:
        while recv.recv(64):
            pass
    except BlockingIOError:
        pass


def solve(solver, model, label: str = "solving", *, show: bool | None = None) -> Any:
    """``solver.solve(model)``, stopped early by SIGINT/SIGTERM, with progress on a terminal.

    Parameters
    ----------
    solver : CpSolver
    model : CpModel
    label : str
        What is being solved, for the progress line.
    show : bool, optional
        Print progress to stderr (default: when stderr is a terminal).

    Returns
    -------
    The solver status. An interrupt is raised by Python's handler once the solve returns.
    """
    show = sys.stderr.isatty() if show is None else show
    solver.parameters.catch_sigint_signal = False
    progress = _Progress(label)
    callback = _callback(progress) if show else None
    if show:

        def on_bound(value: float) -> None:
            progress.bound = value

        solver.best_bound_callback = on_bound
    if threading.current_thread() is not threading.main_thread():
        # set_wakeup_fd works in the main thread only, and no signal reaches this solve anyway
        return solver.solve(model, callback) if callback else solver.solve(model)
    recv, send = _wakeup_pair()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            if select.select([recv], [], [], POLL_S)[0] and not done.is_set():
                _drain(recv)
                solver.stop_search()
                return
            if show:
                print("\r" + progress.line(), end="", file=sys.stderr, flush=True)

    watcher = threading.Thread(target=watch, name="cp-sat-watch", daemon=True)
    _drain(recv)  # signals of an earlier solve that raised before it restored the wakeup fd
    try:
        watcher.start()
        previous = signal.set_wakeup_fd(send.fileno(), warn_on_full_buffer=False)
        try:
            return solver.solve(model, callback) if callback else solver.solve(model)
        finally:
            signal.set_wakeup_fd(previous)
    finally:
        done.set()
        if watcher.is_alive():  # not when an interrupt cut start() short: it sees done and ends
            watcher.join()
        if show:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
