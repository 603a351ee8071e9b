"""Tables and lines printed the way rich prints them to a file or pipe, without rich.

Importing rich (console, table, markup) costs a ``simulate`` command about 25 ms of its
start-up, to print a few rows that have no colour when the output is not a terminal. For
that case, :func:`plain_table` draws the same characters as ``rich.table.Table`` with its
defaults (heavy-head box, one space of padding, no wrapping, centred title) on a console of
width 1000, which is how :func:`terastal.commands._vocab.console` prints to a non-terminal;
``tests/test_cli_table.py`` compares the two. Anything this does not reproduce exactly
(markup or emoji codes, wide characters, a title wider than the table, no rows) returns
``None``, and the caller prints through rich.
"""

from __future__ import annotations

import os
import re
import sys

#: Console width rich is given for a non-terminal (``_vocab.console``).
WIDTH = 1000


def plain_wanted(stream=None) -> bool:
    """Whether output to ``stream`` (default stdout) would be uncoloured rich text: not a
    terminal, and no environment variable that makes rich treat it as one."""
    stream = sys.stdout if stream is None else stream
    if any(os.environ.get(k) for k in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")):
        return False
    if any(k.startswith(("JPY_", "JUPYTER")) or k == "COLAB_RELEASE_TAG" for k in os.environ):
        return False  # notebooks: rich renders for their front end
    try:
        return not stream.isatty()
    except (AttributeError, ValueError):
        return False


def _simple(text: str) -> bool:
    """Text rich prints unchanged: printable ASCII without markup or emoji codes."""
    return (
        text.isascii()
        and text.isprintable()
        and not any(c in text for c in "[]\\")
        and re.search(r":\S*:", text) is None  # rich's emoji codes (":smile:")
    )


def plain_table(
    title: str, columns: list[tuple[str, str]], rows: list[tuple[str, ...]]
) -> str | None:
    """The text ``rich.table.Table`` prints for ``columns`` (header, ``"left"``/``"right"``)
    and ``rows`` under ``title`` on a non-terminal, or ``None`` when it cannot say for sure."""
    cells = [title, *(h for h, _ in columns), *(c for r in rows for c in r)]
    if not rows or not all(_simple(c) for c in cells):
        return None
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, (h, _) in enumerate(columns)]
    total = sum(widths) + 3 * len(widths) + 1
    if total > WIDTH or len(title) > total or title != title.strip():
        return None

    def line(cells: tuple[str, ...] | list[str], bar: str) -> str:
        parts = [
            c.rjust(w) if just == "right" else c.ljust(w)
            for c, w, (_, just) in zip(cells, widths, columns, strict=True)
        ]
        return f"{bar} " + f" {bar} ".join(parts) + f" {bar}"

    def rule(left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * (w + 2) for w in widths) + right

    pad = (total - len(title)) // 2
    out = [
        " " * pad + title + " " * (total - len(title) - pad),
        rule("┏", "━", "┳", "┓"),
        line([h for h, _ in columns], "┃"),
        rule("┡", "━", "╇", "┩"),
        *(line(r, "│") for r in rows),
        rule("└", "─", "┴", "┘"),
    ]
    return "\n".join(out) + "\n"


def plain_line(text: str) -> str | None:
    """``text`` as rich prints it on a non-terminal (itself and a newline), or ``None``."""
    return text + "\n" if len(text) <= WIDTH and _simple(text.replace("µ", "")) else None
