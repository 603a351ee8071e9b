"""Workload load measures, suite files and the reproduce summary."""

import pytest

from terastal.errors import InputError
from terastal.model import Scenario, Task
from terastal.reproduce.suite import load_suite
from terastal.reproduce.summary import summarize
from terastal.sim.synthetic import make_tables, tiny_model
from terastal.workloads import (
    accelerator_classes,
    max_density,
    measure_load,
    scale_to_utilization,
)


def _case():
    m1, m2 = tiny_model("m1", 2), tiny_model("m2", 1)
    sc = Scenario("s", (Task("a", m1, fps=100.0), Task("b", m2, fps=50.0)))
    # Cores 0 and 2 are identical (one class); core 1 is faster on a.l1 only.
    lat = {"a": [[1e-3, 3e-3, 1e-3], [4e-3, 2e-3, 4e-3]], "b": [[2e-3, 6e-3, 2e-3]]}
    return sc, make_tables(sc.tasks, lat)


def test_classes_utilization_and_skew_by_hand():
    sc, tables = _case()
    assert accelerator_classes(tables) == [0, 1, 0]
    load = measure_load(sc, tables)
    # Demand: a: 100 x (1 + 2) ms = 0.3 (0.1 on class 0, 0.2 on class 1); b: 50 x 2 ms = 0.1.
    assert load.utilization == pytest.approx(0.4 / 3)
    assert load.skew == pytest.approx(0.2 / 0.4)
    assert load.preferred_load == pytest.approx((0.1, 0.2, 0.1))
    assert max_density(sc, tables) == pytest.approx(0.3)


@pytest.mark.parametrize("shares", ["nominal", "equal"])
def test_scaling_hits_the_target_utilization(shares):
    sc, tables = _case()
    scaled = scale_to_utilization(sc, tables, 0.9, shares)
    assert measure_load(scaled, tables).utilization == pytest.approx(0.9)
    if shares == "equal":
        # Equal demand shares: each task's density = 0.9 x 3 cores / 2 tasks.
        dens = [t.fps * tables[t.name].latency_s.min(axis=1).sum() for t in scaled.tasks]
        assert dens == pytest.approx([1.35, 1.35])
    with pytest.raises(InputError, match="utilization"):
        scale_to_utilization(sc, tables, 0.0)


def test_bundled_suite_and_quick_subset_load():
    full, quick = load_suite(), load_suite(quick=True)
    assert {m.name for m in quick.mixes} < {m.name for m in full.mixes}
    assert quick.duration_ms < full.duration_ms


