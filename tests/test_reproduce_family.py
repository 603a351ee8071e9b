"""The baseline family's labels, the strongest-baseline summary and random mixes."""

import json

import pytest

from terastal.errors import InputError
from terastal.reproduce import family
from terastal.reproduce.random_mixes import draw_mix, random_suite
from terastal.reproduce.suite import build_mix, load_suite
from terastal.reproduce.summary import summarize


def test_every_label_round_trips_through_its_configuration():
    labels = family.labels(full=True)
    assert len(family.full_family()) == 30 and len(set(labels)) == len(labels)
    for label in family.full_family():
        name, opts = family.config(label)
        assert family.baseline_label(name, opts.get("mapping"), opts.get("drop", "never")) == label
    assert family.config("edf") == ("edf", {})
    assert family.config("edf-ef-hopeless") == (
        "edf", {"mapping": "earliest_finish", "drop": "hopeless"}
    )  # fmt: skip
    assert family.config("heft") == ("heft", {})
    assert family.config("heft-pref-deadline") == (
        "heft",
        {"mapping": "preferred", "drop": "deadline"},
    )
    assert set(family.default_family()) <= set(family.full_family())
    assert {s for s, _ in family.LADDER} <= set(family.labels())


@pytest.mark.parametrize(
    "bad", ["edf-ef-ef", "edf-hopeless-ef", "heft-ef", "edf-pref", "edf-never", "x", "edf-"]
)
def test_labels_outside_the_scheme_are_refused(bad):
    with pytest.raises(InputError, match="unknown scheduler label"):
        family.config(bad)


def _row(s, mix, seed, model, late, dropped, unreleased, released=10):
    mr = (late + dropped + unreleased) / released
    return {"scheduler": s, "mix": mix, "platform": "P", "utilization": 1.0, "seed": seed,
            "model": model, "miss_rate": mr, "accuracy_loss": 0.0, "has_variants": False,
            "energy_mj": 1.0, "skew": 0.9, "released": released, "late": late,
            "dropped": dropped, "unreleased": unreleased}  # fmt: skip


def test_best_baseline_is_chosen_per_point_and_averaged():
    rows = []
    # Point m1: edf 0.2 / 0.4 (mean 0.3), fcfs 0.5 / 0.1 (mean 0.3 too: tie -> "edf"),
    # edf-ef-hopeless 0.25 (best); terastal 0.3 (loses). Point m2: fcfs best 0.1, terastal 0.05.
    for seed, (e, f) in enumerate([(2, 5), (4, 1)]):
        rows += [_row("edf", "m1", seed, "a", e, 0, 0), _row("fcfs", "m1", seed, "a", f, 0, 0)]
        rows += [_row("edf-ef-hopeless", "m1", seed, "a", 0, 2, 1 if seed else 0)]
        rows += [_row("terastal", "m1", seed, "a", 1, 2, 0)]
    rows += [_row("edf", "m2", 0, "a", 5, 0, 0), _row("fcfs", "m2", 0, "a", 1, 0, 0)]
    rows += [
        _row("edf-ef-hopeless", "m2", 0, "a", 0, 3, 0),
        _row("terastal", "m2", 0, "a", 0, 0, 0),
    ]
    rows += [_row("terastal", "m2", 0, "b", 1, 0, 0)]
    s = summarize(rows)
    assert s["baselines"] == ["edf", "fcfs", "edf-ef-hopeless"]
    by_point = {p["mix"]: p for p in s["best_baseline_by_point"]}
    assert by_point["m1"]["best"] == "edf-ef-hopeless"
    assert by_point["m1"]["best_miss_rate"] == pytest.approx(0.25)
    assert by_point["m2"]["best"] == "fcfs"
    best = (0.25 + 0.1) / 2
    assert s["best_baseline_mean_miss_rate"] == pytest.approx(best)
    assert s["best_baseline_pooled_miss_rate"] == pytest.approx(best)  # one model per run
    mr = s["mean_miss_rate"]["terastal"]  # runs: 0.3, 0.3, (0 + 0.1) / 2
    assert mr == pytest.approx((0.3 + 0.3 + 0.05) / 3)
    assert s["reduction_vs"]["best"] == pytest.approx(1 - mr / best)
    assert s["points_lost"] == 1
    # Pooled: run m2 of terastal misses 1 of 20 frames; worst model: 0.1.
    assert s["pooled_miss_rate"]["terastal"] == pytest.approx((0.3 + 0.3 + 0.05) / 3)
    assert s["worst_model_miss_rate"]["terastal"] == pytest.approx((0.3 + 0.3 + 0.1) / 3)
    assert s["ladder"][0]["scheduler"] == "edf" and s["ladder"][-1]["scheduler"] == "terastal"


