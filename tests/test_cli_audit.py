"""Bad input found by a second walk of every command: exit 2, one ``error:`` line, nothing
written (DEVELOPERS.md)."""

from pathlib import Path

import pytest

from terastal.cli import main
from terastal.model import MAX_SEED
from terastal.testing.cli import TINY_SUITE, forbid_points, one_error_line

DATA = Path(__file__).parent / "data" / "bound"
CASE = ["--scenario", str(DATA / "pair.yaml"), "--platform", str(DATA / "ws_os.yaml")]
HUGE = str(2**70)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["simulate", *CASE, "--no-progress", "--seed", HUGE],
         f"error: field '--seed': must be <= {MAX_SEED}, got {HUGE}"),
        (["compare", *CASE, "--no-progress", "--seeds", HUGE],
         f"error: --seeds must be <= {MAX_SEED}, got '{HUGE}'"),
        (["bound", *CASE, "--seed", HUGE], f"error: --seed must be <= {MAX_SEED}, got {HUGE}"),
    ],
)  # fmt: skip
def test_a_seed_above_the_stores_range_is_refused(tmp_path, capsys, args, needle):
    """Seeds are stored in signed 64-bit columns; 2**70 ran, then broke a sweep's store."""
    out = tmp_path / "o"
    assert main([*args, "--duration-ms", "5", "--out", str(out)]) == 2
    assert one_error_line(capsys) == needle
    assert not out.exists()


def test_the_largest_seed_runs(tmp_path):
    assert main(["simulate", *CASE, "--no-progress", "--duration-ms", "2", "--seed",
                 str(MAX_SEED)]) == 0  # fmt: skip


def test_a_grid_seed_above_the_stores_range_is_refused_at_load(tmp_path, capsys):
    """It was an OverflowError traceback from pyarrow after the point had run."""
    grid = tmp_path / "g.yaml"
    grid.write_text(
        f"scenarios: [{DATA / 'pair.yaml'}]\nplatforms: [{DATA / 'ws_os.yaml'}]\n"
        f"schedulers: [edf]\nseeds: [{HUGE}]\nduration_ms: 5\n"
    )
    out = tmp_path / "r"
    assert main(["sweep", str(grid), "--out", str(out), "--no-progress", "--workers", "1"]) == 2
    assert one_error_line(capsys) == (
        f"error: {grid}:4: field 'seeds[0]': must be <= {MAX_SEED}, got {HUGE}"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("seeds", "needle"),
    [
        ("[0, 0]", "field 'seeds': lists a seed twice: [0, 0]"),  # ran every point twice
        (f"[{HUGE}]", f"field 'seeds[0]': must be <= {MAX_SEED}, got {HUGE}"),
    ],
)
def test_suite_seeds_are_distinct_and_in_range(tmp_path, capsys, monkeypatch, seeds, needle):
    forbid_points(monkeypatch)
    suite = tmp_path / "s.yaml"
    suite.write_text(TINY_SUITE.replace("seeds: [0]", f"seeds: {seeds}"))
    out = tmp_path / "o"
    assert main(["reproduce", "--suite", str(suite), "--out", str(out)]) == 2
    assert one_error_line(capsys) == f"error: {suite}:4: {needle}"
    assert not out.exists()


def test_reproduce_random_seed_above_the_range(tmp_path, capsys, monkeypatch):
    forbid_points(monkeypatch)
    out = tmp_path / "o"
    assert main(["reproduce", "--quick", "--random", "1", "--seed", HUGE, "--out", str(out)]) == 2
    assert one_error_line(capsys) == f"error: --seed must be <= {MAX_SEED}, got {HUGE}"
    assert not out.exists()


def test_compare_takes_seed_as_a_hidden_alias_of_seeds(tmp_path, capsys):
    """simulate and bound spell it --seed: 'compare --seed 3' was 'No such option'."""
    import json

    from typer.testing import CliRunner

    from terastal.cli import app

    args = ["compare", *CASE, "--no-progress", "--duration-ms", "5", "--schedulers", "edf"]
    for flag in ("--seeds", "--seed"):
        assert main([*args, flag, "1,3", "--out", str(tmp_path / flag)]) == 0
    summaries = [
        json.loads((tmp_path / f / "summary.json").read_text()) for f in ("--seeds", "--seed")
    ]
    assert summaries[0]["seeds"] == summaries[1]["seeds"] == [1, 3]
    capsys.readouterr()
    assert main([*args, "--seeds", "1", "--seed", "2"]) == 2
    assert one_error_line(capsys) == "error: field '--seed': give --seeds or --seed, not both"
    help_text = CliRunner().invoke(app, ["compare", "--help"], terminal_width=200).output
    assert "--seeds" in help_text and "--seed " not in help_text  # one spelling documented


