"""Terastal's mode chosen offline by calibration runs (``experiment.calibrate``)."""

import json
import random

import pytest

from terastal.cli import main
from terastal.errors import InputError
from terastal.experiment import Case, MemoryCache, RunSpec, prepare, run
from terastal.experiment import calibrate as cal
from terastal.metrics import WALL_CLOCK_KEYS
from terastal.model.workload import MAX_SEED

# A case whose seeds draw different cascades, and where the modes differ on them.
SC, PF = "AR_Assistant", "Dual_4K_LittleBig/WS_OS"


def _spec(seed=0, **options):
    return RunSpec(SC, PF, "terastal", options, seed=seed, duration_s=0.2, load_scale=1.2,
                   record=False)  # fmt: skip


def _strip(metrics: dict) -> str:
    m = json.loads(json.dumps(metrics))
    m.pop("calibration", None)
    for k in WALL_CLOCK_KEYS:
        m["sim"].pop(k, None)
    return json.dumps(m, sort_keys=True)


def test_calibration_seeds_are_never_run_seeds_and_follow_the_run_seed():
    rng = random.Random(3)
    run_seeds = [0, 1, 2, 7, 2**32, MAX_SEED, *(rng.randrange(MAX_SEED + 1) for _ in range(50))]
    seen = set()
    for s in run_seeds:
        seeds = cal.calibration_seeds(s, 4)
        assert seeds == cal.calibration_seeds(s, 4)  # deterministic
        assert len(set(seeds)) == 4
        assert all(c > MAX_SEED for c in seeds)  # no run can have them
        assert s not in seeds
        assert not seen & set(seeds)  # distinct runs, distinct draws
        seen |= set(seeds)
    assert cal.calibration_seeds(5, 2) == (2**64 + 5, 2 * 2**64 + 5)


def test_the_choice_is_deterministic_and_recorded():
    a = run(_spec(calibrate=2), cache=MemoryCache())
    b = run(_spec(calibrate=2), cache=MemoryCache())
    assert a.metrics["calibration"] == b.metrics["calibration"]
    assert _strip(a.metrics) == _strip(b.metrics)
    rec = a.metrics["calibration"]
    assert rec["draws"] == 2 and rec["seeds"] == list(cal.calibration_seeds(0, 2))
    assert list(rec["scores"]) == [m.name for m in cal.MODES["terastal"]]
    best = min(rec["scores"].values())
    assert rec["scores"][rec["mode"]] == best
    # the first mode reaching the best score is chosen (ties: the given options)
    assert rec["mode"] == next(n for n, v in rec["scores"].items() if v == best)


def test_the_chosen_mode_runs_as_a_direct_run_of_it():
    for seed in (0, 1):
        out = run(_spec(seed, calibrate=2), cache=MemoryCache())
        rec = out.metrics["calibration"]
        direct = run(_spec(seed, **rec["options"]), cache=MemoryCache())
        assert "calibration" not in direct.metrics
        assert _strip(out.metrics) == _strip(direct.metrics)
    # here the calibration draws favour the tight mode (measured: 0.211 against 0.239)
    assert rec["mode"] == "tight" and rec["scores"]["tight"] < rec["scores"]["given"]


def test_scores_are_the_modes_runs_on_the_calibration_seeds():
    """Each score is the mean of the mode's own runs on the calibration draws (simulated here
    with the seed range check off, the way the calibration runs them)."""
    from terastal.experiment.run import _simulate
    from terastal.metrics import compute_metrics

    spec = _spec(calibrate=2)
    prepared = prepare(spec.case, MemoryCache())
    rec = run(spec, prepared=prepared).metrics["calibration"]
    for mode in cal.MODES["terastal"]:
        rates = []
        for s in rec["seeds"]:
            policy, result = _simulate(_spec(**mode.options), prepared, s)
            rates.append(compute_metrics(result, policy.scheduler.accuracy_loss)["mean_miss_rate"])
        assert rec["scores"][mode.name] == pytest.approx(sum(rates) / len(rates), abs=0)


def test_no_draws_is_the_plain_run():
    plain = run(_spec(), cache=MemoryCache())
    off = run(_spec(calibrate=0), cache=MemoryCache())
    assert "calibration" not in off.metrics
    assert _strip(plain.metrics) == _strip(off.metrics)


