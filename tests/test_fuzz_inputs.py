"""Fuzz: malformed input files and flags end as exit 2 with one line, nothing written.

Each case mutates a valid input (a scenario, platform, ``.m`` model file, grid, suite,
accuracy table, plan, or a command line): a value of the wrong type or sign, NaN, inf, a
huge number, a missing or extra key, or the file cut short. A mutation may leave the input
valid; then the command must succeed. Otherwise it must exit 2 with one ``error:`` line, no
traceback, and leave no output behind. Hypothesis is derandomized, so CI runs the same cases.
"""

import contextlib
import io
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from terastal.cli import main
from terastal.testing.cli import TINY_SUITE

DATA = Path(__file__).parent / "data" / "bound"
# TERASTAL_FUZZ_EXAMPLES=500 TERASTAL_FUZZ_RANDOM=1 runs a longer, fresh search locally.
FUZZ = settings(
    max_examples=int(os.environ.get("TERASTAL_FUZZ_EXAMPLES", "25")),
    deadline=None,
    derandomize=not os.environ.get("TERASTAL_FUZZ_RANDOM"),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BAD_VALUES = [
    -1, 0, -1e9, 1e12, 1e308, 10**30, float("nan"), float("inf"), float("-inf"), "abc", "",
    None, True, [], {}, [1, 2], {"x": 1}, "1e12", ".nan", -0.5,
]  # fmt: skip
GRID = """\
scenarios: [pair.yaml]
platforms: [ws_os.yaml]
schedulers: [edf, dream]
seeds: [0, 1]
duration_ms: 5
load_scales: [1, 2]
"""
SUITE = TINY_SUITE


class PassedValidationError(Exception):
    """Raised instead of running: the input passed validation."""


def _paths(doc, prefix=()):
    """Every (path, value) in a parsed document, containers included."""
    yield prefix, doc
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, (*prefix, i))


def _mutate(doc, data):
    """``doc`` with one drawn mutation: replace, delete or add a key at one place."""
    paths = [p for p, _ in _paths(doc) if p]
    path = data.draw(st.sampled_from(paths), label="path")
    kind = data.draw(st.sampled_from(["replace", "delete", "extra"]), label="kind")
    parent = doc
    for k in path[:-1]:
        parent = parent[k]
    key = path[-1]
    if kind == "replace" or (kind == "delete" and isinstance(parent, list) and len(parent) < 2):
        parent[key] = data.draw(st.sampled_from(BAD_VALUES), label="value")
    elif kind == "delete":
        del parent[key]
    elif isinstance(parent, dict):
        parent["unexpected_key"] = data.draw(st.sampled_from(BAD_VALUES), label="value")
    else:
        parent.append(data.draw(st.sampled_from(BAD_VALUES), label="value"))
    return doc


def mutated_text(text: str, data, fmt: str = "yaml") -> str:
    """A mutation of a YAML/JSON document's structure, or its text cut short."""
    if data.draw(st.booleans(), label="truncate"):
        cut = data.draw(st.integers(0, max(0, len(text) - 1)), label="cut")
        return text[:cut]
    doc = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    doc = _mutate(doc, data)
    if fmt == "json":
        return json.dumps(doc)
    return yaml.safe_dump(doc, sort_keys=False)


def mutated_m(text: str, data) -> str:
    """A MAESTRO ``.m`` file with one number replaced, one line dropped, or cut short."""
    lines = text.splitlines()
    kind = data.draw(st.sampled_from(["number", "drop", "truncate"]), label="m-kind")
    if kind == "truncate":
        return text[: data.draw(st.integers(0, len(text) - 1), label="cut")]
    i = data.draw(st.integers(0, len(lines) - 1), label="line")
    if kind == "drop":
        return "\n".join(lines[:i] + lines[i + 1 :])
    bad = data.draw(st.sampled_from(["-1", "0", "1e30", "nan", "inf", "x", "3.5", ""]))
    numbers = list(re.finditer(r"\d+", lines[i]))
    if not numbers:
        return "\n".join([*lines[:i], lines[i] + " ?", *lines[i + 1 :]])
    m = numbers[data.draw(st.integers(0, len(numbers) - 1), label="which")]
    lines[i] = lines[i][: m.start()] + bad + lines[i][m.end() :]
    return "\n".join(lines)


