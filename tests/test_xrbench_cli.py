"""``terastal xrbench-check``, ``--compat xrbench`` on simulate/compare, and compat grids."""

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from terastal.cli import main
from terastal.errors import InputError
from terastal.sweep import parse_grid, point_id
from terastal.sweep.runner import run_point

REF = Path(__file__).parent / "data" / "xrbench-reference"
CASE = "VR_gaming__Dual_4K__WS_OS"
VR_DUAL = ("--scenario", "VR_gaming", "--platform", "Dual_4K/WS_OS")  # the case of CASE


def _copy(tmp_path, case=CASE):
    for kind in ("schedule", "summary"):
        shutil.copy(REF / f"{kind}__{case}.csv", tmp_path / f"{kind}__{case}.csv")
    return tmp_path


def test_check_reference_directory_matches(capsys):
    assert main(["xrbench-check", str(REF)]) == 0
    out = capsys.readouterr().out
    assert "8/8 case(s) match" in out
    assert "schedule: 113/113 XRBench rows match" in out


def test_check_single_file(capsys):
    path = REF / "summary__AR_Assistant__Dual_4K__WS_OS__seed1.csv"
    assert main(["xrbench-check", str(path)]) == 0
    assert "AR_Assistant__Dual_4K__WS_OS__seed1: ok" in capsys.readouterr().out


def test_check_reports_a_schedule_mismatch(tmp_path, capsys):
    d = _copy(tmp_path)
    f = d / f"schedule__{CASE}.csv"
    lines = f.read_text().splitlines()
    cells = lines[5].split(",")
    cells[6] = f"{float(cells[6]) + 0.01:.6f}"  # completion 10 us later
    lines[5] = ",".join(cells)
    f.write_text("\n".join(lines) + "\n")
    assert main(["xrbench-check", str(d)]) == 1
    out = capsys.readouterr().out
    assert "MISMATCH" in out and "row 6: differs in completion_ms" in out


def test_check_reports_a_score_mismatch(tmp_path, capsys):
    d = _copy(tmp_path)
    f = d / f"summary__{CASE}.csv"
    f.write_text(f.read_text().replace("Overall Score,62.121647", "Overall Score,62.5"))
    assert main(["xrbench-check", str(f)]) == 1
    assert "<-" in capsys.readouterr().out


