"""The configurations a suite runs by default (``schedulers``), as the bundled quick section
names them: docs/design.md, "The quick set's configurations"."""

import json

import pytest

from terastal.errors import InputError
from terastal.reproduce import family
from terastal.reproduce.suite import load_suite

_TINY = (
    "name: tiny\nplatforms: [Dual_4K/WS_OS]\nutilizations: [1.0]\nseeds: [0]\nduration_ms: 40\n"
    "mixes:\n  - {name: a, models: [resnet50, mb2_ssd_lite]}\n"
)


def test_the_bundled_quick_set_runs_terastal_the_paper_baselines_and_the_strongest():
    labels = load_suite(quick=True).schedulers
    assert load_suite().schedulers is None  # the full suite: the default family
    default = family.labels()
    assert set(labels) <= set(default)
    assert list(labels) == [s for s in default if s in labels]  # runs.csv rows in family order
    assert {"terastal", *family.PAPER_BASELINES} <= set(labels)
    # the fewest baselines that are the best at every point of the full suite
    strongest = {"dream-tuned", "edf-ef-hopeless", "fcfs-ef-hopeless", "rm-ef-hopeless",
                 "lst-ef-hopeless", "edf-ef-deadline"}  # fmt: skip
    assert strongest <= set(labels)
    assert not [s for s in labels if s.startswith("terastal-")]  # ablations: --schedulers


def test_a_bad_label_names_the_file_line_and_field(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(_TINY + "quick:\n  seeds: [0]\n  schedulers: [edf, edf-x]\n")
    with pytest.raises(InputError, match=r"unknown scheduler label 'edf-x'") as exc:
        load_suite(p, quick=True)
    assert (exc.value.file, exc.value.line, exc.value.field) == (str(p), 10, "quick.schedulers")
    assert load_suite(p).schedulers is None  # only --quick reads the quick section
    p.write_text(_TINY + "schedulers: edf\n")
    with pytest.raises(InputError, match="non-empty list") as exc:
        load_suite(p)
    assert exc.value.field == "schedulers"


def test_reproduce_runs_the_suites_labels_unless_named(tmp_path):
    from terastal.cli import main

    p = tmp_path / "s.yaml"
    p.write_text(_TINY + "quick:\n  schedulers: [edf, terastal]\n")
    base = ["reproduce", "--suite", str(p), "--workers", "1", "--quick"]
    assert main([*base, "--out", str(tmp_path / "q")]) == 0
    s = json.loads((tmp_path / "q" / "summary.json").read_text())
    assert s["schedulers"] == ["edf", "terastal"]
    assert main([*base, "--out", str(tmp_path / "n"), "--schedulers", "fcfs"]) == 0
    s = json.loads((tmp_path / "n" / "summary.json").read_text())
    assert s["schedulers"] == ["fcfs"]
