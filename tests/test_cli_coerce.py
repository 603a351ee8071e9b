"""Plain option values are coerced without pydantic exactly as typer's own coercion does."""

from pathlib import Path
from typing import Annotated

import pytest
import typer
from typer.core import TyperCommand

from terastal.cli import main
from terastal.commands._coerce import _UNSURE, install, plain_value

VALUES = ["0", "7", "-3", "007", "1.5", "-0.25", ".5", "5.", "1e3", "2E-2", "1_000", "inf",
          "nan", " 4", "abc", "", "+1", "1e999", 3, 2.5, True]  # fmt: skip


def _typer_params():
    """A command with one option per plain type, coerced the typer way."""
    app = typer.Typer()

    @app.command()
    def cmd(
        s: str = "x",
        i: int = 0,
        f: float = 0.0,
        p: Path = Path("."),
        items: Annotated[list[str] | None, typer.Option("--items")] = None,
    ) -> None:
        pass

    group = typer.main.get_command(app)
    return {p.name: p for p in group.params}


@pytest.mark.parametrize("name,annotation", [("s", str), ("i", int), ("f", float)])
def test_plain_values_equal_typers(name, annotation):
    param = _typer_params()[name]
    full = param.get_runtime_param()
    for v in VALUES:
        mine = plain_value(v, annotation)
        if mine is _UNSURE:
            continue
        theirs = full._coerce_value(v, param=param, ctx=None)
        assert type(mine) is type(theirs) and repr(mine) == repr(theirs), v


def test_installed_coercion_keeps_typers_results_and_errors():
    params = _typer_params()
    cmd = TyperCommand("cmd", params=list(params.values()))
    install(cmd)
    for name, v in [("i", "12"), ("f", "0.1"), ("p", "some/where"), ("items", ("a", "b"))]:
        assert (
            params[name].process_value(None, v)
            == ({"i": 12, "f": 0.1, "p": Path("some/where"), "items": ["a", "b"]}[name])
        )
    with pytest.raises(typer.BadParameter, match="valid integer"):
        params["i"].process_value(None, "1.5")  # typer's message, from typer's coercion


def test_bad_values_on_the_command_line_keep_typers_messages(capsys):
    base = ["simulate", "--scenario", "VR_gaming", "--platform", "Dual_4K/WS_OS"]
    assert main([*base, "--seed", "1.5"]) == 2
    assert "Invalid value for '--seed'" in capsys.readouterr().err
    assert main([*base, "--duration-ms", "abc"]) == 2
    assert "Invalid value for '--duration-ms'" in capsys.readouterr().err
