"""A point fails, and Ctrl-C (or SIGTERM) arrives while the failure is cleaned up.

The pool path: the signal lands in :func:`~terastal.reproduce.pool.stop_pool`, which defers
it (a second interrupt must not cut the workers' stop short). The serial path: it lands in a
finalizer run while the failure propagates, where the handler's raise is lost. Either way
only the record of the signal is left, and the point's error used to end the command
("error: ...", exit 2) although the user had stopped it. The command must report the
interrupt: one line, exit 130 or 143, the finished points kept for a resume, nothing
half-written (docs/design.md, "Hardening", "Interrupts").
"""

import os
import signal
import subprocess
import sys

import pytest

from terastal import interrupts
from terastal.errors import InputError, Interrupted
from test_hardening_stages import TINY, run_interrupted, stored

FAILING = """
import os, signal, sys
from terastal import interrupts
from terastal.cli import main
from terastal.errors import InputError
from terastal.reproduce import runner

where, how = sys.argv[1], sys.argv[2]

def send():
    if how == "SIGINT":
        os.killpg(os.getpgrp(), signal.SIGINT)  # Ctrl-C: driver and workers alike
    else:
        os.kill(os.getpid(), signal.SIGTERM)

class Lost:
    def __del__(self):
        send()  # the handler runs in a finalizer: its raise is lost

def failing(*args, **kwargs):
    try:
        raise InputError("the point failed", field="mixes")
    finally:
        if where == "failing":
            Lost()  # freed at once, while the failure propagates

runner.run_point = failing

def hook(name):
    if name == where:
        send()

with interrupts.on_stage(hook):
    code = main(sys.argv[3:])
sys.exit(code)
"""


def _reproduce(tmp_path, workers: int) -> tuple[list[str], object]:
    suite = tmp_path / "s.yaml"
    suite.write_text(TINY)
    out = tmp_path / "out"
    args = ["reproduce", "--suite", str(suite), "--schedulers", "edf", "--workers",
            str(workers), "--out", str(out), "--no-progress"]  # fmt: skip
    return args, out


@pytest.mark.parametrize(
    ("where", "workers"),
    [("pool:stop", 2), ("failing", 1)],  # the pool's clean-up; the serial path's finalizer
)
@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_an_interrupt_while_a_failed_point_is_cleaned_up_stops_the_command(
    tmp_path, where, workers, how
):
    args, out = _reproduce(tmp_path, workers)
    rc, err = run_interrupted(args, where, how, driver=FAILING)
    assert rc == 128 + signal.Signals[how].value, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"interrupted ({how}): "), err
    assert stored(lines[0]) == 0 and "run the same command to resume" in lines[0]
    assert "Traceback" not in err and "the point failed" not in err
    assert not out.exists() or sorted(p.name for p in out.iterdir()) == ["points"]
    assert not list(tmp_path.glob(".reproduce-*"))  # nothing half-written


def test_a_failed_point_without_an_interrupt_is_still_the_error(tmp_path):
    """The rule reads a signal received, not the failure: alone, it is reported as before."""
    args, out = _reproduce(tmp_path, 2)
    rc, err = run_interrupted(args, "no such stage", "SIGINT", driver=FAILING)
    assert rc == 2, err
    assert err.strip() == "error: field 'mixes': the point failed"
    assert not out.exists() or not list(out.rglob("*.json"))


def test_a_resumed_run_after_the_interrupt_completes(tmp_path):
    """The interrupted run left only what a resume reads: the same command then finishes."""
    args, out = _reproduce(tmp_path, 2)
    rc, err = run_interrupted(args, "pool:stop", "SIGINT", driver=FAILING)
    assert rc == 130, err
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from terastal.cli import main; sys.exit(main())",
         *args], capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (out / "summary.json").is_file() and len(list((out / "points").glob("*.json"))) == 3


def test_interrupting_names_the_signal_received_while_a_failure_propagates():
    failure = InputError("bad", field="x")
    assert interrupts.interrupting(failure) is None  # outside the CLI's handlers
    assert interrupts.interrupting(Interrupted(signal.SIGTERM)) == signal.SIGTERM
    assert interrupts.interrupting(KeyboardInterrupt()) == signal.SIGINT
    with interrupts.signals_as_interrupts() as received:
        assert interrupts.interrupting(failure) is None  # no signal: the failure stands
        received.append(signal.SIGTERM)  # as the handler records a deferred one
        assert interrupts.interrupting(failure) == signal.SIGTERM
    stop = interrupts.stopped_while_failing(RuntimeError("two\nlines"), signal.SIGINT)
    assert (stop.exit_code, stop.note) == (130, "stopped while failing (RuntimeError: two)")


def test_the_cli_reports_any_command_failing_under_an_interrupt_as_interrupted(monkeypatch, capsys):
    """Commands without a note of their own (simulate, compare, bound, variants) too."""
    from terastal import cli

    def failing(*args, **kwargs):
        interrupts._received.append(signal.SIGTERM)  # recorded during the clean-up
        raise InputError("no such file", file="x.yaml")

    monkeypatch.setattr(cli, "app", failing)
    assert cli.main(["anything"]) == 143
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "interrupted (SIGTERM): stopped while failing (InputError: x.yaml: no such file)"
    ]


SAVE_CUT = """
import io, os, signal, sys
import torch
from terastal.cli import main

real = torch.save

def save(obj, f):  # a Ctrl-C in the middle of writing the checkpoint
    buf = io.BytesIO()
    real(obj, buf)
    data = buf.getvalue()
    fh = open(f, "wb") if isinstance(f, (str, os.PathLike)) else f
    fh.write(data[: len(data) // 2])
    fh.flush()
    os.kill(os.getpid(), signal.SIGINT)  # the handler raises here: the rest is never written
    fh.write(data[len(data) // 2 :])

torch.save = save
sys.exit(main(sys.argv[1:]))
"""


def test_ctrl_c_while_variants_train_saves_a_checkpoint_leaves_none(tmp_path):
    """A truncated ``base.pt`` was reused by the next run, which then failed to load it."""
    pytest.importorskip("torch")
    from terastal.variants import data as fmnist

    data = fmnist.write_synthetic(tmp_path / "data", 64, 32)
    run = tmp_path / "run"
    args = ["variants", "train", "--model", "tiny_cnn", "--layers", "conv2", "--out", str(run),
            "--epochs", "1", "--ft-epochs", "1", "--data", str(data)]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    cut = subprocess.run(
        [sys.executable, "-c", SAVE_CUT, *args], capture_output=True, text=True, env=env,
        timeout=300,
    )  # fmt: skip
    assert cut.returncode == 130 and cut.stderr.strip() == "interrupted (SIGINT)", cut.stderr
    assert not (run / "base.pt").exists()
    assert not [p.name for p in run.rglob("*") if p.name.startswith(".")]  # no temporary left
    again = subprocess.run(
        [sys.executable, "-c", "import sys; from terastal.cli import main; sys.exit(main())",
         *args], capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert (run / "base.pt").is_file() and (run / "variants" / "conv2.pt").is_file()
