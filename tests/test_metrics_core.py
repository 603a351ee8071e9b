"""Metrics, XRBench scores and output files."""

import csv
import json
import math

import pytest

from terastal.metrics import (
    WALL_CLOCK_KEYS,
    compute_metrics,
    energy_score,
    jobs_csv,
    model_score,
    realtime_score,
    trace_events,
    write_run,
)
from terastal.model import Scenario, Task
from terastal.schedulers import make_scheduler
from terastal.sim import check_invariants, simulate
from terastal.sim.synthetic import make_tables, random_case, tiny_model, tiny_platform

MS = 1e-3


def test_xrbench_realtime_and_energy_scores():
    assert realtime_score(10.0, 10.0) == 0.5
    assert realtime_score(5.0, 10.0) == pytest.approx(1 / (1 + math.exp(-75)))
    assert realtime_score(1e6, 1.0) == 0.0  # no overflow
    assert realtime_score(10.1, 10.0) == pytest.approx(1 / (1 + math.exp(1.5)))
    assert energy_score(0.0) == 1.0
    assert energy_score(750.0) == 0.5
    assert energy_score(3000.0) == 0.0


def test_xrbench_model_score_counts_drops_twice():
    # 4 requests: two on time at zero energy (RT*ES ~ 1), one exactly at deadline (0.5), one
    # dropped: sum 2.5 / 4 requests, UX = 3/4.
    done = [(1.0, 10.0, 0.0), (2.0, 10.0, 0.0), (10.0, 10.0, 0.0)]
    s = model_score(done, released=4, dropped=1)
    assert s["ux"] == 0.75
    assert s["score"] == pytest.approx(0.75 * 2.5 / 4)
    assert model_score([], 0, 0)["score"] == 0.0


def _case():
    # a: 2 layers of 2 ms on A0 every 5 ms (deadline 5); b: 1 layer of 3 ms on A0 every 10 ms.
    tasks = (
        Task("a", tiny_model("a", 2), fps=200),
        Task("b", tiny_model("b", 1), fps=100, deadline_s=4 * MS),
    )
    lat = {"a": [[2 * MS, 9 * MS]] * 2, "b": [[3 * MS, 9 * MS]]}
    return Scenario("s", tasks), tiny_platform(2), make_tables(tasks, lat)


def test_metrics_by_hand_under_edf():
    sc, pf, tb = _case()
    r = simulate(sc, pf, tb, make_scheduler("edf"), duration_s=10 * MS, seed=0)
    check_invariants(r)
    # EDF on A0: b0 (ddl 4) 0-3; a0 (ddl 5) 3-5, 5-7: late; a1 (released 5, ddl 10) 7-9,
    # 9-11: late.
    m = compute_metrics(r)
    a, b = m["models"]["a"], m["models"]["b"]
    assert (a["released"], a["in_time"], a["late"], a["dropped"]) == (2, 0, 2, 0)
    assert (b["released"], b["in_time"], b["late"]) == (1, 1, 0)
    assert a["completed"] == 2 and a["miss_rate"] == 1.0 and b["miss_rate"] == 0.0
    assert a["p50_ms"] == pytest.approx(6.5) and a["p99_ms"] == pytest.approx(6.99)
    assert b["p50_ms"] == pytest.approx(3.0)
    assert m["mean_miss_rate"] == pytest.approx(0.5)
    assert m["miss_rate_overall"] == pytest.approx(2 / 3)
    assert a["energy_mj"] == pytest.approx(8.0)  # 1 W x 8 ms
    assert m["energy_mj"] == pytest.approx(11.0)
    assert m["accelerators"]["A0"]["utilization"] == pytest.approx(11 / 11)
    assert m["accelerators"]["A1"]["utilization"] == 0.0
    assert m["end_s"] == pytest.approx(11 * MS)
    assert m["accuracy_loss_mean"] == 0.0
    rt_a = (realtime_score(7, 5) * energy_score(4) + realtime_score(6, 5) * energy_score(4)) / 2
    rt_b = realtime_score(3, 4) * energy_score(3)
    assert a["xrbench_score"] == pytest.approx(100 * rt_a)
    assert m["xrbench_score"] == pytest.approx(100 * (rt_a + rt_b) / 2)
    assert set(m["sim"]) >= {"dispatches", "wall_s", "decision_us_p50", "decision_us_p99"}
    assert m["sim"]["dispatches"] == 5


