"""benchmarks/worst_model.py: the worst-model count per point, and its one-line errors."""

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "worst_model.py"
HEAD = "mix,platform,utilization,scheduler,seed,model,miss_rate\n"


def _module():
    spec = importlib.util.spec_from_file_location("worst_model", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


wm = _module()


def _rows(point: str, sched: str, seed: int, rates: dict) -> str:
    return "".join(f"{point},{sched},{seed},{m},{r}\n" for m, r in rates.items())


def _rundir(tmp_path: Path, terastal: bool = True) -> Path:
    # Point p1: baseline "a" has the lowest mean (0.2) but a starved model (0.4); "b" a
    # higher mean (0.25) and a lower worst model (0.3). Point p2: "b" is best by mean.
    text = HEAD
    for seed in (0, 1):
        text += _rows("p1,P,1.0", "a", seed, {"x": 0.4, "y": 0.0})
        text += _rows("p1,P,1.0", "b", seed, {"x": 0.2, "y": 0.3})
        text += _rows("p2,P,0.8", "a", seed, {"x": 0.5, "y": 0.5})
        text += _rows("p2,P,0.8", "b", seed, {"x": 0.1, "y": 0.2 + 0.1 * seed, "z": ""})
        if terastal:  # p1: worst 0.35 (between b's and a's); p2: worst 0.3 vs b's 0.25
            text += _rows("p1,P,1.0", "terastal", seed, {"x": 0.35, "y": 0.1})
            text += _rows("p2,P,0.8", "terastal", seed, {"x": 0.3, "y": 0.0})
    d = tmp_path / "run"
    d.mkdir()
    (d / "runs.csv").write_text(text)
    (d / "summary.json").write_text(json.dumps({"baselines": ["a", "b", "c"]}))
    return d


def test_counts_against_the_best_baseline_by_mean_and_against_any(tmp_path):
    rows = wm.compare(_rundir(tmp_path), None, "terastal")
    p2, p1 = rows  # sorted by mix name: p1 first
    assert p2[0] == ("p1", "P", "1.0") and p2[2] == "a"  # a: lowest mean at p1
    assert abs(p2[1] - 0.35) < 1e-12 and abs(p2[3] - 0.4) < 1e-12 and abs(p2[4] - 0.3) < 1e-12
    assert p1[2] == "b" and abs(p1[3] - 0.25) < 1e-12  # b's worst: mean of 0.2 and 0.3
    text = wm.report(rows)
    assert "| p2 P U 0.8 | 30.00 % | b | 25.00 % | 25.00 % |" in text
    assert "p1 P" not in text  # at or below the best baseline's: not listed
    assert text.endswith("best baseline's: 1 of 2; <= every baseline's: 0 of 2")
    assert "| p1 P U 1.0 | 35.00 % | a | 40.00 % | 30.00 % |" in wm.report(rows, every=True)


def test_rows_of_another_csv_against_the_run_dirs_baselines(tmp_path, capsys):
    d = _rundir(tmp_path, terastal=False)
    other = tmp_path / "x.csv"
    other.write_text(HEAD + _rows("p1,P,1.0", "x-one", 0, {"x": 0.5, "y": 0.0}))
    assert wm.main([str(d), "--rows", str(other), "--scheduler", "x-one", "--all"]) == 0
    out = capsys.readouterr().out
    assert "| p1 P U 1.0 | 50.00 % | a | 40.00 % | 30.00 % |" in out
    assert "best baseline's: 0 of 1" in out


def test_bad_inputs_are_one_line_errors(tmp_path, capsys):
    d = _rundir(tmp_path)
    cases = [([str(tmp_path / "none")], "summary.json: No such file"),
             ([str(d), "--scheduler", "zz"], "--scheduler: no rows of 'zz'")]  # fmt: skip
    bad = tmp_path / "bad.csv"
    bad.write_text(HEAD + "p1,P,1.0,terastal,0,x,0.1\np1,P,1.0,terastal,0,y,lots\n")
    cases.append(([str(d), "--rows", str(bad)], "bad.csv: line 3: field 'miss_rate'"))
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("mix,platform\np1,P\n")
    cases.append(([str(d), "--rows", str(nocol)], "nocol.csv: line 1: no column 'utilization'"))
    (tmp_path / "j").mkdir()
    (tmp_path / "j" / "summary.json").write_text("{}")
    cases.append(([str(tmp_path / "j")], "field 'baselines'"))
    for argv, msg in cases:
        assert wm.main(argv) == 2
        cap = capsys.readouterr()
        assert cap.out == "" and cap.err.startswith("error: ") and msg in cap.err
        assert cap.err.count("\n") == 1
