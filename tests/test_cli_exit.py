"""The program leaves its objects to the OS at exit; a caller of ``main(argv)`` keeps its own."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

from terastal.cli import main

SRC = str(Path(__file__).resolve().parents[1] / "src")


def test_main_with_arguments_leaves_the_callers_collector_alone(capsys):
    before = gc.get_freeze_count()
    assert main(["cache", "info"]) == 0
    assert gc.get_freeze_count() == before
    assert "cache directory" in capsys.readouterr().out


def test_the_program_freezes_its_objects_and_still_writes_everything(tmp_path):
    code = (
        "import gc, sys\n"
        "from terastal.cli import main\n"
        "sys.argv = ['terastal', 'simulate', '--scenario', 'VR_gaming', '--platform',"
        " 'Dual_4K/WS_OS', '--scheduler', 'edf', '--duration-ms', '50', '--no-progress',"
        f" '-o', {str(tmp_path / 'out')!r}]\n"
        "rc = main()\n"
        "print(rc, gc.get_freeze_count() > 0)\n"
    )
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env["TERASTAL_CACHE_DIR"] = str(tmp_path / "cache")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "0 True"
    assert "edf on VR_gaming" in out.stdout
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["scheduler"] == "edf"