def test_reproduce_takes_no_progress_like_the_other_long_commands(tmp_path, monkeypatch):
    """simulate, compare and sweep take --progress/--no-progress; reproduce refused it."""
    from rich import progress

    shown = []
    real = progress.Progress

    def spy(*a, **kw):
        shown.append(kw.get("disable", False))
        return real(*a, **kw)

    monkeypatch.setattr(progress, "Progress", spy)
    suite = tmp_path / "s.yaml"
    suite.write_text(TINY_SUITE)
    out = tmp_path / "o"
    args = ["reproduce", "--suite", str(suite), "--schedulers", "edf", "--workers", "1"]
    assert main([*args, "--out", str(out), "--no-progress"]) == 0
    assert (out / "summary.json").is_file() and shown == [True]


@pytest.mark.parametrize("command", ["simulate", "bound"])
def test_a_plan_that_is_a_directory_is_named_so(tmp_path, capsys, command):
    """It was reported as 'plan file not found' although the path exists."""
    out = tmp_path / "o"
    args = [command, *CASE, "--duration-ms", "5", "--plan", str(tmp_path), "--out", str(out)]
    if command == "simulate":
        args += ["--scheduler", "terastal", "--no-progress"]
    assert main(args) == 2
    assert one_error_line(capsys) == (
        f"error: {tmp_path}: field '--plan': is a directory, not a plan file"
    )
    assert not out.exists()


@pytest.mark.parametrize("sub", ["info", "clear"])
def test_cache_commands_name_a_cache_dir_that_is_a_file(tmp_path, capsys, monkeypatch, sub):
    """Both reported an empty cache at the file (and clear said it removed 0 entries)."""
    f = tmp_path / "f"
    f.write_text("keep me")
    monkeypatch.setenv("TERASTAL_CACHE_DIR", str(f))
    assert main(["cache", sub]) == 2
    assert one_error_line(capsys) == (
        f"error: field 'TERASTAL_CACHE_DIR': '{f}' is not a directory"
    )
    assert f.read_text() == "keep me"


def test_xrbench_check_refuses_a_negative_max_rows_before_any_case(tmp_path, capsys):
    """--max-rows -1 was taken as 0 silently."""
    assert main(["xrbench-check", str(tmp_path), "--max-rows", "-1"]) == 2
    assert one_error_line(capsys) == "error: --max-rows must be >= 0, got -1"


@pytest.mark.parametrize(
    ("task", "needle"),
    [
        ("network: nope", "field 'tasks[0].network': no network 'nope'; available: cls, seg, kp"),
        ("name: t", "field 'tasks[0].model': file holds several networks, choose one of: "
                    "cls, seg, kp"),
    ],
)  # fmt: skip
def test_a_network_choice_is_named_in_the_scenario(tmp_path, capsys, task, needle):
    """The error named the .m file alone, not the scenario line that chose the network."""
    scen = tmp_path / "s.yaml"
    scen.write_text(
        f"name: s\ntasks:\n  - {{model: {DATA / 'nets.m'}, {task}, fps: 100, deadline_ms: 2}}\n"
    )
    args = ["simulate", "-s", str(scen), "-p", str(DATA / "ws_os.yaml"), "--no-progress"]
    assert main(args) == 2
    assert one_error_line(capsys) == f"error: {scen}:3: {needle} (in {DATA / 'nets.m'})"


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--budgets", "x"], "field '--budgets': unknown budget policy 'x'"),
        (["--accuracy-ceiling", "-1"], "field '--accuracy-ceiling': must be in [0, 1), got -1.0"),
        (["--target-utilization", "nan"], "field '--target-utilization': must be > 0, got nan"),
        (["--no-bundled-accuracy", "--target-utilization", "-1"],
         "field '--target-utilization': must be > 0, got -1.0"),
    ],
)  # fmt: skip
def test_plan_errors_name_the_flag_not_the_planners_field(tmp_path, capsys, extra, needle):
    """They named 'budgets', 'accuracy_ceiling', 'target_utilization': no such flags."""
    out = tmp_path / "p.json"
    assert main(["plan", *CASE, "--out", str(out), *extra]) == 2
    assert needle in one_error_line(capsys)
    assert not out.exists()


