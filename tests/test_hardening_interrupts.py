"""SIGINT/SIGTERM: one line, exit 130/143, nothing final written; reproduce resumes."""

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from terastal.cli import main
from terastal.testing.cli import forbid_points

DATA = Path(__file__).parent / "data" / "bound"
CASE = ["--scenario", str(DATA / "pair.yaml"), "--platform", str(DATA / "ws_os.yaml")]


def signal_soon(sig: int, delay_s: float = 0.3) -> threading.Timer:
    """Send ``sig`` to this process after ``delay_s`` (the handler runs in the main thread)."""
    timer = threading.Timer(delay_s, os.kill, (os.getpid(), sig))
    timer.start()
    return timer


def interrupted_line(capsys, name: str) -> None:
    err = capsys.readouterr().err.strip()
    assert err.splitlines()[-1].startswith(f"interrupted ({name})"), err
    assert "Traceback" not in err


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_bound_stops_mid_solve_and_writes_nothing(tmp_path, capsys, monkeypatch, sig, code):
    pytest.importorskip("ortools")
    from terastal.bound import interruptible

    solve, timers = interruptible.solve, []

    def solve_then_signal(*args, **kwargs):
        if not timers:  # the first solve gets the signal
            timers.append(signal_soon(sig))
        return solve(*args, **kwargs)

    monkeypatch.setattr(interruptible, "solve", solve_then_signal)
    out = tmp_path / "b"
    limit = 300.0
    t0 = time.perf_counter()
    args = ["bound", *CASE, "--duration-ms", "60", "--time-limit", str(limit), "--out", str(out)]
    try:
        rc = main(args)
    finally:
        timers[0].join()
    assert rc == code
    assert time.perf_counter() - t0 < limit / 2  # stopped, not run to the limit
    interrupted_line(capsys, signal.Signals(sig).name)
    assert not out.exists()


def test_compare_interrupted_writes_nothing(tmp_path, capsys, monkeypatch):
    import terastal.sim as sim  # what terastal.experiment.run calls

    simulate = sim.simulate

    def simulate_then_interrupt(*args, **kwargs):
        result = simulate(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGINT)  # after the first run, before the second
        return result

    monkeypatch.setattr(sim, "simulate", simulate_then_interrupt)
    out = tmp_path / "c"
    rc = main(["compare", *CASE, "--duration-ms", "50", "--seeds", "0-3", "--no-progress",
               "--out", str(out)])  # fmt: skip
    assert rc == 130
    interrupted_line(capsys, "SIGINT")
    assert not out.exists()


TINY = (
    "name: tiny\nplatforms: [Dual_4K/WS_OS]\nutilizations: [0.6, 0.7, 0.8]\nseeds: [0]\n"
    "duration_ms: 30\nmixes:\n  - {name: a, models: [resnet50, mb2_ssd_lite]}\n"
)


def test_reproduce_interrupted_keeps_points_and_resumes(tmp_path, capsys, monkeypatch):
    from terastal.reproduce.checkpoint import Checkpoint

    suite = tmp_path / "s.yaml"
    suite.write_text(TINY)
    args = ["reproduce", "--suite", str(suite), "--schedulers", "edf", "--workers", "2"]
    whole = tmp_path / "whole"
    assert main([*args, "--out", str(whole)]) == 0
    capsys.readouterr()

    save = Checkpoint.save

    def save_then_interrupt(self, *a, **k):
        path = save(self, *a, **k)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)  # the handler raises here
        return path

    monkeypatch.setattr(Checkpoint, "save", save_then_interrupt)
    out = tmp_path / "out"
    assert main([*args, "--out", str(out)]) == 130
    interrupted_line(capsys, "SIGINT")
    assert [p.name for p in out.iterdir()] == ["points"]  # no summary passed off as complete
    kept = {p.name: p.stat().st_mtime_ns for p in (out / "points").iterdir()}
    assert len(kept) == 1

    monkeypatch.setattr(Checkpoint, "save", save)
    assert main([*args, "--out", str(out)]) == 0
    points = {p.name: p.stat().st_mtime_ns for p in (out / "points").iterdir()}
    assert len(points) == 3 and all(points[k] == v for k, v in kept.items())  # not rerun
    assert (out / "runs.csv").read_text() == (whole / "runs.csv").read_text()


def test_reproduce_out_checks_come_before_any_run(tmp_path, capsys, monkeypatch):
    forbid_points(monkeypatch)
    suite = tmp_path / "s.yaml"
    suite.write_text(TINY)
    f = tmp_path / "file"
    f.write_text("x")
    for extra in (["--out", str(f)], ["--out", str(f / "x")], ["--workers", "-1"]):
        assert main(["reproduce", "--suite", str(suite), *extra]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and "\n" not in err


def test_an_interrupt_swallowed_by_a_finalizer_still_ends_the_command(capsys, monkeypatch):
    """A signal handler that runs inside ``__del__`` cannot raise; the CLI notices anyway."""
    import gc

    import terastal.cli as cli

    class Finalized:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGINT)  # the handler runs here, its raise is lost

    def register(app):
        @app.command("swallow")
        def swallow() -> None:
            Finalized()
            gc.collect()

    register(cli.app)
    try:
        assert main(["swallow"]) == 130
    finally:
        cli.app.registered_commands.pop()
    err = capsys.readouterr().err
    assert "interrupted (SIGINT): the command finished before it could stop" in err
    assert "Traceback" not in err and "Exception ignored" not in err
