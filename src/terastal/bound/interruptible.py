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
    recv, send = socket.socketpair()
    send.setblocking(False)
    try:
        previous = signal.set_wakeup_fd(send.fileno(), warn_on_full_buffer=False)
    except ValueError:  # not the main thread: no signal reaches this solve anyway
        recv.close()
        send.close()
        return solver.solve(model, callback) if callback else solver.solve(model)
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            if select.select([recv], [], [], POLL_S)[0]:
                recv.recv(64)
                solver.stop_search()
                return
            if show:
                print("\r" + progress.line(), end="", file=sys.stderr, flush=True)

    watcher = threading.Thread(target=watch, name="cp-sat-watch", daemon=True)
    watcher.start()
    try:
        return solver.solve(model, callback) if callback else solver.solve(model)
    finally:
        signal.set_wakeup_fd(previous)
        done.set()
        watcher.join()
        recv.close()
        send.close()
        if show:
            print("\r\033[K", end="", file=sys.stderr, flush=True)
