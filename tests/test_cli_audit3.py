"""Bad input found by a third walk of the commands: exit 2, one ``error:`` line, nothing
written (docs/design.md, "CLI audit, third walk")."""

from pathlib import Path

import pytest

from terastal.cli import main
from terastal.errors import InputError
from terastal.io import parse_maestro
from terastal.testing.cli import one_error_line

DATA = Path(__file__).parent / "data" / "bound"
CASE = ["--scenario", str(DATA / "pair.yaml"), "--platform", str(DATA / "ws_os.yaml")]
VR_DUAL = ["--scenario", "VR_gaming", "--platform", "Dual_4K/WS_OS"]

_CONV = "Type: CONV Dimensions: { N: 1, K: 8, C: 3, Y: 10, X: 10, R: 3, S: 3 }"


def _net(name, *layers):
    body = "".join(f"Layer {layer} {{ {_CONV} }}\n" for layer in layers)
    return f"Network {name} {{\nFPS: 30\n{body}}}\n"


TWICE = _net("n", "a", "b", "a")


def test_a_layer_name_used_twice_in_a_network_is_refused():
    """Per-layer lookups (variants, accuracy, the dispatch log) would not know which one."""
    with pytest.raises(InputError) as info:
        parse_maestro(TWICE, "twice.m")
    assert str(info.value) == (
        "twice.m:5: field 'Layer': duplicate layer 'a' in network 'n' (first at line 3)"
    )


def test_the_same_layer_name_in_two_networks_is_fine():
    nets = parse_maestro(_net("m", "a", "b") + _net("n", "b", "a"))
    assert [[layer.name for layer in n.model.layers] for n in nets] == [["a", "b"], ["b", "a"]]


def test_a_duplicate_layer_is_one_error_line_on_the_command_line(tmp_path, capsys):
    net = tmp_path / "twice.m"
    net.write_text(TWICE)
    scen = tmp_path / "s.yaml"
    scen.write_text(f"name: s\ntasks:\n  - {{model: {net}, fps: 30, deadline_ms: 30}}\n")
    out = tmp_path / "o"
    args = ["simulate", "-s", str(scen), "-p", str(DATA / "ws_os.yaml"), "--no-progress"]
    assert main([*args, "--out", str(out)]) == 2
    line = one_error_line(capsys)
    assert f"{net}:5: field 'Layer': duplicate layer 'a' in network 'n'" in line
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "flag", "given"),
    [
        (["simulate", "--scheduler", "terastal"], "--scheduler", "terastal"),
        (["simulate", "--scheduler", "edf"], "--scheduler", "edf"),  # the default, named
        (["compare", "--schedulers", "edf,terastal"], "--schedulers", "edf,terastal"),
    ],
)
def test_a_scheduler_named_under_compat_is_refused_not_ignored(tmp_path, capsys, args, flag, given):
    """XRBench's engine runs its own policy: the named scheduler was silently replaced."""
    out = tmp_path / "o"
    assert main([*args, *VR_DUAL, "--compat", "xrbench", "--out", str(out)]) == 2
    assert one_error_line(capsys) == (
        f"error: field '{flag}': does not apply under --compat xrbench (the profile runs its "
        f"own policy, xrbench_latency_greedy), got '{given}'"
    )
    assert not out.exists()


def test_without_compat_the_default_scheduler_is_still_edf(tmp_path):
    import json

    out = tmp_path / "o"
    args = ["simulate", *CASE, "--no-progress", "--duration-ms", "5", "--out", str(out)]
    assert main(args) == 0
    assert json.loads((out / "metrics.json").read_text())["scheduler"] == "edf"


def test_bound_runs_no_more_solver_workers_than_cores(tmp_path, monkeypatch):
    """CP-SAT threads beyond the cores only share them (and each copies the model)."""
    pytest.importorskip("ortools")
    import json
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    out = tmp_path / "b"
    args = ["bound", *CASE, "--duration-ms", "5", "--time-limit", "2", "--no-hint"]
    assert main([*args, "--workers", "1000", "--out", str(out)]) == 0
    assert json.loads((out / "bound.json").read_text())["workers"] == 1


