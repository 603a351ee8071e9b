"""Bad values, guarded work, output directories and damaged results: exit 2, one line."""

import json
from pathlib import Path

import pytest

from terastal.cli import main
from terastal.model.work import DISPATCHES_PER_JOB, MAX_JOBS, WorkEstimate, estimate_work
from terastal.testing.cli import one_error_line

DATA = Path(__file__).parent / "data" / "bound"
CASE = ["--scenario", str(DATA / "pair.yaml"), "--platform", str(DATA / "ws_os.yaml")]
SIM = ["simulate", *CASE, "--duration-ms", "20", "--no-progress"]


def test_estimate_counts_every_release_and_layer():
    class M:
        def __len__(self):
            return 10

    class T:
        def __init__(self, fps):
            self.name, self.fps, self.model = f"t{fps}", fps, M()
            self.depends_on, self.probability = None, 1.0

    # Releases over 1 s and the load-only tail after it (1 s more): 2 s of frames.
    est = estimate_work([T(100.0), T(30.0)], 1.0)
    assert est == WorkEstimate(jobs=(200 + 1) + (60 + 1), dispatches=10 * 262)
    assert not est.exceeds() and est.refusal() is None
    huge = estimate_work([T(1e9)], 1.0)
    assert huge.exceeds() and "--max-jobs" in huge.refusal()
    assert not huge.exceeds(max_jobs=5e9)  # raising the one flag raises both ceilings
    assert huge.exceeds(max_jobs=1.5e9)  # the tail's releases are counted too
    assert estimate_work([T(1.0)], float("inf")).exceeds(max_jobs=1e18)
    assert MAX_JOBS * DISPATCHES_PER_JOB == 10_000_000


def test_estimate_counts_a_cascaded_task_at_its_roots_frames():
    # A child released by a 100 fps root, whose own fps (10) only sets its deadline, is
    # released up to 100 times a second: the bound counts that, not 10 (over 1 s and the
    # load-only tail after it).
    class T:
        def __init__(self, name, fps, depends_on=None):
            self.name, self.fps, self.depends_on, self.model = name, fps, depends_on, [0] * 4
            self.probability = 0.5 if depends_on else 1.0  # counted as always triggered

    tasks = [T("root", 100.0), T("mid", 50.0, "root"), T("leaf", 10.0, "mid")]
    assert estimate_work(tasks, 1.0) == WorkEstimate(jobs=3 * 201, dispatches=4 * 3 * 201)
    assert estimate_work(reversed(tasks), 1.0).jobs == 3 * 201  # any order


@pytest.mark.parametrize(
    "flag,value,needle",
    [
        ("--duration-ms", "inf", "'--duration-ms': must be a finite number > 0"),
        ("--duration-ms", "nan", "'--duration-ms': must be a finite number > 0"),
        ("--duration-ms", "1e12", "would create"),
        ("--duration-ms", "-5", "--duration-ms"),
        ("--seed", "-1", "'--seed': must be a non-negative integer"),
        ("--max-jobs", "10", "raise --max-jobs"),
        ("--max-jobs", "0", "'--max-jobs': must be a number > 0"),
        ("--max-jobs", "nan", "'--max-jobs': must be a number > 0"),
    ],
)
def test_simulate_bad_numbers_exit_2(tmp_path, capsys, flag, value, needle):
    out = tmp_path / "o"
    assert main([*SIM, flag, value, "--out", str(out)]) == 2
    assert needle in one_error_line(capsys)
    assert not out.exists()


def test_scenario_rate_above_the_guard_is_refused(tmp_path, capsys):
    sc = tmp_path / "fast.yaml"
    sc.write_text((DATA / "pair.yaml").read_text().replace("fps: 750", "fps: 1e9"))
    (tmp_path / "nets.m").write_text((DATA / "nets.m").read_text())
    args = ["simulate", "--scenario", str(sc), "--platform", str(DATA / "ws_os.yaml")]
    assert main([*args, "--duration-ms", "1000", "--no-progress"]) == 2
    err = one_error_line(capsys)
    assert "~4e+09 jobs" in err and "--max-jobs" in err  # 1 s and its tail at 1e9 fps x 2


