"""Content keys and the cache that lets the runs of one case share their tables and plan.

A key is the SHA-256 of what an artefact is made from: the content of the resolved scenario
and platform (not their names or paths), the cost model, the planner options and the package
version. Two specs that resolve to the same inputs share one entry; editing a YAML file
changes the key. :class:`MemoryCache` is the in-process cache every command uses; an on-disk
cache only has to implement :class:`CaseCache` (and may skip keys it cannot persist, those of
cost-model objects without a stable ``fingerprint``).
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable

import terastal
from terastal._memo import IdentityMemo

try:  # CPython's own SHA-256, without hashlib's OpenSSL bindings (about 4 ms of start-up)
    from _sha2 import sha256  # Python 3.12+
except ImportError:
    try:
        from _sha256 import sha256  # Python 3.11
    except ImportError:  # another interpreter: the same digests through hashlib
        from hashlib import sha256

__all__ = ["MEMORY", "CaseCache", "MemoryCache", "cache_key", "code_stamp", "fingerprint",
           "sha256"]  # fmt: skip


@runtime_checkable
class CaseCache(Protocol):
    """Where prepared artefacts (cost tables, plans) are kept between runs."""

    def get(self, key: str) -> Any | None:
        """The value stored under ``key``, or ``None``."""
        ...

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key``."""
        ...


class MemoryCache:
    """A bounded in-process :class:`CaseCache` (least recently used entries leave first).

    Parameters
    ----------
    maxsize : int
        Entries kept.
    """

    def __init__(self, maxsize: int = 64) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[str, Any] = OrderedDict()

    def get(self, key: str) -> Any | None:
        """The value stored under ``key``, or ``None``."""
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key``, evicting the oldest entry when full."""
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.maxsize:
            self._data.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry."""
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


#: The process's cache: within a command and within each sweep or suite worker.
MEMORY = MemoryCache()

# Fingerprints of frozen model objects, by identity.
_FINGERPRINTS = IdentityMemo(256)


def fingerprint(obj: Any) -> str:
    """SHA-256 of a frozen model object's content (its ``repr``: dataclasses of numbers,
    strings and tuples), memoized per object."""
    hit = _FINGERPRINTS.get((obj,))
    if hit is not None:
        return hit
    return _FINGERPRINTS.put((obj,), (), sha256(repr(obj).encode("utf-8")).hexdigest())


def _stamp_tree(root: str) -> str:
    # os.scandir rather than os.walk: the same files (symbolic links to directories are not
    # entered), a third of the time (it runs at the start of every command that uses the
    # cache). The digest only has to change when a file does.
    h = sha256()

    def visit(path: str, rel: str) -> None:
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return
        subdirs = []
        for e in entries:
            try:
                is_dir = e.is_dir()
            except OSError:
                continue
            if is_dir:
                if e.name != "__pycache__" and not e.is_symlink():
                    subdirs.append(e)
                continue
            if e.name.endswith((".pyc", ".pyo")):
                continue
            try:
                st = os.stat(e.path)
            except OSError:
                continue
            h.update(f"{rel}{e.name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        for e in subdirs:
            visit(e.path, f"{rel}{e.name}/")

    visit(root, "")
    return h.hexdigest()


@lru_cache(maxsize=1)
def code_stamp() -> str:
    """Digest of the name, size and modification time of every file of the package.

    Part of every key beside the version: an installed package never changes it, while an
    edited checkout (a planner or cost-model change under the same version) gets new keys, so
    the on-disk cache never serves an artefact made by other code. About 200 ``stat`` calls,
    once per process.
    """
    return _stamp_tree(os.path.dirname(os.path.abspath(terastal.__file__)))


def cache_key(kind: str, **parts: Any) -> str:
    """Key of an artefact of ``kind`` (``"tables"``, ``"plan"``) made from ``parts``.

    Parameters
    ----------
    kind : str
        What is stored.
    **parts
        JSON-serializable descriptions of every input: fingerprints of the scenario and
        platform, the cost model's key, planner options, a plan's fingerprint.

    Returns
    -------
    str
        ``kind:`` followed by 32 hex digits; the package version and :func:`code_stamp` are
        part of the hash.
    """
    body = {"kind": kind, "version": terastal.__version__, "code": code_stamp(), **parts}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return f"{kind}:{sha256(text.encode('utf-8')).hexdigest()[:32]}"
