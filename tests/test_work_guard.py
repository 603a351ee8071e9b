"""The work guard lives in the application layer: every run, compare, study and command."""

import math
from pathlib import Path

import pytest

from terastal.cli import main
from terastal.commands._vocab import parse_options
from terastal.errors import InputError
from terastal.experiment import RunSpec, check_max_jobs, check_work, compare, estimate_spec, run

DATA = Path(__file__).parent / "data" / "bound"
SPEC = RunSpec(str(DATA / "pair.yaml"), str(DATA / "ws_os.yaml"), "edf", duration_s=0.02)
TINY = (
    "name: tiny\nplatforms: [Dual_4K/WS_OS]\nutilizations: [0.6]\nseeds: [0]\n"
    "duration_ms: 30\nmixes:\n  - {name: a, models: [resnet50, mb2_ssd_lite]}\n"
)


@pytest.fixture
def no_simulation(monkeypatch):
    """Any simulation fails the test: the guard must refuse before the engine starts."""
    import terastal.sim as sim

    def boom(*args, **kwargs):
        raise AssertionError("simulated a run the guard should have refused")

    monkeypatch.setattr(sim, "simulate", boom)


def test_the_estimate_follows_rates_load_scale_and_horizon():
    est = estimate_spec(SPEC)
    # Two tasks at 750 fps for 20 ms and the 20 ms load-only tail after it: 30 releases
    # each, plus one for the phase's rounding.
    assert est.jobs == 2 * (30 + 1)
    assert estimate_spec(SPEC.replace(load_scale=2.0)).jobs == 2 * (60 + 1)
    assert estimate_spec(SPEC.replace(duration_s=0.04)).jobs == 2 * (60 + 1)
    assert check_work(SPEC) == est


def test_run_refuses_before_simulating(no_simulation):
    with pytest.raises(InputError, match=r"would create ~62 jobs.*raise --max-jobs"):
        run(SPEC.replace(max_jobs=10))


def test_compare_refuses_before_the_first_run(no_simulation):
    specs = {"edf": SPEC, "fcfs": SPEC.replace(scheduler="fcfs", max_jobs=10)}
    with pytest.raises(InputError, match="--max-jobs"):
        compare(specs, [0, 1])  # fcfs is too big: edf must not run first
    with pytest.raises(InputError, match="--max-jobs"):
        compare({"edf": SPEC}, [0], max_jobs=10)


def test_compare_max_jobs_raises_every_spec_ceiling():
    specs = {"edf": SPEC.replace(max_jobs=10), "fcfs": SPEC.replace(scheduler="fcfs")}
    out = compare(specs, [0], max_jobs=100)
    assert list(out["schedulers"]) == ["edf", "fcfs"]


@pytest.mark.parametrize("bad", [0, -1, math.nan, True, "10"])
def test_the_ceiling_must_be_a_positive_number(bad):
    with pytest.raises(InputError, match="'--max-jobs'"):
        check_max_jobs(bad)
    with pytest.raises(InputError, match="'--max-jobs'"):
        run(SPEC.replace(max_jobs=bad))


def test_an_infinite_ceiling_is_no_guard():
    assert check_max_jobs(math.inf) == math.inf
    assert check_work(SPEC.replace(duration_s=1e9, max_jobs=math.inf)).jobs > 10**12


def test_sweep_points_carry_the_ceiling_to_the_workers():
    from terastal.sweep.runner import run_point

    point = {
        "point_id": "p", "scenario": str(DATA / "pair.yaml"),
        "platform": str(DATA / "ws_os.yaml"), "scheduler": "edf", "scheduler_options": "{}",
        "seed": 0, "duration_ms": 20.0, "load_scale": 1.0, "late": "scheduler",
    }  # fmt: skip
    refused = run_point(point, max_jobs=10)
    assert refused["status"] == "error" and "--max-jobs" in refused["error"]
    assert run_point(point)["status"] == "ok"


def test_reproduce_points_are_guarded_before_any_run(tmp_path, capsys, no_simulation):
    from terastal.reproduce import load_suite, run_suite
    from terastal.reproduce.runner import run_point

    suite = tmp_path / "s.yaml"
    suite.write_text(TINY)
    st = load_suite(suite)
    with pytest.raises(InputError, match=r"point a / Dual_4K/WS_OS / utilization 0\.6"):
        run_point(st.mixes[0], "Dual_4K/WS_OS", 0.6, [0], 0.03, ["edf"], max_jobs=10)
    with pytest.raises(InputError, match="'--max-jobs'"):
        run_suite(st, ["edf"], workers=1, max_jobs=math.nan)
    out = tmp_path / "o"
    args = ["reproduce", "--suite", str(suite), "--schedulers", "edf", "--workers", "1"]
    assert main([*args, "--out", str(out), "--max-jobs", "10"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "--max-jobs" in err
    assert not (out / "summary.json").exists()


@pytest.mark.parametrize("command", ["simulate", "compare", "bound"])
def test_every_command_passes_its_ceiling_on(tmp_path, capsys, command):
    if command == "bound":
        pytest.importorskip("ortools")
    case = ["--scenario", str(DATA / "pair.yaml"), "--platform", str(DATA / "ws_os.yaml")]
    out = tmp_path / "o"
    argv = [command, *case, "--duration-ms", "20", "--max-jobs", "10", "--out", str(out)]
    assert main([*argv, *([] if command == "bound" else ["--no-progress"])]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "~62 jobs" in err
    assert not out.exists()


def test_scheduler_options_read_exponents_as_numbers():
    assert parse_options(["drop_slack=1e0", "x=-2E-1", "y=abc", "z=1e"]) == {
        "drop_slack": 1.0, "x": -0.2, "y": "abc", "z": "1e",
    }  # fmt: skip


def test_a_cascaded_task_is_estimated_at_its_roots_rate_whatever_its_own_fps(tmp_path):
    # kp is released by seg's 900 fps frames: its own fps (here 300) only sets its deadline,
    # so the upper bound counts it as the bundled cascade does (kp at 900 fps), scaled or not.
    text = (
        (DATA / "cascade.yaml")
        .read_text()
        .replace("network: kp, fps: 900", "network: kp, fps: 300")
    )
    (tmp_path / "nets.m").write_text((DATA / "nets.m").read_text())
    (tmp_path / "low.yaml").write_text(text)
    low = RunSpec(str(tmp_path / "low.yaml"), str(DATA / "ws_os.yaml"), "edf", duration_s=0.02)
    ref = RunSpec(str(DATA / "cascade.yaml"), str(DATA / "ws_os.yaml"), "edf", duration_s=0.02)
    assert "fps: 300" in text
    for scale in (1.0, 2.0):
        assert (
            estimate_spec(low.replace(load_scale=scale)).jobs
            == estimate_spec(ref.replace(load_scale=scale)).jobs
        )
