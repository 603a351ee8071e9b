"""The one located-YAML reader: scenario, platform, grid and suite files (plan files share
:func:`read_text`).

A :class:`LocatedYaml` keeps the composed node tree, so every error names the file, the line
and the field (``tasks[0].fps``). Unknown and duplicate keys are errors (they are usually
typos).
"""

from __future__ import annotations

import contextlib
import math
import os
from pathlib import Path
from typing import Any

import yaml

from terastal.errors import InputError

__all__ = ["LocatedYaml", "read_text"]


def read_text(path: str | os.PathLike[str], what: str = "file") -> str:
    """Read a UTF-8 text file; a missing or unreadable one is an :class:`InputError`.

    Parameters
    ----------
    path : str or path
    what : str
        What the file is, for the message (``"grid file"`` -> ``grid file not found``).
    """
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{what} not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"cannot read {what}: {reason}", file=str(path)) from None


def node_line(node: yaml.Node | None) -> int | None:
    """1-based line where ``node`` starts (None without a node)."""
    return node.start_mark.line + 1 if node is not None else None


class LocatedYaml:
    """A composed YAML document with located, typed accessors.

    Parameters
    ----------
    text : str
        The document.
    file : str
        Its path (for messages).
    what : str
        What the document is (``"grid file"`` -> ``empty grid file``).
    """

    def __init__(self, text: str, file: str, what: str = "YAML file") -> None:
        self.file = str(file)
        try:
            self.root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or str(exc)
            line = mark.line + 1 if mark is not None else None
            raise InputError(f"malformed YAML: {problem}", file=self.file, line=line) from None
        if self.root is None:
            raise InputError(f"empty {what}", file=self.file, line=1)
        self._ctor = yaml.constructor.SafeConstructor()

    @classmethod
    def load(cls, path: str | os.PathLike[str], what: str = "file") -> LocatedYaml:
        """Read and compose the YAML file at ``path``."""
        empty = "YAML file" if what == "file" else what
        return cls(read_text(path, what), str(path), empty)

    def error(self, message: str, node: yaml.Node | None, field: str | None = None) -> InputError:
        """An :class:`InputError` at ``node``'s line."""
        return InputError(message, file=self.file, line=node_line(node), field=field or None)

    def entries(
        self, node: yaml.Node, field: str | None, allowed: tuple[str, ...] | None = None
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """Key -> (key node, value node); non-mappings, duplicate and unknown keys are errors."""
        if not isinstance(node, yaml.MappingNode):
            raise self.error("expected a mapping of keys to values", node, field)
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for knode, vnode in node.value:
            key = knode.value if isinstance(knode, yaml.ScalarNode) else str(knode)
            where = f"{field}.{key}" if field else str(key)
            if allowed is not None and key not in allowed:
                raise self.error(
                    f"unknown key {key!r}; expected one of: {', '.join(allowed)}", knode, where
                )
            if key in out:
                raise self.error(f"duplicate key {key!r}", knode, where)
            out[key] = (knode, vnode)
        return out

    def mapping(
        self, node: yaml.Node, field: str | None, allowed: tuple[str, ...] | None = None
    ) -> dict[str, yaml.Node]:
        """Key -> value node (see :meth:`entries`)."""
        return {k: v for k, (_, v) in self.entries(node, field, allowed).items()}

    def scalar(self, node: yaml.Node, field: str) -> Any:
        """The Python value of a scalar node."""
        if not isinstance(node, yaml.ScalarNode):
            raise self.error("expected a single value", node, field)
        return self._ctor.construct_object(node)

    def python(self, node: yaml.Node | None = None) -> Any:
        """The Python value of ``node`` (default: the whole document)."""
        return self._ctor.construct_document(self.root if node is None else node)

    def string(self, node: yaml.Node, field: str) -> str:
        """A non-empty name (numbers are read as their text)."""
        value = self.scalar(node, field)
        if not isinstance(value, str | int | float) or isinstance(value, bool) or value == "":
            raise self.error(f"expected a non-empty string, got {value!r}", node, field)
        return str(value)

    def number(self, node: yaml.Node, field: str, *, positive: bool = False) -> float:
        """A finite number, > 0 when ``positive`` else >= 0."""
        value = self.scalar(node, field)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = float(value)
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise self.error(f"expected a number, got {value!r}", node, field)
        if math.isinf(value):
            raise self.error("expected a finite number", node, field)
        if positive and not value > 0:
            raise self.error(f"must be > 0, got {value}", node, field)
        if not positive and value < 0:
            raise self.error(f"must be >= 0, got {value}", node, field)
        return float(value)

    def integer(self, node: yaml.Node, field: str) -> int:
        """A positive integer."""
        value = self.number(node, field, positive=True)
        if not value.is_integer():
            raise self.error(f"expected an integer, got {value}", node, field)
        return int(value)

    def sequence(self, node: yaml.Node, field: str) -> list[yaml.Node]:
        """The element nodes of a non-empty list."""
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.error("expected a non-empty list", node, field)
        return list(node.value)

    def require(self, m: dict[str, Any], key: str, node: yaml.Node, field: str) -> yaml.Node:
        """``m[key]``, or an error at ``node`` naming the missing key."""
        if key not in m:
            raise self.error(
                f"missing required key {key!r}", node, f"{field}.{key}" if field else key
            )
        return m[key]

    def line_of(self, path: str) -> int | None:
        """1-based line of the field ``path`` (``mixes[0].shares``), or None if absent."""
        node = self.root
        for part in path.replace("[", ".[").split("."):
            if not part:
                continue
            if part.startswith("[") and isinstance(node, yaml.SequenceNode):
                i = int(part[1:-1])
                if i >= len(node.value):
                    return None
                node = node.value[i]
            elif isinstance(node, yaml.MappingNode):
                found = [v for k, v in node.value if getattr(k, "value", None) == part]
                if not found:
                    return None
                node = found[0]
            else:
                return None
        return node.start_mark.line + 1
