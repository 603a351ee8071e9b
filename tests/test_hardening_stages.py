"""Ctrl-C at every stage of ``sweep`` and ``reproduce``, delivered by a stage hook.

Each command runs in a process group of its own, as from a terminal; the hook
(:func:`terastal.interrupts.on_stage`) sends SIGINT to the whole group when the command
reaches the named stage, so the test does not race the start-up with sleeps. ``lost``
delivers it inside a finalizer instead, where the handler's raise is lost: the next stage
must still stop the command.
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from terastal import interrupts
from terastal.errors import Interrupted

DRIVER = """
import os, signal, sys
from terastal import interrupts
from terastal.cli import main

where, how = sys.argv[1], sys.argv[2]

class Lost:
    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)  # the handler runs here: its raise is lost

def hook(name):
    if name == where:
        if how == "group":
            os.killpg(os.getpgrp(), signal.SIGINT)  # Ctrl-C: driver and workers alike
        else:
            Lost()

with interrupts.on_stage(hook):
    code = main(sys.argv[3:])
sys.exit(code)
"""


def _group_alive(pgid: int) -> list[str]:
    """Live (not zombie) processes of the process group ``pgid``."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(stat.parent.name)
    return alive


def run_interrupted(
    args: list[str], where: str, how: str = "group", driver: str = DRIVER
) -> tuple[int, str]:
    """Run ``terastal *args`` in a new process group, interrupted at stage ``where``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", driver, where, how, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env=env,
    )  # fmt: skip
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    if Path("/proc/self/stat").exists():  # no worker outlives the command
        deadline = time.monotonic() + 60
        while _group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _group_alive(proc.pid)
    return proc.returncode, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("interrupted (SIGINT)"), err
    return lines[0]


def stored(line: str) -> int:
    found = re.search(r": (\d+) point\(s\) stored in ", line)
    assert found, line
    return int(found.group(1))


GRID = (
    "scenarios: [VR_gaming]\nplatforms: [Dual_4K/WS_OS]\nschedulers: [edf, dream]\n"
    "seeds: [0, 1, 2, 3]\nduration_ms: 500\n"
)


@pytest.mark.parametrize(
    ("where", "how", "points"),
    [
        ("sweep:cluster", "group", 0),  # while the cluster starts: SIGINT was lost here
        ("sweep:workers", "group", 0),  # while the worker processes spawn
        ("sweep:row", "group", 1),  # the first row is stored
        ("sweep:submitted", "lost", 0),
    ],
)
def test_ctrl_c_stops_a_sweep_at_every_stage(tmp_path, where, how, points):
    """One line, exit 130, no worker traceback, the rows stored so far kept; then resumable."""
    pytest.importorskip("dask.distributed", reason="needs the sweep extra")
    grid = tmp_path / "g.yaml"
    grid.write_text(GRID)
    out = tmp_path / "r"
    args = ["sweep", str(grid), "--out", str(out), "--workers", "2", "--no-progress"]
    rc, err = run_interrupted(args, where, how)
    assert rc == 130, err
    line = one_line(err)
    assert stored(line) == points and "run the same command to resume" in line
    if where == "sweep:row":
        from terastal.sweep import ResultStore

        assert len(ResultStore(out).done()) == 1


TINY = (
    "name: tiny\nplatforms: [Dual_4K/WS_OS]\nutilizations: [0.6, 0.7, 0.8]\nseeds: [0]\n"
    "duration_ms: 30\nmixes:\n  - {name: a, models: [resnet50, mb2_ssd_lite]}\n"
)


@pytest.mark.parametrize(
    ("where", "how", "points"),
    [
        ("pool:start", "group", 0),  # while the pool forks its workers
        ("reproduce:point", "group", 1),
        ("reproduce:report", "group", 3),  # every point done, nothing written yet
        ("reproduce:outputs", "lost", 3),  # lost while drawing: still not passed off as done
    ],
)
def test_ctrl_c_stops_reproduce_at_every_stage(tmp_path, where, how, points):
    suite = tmp_path / "s.yaml"
    suite.write_text(TINY)
    out = tmp_path / "out"
    args = ["reproduce", "--suite", str(suite), "--schedulers", "edf", "--workers", "2",
            "--out", str(out)]  # fmt: skip
    rc, err = run_interrupted(args, where, how)
    assert rc == 130, err
    line = one_line(err)
    assert stored(line) == points and "run the same command to resume" in line
    kept = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert kept == (["points"] if points else [])  # no report passed off as complete
    assert len(list((out / "points").glob("*.json"))) == points
    assert not list(tmp_path.glob(".reproduce-*"))  # no half-written output left behind


def test_stage_raises_an_interrupt_lost_on_the_way(capsys):
    """Only while the CLI's handlers are installed; a library call just runs the hooks."""
    seen = []
    with interrupts.on_stage(seen.append):
        interrupts.stage("a")
        with interrupts.signals_as_interrupts() as received:
            interrupts.stage("b")  # nothing received: goes on
            received.append(signal.SIGTERM)  # as the handler does before its raise is lost
            with pytest.raises(Interrupted) as exc:
                interrupts.stage("c")
        interrupts.stage("d")  # the handlers are gone: the old record is not raised
    assert exc.value.exit_code == 143
    assert seen == ["a", "b", "c", "d"]