def test_a_second_ctrl_c_keeps_the_sweeps_resume_note(tmp_path, capsys, monkeypatch):
    """A second SIGINT while the sweep counted its stored points ended the command with a
    bare 'interrupted (SIGINT)': the note saying what was kept and how to resume was lost."""
    pytest.importorskip("pyarrow", reason="needs the sweep extra")
    import os
    import signal

    import terastal.sweep as sweep
    from terastal.errors import Interrupted
    from terastal.sweep.store import ResultStore

    def interrupted(*args, **kwargs):
        raise Interrupted(signal.SIGINT)

    def done_under_a_second_signal(self):
        os.kill(os.getpid(), signal.SIGINT)
        return {"p0", "p1"}

    monkeypatch.setattr(sweep, "run_sweep", interrupted)
    monkeypatch.setattr(ResultStore, "done", done_under_a_second_signal)
    grid = tmp_path / "g.yaml"
    grid.write_text(
        f"scenarios: [{DATA / 'pair.yaml'}]\nplatforms: [{DATA / 'ws_os.yaml'}]\n"
        "schedulers: [edf]\nseeds: [0]\nduration_ms: 5\n"
    )
    out = tmp_path / "r"
    assert main(["sweep", str(grid), "--out", str(out), "--no-progress"]) == 130
    err = capsys.readouterr().err.strip()
    assert (
        err == f"interrupted (SIGINT): 2 point(s) stored in {out}; run the same command to resume"
    )


def test_reproduce_refuses_an_out_holding_files_it_does_not_write(tmp_path, capsys, monkeypatch):
    """Its outputs replace --out as a whole: a directory of the user's was deleted with it."""
    forbid_points(monkeypatch)
    suite = tmp_path / "s.yaml"
    suite.write_text(TINY_SUITE)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.txt").write_text("keep me")
    (out / "summary.json").write_text("{}")  # a name of its own is not the problem
    assert main(["reproduce", "--suite", str(suite), "--out", str(out)]) == 2
    assert one_error_line(capsys) == (
        f"error: field '--out': '{out}' holds 'thesis.txt', which reproduce does not write; its "
        "outputs replace the directory as a whole: give a new or empty directory"
    )
    assert (out / "thesis.txt").read_text() == "keep me"


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["simulate", *CASE, "--no-progress", "--duration-ms", "5", "--out", ""], "'--out' / '-o'"),
        (["bound", *CASE, "--duration-ms", "2", "--out", ""], "'--out' / '-o'"),
        (["reproduce", "--quick", "--out", ""], "'--out' / '-o'"),
        (["sweep", "", "--out", "r"], "'grid'"),
        (["simulate", *CASE, "--scheduler", "terastal", "--plan", ""], "'--plan'"),
    ],
)
def test_an_empty_path_is_refused(tmp_path, capsys, monkeypatch, args, flag):
    """Path('') is '.': '--out $UNSET' wrote into the working directory, and reproduce, whose
    outputs replace --out as a whole, would have replaced it."""
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    assert one_error_line(capsys).startswith(f"error: Invalid value for {flag}: an empty path")
    assert list(tmp_path.iterdir()) == []


class _SpyError(Exception):
    """Raised by a spy once it has seen what it was put in to see."""


def test_a_sweep_starts_no_more_local_workers_than_points(tmp_path, monkeypatch):
    """'--workers 1000' on a one-point grid asked the local cluster for 1000 processes."""
    pytest.importorskip("dask.distributed", reason="needs the sweep extra")
    import terastal.sweep.runner as runner
    from terastal.sweep import load_grid, run_sweep

    asked = []

    def spy(address, workers):
        asked.append(workers)
        raise _SpyError

    monkeypatch.setattr(runner, "_client", spy)
    grid = tmp_path / "g.yaml"
    grid.write_text(
        f"scenarios: [{DATA / 'pair.yaml'}]\nplatforms: [{DATA / 'ws_os.yaml'}]\n"
        "schedulers: [edf, fcfs]\nseeds: [0]\nduration_ms: 5\n"
    )
    with pytest.raises(_SpyError):
        run_sweep(load_grid(grid), tmp_path / "r", workers=1000, progress=False)
    assert asked == [2]


def test_reproduce_forks_no_more_workers_than_points(tmp_path, monkeypatch):
    """The pool forks all its workers at once: '--workers 1000' forked 1000 for two points."""
    import terastal.reproduce.runner as runner
    from terastal.reproduce import load_suite, run_suite

    asked = []

    def spy(workers):
        asked.append(workers)
        raise _SpyError

    monkeypatch.setattr(runner, "make_pool", spy)
    suite = tmp_path / "s.yaml"
    suite.write_text(TINY_SUITE.replace("utilizations: [0.6]", "utilizations: [0.5, 0.6]"))
    with pytest.raises(_SpyError):
        run_suite(load_suite(suite), ["edf", "fcfs"], workers=1000)
    assert asked == [2]


def test_variants_train_names_unfreeze_in_its_error(tmp_path, capsys):
    pytest.importorskip("torch", reason="needs the variants extra")
    out = tmp_path / "run"
    assert main(["variants", "train", "--out", str(out), "--unfreeze", "bn,bogus"]) == 2
    assert one_error_line(capsys) == (
        "error: field '--unfreeze': unknown unfreeze option(s) ['bogus']: "
        "choose from ('bn', 'classifier')"
    )
    assert not out.exists()
