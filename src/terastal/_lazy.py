"""Names a package re-exports on first use (PEP 562).

Start-up pays per imported module, so a package's ``__init__`` may name the parts few
commands need in a table ``{name: module}`` instead of importing them: ``from package import
name`` still works and imports the module when it runs. A lazy name must differ from every
submodule's name, or the submodule, once imported, replaces the attribute.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_exports(
    package: str, namespace: dict, table: dict[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """Module-level ``__getattr__`` and ``__dir__`` for the lazy names of ``table``.

    Parameters
    ----------
    package : str
        The package's name (for the error of an unknown attribute).
    namespace : dict
        The package's ``globals()``: a name, once imported, is stored there.
    table : dict of str to str
        Lazy name -> absolute name of the module defining it.
    """

    def getattr_(name: str) -> object:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted(set(namespace) | set(table))

    return getattr_, dir_