def test_bad_suite_names_the_field(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("name: x\nplatforms: [Dual_4K/WS_OS]\nutilizations: [0.5]\nseeds: [0]\n"
                 "mixes:\n  - {name: a, models: [resnet50], colour: red}\n")  # fmt: skip
    with pytest.raises(InputError, match=r"s\.yaml.*mixes\[0\]\.colour"):
        load_suite(p)
    p.write_text("name: x\nplatforms: [Dual_4K/WS_OS]\nutilizations: [-1]\nseeds: [0]\n"
                 "mixes:\n  - {name: a, models: [resnet50]}\n")  # fmt: skip
    with pytest.raises(InputError, match="utilizations"):
        load_suite(p)
    with pytest.raises(InputError, match="quick"):
        load_suite(p, quick=True)


def _row(s, mix, model, mr, loss=0.0, var=False):
    return {"scheduler": s, "mix": mix, "platform": "P", "utilization": 1.0, "seed": 0,
            "model": model, "miss_rate": mr, "accuracy_loss": loss, "has_variants": var,
            "energy_mj": 1.0, "skew": 0.9}  # fmt: skip


def test_summary_reductions_by_hand():
    rows = [
        _row("edf", "m1", "x", 0.4), _row("edf", "m1", "y", 0.6),
        _row("edf", "m2", "x", 0.2),
        _row("terastal", "m1", "x", 0.1, 0.02, True), _row("terastal", "m1", "y", 0.3),
        _row("terastal", "m2", "x", 0.1, 0.01, True),
    ]  # fmt: skip
    s = summarize(rows)
    # MR = mean over runs of the per-model mean: edf (0.5 + 0.2) / 2, terastal (0.2 + 0.1) / 2.
    assert s["mean_miss_rate"] == pytest.approx({"edf": 0.35, "terastal": 0.15})
    assert s["reduction_vs"]["edf"] == pytest.approx(1 - 0.15 / 0.35)
    assert s["accuracy_loss_mean"] == pytest.approx(0.015)


def test_cascaded_task_rate_follows_its_root():
    m = tiny_model("m", 1)
    sc = Scenario(
        "c",
        (Task("a", m, fps=100.0), Task("b", m, fps=10.0, depends_on="a", probability=0.5)),
    )
    tables = make_tables(sc.tasks, {"a": [[1e-3, 2e-3]], "b": [[2e-3, 4e-3]]})
    load = measure_load(sc, tables)
    # b is released once per frame of a with probability 0.5: 50 per second, not 5.
    assert load.rates_hz == pytest.approx({"a": 100.0, "b": 50.0})
    assert load.utilization == pytest.approx((100 * 1e-3 + 50 * 2e-3) / 2)
    scaled = scale_to_utilization(sc, tables, 0.5, "equal")
    # One stream (a with its cascade) takes the whole share; b keeps a's frame rate.
    fa, fb = (t.fps for t in scaled.tasks)
    assert fa == fb
    assert measure_load(scaled, tables).utilization == pytest.approx(0.5)


def test_resized_platform_spec_and_its_errors():
    from terastal.reproduce.suite import resolve_platform

    p = resolve_platform("Dual_4K/WS_OS@512,3584")
    assert [a.num_pes for a in p.accelerators] == [512, 3584]
    assert [a.dataflow.value for a in p.accelerators] == ["WS", "OS"]
    with pytest.raises(InputError, match="2 positive PE counts"):
        resolve_platform("Dual_4K/WS_OS@512")
    with pytest.raises(InputError, match="bad PE counts"):
        resolve_platform("Dual_4K/WS_OS@a,b")


def test_mix_platforms_restrict_the_points(tmp_path):
    from terastal.reproduce.runner import _point_args

    p = tmp_path / "s.yaml"
    p.write_text(
        "name: x\nplatforms: [Dual_4K/WS_OS, Quad_4K/WS_OS_WS_OS]\nutilizations: [0.5, 0.7]\n"
        "seeds: [0]\nmixes:\n  - {name: a, models: [resnet50], platforms: [Dual_4K/WS_OS]}\n"
        "  - {name: b, models: [vgg11]}\n"
    )
    pts = [(a[0].name, a[1], a[2]) for a in _point_args(load_suite(p), ["edf"], "scheduler")]
    assert pts == [
        ("a", "Dual_4K/WS_OS", 0.5), ("a", "Dual_4K/WS_OS", 0.7),
        ("b", "Dual_4K/WS_OS", 0.5), ("b", "Dual_4K/WS_OS", 0.7),
        ("b", "Quad_4K/WS_OS_WS_OS", 0.5), ("b", "Quad_4K/WS_OS_WS_OS", 0.7),
    ]  # fmt: skip
    p.write_text(
        "name: x\nplatforms: [Dual_4K/WS_OS]\nutilizations: [0.5]\nseeds: [0]\n"
        "mixes:\n  - {name: a, models: [resnet50], platforms: [Single_4K/WS]}\n"
    )
    with pytest.raises(InputError, match=r"mixes\[0\]\.platforms"):
        load_suite(p)


def test_unknown_model_in_a_suite_names_the_mix(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(
        "name: x\nplatforms: [Dual_4K/WS_OS]\nutilizations: [0.5]\nseeds: [0]\n"
        "mixes:\n  - {name: a, models: [nosuchmodel]}\n"
    )
    with pytest.raises(InputError, match=r"s\.yaml: field 'mixes\[0\]': unknown model"):
        load_suite(p)


_TINY = (
    "name: tiny\nplatforms: [Dual_4K/WS_OS]\nutilizations: [0.8]\nseeds: [0]\nduration_ms: 40\n"
    "mixes:\n  - {name: a, models: [resnet50, mb2_ssd_lite]}\n"
)


def test_suite_cost_model_spec_is_used_and_checked(tmp_path):
    from terastal.reproduce.runner import run_suite

    p = tmp_path / "s.yaml"
    p.write_text(_TINY)
    default = run_suite(load_suite(p), ["edf"], workers=1)
    p.write_text(_TINY + "cost_model: analytical:mode=xrbench\n")
    suite = load_suite(p)
    assert suite.cost_model == "analytical:mode=xrbench"
    xr = run_suite(suite, ["edf"], workers=1)
    # the same arrivals costed by another model: other energies and load measures
    assert [r["model"] for r in xr] == [r["model"] for r in default]
    assert [r["energy_mj"] for r in xr] != [r["energy_mj"] for r in default]
    # the argument overrides the suite's spec
    again = run_suite(suite, ["edf"], workers=1, cost_model="analytical")
    assert [r["energy_mj"] for r in again] == [r["energy_mj"] for r in default]
    p.write_text(_TINY + "cost_model: analytical:mode=weird\n")
    with pytest.raises(InputError, match=r"s\.yaml: field 'cost_model'"):
        load_suite(p)


def test_reproduce_cli_records_the_cost_model(tmp_path):
    import json

    from terastal.cli import main

    p = tmp_path / "s.yaml"
    p.write_text(_TINY)
    out = tmp_path / "out"
    args = ["reproduce", "--suite", str(p), "--schedulers", "edf,terastal", "--workers", "1"]
    assert main([*args, "--cost-model", "analytical:mode=xrbench", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["cost_model"] == "analytical:mode=xrbench"
    assert "cost model analytical:mode=xrbench" in (out / "report.md").read_text()
    bad = tmp_path / "bad"
    assert main([*args, "--cost-model", "analytical:mode", "--out", str(bad)]) != 0
    assert not bad.exists()  # nothing half-written
