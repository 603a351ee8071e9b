"""Bad input found by walking every command: exit 2, one ``error:`` line, nothing written."""

import os
import stat
from pathlib import Path

import pytest

from terastal.cli import main
from terastal.testing.cli import TINY_SUITE, forbid_points, one_error_line

DATA = Path(__file__).parent / "data" / "bound"
CASE = ["--scenario", str(DATA / "pair.yaml"), "--platform", str(DATA / "ws_os.yaml")]
SIM = ["simulate", *CASE, "--duration-ms", "20", "--no-progress"]


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("os:path", "'os:path' is not a cost model (it has no evaluate("),  # was AttributeError
        ("os:getcwd", "'os:getcwd' is not a cost model"),  # a factory that makes something else
        ("json:loads", "cannot make cost model 'json:loads': TypeError: "),  # was TypeError
    ],
)
def test_a_module_attr_cost_model_that_is_none(tmp_path, capsys, spec, needle):
    out = tmp_path / "o"
    assert main([*SIM, "--cost-model", spec, "--out", str(out)]) == 2
    err = one_error_line(capsys)
    assert "field 'cost_model'" in err and needle in err
    assert not out.exists()


def test_a_huge_seed_range_is_refused_before_it_is_built(capsys):
    """``--seeds 0-100000000`` held compare for minutes (and gigabytes) building the list."""
    from terastal.commands._vocab import MAX_SEEDS, parse_seeds

    args = ["compare", *CASE, "--duration-ms", "5", "--no-progress", "--seeds"]
    assert main([*args, "0-100000000"]) == 2
    assert f"--seeds lists more than {MAX_SEEDS} seeds: '0-100000000'" in one_error_line(capsys)
    assert main([*args, f"0-{MAX_SEEDS // 2},{MAX_SEEDS}-{2 * MAX_SEEDS}"]) == 2
    assert "--seeds lists more than" in one_error_line(capsys)
    assert len(parse_seeds(f"0-{MAX_SEEDS - 1}")) == MAX_SEEDS  # the limit itself is fine


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (unwritable)")
def test_an_unwritable_out_names_the_directory(capsys):
    """A run whose --out cannot be created ended in a FileNotFoundError traceback."""
    assert main([*SIM, "--out", "/proc/terastal-out"]) == 2
    assert one_error_line(capsys) == (
        "error: /proc/terastal-out: cannot write: No such file or directory"
    )


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (unwritable)")
def test_sweep_and_reproduce_name_an_unwritable_out(tmp_path, capsys):
    """Both ended in a FileNotFoundError traceback (the sweep's lock, reproduce's points)."""
    pytest.importorskip("dask.distributed", reason="needs the sweep extra")
    from test_sweep_store import write_case, write_grid

    write_case(tmp_path)
    grid = write_grid(tmp_path, GRID)
    assert main(["sweep", str(grid), "--out", "/proc/terastal-out", "--no-progress"]) == 2
    assert (
        one_error_line(capsys)
        == "error: /proc/terastal-out: cannot write: No such file or directory"
    )
    suite = tmp_path / "s.yaml"
    suite.write_text(TINY_SUITE)
    args = ["reproduce", "--suite", str(suite), "--schedulers", "edf", "--workers", "1"]
    assert main([*args, "--out", "/proc/terastal-out"]) == 2
    assert "error: /proc/terastal-out/points: cannot write: " in one_error_line(capsys)


GRID = """\
scenarios: [mixed.yaml]
platforms: [duo.yaml]
schedulers: [edf]
seeds: [0]
duration_ms: 5
"""


