import pytest

import terastal.cost
from terastal.cli import main
from terastal.planner.plan import Plan
from test_planner_support import FakeCost


@pytest.fixture(autouse=True)
def fake_cost(monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.setattr(terastal.cost, "resolve_cost_model", lambda spec=None: FakeCost())


def _mix_yaml(tmp_path):
    f = tmp_path / "mix.yaml"
    f.write_text(
        "name: paper_mix\ntasks:\n"
        + "".join(f"  - model: {m}\n    fps: 10\n" for m in ("resnet50", "swin_tiny", "sp2dense"))
    )
    return f


def _plan_vr(out, *extra):
    """``terastal plan`` of VR_gaming on Dual_4K/WS_OS to ``out``, with ``extra`` flags."""
    return main(["plan", "-s", "VR_gaming", "-p", "Dual_4K/WS_OS", "-o", str(out), *extra])


def test_plan_command_writes_a_loadable_plan(tmp_path, capsys):
    out = tmp_path / "plan.json"
    rc = main(
        [
            "plan",
            "--scenario",
            str(_mix_yaml(tmp_path)),
            "--platform",
            "Dual_4K/WS_OS",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    printed = capsys.readouterr().out
    assert "Tasks" in printed and "resnet50: layers" in printed.lower()
    assert "layer2_0_conv1" in printed
    assert f"wrote {out}" in printed
    plan = Plan.load(out)
    assert plan.platform == "Dual_4K/WS_OS" and plan.scenario == "paper_mix"
    assert len(plan.tasks) == 3


def test_plan_command_options(tmp_path, capsys):
    out = tmp_path / "p.json"
    rc = _plan_vr(out, "--budgets", "mean", "--accuracy-loss", "0.01", "--show", "all")
    assert rc == 0
    plan = Plan.load(out)
    assert plan.budget_policy == "mean" and plan.accuracy_loss == 0.01
    assert all(t.variant_layers == () for t in plan.tasks)  # XRBench models: no accuracy data
    assert "ES_RITNet" in capsys.readouterr().out


def test_user_accuracy_table(tmp_path):
    acc = tmp_path / "acc.csv"
    acc.write_text("model,variants,top1\nES_RITNet,,90\nES_RITNet,conv1,89.9\n")
    out = tmp_path / "p.json"
    rc = _plan_vr(out, "--accuracy-table", str(acc))
    assert rc == 0
    task = Plan.load(out).task("ES_RITNet")
    assert task.accuracy[frozenset({0})] == pytest.approx(89.9 / 90)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--budgets", "fast"], "unknown budget policy 'fast'"),
        (["--accuracy-loss", "1.5"], "--accuracy-loss"),
        (["--show", "some"], "--show"),
        (["--accuracy-table", "nope.csv"], "nope.csv: cannot read"),
        (["--scenario", "NoSuchScenario"], "unknown scenario"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, args, match):
    out = tmp_path / "p.json"
    base = {"--scenario": "VR_gaming", "--platform": "Dual_4K/WS_OS", "--out": str(out)}
    for k, v in zip(args[::2], args[1::2], strict=True):
        base[k] = v
    argv = ["plan"] + [x for kv in base.items() for x in kv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert match in err and err.count("\n") == 1
    assert not out.exists()


def test_bad_accuracy_table_names_file_and_line(tmp_path, capsys):
    acc = tmp_path / "acc.csv"
    acc.write_text("model,variants,top1\nES_RITNet,conv1,89\n")
    rc = _plan_vr(tmp_path / "p.json", "--accuracy-table", str(acc))
    assert rc == 2
    assert (
        f"{acc}:2: field 'variants': model 'ES_RITNet' has no baseline" in capsys.readouterr().err
    )
