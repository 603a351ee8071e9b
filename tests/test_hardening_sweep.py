"""Sweep grids checked at load (cost model, numbers, work), the directory lock."""

import pytest

from terastal.cli import main
from terastal.sweep.lock import sweep_lock
from test_sweep_store import write_case, write_grid

pytest.importorskip("dask.distributed", reason="needs the sweep extra")

GRID = """\
scenarios: [mixed.yaml]
platforms: [duo.yaml]
schedulers: [edf]
seeds: [0]
duration_ms: 50
"""


def run(tmp_path, text, *extra):
    write_case(tmp_path)
    grid = write_grid(tmp_path, text)
    out = tmp_path / "r"
    return main(["sweep", str(grid), "--out", str(out), "--dry-run", *extra]), grid, out


def error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err, err
    return err


def test_bogus_cost_model_fails_at_grid_load(tmp_path, capsys):
    rc, grid, out = run(tmp_path, GRID + "cost_model: bogus\n")
    assert rc == 2
    err = error(capsys)
    assert f"{grid}:6: field 'cost_model'" in err and "bogus" in err
    assert not out.exists()


def test_grid_numbers_in_e_notation_and_the_work_guard(tmp_path, capsys):
    rc, _, _ = run(tmp_path, GRID.replace("duration_ms: 50", "duration_ms: 5e1"))
    assert rc == 0  # 5e1 is a number, as in scenario files
    capsys.readouterr()
    rc, grid, _ = run(tmp_path, GRID.replace("duration_ms: 50", "duration_ms: 1e12"))
    assert rc == 2
    err = error(capsys)
    assert str(grid) in err and "duration_ms 1e+12" in err and "--max-jobs" in err
    rc, _, _ = run(tmp_path, GRID + "load_scales: [1, 1e5]\n", "--max-jobs", "1e4")
    assert rc == 2
    assert "load_scale 100000," in error(capsys)
    rc, _, _ = run(tmp_path, GRID + "load_scales: [1, 1e5]\n", "--max-jobs", "1e7")
    assert rc == 0


def test_a_second_sweep_into_a_locked_directory_is_refused(tmp_path, capsys):
    write_case(tmp_path)
    grid = write_grid(tmp_path, GRID)
    out = tmp_path / "r"
    with sweep_lock(out):
        assert main(["sweep", str(grid), "--out", str(out), "--no-progress"]) == 2
        assert "another sweep is running" in error(capsys)
        assert not (out / "runs").exists()
    with sweep_lock(out):  # released on exit, so it can be taken again
        pass