def test_out_under_a_file_and_file_outputs(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    assert main([*SIM, "--out", str(f / "sub")]) == 2
    assert "is under the file" in one_error_line(capsys)
    assert main([*SIM, "--out", str(f)]) == 2
    assert "not a directory" in one_error_line(capsys)
    assert main(["profile", *CASE, "--out", str(tmp_path)]) == 2
    assert "is a directory" in one_error_line(capsys)


def test_simulate_rerun_without_trace_removes_the_old_trace(tmp_path, capsys):
    out = tmp_path / "o"
    assert main([*SIM, "--out", str(out)]) == 0
    assert (out / "trace.json").exists()
    (out / "notes.txt").write_text("mine")
    assert main([*SIM, "--no-trace", "--seed", "1", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["jobs.csv", "metrics.json", "notes.txt"]


def test_compare_bad_seeds_and_no_stale_runs(tmp_path, capsys):
    base = ["compare", *CASE, "--duration-ms", "20", "--no-progress"]
    assert main([*base, "--seeds=-1"]) == 2
    assert "--seeds must be >= 0" in one_error_line(capsys)
    out = tmp_path / "c"
    assert main([*base, "--schedulers", "edf,fcfs", "--seeds", "0-1", "--out", str(out)]) == 0
    assert len(list((out / "runs").glob("*.json"))) == 4
    assert main([*base, "--schedulers", "edf", "--seeds", "0", "--out", str(out)]) == 0
    assert [p.name for p in (out / "runs").iterdir()] == ["edf-seed0.json"]
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary["schedulers"]) == ["edf"]


def test_results_limit_and_damaged_parquet(tmp_path, capsys):
    pytest.importorskip("duckdb")
    from terastal.sweep.store import ResultStore

    store = ResultStore(tmp_path / "r")
    store.write_row({"point_id": "a", "status": "ok", "scheduler": "edf", "mean_miss_rate": 0.5})
    assert main(["results", str(store.root), "--limit", "-1"]) == 2
    assert "--limit" in one_error_line(capsys)
    for name, data in [("empty", b""), ("junk", b"not parquet at all"), ("cut", None)]:
        bad = store.runs / f"{name}.parquet"
        good = (store.runs / "a.parquet").read_bytes()
        bad.write_bytes(good[: len(good) // 2] if data is None else data)
        for cmd in (["results", str(store.root)], ["report", str(store.root), "--no-trace"]):
            out = tmp_path / "report.html"
            assert main([*cmd, "--out", str(out)] if cmd[0] == "report" else cmd) == 2
            err = one_error_line(capsys)
            assert str(bad) in err and "damaged results file" in err
            assert not out.exists()
        bad.unlink()


def test_results_of_an_all_error_sweep_lists_the_errors(tmp_path, capsys):
    pytest.importorskip("duckdb")
    from terastal.sweep.store import ResultStore

    store = ResultStore(tmp_path / "r")
    for i in range(2):
        store.write_row(
            {"point_id": f"p{i}", "status": "error", "scenario": "s", "platform": "p",
             "scheduler": "edf", "seed": i, "error": f"InputError: bad thing {i}"}
        )  # fmt: skip
    assert main(["results", str(store.root)]) == 0
    text = capsys.readouterr().out
    assert "bad thing 0" in text and "bad thing 1" in text


@pytest.mark.parametrize(
    "scheduler,options",
    [
        ("dream", ["block=abc"]),
        ("dream", ["block=-1"]),
        ("dream", ["block=4.5"]),
        ("dream", ["window=0"]),
        ("dream", ["w_urgency=0", "w_fairness=0", "w_energy=0"]),
        ("terastal", ["variants=maybe"]),
    ],
)
def test_bad_scheduler_options_exit_2(tmp_path, capsys, scheduler, options):
    out = tmp_path / "o"
    opts = [x for o in options for x in ("-O", o)]
    assert main([*SIM, "--scheduler", scheduler, *opts, "--out", str(out)]) == 2
    err = one_error_line(capsys)
    assert options[0].split("=")[0] in err
    assert not out.exists()


def test_grid_with_bad_scheduler_options_fails_at_load(tmp_path, capsys):
    pytest.importorskip("dask.distributed", reason="needs the sweep extra")
    grid = tmp_path / "g.yaml"
    grid.write_text(
        f"scenarios: [{DATA / 'pair.yaml'}]\nplatforms: [{DATA / 'ws_os.yaml'}]\n"
        "schedulers: [dream]\nseeds: [0]\nduration_ms: 5\n"
        "scheduler_options: {dream: {block: -1}}\n"
    )
    assert main(["sweep", str(grid), "--out", str(tmp_path / "r"), "--dry-run"]) == 2
    assert "block" in one_error_line(capsys)