def test_check_wrong_seed_mismatches(tmp_path):
    case = "VR_gaming_50p__Dual_4K__WS_OS__seed42"
    for kind in ("schedule", "summary"):
        src = REF / f"{kind}__{case}.csv"
        shutil.copy(src, tmp_path / f"{kind}__{case.replace('seed42', 'seed43')}.csv")
    assert main(["xrbench-check", str(tmp_path)]) == 1


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("schedule__VR_gaming.csv", "x\n", "not an XRBench output name"),
        ("summary__VR_gaming__Dual_4K__WS_OS.csv", "bad,header\n", "expected the header"),
        (
            "summary__Nope__Dual_4K__WS_OS.csv",
            "Model Name,Real-time Score,Energy Score,User-Experience Score\nOverall Score,1\n",
            "unknown scenario",
        ),
        (
            "summary__VR_gaming__Dual_4K__WS_OS.csv",
            "Model Name,Real-time Score,Energy Score,User-Experience Score\nES_RITNet,a,1,1\n"
            "Overall Score,1\n",
            ".csv:2: field 'real-time score'",
        ),
    ],
)
def test_check_bad_input_exits_2(tmp_path, capsys, name, text, message):
    (tmp_path / name).write_text(text)
    assert main(["xrbench-check", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message.lower() in err.lower()
    assert "Traceback" not in err


def test_check_missing_path_and_empty_dir_exit_2(tmp_path, capsys):
    assert main(["xrbench-check", str(tmp_path / "nope")]) == 2
    assert main(["xrbench-check", str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("error: ") == 2


def test_simulate_compat_writes_xrbench_files(tmp_path):
    out = tmp_path / "run"
    assert main(["simulate", *VR_DUAL, "--compat", "xrbench", "--out", str(out)]) == 0
    assert (out / "schedule.csv").read_text() == (REF / f"schedule__{CASE}.csv").read_text()
    assert (out / "summary.csv").read_text() == (REF / f"summary__{CASE}.csv").read_text()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["xrbench_score"] == pytest.approx(62.121647, abs=1e-5)


def test_compare_compat_over_seeds(tmp_path):
    out = tmp_path / "cmp"
    args = [
        "compare",
        "--scenario",
        "VR_gaming_50p",
        "--platform",
        "Dual_4K/WS_OS",
        "--compat",
        "xrbench",
        "--seeds",
        "41-42",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["xrbench_score"]["42"] == pytest.approx(60.748665, abs=1e-5)
    assert len(list((out / "runs").iterdir())) == 2


def test_unknown_compat_profile_exits_2(capsys):
    assert main(["simulate", *VR_DUAL, "--compat", "nope"]) == 2
    assert "--compat must be one of xrbench" in capsys.readouterr().err


COMPAT_GRID = """\
compat: xrbench
scenarios: [VR_gaming, VR_gaming_50p]
platforms: Dual_4K/WS_OS
seeds: [42]
duration_ms: 700
"""


def test_compat_grid_points_and_run():
    g = parse_grid(COMPAT_GRID, "grid.yaml")
    points = g.points()
    assert len(g) == len(points) == 2
    assert all(p["compat"] == "xrbench" for p in points)
    row = run_point(points[1])
    assert row["status"] == "ok"
    assert row["xrbench_score"] == pytest.approx(60.748665, abs=1e-5)


def test_compat_does_not_change_other_point_ids():
    config = {
        "scenario": "VR_gaming",
        "platform": "Dual_4K/WS_OS",
        "scheduler": "edf",
        "scheduler_options": "{}",
        "seed": 0,
        "duration_ms": 50.0,
        "load_scale": 1.0,
        "late": "scheduler",
        "cost_model": None,
    }
    assert point_id(config) == point_id({**config, "compat": None})
    assert point_id(config) != point_id({**config, "compat": "xrbench"})


@pytest.mark.parametrize(
    ("extra", "message"),
    [("schedulers: [edf]\n", "does not apply"), ("late: drop\n", "does not apply")],
)
def test_compat_grid_rejects_engine_options(extra, message):
    with pytest.raises(InputError, match=message):
        parse_grid(COMPAT_GRID + extra, "grid.yaml")


def test_compat_grid_unknown_profile():
    with pytest.raises(InputError, match="expected one of xrbench") as info:
        parse_grid(COMPAT_GRID.replace("compat: xrbench", "compat: nope"), "grid.yaml")
    assert info.value.line == 1


def test_bundled_matrix_grids_have_270_points():
    from importlib import resources

    grids = resources.files("terastal").joinpath("data", "grids")
    n = sum(
        len(parse_grid(grids.joinpath(name).read_text(), name))
        for name in ("xrbench_matrix.yaml", "xrbench_probability.yaml")
    )
    assert n == 270


def test_missing_key_in_compat_grid():
    text = textwrap.dedent(COMPAT_GRID).replace("seeds: [42]\n", "")
    with pytest.raises(InputError, match="missing required key 'seeds'"):
        parse_grid(text, "grid.yaml")


def test_sweep_store_and_report_of_compat_points(tmp_path):
    pytest.importorskip("matplotlib", reason="needs the sweep extra")
    from terastal.sweep import ResultStore
    from terastal.sweep.report import build_report

    store = ResultStore(tmp_path / "r")
    for p in parse_grid(COMPAT_GRID, "grid.yaml").points():
        store.write_row(run_point(p))
    assert len(store.done()) == 2
    build_report(tmp_path / "r", tmp_path / "report.html", trace=False)
    build_report(tmp_path / "r", tmp_path / "report.html", trace=True)
    html = (tmp_path / "report.html").read_text()
    assert "xrbench_latency_greedy" in html
    assert "could not re-simulate" not in html and 'id="schedule-link"' in html
    schedule = (tmp_path / "report.schedule.csv").read_text()
    assert schedule.startswith("AcceleratorID,Model Name,")


def test_compat_is_a_field_of_the_run_spec():
    from terastal.experiment import RunSpec, compare, run

    spec = RunSpec("VR_gaming", "Dual_4K/WS_OS", compat="xrbench", duration_s=0.7)
    outcome = run(spec)
    assert outcome.metrics["xrbench_score"] == pytest.approx(62.121647, abs=1e-5)
    assert outcome.files["schedule.csv"] == (REF / f"schedule__{CASE}.csv").read_text()
    assert outcome.files["summary.csv"] == (REF / f"summary__{CASE}.csv").read_text()
    summary = compare({"p": spec}, [0, 1])
    assert summary["profile"] == "xrbench" and set(summary["xrbench_score"]) == {"0", "1"}


@pytest.mark.parametrize(
    ("change", "field"),
    [({"options": {"block": 4}}, "--option"), ({"late": "drop"}, "--late")],
)
def test_compat_spec_refuses_what_the_profile_does_not_use(change, field):
    from terastal.experiment import RunSpec, run

    with pytest.raises(InputError) as info:
        run(RunSpec("VR_gaming", "Dual_4K/WS_OS", compat="xrbench", **change))
    assert info.value.field == field


def test_compat_run_over_a_default_run_removes_its_files(tmp_path):
    base = [*VR_DUAL, "--out", str(tmp_path)]
    assert main(["simulate", *base, "--compat", "xrbench"]) == 0
    assert (tmp_path / "schedule.csv").exists()
    assert main(["simulate", *base, "--duration-ms", "50", "--no-progress"]) == 0
    assert not (tmp_path / "schedule.csv").exists() and (tmp_path / "jobs.csv").exists()


def test_compat_run_is_the_same_from_every_entry_point(tmp_path):
    from terastal.experiment import RunSpec, run

    case = ["-s", "VR_gaming_50p", "-p", "Dual_4K/WS_OS", "--compat", "xrbench", "--no-progress"]
    assert main(["simulate", *case, "--seed", "42", "-o", str(tmp_path / "s")]) == 0
    assert main(["compare", *case, "--seeds", "42", "-o", str(tmp_path / "c")]) == 0
    simulated = json.loads((tmp_path / "s" / "metrics.json").read_text())
    compared = json.loads(
        (tmp_path / "c" / "runs" / "xrbench_latency_greedy-seed42.json").read_text()
    )
    spec = RunSpec("VR_gaming_50p", "Dual_4K/WS_OS", compat="xrbench", seed=42, duration_s=0.7)
    row = run_point(parse_grid(COMPAT_GRID, "grid.yaml").points()[1])
    assert simulated == compared == run(spec).metrics
    assert row["xrbench_score"] == simulated["xrbench_score"]