def test_a_sigint_while_blocked_is_not_lost():
    """Raised when the block ends at the latest (earlier if another thread takes it)."""
    with (
        interrupts.signals_as_interrupts(),
        pytest.raises(Interrupted),
        interrupts.sigint_blocked(),
    ):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)


def test_ctrl_c_while_reproduce_replaces_its_outputs_lets_it_finish(tmp_path):
    """Cut short, the replacement would leave neither the old outputs nor the new."""
    suite = tmp_path / "s.yaml"
    suite.write_text(TINY)
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.md").write_text("an earlier run's")
    args = ["reproduce", "--suite", str(suite), "--schedulers", "edf", "--workers", "2",
            "--out", str(out)]  # fmt: skip
    rc, err = run_interrupted(args, "reproduce:replace")
    assert rc == 130, err
    assert one_line(err) == "interrupted (SIGINT): the command finished before it could stop"
    assert sorted(p.name for p in out.iterdir()) == [
        "accuracy_loss_per_model.png", "miss_rate_per_model.png", "miss_rate_vs_skew.png",
        "miss_rate_vs_utilization.png", "points", "report.md", "runs.csv", "summary.json",
    ]  # fmt: skip
    assert len(list((out / "points").glob("*.json"))) == 3
    assert (out / "report.md").read_text() != "an earlier run's"


def test_stop_pool_returns_once_the_pools_thread_has_closed_its_pipe(monkeypatch):
    """Else Python's exit hook for process pools wakes the pool's management thread through
    a pipe that the thread is closing, and prints an ``OSError`` after the interrupt's line
    (a Ctrl-C at ``pool:start`` on a loaded machine). The thread is made slow to clean up
    here, so that the window is open on every run instead of now and then."""
    from concurrent.futures import process

    from terastal.reproduce.pool import make_pool, stop_pool, submit_all

    cleanup = process._ExecutorManagerThread.join_executor_internals

    def slow_cleanup(self):
        time.sleep(0.3)
        cleanup(self)

    monkeypatch.setattr(process._ExecutorManagerThread, "join_executor_internals", slow_cleanup)
    pool = make_pool(2)
    futures = submit_all(pool, time.sleep, [(30,)] * 3)
    thread, wakeup = pool._executor_manager_thread, pool._executor_manager_thread_wakeup
    stop_pool(pool)
    assert not thread.is_alive() and wakeup._closed
    assert all(f.done() for f in futures)  # none left waiting on a worker that is gone


TWICE = """
import os, signal, sys, time
from terastal import interrupts
from terastal.cli import main
from terastal.reproduce import runner

def stuck(*args, **kwargs):  # a point that outlasts the test: only stop_pool ends it
    time.sleep(600)

runner.run_point = stuck

def hook(name):
    if name == sys.argv[1]:  # the first Ctrl-C, once the workers run
        os.killpg(os.getpgrp(), signal.SIGINT)
    elif name == "pool:stop":  # the second, while stop_pool cleans up
        if sys.argv[2] == "SIGINT":
            os.killpg(os.getpgrp(), signal.SIGINT)  # Ctrl-C again
        else:
            os.kill(os.getpid(), signal.SIGTERM)  # kill PID

with interrupts.on_stage(hook):
    code = main(sys.argv[3:])
sys.exit(code)
"""


@pytest.mark.parametrize("second", ["SIGINT", "SIGTERM"])
def test_a_second_interrupt_lets_stop_pool_finish(tmp_path, second):
    """Raised inside ``stop_pool`` before it terminated the workers, the second interrupt
    left them running their points, and the command hung at exit until they finished."""
    suite = tmp_path / "s.yaml"
    suite.write_text(TINY)
    out = tmp_path / "out"
    args = ["reproduce", "--suite", str(suite), "--schedulers", "edf", "--workers", "2",
            "--out", str(out)]  # fmt: skip
    rc, err = run_interrupted(args, "reproduce:submitted", second, driver=TWICE)
    assert rc == 130, err
    assert stored(one_line(err)) == 0
    assert not out.exists() or sorted(p.name for p in out.iterdir()) == ["points"]
    assert not list(tmp_path.glob(".reproduce-*"))  # no half-written output left behind
