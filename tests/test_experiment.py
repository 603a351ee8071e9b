"""The application layer: one spec gives one result, whichever command runs it."""

import json

import pytest

from terastal.cli import main
from terastal.errors import InputError
from terastal.experiment import MEMORY, Case, RunSpec, prepare, run
from terastal.metrics import WALL_CLOCK_KEYS

SC, PF = "VR_gaming", "Dual_4K/WS_OS"
BASE = ["--scenario", SC, "--platform", PF, "--duration-ms", "150", "--no-progress"]


def _strip(metrics: dict) -> str:
    """The metrics as JSON text without their wall-clock fields."""
    m = json.loads(json.dumps(metrics))
    for k in WALL_CLOCK_KEYS:
        m["sim"].pop(k, None)
    return json.dumps(m, sort_keys=True)


def _metrics_file(path) -> str:
    return _strip(json.loads(path.read_text()))


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("plan") / "p.json"
    assert (
        main(["plan", "--scenario", SC, "--platform", PF, "--out", str(out), "--show", "none"]) == 0
    )
    return out


def test_simulate_and_compare_write_identical_metrics(tmp_path):
    for name in ("terastal", "edf"):
        assert main(["simulate", *BASE, "--scheduler", name, "-o", str(tmp_path / name)]) == 0
    out = tmp_path / "cmp"
    assert main(["compare", *BASE, "--schedulers", "edf,terastal", "-o", str(out)]) == 0
    for name in ("terastal", "edf"):
        assert _metrics_file(tmp_path / name / "metrics.json") == _metrics_file(
            out / "runs" / f"{name}-seed0.json"
        )


def test_sweep_runs_the_planned_terastal_like_simulate(tmp_path):
    pytest.importorskip("dask.distributed")
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    grid = tmp_path / "grid.yaml"
    grid.write_text(
        f"scenarios: [{SC}]\nplatforms: [{PF}]\nschedulers: [edf, terastal]\nseeds: [0]\n"
        "duration_ms: 150\n"
    )
    assert main(["sweep", str(grid), "-o", str(tmp_path / "res"), "--workers", "1",
                 "--no-progress"]) == 0  # fmt: skip
    rows = [pq.read_table(f).to_pylist()[0] for f in (tmp_path / "res" / "runs").iterdir()]
    by_name = {r["scheduler"]: r for r in rows}
    assert by_name["terastal"]["plan"] == "auto" and by_name["edf"]["plan"] is None
    for name in ("terastal", "edf"):
        assert main(["simulate", *BASE, "--scheduler", name, "-o", str(tmp_path / name)]) == 0
        assert _strip(json.loads(by_name[name]["metrics_json"])) == _metrics_file(
            tmp_path / name / "metrics.json"
        )


def test_reproduce_rows_match_simulate(tmp_path):
    from terastal.reproduce.runner import run_point
    from terastal.reproduce.suite import Mix

    # At the scenario's own utilization the suite's scaling factor is exactly 1.
    util = prepare(Case(SC, PF)).load()["utilization"]
    mix = Mix("vr", scenario=SC, shares="nominal")
    rows = run_point(mix, PF, util, (0,), 0.15, ("terastal", "edf"))
    for name in ("terastal", "edf"):
        assert main(["simulate", *BASE, "--scheduler", name, "-o", str(tmp_path / name)]) == 0
        m = json.loads((tmp_path / name / "metrics.json").read_text())
        mine = [r for r in rows if r["scheduler"] == name]
        assert [r["model"] for r in mine] == list(m["models"])
        for r in mine:
            mm = m["models"][r["model"]]
            for key in ("released", "in_time", "late", "dropped", "miss_rate", "energy_mj",
                        "p99_ms", "variant_jobs", "has_variants"):  # fmt: skip
                assert r[key] == mm[key], (name, r["model"], key)
            assert r["accuracy_loss"] == mm["accuracy_loss_mean"]
            assert r["run_mean_miss_rate"] == m["mean_miss_rate"]
            assert r["dispatches"] == m["sim"]["dispatches"]


def test_a_plan_file_runs_like_the_automatic_plan(tmp_path, plan_file):
    auto, given = tmp_path / "auto", tmp_path / "given"
    assert main(["simulate", *BASE, "--scheduler", "terastal", "-o", str(auto)]) == 0
    args = ["simulate", *BASE, "--scheduler", "terastal", "--plan", str(plan_file)]
    assert main([*args, "-o", str(given)]) == 0
    assert _metrics_file(auto / "metrics.json") == _metrics_file(given / "metrics.json")
    # the plan as a scheduler option is read as a file too
    opt = tmp_path / "opt"
    assert main(["simulate", *BASE, "--scheduler", "terastal", "-O", f"plan={plan_file}",
                 "-o", str(opt)]) == 0  # fmt: skip
    assert _metrics_file(opt / "metrics.json") == _metrics_file(auto / "metrics.json")
    cmp = tmp_path / "cmp"
    assert main(["compare", *BASE, "--schedulers", "edf,terastal", "--plan", str(plan_file),
                 "-o", str(cmp)]) == 0  # fmt: skip
    assert _metrics_file(cmp / "runs" / "terastal-seed0.json") == _metrics_file(
        auto / "metrics.json"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--scenario", "AR_gaming"], "does not fit 'AR_gaming'"),
        (["--cost-model", "analytical:mode=xrbench"], None),
    ],
)
def test_a_plan_for_another_case_is_refused(tmp_path, capsys, plan_file, args, message):
    argv = ["simulate", *BASE, "--scheduler", "terastal", "--plan", str(plan_file), *args]
    capsys.readouterr()
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    if message is None:  # same name of cost model: the plan is accepted
        assert rc == 0
        return
    assert rc == 2
    assert err.startswith(f"error: {plan_file}: ") and message in err
    assert len(err.splitlines()) == 1


