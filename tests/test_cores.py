"""``--workers``: 0 means one per core, in one place (:func:`terastal._cores.worker_count`)."""

import os

import pytest

from terastal._cores import worker_count
from terastal.cli import main
from terastal.errors import InputError
from terastal.testing.cli import one_error_line


@pytest.fixture
def four_cores(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 4)


def test_zero_or_none_is_one_per_core(four_cores):
    assert worker_count(0) == worker_count(None) == 4
    assert worker_count(0, cap=True) == 4


def test_unknown_core_count_is_one(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert worker_count(0) == 1
    assert worker_count(3, cap=True) == 1


def test_a_count_above_the_cores_is_capped_only_when_asked(four_cores):
    assert worker_count(1000) == 1000  # processes: their callers cap them at the points
    assert worker_count(1000, cap=True) == 4
    assert worker_count(3, cap=True) == 3
    assert worker_count(1) == worker_count(1, cap=True) == 1


@pytest.mark.parametrize("cap", [False, True])
def test_a_negative_count_is_refused(cap):
    with pytest.raises(InputError, match=r"--workers must be >= 0, got -1"):
        worker_count(-1, cap=cap)


@pytest.mark.parametrize(
    "args",
    [
        ["reproduce", "--quick", "--workers", "-1"],
        ["sweep", "nosuch.yaml", "--workers", "-2"],
        ["bound", "-s", "VR_gaming", "-p", "Dual_4K/WS_OS", "--workers", "-3"],
    ],
)
def test_the_commands_refuse_a_negative_count_before_any_work(tmp_path, capsys, args):
    out = tmp_path / "out"
    assert main([*args, "--out", str(out)]) == 2
    line = one_error_line(capsys)
    assert f"--workers must be >= 0, got {args[-1]}" in line, line
    assert not out.exists()
