"""Command-line values of plain types coerced without pydantic.

typer (0.2x) coerces every option value through a pydantic ``TypeAdapter``; importing pydantic
costs about 0.13 s, a quarter of a warm ``terastal simulate``. Our options are plain ``str``,
``bool``, ``int``, ``float``, ``Path``, ``list[str]`` and ``list[Path]`` without ranges, choices
or parsers, whose coercion is simple: :func:`install` gives such parameters a coercion that
does it directly and hands any value it is not sure of (``"1_000"``, ``"inf"``, a non-string)
to typer's own, so results and error messages are typer's. It relies on typer's
per-parameter ``_runtime_param`` slot; with a typer that has none (older or newer releases),
nothing is changed.
"""

from __future__ import annotations

import contextlib
import math
import re
from pathlib import Path
from typing import Any

__all__ = ["install"]

_INT = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"-?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_UNSURE = object()


def plain_value(value: Any, annotation: Any) -> Any:
    """``value`` as typer's pydantic coercion returns it for ``annotation``, else ``_UNSURE``."""
    if annotation is str:
        return value if isinstance(value, str) else _UNSURE
    if annotation is bool:
        return value if type(value) is bool else _UNSURE
    if annotation is int:
        if type(value) is int:
            return value
        return int(value) if isinstance(value, str) and _INT.match(value) else _UNSURE
    if annotation is float:
        if type(value) in (int, float):
            return float(value)
        if isinstance(value, str) and _FLOAT.match(value):
            x = float(value)
            return x if math.isfinite(x) else _UNSURE
        return _UNSURE
    strings = isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    return list(value) if annotation == list[str] and strings else _UNSURE


def _runtime_class():
    from typer import BadParameter
    from typer._coercion import RuntimeParam, build_runtime_param
    from typer._param_types import coerce_cli_path

    class PlainRuntimeParam(RuntimeParam):
        """Coerce plain values directly; anything else through typer's own coercion."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if self.annotation is Path and isinstance(value, str | Path):
                return self._path(value, param, ctx)
            many = isinstance(value, list | tuple) and self.annotation == list[Path]
            if many and all(isinstance(v, str | Path) for v in value):  # each as a Path's
                return [self._path(v, param, ctx) for v in value]
            out = plain_value(value, self.annotation)
            if out is _UNSURE:
                full = build_runtime_param(param.type_descriptor)
                return full._coerce_value(value, param=param, ctx=ctx)
            return out

        def _path(self, value: str | Path, param: Any, ctx: Any) -> Path:
            if value == "":  # Path("") is ".": '--out $UNSET' wrote into the working dir
                raise BadParameter("an empty path", ctx=ctx, param=param)
            info = self.parameter_info
            return coerce_cli_path(
                Path(value), info, path_type=info.path_type or Path, param=param, ctx=ctx
            )

    return PlainRuntimeParam


def _plain(param: Any) -> bool:
    desc = getattr(param, "type_descriptor", None)
    if desc is None or getattr(param, "_runtime_param", 0) is not None:
        return False
    info = desc.parameter_info
    plain_type = desc.annotation in (str, bool, int, float, Path) or desc.annotation in (
        list[str],
        list[Path],
    )
    extras = (
        desc.file_annotation,
        info.parser,
        getattr(info, "click_type", None),
        info.min,
        info.max,
    )
    return plain_type and all(x is None for x in extras) and not desc.is_choice


def install(command: Any) -> None:
    """Give the plain parameters of ``command`` (its ``--help`` and its subcommands' too) the
    direct coercion."""
    try:
        cls = _runtime_class()
    except (ImportError, AttributeError):  # another typer: keep its coercion
        return

    def give(param: Any) -> Any:
        with contextlib.suppress(AttributeError, TypeError):  # another typer's fields: keep its
            if _plain(param):
                desc = param.type_descriptor
                param._runtime_param = cls(
                    parameter_info=desc.parameter_info, annotation=desc.annotation
                )
        return param

    def visit(cmd: Any) -> None:
        for param in getattr(cmd, "params", ()):
            give(param)
        help_option = getattr(cmd, "get_help_option", None)
        if help_option is not None:  # made on first use, so wrap its maker
            cmd.get_help_option = lambda ctx, make=help_option: give(make(ctx))
        for sub in getattr(cmd, "commands", {}).values():
            visit(sub)

    visit(command)
