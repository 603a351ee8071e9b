"""``terastal bound``, the trace it solves, and the comparison row."""

import json
from pathlib import Path

import pytest

pytest.importorskip("ortools")

from terastal.bound import build_trace
from terastal.bound.report import BOUND_KEYS, bound_row
from terastal.cli import main
from terastal.experiment import Case, prepare
from terastal.schedulers import make_scheduler
from terastal.sim import simulate

DATA = Path(__file__).parent / "data" / "bound"
CASCADE = str(DATA / "cascade.yaml")
PLATFORM = str(DATA / "ws_os.yaml")


@pytest.fixture(scope="module")
def case():
    p = prepare(Case(CASCADE, PLATFORM))
    return p.scenario, p.platform, p.tables()


def test_trace_is_the_simulators(case):
    sc, pf, tb = case
    trace = build_trace(sc, 0.02, 3)
    keys = {(j.task, j.frame) for j in trace.jobs}
    periodic = {(j.task, j.frame, j.release_s) for j in trace.jobs if not j.cascaded}
    assert trace.num_cascaded > 0
    for name in ("edf", "dream", "fcfs"):
        run = simulate(sc, pf, tb, make_scheduler(name), duration_s=0.02, seed=3)
        released = {(j.task_index, j.frame) for j in run.counted_jobs}
        assert released <= keys  # a cascaded job is released only if its draw fired
        assert {
            (j.task_index, j.frame, j.release) for j in run.counted_jobs if not j.task.depends_on
        } == (periodic)
    for job in trace.jobs:
        if job.cascaded:
            up = trace.jobs[job.upstream]
            assert up.frame == job.frame and up.id < job.id and job.release_s is None
            assert job.id in trace.dependents[up.id]


def test_bound_command_writes_bound_json(tmp_path):
    out = tmp_path / "b"
    args = ["bound", "--scenario", CASCADE, "--platform", PLATFORM, "--duration-ms", "8"]
    assert main([*args, "--seed", "1", "--time-limit", "10", "--out", str(out)]) == 0
    data = json.loads((out / "bound.json").read_text())
    for key in ("missed_best", "missed_lower_bound", "optimal", "instance", "timing", "jobs"):
        assert key in data
    assert data["optimal"] and data["missed_best"] == data["missed_lower_bound"]
    assert data["instance"]["jobs"] >= data["released"] == len(data["jobs"])
    assert {j["status"] for j in data["jobs"]} <= {"in_time", "late", "dropped"}
    assert data["metrics"]["scheduler"] == "bound"
    assert (out / "jobs.csv").read_text().count("\n") == data["released"] + 1


@pytest.mark.parametrize(
    ("flag", "value"), [("--group-layers", "0"), ("--duration-ms", "0"), ("--time-limit", "-1")]
)
def test_bound_command_rejects_bad_options(tmp_path, capsys, flag, value):
    args = ["bound", "--scenario", CASCADE, "--platform", PLATFORM, "--out", str(tmp_path)]
    assert main([*args, flag, value]) == 2
    assert flag in capsys.readouterr().err


def test_bound_row_looks_like_a_compare_row(case):
    sc, pf, tb = case
    row = bound_row(sc, pf, tb, 0.006, [0, 1], time_limit_s=10)
    for key in (*BOUND_KEYS, "mean_miss_rate", "miss_rate_by_model", "energy_mj", "runs"):
        assert key in row
    assert len(row["bounds"]) == 2 and len(row["runs"]) == 2
    assert row["missed_lower_bound"] <= row["missed_best"]
    assert row["missed_best"] == sum(b["missed_best"] for b in row["bounds"])


def test_bound_command_with_a_plan_uses_only_admissible_variants(tmp_path):
    plan = tmp_path / "plan.json"
    pair = str(DATA / "pair.yaml")
    base = ["--scenario", pair, "--platform", PLATFORM]
    accuracy = str(DATA / "accuracy.yaml")
    assert main(["plan", *base, "--accuracy-table", accuracy, "--out", str(plan)]) == 0
    out = tmp_path / "b"
    args = ["bound", *base, "--duration-ms", "6", "--time-limit", "10", "--plan", str(plan)]
    assert main([*args, "--out", str(out)]) == 0
    data = json.loads((out / "bound.json").read_text())
    from terastal.planner import Plan

    p = Plan.load(plan)
    for job in data["jobs"]:
        assert p.task(job["task"]).is_admissible(job["variants"])
    assert data["optimal"]


def test_compare_with_bound_adds_a_row(tmp_path):
    out = tmp_path / "c"
    args = ["compare", "--scenario", CASCADE, "--platform", PLATFORM, "--duration-ms", "6"]
    args += ["--schedulers", "edf,dream", "--seeds", "0-1", "--no-progress", "--with-bound"]
    assert main([*args, "--bound-time-limit", "10", "--out", str(out)]) == 0
    rows = json.loads((out / "summary.json").read_text())["schedulers"]
    assert list(rows) == ["edf", "dream", "bound"]
    bound = rows["bound"]
    assert bound["optimal"] and len(bound["bounds"]) == 2
    for seed in (0, 1):
        for name in ("edf", "dream"):
            run = json.loads((out / "runs" / f"{name}-seed{seed}.json").read_text())
            missed = sum(m["late"] + m["dropped"] for m in run["models"].values())
            assert bound["bounds"][seed]["missed_lower_bound"] <= missed


def _nothing_found(bm, time_limit_s, *, workers, random_seed, label="misses"):
    """A solve stopped by its time limit before any solution."""
    return {"status": "UNKNOWN", "found": False, "lower_bound": 0, "missed": None,
            "placements": [], "loss": None, "solver": None}  # fmt: skip


@pytest.mark.parametrize("hint", [True, False])
def test_bound_is_never_worse_than_the_online_schedules(case, monkeypatch, hint):
    import terastal.bound.solve as solve
    from terastal.bound.replay import missed_count

    sc, pf, tb = case
    monkeypatch.setattr(solve, "_solve_lexicographic", _nothing_found)
    sol = solve.solve_bound(sc, pf, tb, 0.02, 3, time_limit_s=1, hint=hint, relax=False)
    s = sol.summary
    online = {n: missed_count(simulate(sc, pf, tb, make_scheduler(n), duration_s=0.02, seed=3))
              for n in ("edf", "fcfs", "dream")}  # fmt: skip
    assert s["missed_best"] is not None and s["released"] == len(sol.result.counted_jobs)
    assert s["missed_best"] <= min(online.values())
    assert s["best_source"] == s["hint"]["scheduler"] and s["missed_best"] == s["hint"]["missed"]