def test_ties_go_to_the_given_options_and_the_choice_is_cached(monkeypatch):
    modes = (cal.Mode("given", {}), cal.Mode("same", {}))
    monkeypatch.setitem(cal.MODES, "terastal", modes)
    spec = _spec(calibrate=3)
    prepared = prepare(Case(SC, PF, "analytical", 1.2), MemoryCache())
    calls = []

    def rate(mode_spec, seed):
        calls.append(seed)
        assert seed > MAX_SEED
        return 0.25

    first = cal.choose(spec, prepared, {}, 3, rate)
    assert first.mode is modes[0] and first.options == {}
    assert len(calls) == 6
    again = cal.choose(spec, prepared, {}, 3, rate)
    assert again == first and len(calls) == 6  # cached with the case's plans and tables
    cal.choose(spec.replace(seed=1), prepared, {}, 3, rate)
    assert len(calls) == 12  # another run seed: other draws


def test_a_mode_applies_over_the_given_options(monkeypatch):
    monkeypatch.setitem(
        cal.MODES, "terastal", (cal.Mode("given", {}), cal.Mode("other", {"tight": 0.3}))
    )
    prepared = prepare(Case(SC, PF, "analytical", 1.2), MemoryCache())
    got = cal.choose(_spec(calibrate=1), prepared, {"spare": False, "tight": 0.2}, 1,
                     lambda s, seed: s.options["tight"])  # fmt: skip
    assert got.mode.name == "given" and got.options == {"spare": False, "tight": 0.2}
    got = cal.choose(_spec(calibrate=1), prepared, {"spare": False, "tight": 0.5}, 1,
                     lambda s, seed: s.options["tight"])  # fmt: skip
    assert got.mode.name == "other" and got.options == {"spare": False, "tight": 0.3}


@pytest.mark.parametrize("value", ["x", -1, cal.MAX_DRAWS + 1, 2.5, True, None])
def test_bad_draws_are_refused_naming_the_option(value):
    with pytest.raises(InputError, match="calibrate") as exc:
        run(_spec(calibrate=value))
    assert "\n" not in str(exc.value)


def test_other_schedulers_refuse_it():
    with pytest.raises(InputError, match=r"calibrate.*'edf'"):
        run(RunSpec(SC, PF, "edf", {"calibrate": 2}, duration_s=0.1))
    run(RunSpec(SC, PF, "edf", {"calibrate": 0}, duration_s=0.1, record=False))  # 0: off


@pytest.mark.parametrize("value", ["x", "17", "-1"])
def test_cli_bad_value_is_one_line_and_writes_nothing(tmp_path, capsys, value):
    out = tmp_path / "run"
    code = main(["simulate", "--scenario", SC, "--platform", PF, "--scheduler", "terastal",
                 "--duration-ms", "100", "--no-progress", "-O", f"calibrate={value}",
                 "-o", str(out)])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("error: ") and "calibrate" in err and "\n" not in err
    assert not out.exists()


def test_cli_writes_and_prints_the_choice(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["simulate", "--scenario", SC, "--platform", PF, "--scheduler", "terastal",
                 "--duration-ms", "100", "--no-progress", "-O", "calibrate=1",
                 "-o", str(out)]) == 0  # fmt: skip
    rec = json.loads((out / "metrics.json").read_text())["calibration"]
    assert rec["mode"] in [m.name for m in cal.MODES["terastal"]] and rec["draws"] == 1
    assert f"calibration: mode {rec['mode']} over 1 draw(s)" in capsys.readouterr().out


def test_the_label_is_an_extra_ablation():
    from terastal.reproduce import family

    assert family.config("terastal-auto") == ("terastal", {"calibrate": 1})
    assert "terastal-auto" in family.EXTRA_ABLATIONS
    assert "terastal-auto" not in family.labels()  # off by default: named or --full only


def test_a_sweep_grid_takes_it_and_refuses_bad_values(tmp_path):
    from terastal.sweep.grid import parse_grid

    body = (
        f"scenarios: [{SC}]\nplatforms: [{PF}]\nschedulers: [terastal]\nseeds: [0]\n"
        "duration_ms: 100\n"
    )
    parse_grid(body + "scheduler_options: {terastal: {calibrate: 2}}\n", "g.yaml")
    with pytest.raises(InputError, match="calibrate") as exc:
        parse_grid(body + "scheduler_options: {terastal: {calibrate: 99}}\n", "g.yaml")
    assert "g.yaml" in str(exc.value) and "\n" not in str(exc.value)


def test_calibration_draws_are_numpys_seed_sequences_of_those_seeds():
    """Seeds above 2**64 draw what numpy draws for them (the pure generator takes any size)."""
    np = pytest.importorskip("numpy")
    from terastal.sim._pcg64 import spawn

    for s in cal.calibration_seeds(MAX_SEED, 2):
        ours = [g.random(4) for g in spawn(s, 3)]
        theirs = [np.random.default_rng(c).random(4).tolist()
                  for c in np.random.SeedSequence(s).spawn(3)]  # fmt: skip
        assert ours == theirs