def test_random_mixes_are_seeded_and_cover_cascades_rates_and_deadlines():
    suite = load_suite(quick=True)
    a, b = random_suite(suite, 6, 11), random_suite(suite, 6, 11)
    assert a == b and random_suite(suite, 3, 11).mixes == a.mixes[:3]
    assert random_suite(suite, 6, 12).mixes != a.mixes
    drawn = [d for m in a.mixes for d in m.drawn]
    assert any(d.depends_on for d in drawn)
    assert len({d.fps for d in drawn}) > 1
    assert any(abs(d.deadline_periods - 1) > 0.05 for d in drawn)
    for m in a.mixes:
        assert m.platforms[0] in suite.platforms and m.shares == "nominal"
        sc = build_mix(m)
        for t, d in zip(sc.tasks, m.drawn, strict=True):
            assert t.relative_deadline_s == pytest.approx(d.deadline_periods / t.fps)
            if d.depends_on:
                assert 0.3 <= t.probability <= 1.0
    with pytest.raises(InputError, match="--random"):
        random_suite(suite, 0, 1)
    assert draw_mix(11, 2, ["resnet50"], ("P",)).name == "random11_2"


_TINY = (
    "name: tiny\nplatforms: [Dual_4K/WS_OS]\nutilizations: [1.0]\nseeds: [0]\nduration_ms: 40\n"
    "mixes:\n  - {name: a, models: [resnet50, mb2_ssd_lite]}\n"
)


def test_reproduce_cli_writes_the_strongest_baseline_fields(tmp_path):
    from terastal.cli import main

    p = tmp_path / "s.yaml"
    p.write_text(_TINY)
    out = tmp_path / "out"
    args = ["reproduce", "--suite", str(p), "--workers", "1", "--out", str(out)]
    labels = "fcfs,edf,edf-ef-hopeless,dream,terastal"
    assert main([*args, "--schedulers", labels, "--late", "drop"]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["late_policy"] == "drop"
    assert s["baselines"] == ["fcfs", "edf", "edf-ef-hopeless", "dream"]
    for key in ("best_baseline_mean_miss_rate", "pooled_miss_rate", "worst_model_miss_rate"):
        assert key in s
    assert set(s["reduction_vs"]) == {"best", "fcfs", "edf", "dream"}
    assert "Best baseline at each point" in (out / "report.md").read_text()
    rnd = tmp_path / "rnd"
    assert main([*args[:-1], str(rnd), "--random", "2", "--seed", "5", "--schedulers", "edf"]) == 0
    s = json.loads((rnd / "summary.json").read_text())
    assert s["random"] == {"mixes": 2, "seed": 5}
    assert set(s["miss_rate_by_mix"]["edf"]) == {"random5_0", "random5_1"}


@pytest.mark.parametrize(
    ("flag", "value"), [("--late", "sometimes"), ("--random", "-1"), ("--schedulers", "edf-x")]
)
def test_reproduce_cli_rejects_bad_flags(tmp_path, capsys, flag, value):
    from terastal.cli import main

    p = tmp_path / "s.yaml"
    p.write_text(_TINY)
    out = tmp_path / "out"
    assert main(["reproduce", "--suite", str(p), "--out", str(out), flag, value]) == 2
    assert "error" in capsys.readouterr().err
    assert not out.exists()
