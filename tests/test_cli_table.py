"""Tables printed without rich to a non-terminal are the characters rich prints there."""

import io
import random
import string

import pytest
from rich.console import Console
from rich.table import Table

from terastal.commands._table import plain_line, plain_table, plain_wanted


def _rich(title, columns, rows, footer):
    buf = io.StringIO()
    con = Console(file=buf, width=1000)  # what _vocab.console gives a non-terminal
    assert not con.is_terminal
    table = Table(title=title)
    for header, justify in columns:
        table.add_column(header, justify=justify, no_wrap=True)
    for row in rows:
        table.add_row(*row)
    con.print(table)
    con.print(footer)
    return buf.getvalue()


def _word(rng, lo=1, hi=24):
    alphabet = string.ascii_letters + string.digits + "_-./%+ "
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi))).strip() or "x"


@pytest.mark.parametrize("seed", range(60))
def test_random_tables_match_rich(seed):
    rng = random.Random(seed)
    ncols = rng.randint(1, 9)
    columns = [(_word(rng, 1, 10), rng.choice(["left", "right"])) for _ in range(ncols)]
    rows = [tuple(_word(rng, 1, 12) for _ in range(ncols)) for _ in range(rng.randint(1, 6))]
    title = _word(rng, 1, 60 if seed % 5 == 0 else 20)
    footer = f"mean {rng.random():.2%}  |  {rng.randint(0, 10**6)} dispatches, p50 1.5 µs"
    table, line = plain_table(title, columns, rows), plain_line(footer)
    if table is None:  # only when the title is wider than the table
        widths = [max(len(h), *(len(r[i]) for r in rows)) + 3 for i, (h, _) in enumerate(columns)]
        assert len(title) > sum(widths) + 1
        return
    assert table + line == _rich(title, columns, rows, footer)


def test_what_rich_would_change_goes_to_rich():
    cols = [("model", "left"), ("n", "right")]
    assert plain_table("a [bold]b[/bold]", cols, [("m", "1")]) is None  # markup
    assert plain_table("t", cols, [("m :smile: x", "1")]) is None  # emoji code
    assert plain_table("t", cols, [("mödel", "1")]) is None  # not ASCII
    assert plain_table("t", cols, []) is None  # no rows
    assert plain_table("a very long title " * 3, cols, [("m", "1")]) is None  # wraps
    assert plain_line("x [red]y") is None
    wide = [("model", "left"), ("released", "right"), ("unlogged", "right"), ("score", "right")]
    assert plain_table("XRBench profile: a / b, seed 0", wide, [("m", "1", "2", "3")]) is not None


def test_plain_only_off_terminal(monkeypatch):
    for key in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(key, raising=False)
    assert plain_wanted(io.StringIO())
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert not plain_wanted(io.StringIO())


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_gets_rich():
    assert not plain_wanted(_Tty())
