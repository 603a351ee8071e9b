"""What a command imports: heavy libraries only where they are used.

Each check runs in a fresh interpreter (``sys.modules`` of this one is already full) and reads
its ``sys.modules`` at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[1] / "src")
HEAVY = ("scipy", "pandas", "matplotlib", "pyarrow", "torch", "onnx")


def _loaded_after(code: str) -> set[str]:
    """Top-level packages in ``sys.modules`` after ``code`` ran in a fresh interpreter."""
    probe = (
        code
        + "\nimport json, sys\n"
        + "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_cli_import_is_light():
    loaded = _loaded_after("import terastal.cli")
    assert not loaded & {*HEAVY, "numpy"}, loaded & {*HEAVY, "numpy"}


# dream is not here: it takes a plan (for model switching), like terastal.
@pytest.mark.parametrize("scheduler", ["edf", "fcfs", "heft"])
def test_simulate_without_a_plan_imports_no_scipy_pandas_matplotlib(scheduler):
    code = f"""
import contextlib, io
from terastal.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    rc = main(["simulate", "--scenario", "VR_gaming", "--platform", "Dual_4K/WS_OS",
               "--scheduler", "{scheduler}", "--duration-ms", "100", "--no-progress"])
assert rc == 0, rc
"""
    loaded = _loaded_after(code)
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_warm_simulate_with_a_plan_imports_no_numpy_scipy_or_pydantic(tmp_path):
    """With the plan and tables in the disk cache, terastal's simulate path is edf's, and
    neither needs numpy: tables are read as rows of floats, the plan's arrays are made on
    first access and the analytical model's engine is imported only to compute costs."""
    code = f"""
import contextlib, io, os
os.environ["TERASTAL_CACHE_DIR"] = {str(tmp_path)!r}
from terastal.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    rc = main(["simulate", "--scenario", "VR_gaming", "--platform", "Dual_4K/WS_OS",
               "--scheduler", "terastal", "--duration-ms", "100", "--no-progress",
               "--cost-model", "analytical:mode=xrbench", "-o", {str(tmp_path / "out")!r}])
assert rc == 0, rc
"""
    cold = _loaded_after(code)
    assert "scipy" in cold  # the first run plans (else the check below passes vacuously)
    assert "numpy" in cold
    warm = _loaded_after(code)
    assert not warm & {*HEAVY, "pydantic", "numpy"}, warm & {*HEAVY, "pydantic", "numpy"}


def test_planner_modules_import_the_lp_solver_only_to_build_a_plan():
    loaded = _loaded_after("import terastal.planner.make, terastal.planner.budgets")
    assert "scipy" not in loaded
    built = _loaded_after(
        "from terastal.io import load_platform, load_scenario\n"
        "from terastal.planner import make_plan\n"
        "from terastal.cost import resolve_cost_model\n"
        "make_plan(load_scenario('VR_gaming'), load_platform('Dual_4K/WS_OS'), "
        "resolve_cost_model('analytical'))"
    )
    assert "scipy" in built  # the check above would pass vacuously if nothing ever did


def test_warm_simulate_to_a_pipe_imports_no_rich_yaml_or_numpy_ma(tmp_path):
    """Printing to a file or pipe, the warm path needs no rich (the table is drawn without it),
    no yaml (no options, bundled MAESTRO inputs), no numpy.ma (percentiles without numpy)
    no importlib.metadata (bundled schedulers are found without entry points), no numpy.random
    (arrivals in pure Python), no planner.make (the plan is read, not made) and no MAESTRO
    parser (the bundled scenario and platform are read parsed) and no hashlib (CPython's own
    SHA-256 makes the cache keys)."""
    code = f"""
import contextlib, io, os, sys
os.environ["TERASTAL_CACHE_DIR"] = {str(tmp_path)!r}
from terastal.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    rc = main(["simulate", "--scenario", "VR_gaming", "--platform", "Dual_4K/WS_OS",
               "--scheduler", "terastal", "--duration-ms", "100", "--no-progress",
               "--cost-model", "analytical:mode=xrbench"])
assert rc == 0, rc
assert "terastal on VR_gaming" in out.getvalue()
"""
    probe = code + "\nimport json\nprint(json.dumps(sorted(sys.modules)))\n"
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env = {k: v for k, v in env.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    runs = [
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
        for _ in range(2)  # the first fills the cache
    ]
    assert all(r.returncode == 0 for r in runs), runs[-1].stderr
    loaded = set(json.loads(runs[1].stdout.strip().splitlines()[-1]))
    unwanted = {
        "rich",
        "yaml",
        "numpy.ma",
        "numpy.random",
        "importlib.metadata",
        "scipy",
        "pydantic",
        "terastal.planner.make",
        "terastal.io.hardware",
        "terastal.io.maestro",
    }
    if sys.implementation.name == "cpython":  # the cache's digests need no OpenSSL bindings
        unwanted |= {"hashlib", "_hashlib"}
    assert not loaded & unwanted, loaded & unwanted
