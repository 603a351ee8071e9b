"""The xrbench profile against XRBench-MAESTRO's own outputs, and its documented parts."""

from pathlib import Path

import pytest

from bundled_names import XRBENCH_USAGE
from terastal.io.resolve import list_platforms, load_platform, load_scenario
from terastal.xrbench import run_xrbench, to_metrics
from terastal.xrbench.check import collect_cases, read_schedule, read_summary
from terastal.xrbench.compat import schedule_csv, summary_csv
from terastal.xrbench.costs import cost_matrix
from terastal.xrbench.engine import LogEntry
from terastal.xrbench.score import score_log
from terastal.xrbench.workload import base_tick_ms, xrbench_tasks

REF = Path(__file__).parent / "data" / "xrbench-reference"
# outputs of the built XRBench-MAESTRO binary on grid cases (benchmarks/xrbench_grid.py)
GRID = Path(__file__).parent / "data" / "xrbench_maestro"
CASES = collect_cases([REF, GRID])
DETERMINISTIC = [c for c in CASES if c.seed is None]
SEEDED = [c for c in CASES if c.seed is not None]


def _run(case):
    return run_xrbench(case.scenario, case.platform, seed=case.seed)


@pytest.mark.parametrize("case", DETERMINISTIC, ids=lambda c: c.name)
def test_deterministic_case_matches_summary(case):
    run = _run(case)
    ref, overall = read_summary(CASES[case]["summary"])
    assert [m.model for m in run.models] == list(ref)
    for m in run.models:
        assert m.rt == pytest.approx(ref[m.model][0], abs=0.01)
        assert m.energy == pytest.approx(ref[m.model][1], abs=0.01)
        assert m.ux == pytest.approx(ref[m.model][2], abs=0.01)
    assert run.score == pytest.approx(overall, abs=0.1)


@pytest.mark.parametrize("case", DETERMINISTIC, ids=lambda c: c.name)
def test_deterministic_case_matches_schedule(case):
    run = _run(case)
    ref = read_schedule(CASES[case]["schedule"])
    assert [(r.accelerator, r.model, r.frame) for r in run.schedule] == [
        (r.accelerator, r.model, r.frame) for r in ref
    ]
    for ours, theirs in zip(run.schedule, ref, strict=True):
        for f in ("injection_ms", "dispatch_ms", "deadline_ms", "completion_ms", "violation_ms"):
            assert getattr(ours, f) == pytest.approx(getattr(theirs, f), abs=1e-3)


@pytest.mark.parametrize("case", list(CASES), ids=lambda c: c.name)
def test_output_files_are_identical(case):
    # XRBench prints float32 values with 6 decimals: ours print to the same bytes
    run = _run(case)
    assert schedule_csv(run) == CASES[case]["schedule"].read_text()
    assert summary_csv(run) == CASES[case]["summary"].read_text()


def test_reference_set_has_seeded_stochastic_cases():
    assert {1, 42} <= {c.seed for c in SEEDED}
    assert all(load_scenario(c.scenario).tasks for c in SEEDED)


def test_seed_changes_stochastic_runs_only():
    a = run_xrbench("VR_gaming_50p", "Dual_4K/WS_OS", seed=42)
    b = run_xrbench("VR_gaming_50p", "Dual_4K/WS_OS", seed=43)
    assert a.schedule != b.schedule
    assert run_xrbench("VR_gaming_50p", "Dual_4K/WS_OS", seed=42) == a
    det = [run_xrbench("VR_gaming", "Dual_4K/WS_OS", seed=s) for s in (1, 2)]
    assert det[0].schedule == det[1].schedule and det[0].score == det[1].score


def test_workload_transform():
    tasks = {t.name: t for t in xrbench_tasks(load_scenario("AR_Assistant"))}
    # integer periods 1000 // fps and floor(700 / T) requests
    assert tasks["DE_midas_v21_small"][1:4] == (30, 33.0, 21)
    assert tasks["KD_res8_narrow"][1:4] == (3, 333.0, 2)
    assert tasks["ASR_EM_24L"].depends_on == ("KD_res8_narrow",)
    assert tasks["ASR_EM_24L"].probability == 0.5
    vr = xrbench_tasks(load_scenario("VR_gaming"))
    assert [(t.period_ms, t.requests) for t in vr] == [(16.0, 43), (16.0, 43), (22.0, 31)]
    assert base_tick_ms(vr) == 16.0