def test_a_bad_scheduler_address_leaves_no_results_directory(tmp_path, capsys):
    """'nope://' was a ValueError traceback; an unreachable one left an empty --out."""
    pytest.importorskip("dask.distributed", reason="needs the sweep extra")
    from test_sweep_store import write_case, write_grid

    write_case(tmp_path)
    grid = write_grid(tmp_path, GRID)
    out = tmp_path / "r"
    args = ["sweep", str(grid), "--out", str(out), "--no-progress", "--scheduler-address"]
    assert main([*args, "nope://x"]) == 2
    err = one_error_line(capsys)
    assert "field '--scheduler-address': cannot connect" in err and "unknown address scheme" in err
    assert not out.exists()
    out.mkdir()  # a directory the user made is left alone
    assert main([*args, "nope://x"]) == 2
    capsys.readouterr()
    assert out.is_dir() and not (out / "runs").exists()


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--schedulers", ",,"], "field '--schedulers': lists no scheduler label: ',,'"),
        (["--schedulers", "edf,edf"], "field '--schedulers': lists a label twice: 'edf,edf'"),
        (["--random", "100000000"], "--random must be <= 1000, got 100000000"),  # was a hang
    ],
)
def test_reproduce_refuses_bad_labels_and_counts_before_any_run(
    tmp_path, capsys, monkeypatch, extra, needle
):
    """',,' ran the whole default family, 'edf,edf' ran edf twice (rows doubled)."""
    forbid_points(monkeypatch)
    suite = tmp_path / "s.yaml"
    suite.write_text(TINY_SUITE)
    out = tmp_path / "o"
    assert main(["reproduce", "--suite", str(suite), "--out", str(out), *extra]) == 2
    assert needle in one_error_line(capsys)
    assert not out.exists()


def test_a_suite_with_two_mixes_of_one_name_is_refused(tmp_path, capsys):
    """Rows and tables are keyed by mix name: the two mixes' points were mixed up."""
    suite = tmp_path / "s.yaml"
    suite.write_text(TINY_SUITE + "  - {name: a, models: [resnet50]}\n")
    assert main(["reproduce", "--suite", str(suite), "--out", str(tmp_path / "o")]) == 2
    assert one_error_line(capsys) == (
        f"error: {suite}:8: field 'mixes[1].name': duplicate mix name 'a'"
    )


@pytest.mark.parametrize("command", ["plan", "profile", "report"])
def test_file_outputs_refuse_what_a_rename_would_replace(tmp_path, capsys, command):
    """A rename over a device or pipe replaces it: 'plan --out /dev/full' (as root) turned the
    device into a regular file. Refused before any work, as is a path under a file."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    args = {
        "plan": ["plan", *CASE],
        "profile": ["profile", *CASE],
        "report": ["report", str(tmp_path / "no-results")],
    }[command]
    assert main([*args, "--out", str(fifo)]) == 2
    assert one_error_line(capsys) == f"error: --out '{fifo}' exists and is not a regular file"
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    under = tmp_path / "file" / "x.out"
    (tmp_path / "file").write_text("x")
    assert main([*args, "--out", str(under)]) == 2
    assert f"is under the file '{tmp_path / 'file'}'" in one_error_line(capsys)


@pytest.mark.torch
@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--epochs", "-1"], "--epochs must be >= 0, got -1"),  # trained as if 0
        (["--lr", "nan"], "--lr must be a finite number > 0, got nan"),  # trained on NaN
        (["--ft-lr", "-1"], "--ft-lr must be a finite number > 0, got -1.0"),
        (["--distill", "inf"], "--distill must be a finite number >= 0, got inf"),
        (["--limit-train", "-5"], "--limit-train must be >= 1, got -5"),  # all but 5 images
        (["--layers", "nope"], "no layer 'nope' in the model"),  # left an empty run directory
        (["--data", "/nonexistent-fmnist"], "Fashion-MNIST file /nonexistent-fmnist/"),
    ],
)
def test_variants_train_checks_its_values_before_making_the_run_directory(
    tmp_path, capsys, extra, needle
):
    pytest.importorskip("torch", reason="needs the variants extra")
    out = tmp_path / "run"
    assert main(["variants", "train", "--out", str(out), *extra]) == 2
    assert needle in one_error_line(capsys)
    assert not out.exists()
    (tmp_path / "file").write_text("x")  # was a FileExistsError traceback
    assert main(["variants", "train", "--out", str(tmp_path / "file")]) == 2
    assert "exists and is not a directory" in one_error_line(capsys)