def test_accuracy_loss_hook():
    tasks = (Task("t", tiny_model("t", 2), fps=100),)
    tb = make_tables(tasks, {"t": [[MS, MS]] * 2}, var_latency={"t": {0: [0.5 * MS, 0.5 * MS]}})
    sc, pf = Scenario("s", tasks), tiny_platform(2)

    class AlwaysVariant:
        name = "v"

        def decide(self, view):
            out, free = [], list(view.idle_accelerators)
            for job in view.ready_jobs:
                layer = job.next_layer
                if free:
                    out.append((job, layer, free.pop(), job.costs.var_lat[layer] is not None))
            return out

    r = simulate(sc, pf, tb, AlwaysVariant(), duration_s=0.05)
    assert compute_metrics(r)["models"]["t"]["accuracy_loss_mean"] is None  # unknown
    m = compute_metrics(r, accuracy_loss=lambda task, v: 0.02 * len(v))
    assert m["models"]["t"]["accuracy_loss_mean"] == pytest.approx(0.02)
    assert m["accuracy_loss_mean"] == pytest.approx(0.02)
    assert m["models"]["t"]["variant_jobs"] == 5


def _strip(metrics):
    metrics = json.loads(json.dumps(metrics))
    for k in WALL_CLOCK_KEYS:
        metrics["sim"].pop(k)
    return metrics


def test_outputs_are_complete_and_byte_identical_for_the_same_seed(tmp_path):
    sc, pf, tb = random_case(9, load=0.9)  # jitter and a cascade
    outs = []
    for i in range(2):
        r = simulate(sc, pf, tb, make_scheduler("edf"), duration_s=0.5, seed=11)
        m = compute_metrics(r)
        write_run(tmp_path / f"run{i}", r, m)
        outs.append(tmp_path / f"run{i}")
    a, b = (json.loads((o / "metrics.json").read_text()) for o in outs)
    for key in ("scheduler", "seed", "models", "mean_miss_rate", "xrbench_score", "sim"):
        assert key in a
    for m in a["models"].values():
        assert m["released"] == m["completed"] + m["dropped"] + m["unreleased"]
        for key in ("miss_rate", "p50_ms", "p99_ms", "energy_mj", "late"):
            assert key in m
    assert json.dumps(_strip(a)) == json.dumps(_strip(b))
    assert (outs[0] / "jobs.csv").read_bytes() == (outs[1] / "jobs.csv").read_bytes()
    assert (outs[0] / "trace.json").read_bytes() == (outs[1] / "trace.json").read_bytes()
    rows = list(csv.DictReader((outs[0] / "jobs.csv").open()))
    assert len(rows) == len(r.counted_jobs)
    assert {row["status"] for row in rows} <= {"in_time", "late", "dropped"}
    other = simulate(sc, pf, tb, make_scheduler("edf"), duration_s=0.5, seed=12)
    assert jobs_csv(other) != jobs_csv(r)


def test_trace_has_one_track_per_accelerator_and_a_slice_per_layer():
    sc, pf, tb = random_case(5, load=0.7, num_accelerators=3)
    r = simulate(sc, pf, tb, make_scheduler("fcfs"), duration_s=0.3, seed=0)
    t = trace_events(r)
    names = [
        e["args"]["name"] for e in t["traceEvents"] if e["name"] == "thread_name" and e["pid"] == 1
    ]
    assert names == ["A0", "A1", "A2"]
    layers = [e for e in t["traceEvents"] if e["ph"] == "X" and e["cat"] != "transfer"]
    assert len(layers) == r.dispatches
    assert all({"job", "frame", "variant"} <= set(e["args"]) for e in layers)
    assert sum(e["ph"] == "b" for e in t["traceEvents"]) == len(r.counted_jobs)


def test_write_into_existing_directory_keeps_other_files(tmp_path):
    sc, pf, tb = _case()
    r = simulate(sc, pf, tb, make_scheduler("edf"), duration_s=0.01)
    (tmp_path / "keep.txt").write_text("x")
    write_run(tmp_path, r, compute_metrics(r), trace=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["jobs.csv", "keep.txt", "metrics.json"]
