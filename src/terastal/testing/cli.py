"""Harnesses for tests of the command line: the one-line error rule and guarded suites.

Every bad input must end in exit 2 and one ``error: ...`` line naming what was wrong, with no
traceback; a check that can fail before any work must fail before any point runs.
"""

from __future__ import annotations

from typing import Any

#: The smallest suite ``terastal reproduce --suite`` accepts: one mix, one point, 5 ms.
TINY_SUITE = """\
name: tiny
platforms: [Dual_4K/WS_OS]
utilizations: [0.6]
seeds: [0]
duration_ms: 5
mixes:
  - {name: a, models: [resnet50, mb2_ssd_lite]}
"""


def one_error_line(capsys: Any) -> str:
    """The captured stderr, asserted to be one ``error: ...`` line without a traceback.

    Parameters
    ----------
    capsys : pytest.CaptureFixture
        pytest's capture fixture of the test that ran the command.

    Returns
    -------
    str
        The line, for the test to check what it names.
    """
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and "\n" not in err, err
    assert err.startswith("error: "), err
    return err


def forbid_points(monkeypatch: Any) -> None:
    """Make any suite point that starts fail the test (checks must come before the work).

    Parameters
    ----------
    monkeypatch : pytest.MonkeyPatch
        pytest's monkeypatch fixture; the patch is undone after the test.
    """
    import terastal.reproduce.runner as runner

    def _ran(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a point ran")

    monkeypatch.setattr(runner, "run_point", _ran)
