"""benchmarks/xrbench_grid.py: the grid, the comparison, and its exits without the binary."""

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from terastal.io.resolve import list_platforms
from terastal.xrbench.check import collect_cases

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "xrbench_grid.py"
REF = Path(__file__).parent / "data" / "xrbench-reference"


def _module():
    if str(SCRIPT.parent) not in sys.path:  # its sibling xrbench_grid_compare
        sys.path.insert(0, str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("xrbench_grid", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


grid_mod = _module()


def test_grid_is_every_scenario_on_every_platform():
    cases = grid_mod.grid(["usage_scenarios"], (1, 42, 7), None)
    assert len(cases) == 7 * len(list_platforms()) == 266
    for gc in cases:
        assert gc.scenario_file.is_file() and gc.hw_file.is_file() and gc.dataflow_file.is_file()
    seeded = {gc.case.scenario for gc in cases if gc.case.seed is not None}
    assert seeded == {"AR_Assistant", "outdoor_activity_A", "outdoor_activity_B"}
    # seeds in turn across platforms; all of them on every platform on request
    assert {gc.case.seed for gc in cases if gc.case.scenario == "AR_Assistant"} == {1, 42, 7}
    every = grid_mod.grid(["usage_scenarios"], (1, 42), "AR_Assistant", all_seeds=True)
    assert len(every) == 2 * len(list_platforms())


@pytest.mark.parametrize("case", list(collect_cases([REF])), ids=lambda c: c.name)
def test_compare_reports_the_reference_outputs_identical(case):
    files = collect_cases([REF])[case]
    row = grid_mod.compare(case, files, "xrbench")
    assert (row["agree"], row["exact"], row["sequence_identical"]) == ("yes", "yes", "yes")
    assert row["max_time_diff_ms"] < 1e-3 and row["overall_diff"] < 1e-4


def test_compare_reports_a_different_cost_model_as_disagreeing():
    case = next(c for c in collect_cases([REF]) if c.name == "VR_gaming__Dual_4K__WS_OS")
    row = grid_mod.compare(case, collect_cases([REF])[case], "analytical:mode=xrbench")
    assert row["agree"] == "no" and row["exact"] == "no" and row["first_difference"]
    text = grid_mod.markdown([row], ("analytical:mode=xrbench",), 1)
    assert "| 1 | 0 | 0 |" in text and "VR_gaming__Dual_4K__WS_OS" in text


def test_without_the_binary_exits_2_with_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("XRBENCH_MAESTRO", raising=False)
    assert grid_mod.main(["--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: XRBENCH_MAESTRO")
    assert not (tmp_path / "o").exists()


def test_bad_seeds_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        grid_mod.main(["--seeds", "1,x"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.strip().startswith("error: --seeds")


@pytest.mark.skipif(
    shutil.which("cc") is None or shutil.which("pgrep") is None,
    reason="needs cc for the time() shim and pgrep",
)
def test_ctrl_c_stops_the_binaries_and_writes_nothing(tmp_path):
    fake = tmp_path / "maestro"
    fake.write_text("#!/bin/sh\nexec sleep 60\n")
    fake.chmod(0o755)
    out = tmp_path / "out"
    env = {**os.environ, "XRBENCH_MAESTRO": str(fake), "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--out", str(out), "--only", "VR_gaming__Dual_4K__"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # two fake binaries running
            ps = subprocess.run(["pgrep", "-s", str(proc.pid), "sleep"], capture_output=True)
            if len(ps.stdout.split()) >= 2:
                break
            time.sleep(0.2)
        t0 = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert time.monotonic() - t0 < 10
    assert err.strip().splitlines() == ["interrupted (SIGINT): nothing written"]
    assert not out.exists()


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs cc for the time() shim")
def test_cases_kept_from_an_earlier_run_are_reused(tmp_path, monkeypatch, capsys):
    keep = tmp_path / "keep"
    keep.mkdir()
    for kind in ("schedule", "summary"):
        name = f"{kind}__VR_gaming__Dual_4K__WS_OS.csv"
        shutil.copyfile(REF / name, keep / name)
    fake = tmp_path / "maestro"
    fake.write_text("#!/bin/sh\nexit 1\n")  # would fail the grid if it were run
    fake.chmod(0o755)
    monkeypatch.setenv("XRBENCH_MAESTRO", str(fake))
    out = tmp_path / "out"
    args = ["--out", str(out), "--keep", str(keep), "--only", "VR_gaming__Dual_4K__WS_OS"]
    assert grid_mod.main([*args, "--cost-models", "xrbench"]) == 0
    rows = (out / "xrbench_grid.csv").read_text().splitlines()
    assert len(rows) == 2 and ",yes,yes," in rows[1]
    assert "| `xrbench` | 1 | 1 | 1 | 1 |" in (out / "xrbench_grid.md").read_text()


def test_other_hardware_files_pair_with_the_dataflows_of_their_core_count(tmp_path):
    dual = grid_mod.DATA / "hw_configs" / "dual" / "Dual_4K.m"
    mine = tmp_path / "Dual_1K.m"
    text = dual.read_text().replace("num_pes: 2048", "num_pes: 1024")
    mine.write_text(text.replace("noc_bw: 128", "noc_bw: 64"))  # a type the table lacks
    plats = grid_mod.platforms([mine])
    assert [p[0] for p in plats] == [f"Dual_1K/{d}" for d in ("OS_OS", "RS_RS", "WS_OS", "WS_WS")]
    cases = grid_mod.grid(["usage_scenarios"], (1,), "VR_gaming__", hw_files=[mine])
    assert len(cases) == 4 and all(gc.platform.startswith(f"{mine}:") for gc in cases)
    # off the bundled table: no table row, the analytical mode still compares
    case = cases[0].case
    assert grid_mod.compare(case, {}, "xrbench", cases[0].platform) is None


def test_a_bundled_platform_given_as_files_compares_like_its_name():
    case = next(c for c in collect_cases([REF]) if c.name == "VR_gaming__Dual_4K__WS_OS")
    spec = f"{grid_mod.DATA}/hw_configs/dual/Dual_4K.m:{grid_mod.DATA}/dataflows/dual/WS_OS.m"
    row = grid_mod.compare(case, collect_cases([REF])[case], "xrbench", spec)
    assert (row["agree"], row["exact"]) == ("yes", "yes")