def test_plan_errors_exit_2(tmp_path, capsys, plan_file):
    cases = [
        (["--scheduler", "terastal", "--plan", str(tmp_path / "nope.json")], "plan file not found"),
        (["--scheduler", "edf", "--plan", str(plan_file)], "takes no plan"),
        (["--scheduler", "terastal", "--plan", str(plan_file), "-O", f"plan={plan_file}"],
         "given twice"),
        (["--scheduler", "dream", "-O", "block=abc"], "scheduler 'dream' option block"),
        (["--scheduler", "dream", "-O", "block=4.5"], "must be an integer"),
        (["--scheduler", "terastal", "-O", "variants=maybe"], "option variants: must be a boolean"),
        (["--scheduler", "dream", "-O", "window=0"], "option window: must be >= 1"),
        (["--scheduler", "terastal", "-O", "home=far"], "option home: must be one of plan"),
    ]  # fmt: skip
    for extra, message in cases:
        capsys.readouterr()
        assert main(["simulate", *BASE, *extra]) == 2, extra
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1, err


def test_cases_share_one_plan_and_one_set_of_tables():
    MEMORY.clear()
    outcomes = [
        run(RunSpec(SC, PF, name, seed=seed, duration_s=0.05))
        for name in ("terastal", "edf", "dream")
        for seed in (0, 1)
    ]
    assert len({id(o.result.costs) for o in outcomes}) >= 1
    kinds = sorted(key.split(":")[0] for key in MEMORY._data)
    assert kinds.count("plan") == 1  # one plan for both seeds of terastal
    assert kinds.count("tables") <= 2  # with and without the plan's variants
    # another spelling of the same inputs shares the entries (keys are content, not names)
    before = len(MEMORY)
    p = prepare(Case(prepare(Case(SC, PF)).scenario, PF))
    p.auto_plan()
    assert len(MEMORY) == before


def test_help_lists_schedulers_and_options_and_tables_are_not_cut():
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "terastal.cli", "simulate", "--help"],
        capture_output=True, text=True, check=True,
        env={**__import__("os").environ, "COLUMNS": "200"},
    ).stdout  # fmt: skip
    for text in ("terastal (uses a plan", "block (int >= 1, default 2)", "drop_slack"):
        assert text in out
    piped = subprocess.run(
        [sys.executable, "-m", "terastal.cli", "compare", *BASE, "--schedulers", "edf,terastal"],
        capture_output=True, text=True, check=True, env={k: v for k, v in
        __import__("os").environ.items() if k != "COLUMNS"},
    ).stdout  # fmt: skip
    for text in ("terastal", "energy mJ", "miss HT_hand_graph_cnn_half", "decide p50 µs"):
        assert text in piped


def test_bad_spec_values_are_input_errors():
    with pytest.raises(InputError, match="--late"):
        run(RunSpec(SC, PF, late="maybe"))
    with pytest.raises(InputError, match="--duration-ms"):
        run(RunSpec(SC, PF, duration_s=0.0))
    with pytest.raises(InputError, match="unknown scheduler"):
        run(RunSpec(SC, PF, "nope"))


def test_compare_sends_a_bare_option_to_the_schedulers_that_declare_it(tmp_path, capsys):
    out = tmp_path / "cmp"
    argv = ["compare", *BASE, "--schedulers", "fcfs,dream", "-O", "mapping=earliest_finish"]
    assert main([*argv, "-o", str(out)]) == 0
    assert main(["simulate", *BASE, "--scheduler", "fcfs", "-O", "mapping=earliest_finish",
                 "-o", str(tmp_path / "fcfs")]) == 0  # fmt: skip
    assert _metrics_file(out / "runs" / "fcfs-seed0.json") == _metrics_file(
        tmp_path / "fcfs" / "metrics.json"
    )
    capsys.readouterr()
    assert main(["compare", *BASE, "--schedulers", "edf,fcfs", "-O", "block=2"]) == 2
    assert "no scheduler of --schedulers has option 'block'" in capsys.readouterr().err


def test_every_declared_option_default_passes_its_own_declaration():
    from terastal.schedulers import available_schedulers, make_scheduler, scheduler_info

    for name in available_schedulers():
        info = scheduler_info(name)
        for key, opt in info.options.items():
            assert opt.convert(opt.default) == opt.default, (name, key)
            assert opt.describe()
        make_scheduler(name, **{k: o.default for k, o in info.options.items()})


def test_grid_plan_key_is_validated(tmp_path, plan_file):
    from terastal.sweep.grid import parse_grid

    head = f"scenarios: [{SC}]\nplatforms: [{PF}]\nschedulers: [edf, terastal]\nseeds: [0, 1]\n"
    head += "duration_ms: 100\n"
    g = parse_grid(head + f"plan: [auto, none, {plan_file}]\n", str(tmp_path / "g.yaml"))
    points = g.points()
    # the plan axis multiplies terastal only: 2 seeds x (1 edf + 3 terastal)
    assert len(points) == len(g) == 8
    assert sorted({str(p["plan"]) for p in points}) == sorted(
        {"None", "auto", "none", str(plan_file)}
    )
    with pytest.raises(InputError, match="expected auto, none or a plan file"):
        parse_grid(head + "plan: nope.json\n", str(tmp_path / "g.yaml"))
    with pytest.raises(InputError, match="grid's 'plan' key"):
        parse_grid(
            head + "scheduler_options: {terastal: {plan: x.json}}\n", str(tmp_path / "g.yaml")
        )
