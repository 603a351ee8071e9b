"""Work of ``reproduce`` outside the simulations: the tail hook, plots in two processes, shared
arrival counts and what a worker imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from terastal.reproduce.suite import load_suite

SRC = str(Path(__file__).resolve().parents[1] / "src")
_SUITE = (
    "name: tiny\nplatforms: [Dual_4K/WS_OS]\nutilizations: [0.5, 0.8, 1.0]\nseeds: [0]\n"
    "duration_ms: 30\nmixes:\n  - {name: a, models: [resnet50, mb2_ssd_lite]}\n"
)


@pytest.fixture
def tiny(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(_SUITE)
    return load_suite(p)


def test_on_tail_runs_once_when_a_worker_has_nothing_left(tiny):
    from terastal.reproduce.runner import run_suite

    done: list[int] = []
    calls: list[int] = []
    rows = run_suite(
        tiny, ["edf"], workers=2, progress=lambda d, t: done.append(d),
        on_tail=lambda: calls.append(len(done)),
    )  # fmt: skip
    # 3 points on 2 workers: the first point back frees a worker for the third; the second
    # leaves a worker with nothing to take
    assert calls == [2]
    assert rows == run_suite(tiny, ["edf"], workers=1)  # the hook changes no row


def test_on_tail_is_not_called_without_a_pool(tiny):
    from terastal.reproduce.runner import run_suite

    calls: list[int] = []
    run_suite(tiny, ["edf"], workers=1, on_tail=lambda: calls.append(1))
    assert calls == []


@pytest.fixture
def suite_rows(tiny):
    from terastal.reproduce.runner import run_suite
    from terastal.reproduce.summary import summarize

    rows = run_suite(tiny, ["edf", "fcfs", "terastal"], workers=1)
    return rows, summarize(rows)


def _pngs(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.glob("*.png"))}


def test_plots_of_two_processes_are_the_files_of_one(tmp_path, suite_rows):
    pytest.importorskip("matplotlib")
    from terastal.reproduce.report import FIGURES, write_plots

    rows, summary = suite_rows
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    assert write_plots(rows, summary, one) == [name for name, _ in FIGURES]
    assert write_plots(rows, summary, two, processes=2) == [name for name, _ in FIGURES]
    assert len(_pngs(one)) == len(FIGURES)
    assert _pngs(one) == _pngs(two)


def test_plots_a_failed_child_did_not_draw_are_drawn_here(tmp_path, suite_rows, monkeypatch, capfd):
    pytest.importorskip("matplotlib")
    from terastal.reproduce import report

    if report._fork_context() is None:
        pytest.skip("no fork here: plots are drawn in one process")
    rows, summary = suite_rows
    parent, inner = os.getpid(), report._render

    def render(names, *args):
        if os.getpid() != parent:
            raise RuntimeError("the child fails before drawing anything")
        inner(names, *args)

    monkeypatch.setattr(report, "_render", render)
    ref, out = tmp_path / "ref", tmp_path / "out"
    ref.mkdir()
    out.mkdir()
    inner([name for name, _ in report.FIGURES], rows, summary, ref)
    capfd.readouterr()
    report.write_plots(rows, summary, out, processes=2)
    assert _pngs(out) == _pngs(ref)
    assert "Traceback" not in capfd.readouterr().err  # an exit code, not a traceback


def test_released_counts_are_shared_and_stay_correct():
    from terastal.io import load_scenario
    from terastal.metrics import accounting
    from terastal.sim.arrivals import draw_arrivals

    sc = load_scenario("VR_gaming")

    def fresh(horizon: float, seed: int) -> list[int]:
        frames = accounting.triggered_frames(sc, draw_arrivals(sc, horizon, seed))
        return [len(f) for f in frames]

    for horizon, seed in [(0.3, 0), (0.3, 1), (0.5, 0), (0.3, 0)]:
        got = accounting.released_counts(sc, horizon, seed)
        assert got == fresh(horizon, seed)
        got.append(-1)  # the caller's copy: the next call is not affected
    assert accounting.released_counts(sc, 0.3, 0) == fresh(0.3, 0)


def test_a_suite_point_imports_no_plotting_or_lp_solver_with_a_warm_cache(tmp_path):
    """A worker of ``reproduce`` (a point of a warm suite) needs neither matplotlib nor scipy
    nor pandas: plots are the parent's, the LP only runs to build a plan."""
    suite = tmp_path / "s.yaml"
    suite.write_text(_SUITE)
    code = f"""
import os, sys, json
os.environ["TERASTAL_CACHE_DIR"] = {str(tmp_path / "cache")!r}
from terastal.reproduce.runner import _point_args, run_point
from terastal.reproduce.suite import load_suite
for a in _point_args(load_suite({str(suite)!r}), ["edf", "terastal"], "scheduler"):
    run_point(*a)
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}})))
"""
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("TERASTAL_NO_CACHE", None)

    def loaded() -> set[str]:
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        return set(json.loads(out.stdout.strip().splitlines()[-1]))

    cold = loaded()
    assert "scipy" in cold  # the first run plans (else the check below passes vacuously)
    warm = loaded()
    assert not warm & {"matplotlib", "scipy", "pandas"}, warm & {"matplotlib", "scipy", "pandas"}


def test_reproduce_interrupted_while_drawing_writes_no_report(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib")
    import multiprocessing
    import signal
    import time

    from terastal.cli import main
    from terastal.reproduce import report

    suite = tmp_path / "s.yaml"
    suite.write_text(_SUITE)
    parent, inner = os.getpid(), report._render

    def render(names, *args):
        if os.getpid() == parent:
            os.kill(parent, signal.SIGINT)  # Ctrl-C while the parent draws its share
            time.sleep(5)  # the handler raises here
        inner(names, *args)

    monkeypatch.setattr(report, "_render", render)
    out = tmp_path / "out"
    args = ["reproduce", "--suite", str(suite), "--schedulers", "edf", "--workers", "2"]
    assert main([*args, "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("interrupted (SIGINT)")
    assert not (out / "runs.csv").exists() and not (out / "report.md").exists()
    assert multiprocessing.active_children() == []  # the drawing child is gone too