@pytest.mark.parametrize(
    ("scenario", "stop"),
    [("VR_gaming", 672.0), ("AR_gaming", 660.0), ("outdoor_activity_B", 660.0)],
)
def test_run_stops_after_the_last_release(scenario, stop):
    run = run_xrbench(scenario, "Dual_4K/WS_OS")
    last_release = max(r.injection_ms for r in run.schedule)
    assert last_release <= stop < run.stop_ms
    # in-flight and queued work at the stop is not logged (XRBench's early stop)
    assert sum(c.unlogged for c in run.counts) > 0


def test_every_bundled_platform_has_costs_for_every_scenario():
    platforms = list_platforms()
    assert len(platforms) == 38
    for s in XRBENCH_USAGE:
        sc = load_scenario(s)
        for p in platforms:
            costs = cost_matrix(sc, load_platform(p))
            assert all(c.latency_ms > 0 and c.energy_mj > 0 for row in costs.values() for c in row)


def _entry(model, frame, comp, deadline, energy=0.0, dropped=False):
    return LogEntry(0, model, frame, 0.0, 0.0, deadline, comp, energy, dropped)


def test_scores_count_drops_twice_and_skip_models_without_logs():
    log = [
        _entry("A", 0, 5.0, 10.0, 0.0),  # RT ~ 1, EN = 1
        _entry("A", 1, 10.0, 10.0, 750.0),  # RT = 0.5, EN = 0.5
        _entry("A", 2, 20.0, 20.0, dropped=True),
        _entry("B", 0, 1.0, 10.0, 1500.0),  # EN = 0
    ]
    models, overall = score_log(log)
    a, b = models
    assert (a.completed, a.dropped) == (2, 1)
    assert a.rt == pytest.approx((1.0 + 0.5) / 2, abs=1e-6)
    assert a.energy == pytest.approx(0.75, abs=1e-6)
    assert a.ux == pytest.approx(2 / 3, abs=1e-6)
    # sum(RT * EN) / N * UX: the drop lowers both the mean and UX
    assert a.score == pytest.approx((1.0 + 0.25) / 3 * (2 / 3), abs=1e-6)
    assert b.score == 0.0
    # a third model "C" of the scenario with no log entry is not in the average
    assert overall == pytest.approx(100 * (a.score + b.score) / 2, abs=1e-4)


def test_dropped_upstream_blocks_the_dependent_model():
    # XRBench's count-based dependency gate: one dropped ES frame kills GE for the rest
    run = run_xrbench("VR_gaming", "Dual_4K_BigLittle/RS_RS")
    es = next(c for c in run.counts if c.model == "ES_RITNet")
    ge = next(m for m in run.models if m.model == "GE_FBNet_C")
    assert es.dropped >= 1
    assert ge.ux < 0.1


def test_to_metrics_keys():
    m = to_metrics(run_xrbench("VR_gaming", "Dual_4K/WS_OS"))
    assert m["xrbench_score"] == pytest.approx(62.121647, abs=1e-5)
    assert set(m["xrbench"]["GE_FBNet_C"]) == {"rt", "energy", "ux", "score"}
    es = m["models"]["ES_RITNet"]
    assert es["released"] == 43 and es["completed"] == 42 and es["unlogged"] == 1
    assert 0.0 <= es["miss_rate"] <= 1.0


def test_other_cost_models_are_accepted():
    run = run_xrbench("VR_gaming", "Dual_4K/WS_OS", cost_model="analytical:mode=xrbench")
    assert run.schedule and 0.0 <= run.score <= 100.0


def test_cost_table_refuses_networks_it_does_not_describe():
    import dataclasses

    from terastal.errors import InputError

    sc = load_scenario("VR_gaming")
    task = sc.tasks[0]
    fewer = dataclasses.replace(task.model, layers=task.model.layers[:-1], edges=None)
    other = dataclasses.replace(sc, tasks=(dataclasses.replace(task, model=fewer), *sc.tasks[1:]))
    with pytest.raises(InputError, match="analytical:mode=xrbench"):
        run_xrbench(other, "Dual_4K/WS_OS")
    assert run_xrbench(other, "Dual_4K/WS_OS", cost_model="analytical:mode=xrbench").schedule
