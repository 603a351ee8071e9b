"""Bad input found by walking every command: exit 2, one ``error:`` line, nothing written."""

from pathlib import Path

import pytest

from terastal.cli import main

DATA = Path(__file__).parent / "data" / "bound"
CASE = ["--scenario", str(DATA / "pair.yaml"), "--platform", str(DATA / "ws_os.yaml")]
SIM = ["simulate", *CASE, "--duration-ms", "20", "--no-progress"]


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and "\n" not in err, err
    assert err.startswith("error: "), err
    return err


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("os:path", "'os:path' is not a cost model (it has no evaluate("),  # was AttributeError
        ("os:getcwd", "'os:getcwd' is not a cost model"),  # a factory that makes something else
        ("json:loads", "cannot make cost model 'json:loads': TypeError: "),  # was TypeError
    ],
)
def test_a_module_attr_cost_model_that_is_none(tmp_path, capsys, spec, needle):
    out = tmp_path / "o"
    assert main([*SIM, "--cost-model", spec, "--out", str(out)]) == 2
    err = one_error_line(capsys)
    assert "field 'cost_model'" in err and needle in err
    assert not out.exists()


def test_a_huge_seed_range_is_refused_before_it_is_built(capsys):
    """``--seeds 0-100000000`` held compare for minutes (and gigabytes) building the list."""
    from terastal.commands._vocab import MAX_SEEDS, parse_seeds

    args = ["compare", *CASE, "--duration-ms", "5", "--no-progress", "--seeds"]
    assert main([*args, "0-100000000"]) == 2
    assert f"--seeds lists more than {MAX_SEEDS} seeds: '0-100000000'" in one_error_line(capsys)
    assert main([*args, f"0-{MAX_SEEDS // 2},{MAX_SEEDS}-{2 * MAX_SEEDS}"]) == 2
    assert "--seeds lists more than" in one_error_line(capsys)
    assert len(parse_seeds(f"0-{MAX_SEEDS - 1}")) == MAX_SEEDS  # the limit itself is fine


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (unwritable)")
def test_an_unwritable_out_names_the_directory(capsys):
    """A run whose --out cannot be created ended in a FileNotFoundError traceback."""
    assert main([*SIM, "--out", "/proc/terastal-out"]) == 2
    assert one_error_line(capsys) == (
        "error: /proc/terastal-out: cannot write: No such file or directory"
    )
