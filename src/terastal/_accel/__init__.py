"""Optional compiled accelerator: the finder that loads it, and nothing else.

``python -m terastal._accel build`` compiles the simulation hot path (the engine, the
policies, the job record: :data:`terastal._accel.build.MODULES`) with Cython from the
unchanged ``.py`` sources into ``terastal/_compiled/``, and writes there a manifest with a
stamp (size and CRC-32) of every source it compiled. :func:`install`, called from
``terastal/__init__.py``, puts a finder first on ``sys.meta_path`` that loads a compiled module
only while its stamp matches the ``.py`` (and ``.pxd``) beside which it would otherwise be
imported; an edited source is imported as Python, silently. ``TERASTAL_PURE=1`` turns the
finder off. The compiled modules give the same results bit for bit (docs/design.md).

Kept small: it runs on every import of :mod:`terastal` and costs one ``stat`` when nothing is
built.
"""

from __future__ import annotations

import os
import sys

PURE_ENV = "TERASTAL_PURE"
MANIFEST = "manifest.txt"
_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # .../terastal
COMPILED = os.path.join(_PKG, "_compiled")


def abi_tag() -> str:
    """What a build is only valid for: the interpreter's extension-module suffix."""
    import _imp  # built in (importlib.machinery costs an import)

    return _imp.extension_suffixes()[0]


def stamp(path: str) -> str:
    """``size:crc32`` of a file's bytes, or ``-`` when it is absent.

    The content, not the modification time: ``git checkout``, ``cp -p`` and archive tools can
    give an edited file an old time, while reading and hashing ~20 sources costs well under a
    millisecond, and only for the modules a command imports.
    """
    import zlib

    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return "-"
    return f"{len(data)}:{zlib.crc32(data):08x}"


def source_stamp(relpath: str) -> str:
    """The stamp of a compiled module's sources: its ``.py`` and an augmenting ``.pxd``.

    ``relpath`` may name several sources joined by ``+``: a module first, then the modules
    whose extension types it was compiled against (``cimport``), so that an edit of one of
    those also makes it stale. A compiled module that reads another's C struct must never be
    loaded beside a different build, or the Python class, of that other module.
    """
    out = []
    for rel in relpath.split("+"):
        py = os.path.join(_PKG, rel)
        out.append(stamp(py) + "/" + stamp(py[:-3] + ".pxd"))
    return "+".join(out)


def read_manifest(root: str = COMPILED) -> dict[str, tuple[str, str, str]] | None:
    """``{module: (source relpath, source stamp, extension relpath)}`` of a build, or None.

    None when nothing is built or the build was made for another interpreter.
    """
    try:
        with open(os.path.join(root, MANIFEST), encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    if not lines or lines[0] != "abi " + abi_tag():
        return None
    table = {}
    for line in lines[1:]:
        name, src, st, ext = line.split()
        table[name] = (src, st, ext)
    return table


class CompiledFinder:
    """Finds the compiled copy of a module whose stamp matches its current source.

    Modules it does not know, and stale ones, are left to the ordinary finders (the ``.py``).
    """

    def __init__(self, root: str, table: dict[str, tuple[str, str, str]]) -> None:
        self.root = root
        self.table = table
        self.loaded: set[str] = set()
        self.stale: set[str] = set()

    def find_spec(self, fullname, path=None, target=None):
        entry = self.table.get(fullname)
        if entry is None:
            return None
        src, st, ext = entry
        if source_stamp(src) != st:
            self.stale.add(fullname)
            return None
        import importlib.machinery

        origin = os.path.join(self.root, ext)
        loader = importlib.machinery.ExtensionFileLoader(fullname, origin)
        spec = importlib.machinery.ModuleSpec(fullname, loader, origin=origin)
        spec.has_location = True
        self.loaded.add(fullname)
        return spec


def finder() -> CompiledFinder | None:
    """The installed finder, if any."""
    return next((f for f in sys.meta_path if isinstance(f, CompiledFinder)), None)


def install(root: str = COMPILED) -> CompiledFinder | None:
    """Put the finder first on ``sys.meta_path`` when a build for this interpreter exists."""
    if os.environ.get(PURE_ENV, "") not in ("", "0") or finder() is not None:
        return None
    table = read_manifest(root)
    if not table:
        return None
    f = CompiledFinder(root, table)
    sys.meta_path.insert(0, f)
    return f