def check(argv: list[str], out: Path) -> None:
    """Run the CLI in-process: success (or validation passed), or one error line, exit 2."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            rc = main(argv)
        except PassedValidationError:
            event("valid")
            return
    text = err.getvalue().strip()
    event(f"exit {rc}")
    if rc == 0:
        return
    assert rc == 2, (argv, rc, text)
    assert "Traceback" not in text and "\n" not in text and text.startswith("error: "), text
    assert not out.exists(), f"{out} written by a failing command"


@contextlib.contextmanager
def workdir():
    """A temporary directory with the valid inputs (hypothesis calls the test many times)."""
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        for name in ("pair.yaml", "ws_os.yaml", "nets.m", "accuracy.yaml"):
            shutil.copy(DATA / name, root / name)
        yield root


def simulate_args(root: Path, scenario="pair.yaml", platform="ws_os.yaml") -> list[str]:
    return [
        "simulate", "--scenario", str(root / scenario), "--platform", str(root / platform),
        "--duration-ms", "5", "--no-progress", "--max-jobs", "2000", "--out", str(root / "o"),
    ]  # fmt: skip


@FUZZ
@given(data=st.data())
def test_fuzz_scenario_file(data):
    with workdir() as root:
        (root / "bad.yaml").write_text(mutated_text((root / "pair.yaml").read_text(), data))
        check(simulate_args(root, scenario="bad.yaml"), root / "o")


@FUZZ
@given(data=st.data())
def test_fuzz_platform_file(data):
    with workdir() as root:
        (root / "bad.yaml").write_text(mutated_text((root / "ws_os.yaml").read_text(), data))
        check(simulate_args(root, platform="bad.yaml"), root / "o")


@FUZZ
@given(data=st.data())
def test_fuzz_model_file(data):
    with workdir() as root:
        (root / "nets.m").write_text(mutated_m((root / "nets.m").read_text(), data))
        check(simulate_args(root), root / "o")


@FUZZ
@given(data=st.data())
def test_fuzz_grid_file(data):
    pytest.importorskip("dask.distributed", reason="needs the sweep extra")
    with workdir() as root:
        (root / "grid.yaml").write_text(mutated_text(GRID, data))
        out = root / "r"
        check(["sweep", str(root / "grid.yaml"), "--out", str(out), "--dry-run"], out)


@FUZZ
@given(data=st.data())
def test_fuzz_suite_file(data, monkeypatch):
    import terastal.reproduce as reproduce

    def validated(*args, **kwargs):
        raise PassedValidationError

    monkeypatch.setattr(reproduce, "run_suite", validated)
    with workdir() as root:
        (root / "suite.yaml").write_text(mutated_text(SUITE, data))
        out = root / "out"
        check(["reproduce", "--suite", str(root / "suite.yaml"), "--out", str(out)], out)


@FUZZ
@given(data=st.data())
def test_fuzz_accuracy_table(data):
    with workdir() as root:
        (root / "acc.yaml").write_text(mutated_text((root / "accuracy.yaml").read_text(), data))
        out = root / "plan.json"
        check(
            ["plan", "--scenario", str(root / "pair.yaml"), "--platform", str(root / "ws_os.yaml"),
             "--accuracy-table", str(root / "acc.yaml"), "--out", str(out)],
            out,
        )  # fmt: skip


@pytest.fixture(scope="module")
def plan_text(tmp_path_factory):
    d = tmp_path_factory.mktemp("plan")
    out = d / "plan.json"
    args = ["plan", "--scenario", str(DATA / "pair.yaml"), "--platform", str(DATA / "ws_os.yaml")]
    assert main([*args, "--accuracy-table", str(DATA / "accuracy.yaml"), "--out", str(out)]) == 0
    return out.read_text()


@FUZZ
@given(data=st.data())
def test_fuzz_plan_file(data, plan_text, monkeypatch):
    pytest.importorskip("ortools")
    import terastal.bound as bound

    def validated(*args, **kwargs):
        raise PassedValidationError

    monkeypatch.setattr(bound, "solve_bound", validated)
    with workdir() as root:
        (root / "plan.json").write_text(mutated_text(plan_text, data, "json"))
        out = root / "b"
        check(
            ["bound", "--scenario", str(root / "pair.yaml"), "--platform",
             str(root / "ws_os.yaml"), "--plan", str(root / "plan.json"), "--out", str(out)],
            out,
        )  # fmt: skip


FLAGS = {
    "simulate": ["--duration-ms", "--seed", "--late", "--scheduler", "--cost-model", "--max-jobs"],
    "compare": ["--duration-ms", "--seeds", "--schedulers", "--late", "--bound-time-limit",
                "--max-jobs"],
    "bound": ["--duration-ms", "--seed", "--time-limit", "--group-layers", "--workers",
              "--max-jobs"],
    "reproduce": ["--workers", "--schedulers", "--cost-model", "--max-jobs"],
    "results": ["--limit"],
}  # fmt: skip
BAD_FLAG_VALUES = ["-1", "0", "nan", "inf", "-inf", "1e12", "1e308", "abc", "", "-0", "2-1",
                   "0--1", "1,1", "edf,,", "nosuch"]  # fmt: skip


@FUZZ
@given(data=st.data())
def test_fuzz_command_line(data, monkeypatch):
    import terastal.bound as bound
    import terastal.reproduce as reproduce

    def validated(*args, **kwargs):
        raise PassedValidationError

    monkeypatch.setattr(reproduce, "run_suite", validated)
    monkeypatch.setattr(bound, "solve_bound", validated)
    command = data.draw(st.sampled_from(sorted(FLAGS)), label="command")
    flag = data.draw(st.sampled_from(FLAGS[command]), label="flag")
    value = data.draw(st.sampled_from(BAD_FLAG_VALUES), label="value")
    with workdir() as root:
        out = root / "o"
        case = ["--scenario", str(root / "pair.yaml"), "--platform", str(root / "ws_os.yaml")]
        base = {
            "simulate": ["simulate", *case, "--duration-ms", "5", "--no-progress",
                         "--max-jobs", "2000", "--out", str(out)],
            "compare": ["compare", *case, "--duration-ms", "5", "--no-progress",
                        "--max-jobs", "2000", "--out", str(out)],
            "bound": ["bound", *case, "--duration-ms", "5", "--out", str(out)],
            "reproduce": ["reproduce", "--suite", str(root / "suite.yaml"), "--out", str(out)],
            "results": ["results", str(root / "none")],
        }[command]  # fmt: skip
        (root / "suite.yaml").write_text(SUITE)
        check([*base, flag, value], out)


@FUZZ
@given(data=st.data())
def test_fuzz_scheduler_options(data):
    from terastal.schedulers import available_schedulers, get_factory

    name = data.draw(st.sampled_from(available_schedulers()), label="scheduler")
    keys = [k for k in getattr(get_factory(name), "options", {}) if k != "plan"]
    if not keys:
        return
    key = data.draw(st.sampled_from(keys), label="key")
    value = data.draw(st.sampled_from([*BAD_FLAG_VALUES, "maybe", "4.5", "[1]"]), label="value")
    with workdir() as root:
        args = simulate_args(root)
        check([*args[:-2], "--scheduler", name, "-O", f"{key}={value}", *args[-2:]], root / "o")