def test_one_seed_check_keeps_each_boundarys_location():
    from terastal.model import MAX_SEED
    from terastal.seeds import check_seed

    assert check_seed(MAX_SEED) == MAX_SEED
    big = MAX_SEED + 1
    for kwargs, text in [
        ({"flag": "--seed"}, f"--seed must be <= {MAX_SEED}, got {big}"),
        ({"flag": "--seeds", "shown": "'0,1'"}, f"--seeds must be <= {MAX_SEED}, got '0,1'"),
        ({"file": "g.yaml", "line": 4, "field": "seeds[0]"},
         f"g.yaml:4: field 'seeds[0]': must be <= {MAX_SEED}, got {big}"),
        ({"field": "--seed"}, f"field '--seed': must be <= {MAX_SEED}, got {big}"),
    ]:  # fmt: skip
        with pytest.raises(InputError) as info:
            check_seed(big, **kwargs)
        assert str(info.value) == text


def test_a_suite_names_the_entry_and_line_of_a_seed_above_the_range(tmp_path, capsys, monkeypatch):
    from terastal.model import MAX_SEED
    from terastal.testing.cli import TINY_SUITE, forbid_points

    forbid_points(monkeypatch)
    huge = str(2**70)
    suite = tmp_path / "s.yaml"
    suite.write_text(TINY_SUITE.replace("seeds: [0]", f"seeds:\n  - 0\n  - {huge}"))
    out = tmp_path / "o"
    assert main(["reproduce", "--suite", str(suite), "--out", str(out)]) == 2
    assert one_error_line(capsys) == (
        f"error: {suite}:6: field 'seeds[1]': must be <= {MAX_SEED}, got {huge}"
    )
    assert not out.exists()


def test_an_empty_path_among_xrbench_check_paths_is_refused(capsys):
    """Path("") is ".": the working directory was searched for XRBench files."""
    assert main(["xrbench-check", ""]) == 2
    assert one_error_line(capsys).startswith("error: Invalid value for 'paths': an empty path")


def test_reproduce_refuses_an_empty_scheduler_list(tmp_path, capsys, monkeypatch):
    """'--schedulers $UNSET' ran the suite's whole default family."""
    from terastal.testing.cli import TINY_SUITE, forbid_points

    forbid_points(monkeypatch)
    suite = tmp_path / "s.yaml"
    suite.write_text(TINY_SUITE)
    out = tmp_path / "o"
    assert main(["reproduce", "--suite", str(suite), "--schedulers", "", "--out", str(out)]) == 2
    assert one_error_line(capsys) == "error: field '--schedulers': lists no scheduler label: ''"
    assert not out.exists()


@pytest.fixture
def store(tmp_path):
    pytest.importorskip("duckdb")
    from terastal.sweep.store import ResultStore

    s = ResultStore(tmp_path / "r")
    s.write_row({"point_id": "a", "status": "ok", "scheduler": "edf", "mean_miss_rate": 0.5})
    return s


@pytest.mark.parametrize("query", [";", "  ", "-- a comment"])
def test_results_refuses_a_query_without_a_statement(store, capsys, query):
    """DuckDB returns no relation for these: an AttributeError traceback."""
    assert main(["results", str(store.root), "--query", query]) == 2
    assert one_error_line(capsys) == f"error: field '--query': holds no SQL statement: {query!r}"


def test_results_takes_a_limit_beyond_64_bits(store, capsys):
    """fetchmany takes a signed 64-bit count: a TypeError traceback."""
    args = ["results", str(store.root), "--query", "select scheduler from runs"]
    assert main([*args, "--limit", str(2**70)]) == 0
    assert "edf" in capsys.readouterr().out


@pytest.mark.parametrize("seed", ["-1", str(2**70)])
@pytest.mark.parametrize("sub", ["train", "eval"])
def test_variants_seeds_have_the_runs_range(tmp_path, capsys, sub, seed):
    """torch took -1 and refused 2**64 with a traceback, once the data had been read."""
    pytest.importorskip("torch")
    from terastal.model import MAX_SEED

    out = tmp_path / "v"
    args = ["--out", str(out)] if sub == "train" else [str(out)]
    assert main(["variants", sub, *args, "--seed", seed, "--data", str(tmp_path / "none")]) == 2
    bound = "must be >= 0" if seed == "-1" else f"must be <= {MAX_SEED}"
    assert one_error_line(capsys) == f"error: --seed {bound}, got {seed}"
    assert not out.exists()


def test_an_empty_cost_table_path_is_refused(capsys):
    """Path("") is ".": the message was 'cannot read cost table: Is a directory' about '.'."""
    assert main(["profile", *CASE, "--cost-model", "table:path="]) == 2
    assert one_error_line(capsys) == "error: field 'cost_model': cost model 'table': path is empty"
