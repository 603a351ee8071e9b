"""The on-disk cache of plans and cost tables, shared by every process of a user.

Entries live under :func:`cache_dir` (``$TERASTAL_CACHE_DIR``, else ``$XDG_CACHE_HOME/terastal``,
else ``~/.cache/terastal``), one file per content key (:func:`~terastal.experiment.cache_key`,
which hashes the content of every input and the package version)::

    <dir>/plan/<digest>.json      a plan, in the JSON form of ``terastal plan --out``
    <dir>/tables/<digest>.json    cost tables, their rows of floats as JSON (no pickle)
    <dir>/scenario/<digest>.json  a bundled scenario, parsed (its fields as JSON)
    <dir>/platform/<digest>.json  a bundled platform, parsed (its fields as JSON)

Writers write a temporary file in the entry's directory and rename it over the entry, so a
reader sees either no entry or a whole one, and concurrent writers of one key (which write the
same content) simply replace each other. A file that cannot be read back (truncated, edited,
from another format) counts as a miss: the artefact is rebuilt and the entry rewritten. The
cache is best effort: a directory that cannot be written leaves runs uncached, never failed.
``TERASTAL_NO_CACHE=1`` (the commands' ``--no-cache``) bypasses it; ``terastal cache clear``
empties it.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import fields
from pathlib import Path
from typing import Any

from terastal.cost.tables import TABLE_FIELDS
from terastal.experiment.cache import MEMORY, CaseCache, MemoryCache

__all__ = [
    "ENV_DIR",
    "ENV_OFF",
    "DiskCache",
    "TieredCache",
    "cache_dir",
    "default_cache",
    "disabled",
]

ENV_DIR = "TERASTAL_CACHE_DIR"
ENV_OFF = "TERASTAL_NO_CACHE"


def cache_dir() -> Path:
    """Where entries are kept: ``$TERASTAL_CACHE_DIR``, else the user's XDG cache directory."""
    given = os.environ.get(ENV_DIR)
    if given:
        return Path(given).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "terastal"


def disabled() -> bool:
    """Whether ``TERASTAL_NO_CACHE`` turns the on-disk cache off (any value but ``""``/``0``)."""
    return os.environ.get(ENV_OFF, "").strip() not in ("", "0")


def _plan_bytes(plan: Any) -> bytes:
    from terastal.planner.serialize import plan_to_dict

    return (json.dumps(plan_to_dict(plan), allow_nan=False) + "\n").encode("utf-8")


def _plan_from(data: bytes) -> Any:
    from terastal.planner.serialize import load_json_text

    return load_json_text(data.decode("utf-8"))


def _tables_bytes(tables: dict) -> bytes:
    # The rows (the arrays' tolist()) as JSON: Python's shortest-repr floats read back as the
    # same floats (nan and infinities as JSON's NaN / Infinity), and reading them needs no numpy.
    body = [
        {"task": name, "accelerators": t.shape[1], **{f: getattr(t.rows, f) for f in TABLE_FIELDS}}
        for name, t in tables.items()
    ]
    return (json.dumps(body) + "\n").encode("utf-8")


def _floats(values: Any, width: int | None = None) -> tuple[float, ...]:
    """``values`` as a tuple of floats (of ``width`` of them, if given)."""
    if not isinstance(values, list) or not all(type(v) is float for v in values):
        raise ValueError("expected a list of floats")
    if width is not None and len(values) != width:
        raise ValueError("a row of another width")
    return tuple(values)


def _rows(values: Any, width: int) -> tuple[tuple[float, ...], ...]:
    if not isinstance(values, list):
        raise ValueError("expected a list of rows")
    return tuple(_floats(row, width) for row in values)


def _tables_from(data: bytes) -> dict:
    from terastal.cost.tables import TableRows, TaskCostTable

    out = {}
    for entry in json.loads(data.decode("utf-8")):
        width = entry["accelerators"]
        if type(width) is not int or width < 0:
            raise ValueError("bad accelerator count")
        rows = TableRows(*(_rows(entry[f], width) if f != "out_bytes" else _floats(entry[f])
                           for f in TABLE_FIELDS))  # fmt: skip
        n = len(rows.latency_s)
        if any(len(r) != n for r in rows):
            raise ValueError("tables of unequal lengths")
        out[str(entry["task"])] = TaskCostTable.from_rows(entry["task"], rows, width)
    return out


def _scenario_bytes(scenario: Any) -> bytes:
    from terastal.model import Layer

    names = [f.name for f in fields(Layer) if f.init]

    def model(m: Any) -> dict:
        edges = None if m.edges is None else [list(e) for e in m.edges]
        layers = [[getattr(ly, n) for n in names] for ly in m.layers]
        return {"name": m.name, "layers": layers, "edges": edges, "source": m.source}

    tasks = [
        {"name": t.name, "model": model(t.model), "fps": t.fps, "deadline_s": t.deadline_s,
         "phase_s": t.phase_s, "jitter_s": t.jitter_s, "depends_on": t.depends_on,
         "probability": t.probability}
        for t in scenario.tasks
    ]  # fmt: skip
    body = {"fields": names, "name": scenario.name, "source": scenario.source, "tasks": tasks}
    return (json.dumps(body, allow_nan=False) + "\n").encode("utf-8")


def _scenario_from(data: bytes) -> Any:
    from terastal.model import Layer, LayerKind, Model, Scenario, Task

    body = json.loads(data.decode("utf-8"))
    names = [f.name for f in fields(Layer) if f.init]
    if body["fields"] != names:  # written by a Layer of other fields: a miss
        raise ValueError("layer fields differ")

    # Positionally, in the fields' order checked above (a VR scenario has some 300 layers).
    at, kinds, width = names.index("kind"), {k.value: k for k in LayerKind}, len(names)

    def layer(values: list) -> Layer:
        if len(values) != width:
            raise ValueError("a layer of another width")
        values[at] = kinds[values[at]]
        return Layer(*values)

    def model(m: dict) -> Model:
        edges = None if m["edges"] is None else tuple(tuple(e) for e in m["edges"])
        return Model(m["name"], tuple(map(layer, m["layers"])), edges, m["source"])

    tasks = tuple(
        Task(t["name"], model(t["model"]), t["fps"], t["deadline_s"], t["phase_s"],
             t["jitter_s"], t["depends_on"], t["probability"])
        for t in body["tasks"]
    )  # fmt: skip
    return Scenario(body["name"], tasks, body["source"])


def scenario_round_trips(scenario: Any) -> bool:
    """``round_trips("scenario", scenario)``."""
    return round_trips("scenario", scenario)


def _platform_bytes(platform: Any) -> bytes:
    from terastal.model import Accelerator, Directive, Platform

    names = {c.__name__: [f.name for f in fields(c) if f.init] for c in (Platform, Accelerator,
                                                                         Directive)}  # fmt: skip

    def acc(a: Any) -> list:
        values = [getattr(a, n) for n in names["Accelerator"]]
        return [[[getattr(d, n) for n in names["Directive"]] for d in v] if n == "directives"
                else v for n, v in zip(names["Accelerator"], values, strict=True)]  # fmt: skip

    body = {"fields": names, **{n: getattr(platform, n) for n in names["Platform"]}}
    body["accelerators"] = [acc(a) for a in platform.accelerators]
    return (json.dumps(body, allow_nan=False) + "\n").encode("utf-8")


def _platform_from(data: bytes) -> Any:
    from terastal.model import Accelerator, Dataflow, Directive, Platform

    body = json.loads(data.decode("utf-8"))
    classes = (Platform, Accelerator, Directive)
    if body["fields"] != {c.__name__: [f.name for f in fields(c) if f.init] for c in classes}:
        raise ValueError("platform fields differ")  # written by other model classes: a miss
    acc_names = body["fields"]["Accelerator"]

    def acc(values: list) -> Accelerator:
        kw = dict(zip(acc_names, values, strict=True))
        kw["dataflow"] = Dataflow(kw["dataflow"])
        kw["directives"] = tuple(Directive(*d) for d in kw["directives"])
        return Accelerator(**kw)

    kw = {n: body[n] for n in body["fields"]["Platform"]}
    kw["accelerators"] = tuple(map(acc, kw["accelerators"]))
    return Platform(**kw)


def round_trips(kind: str, value: Any) -> bool:
    """Whether the on-disk form of a parsed ``kind`` (``"scenario"``, ``"platform"``) reads
    back as an identical object (same fields, same ``repr``, hence the same fingerprint); only
    such objects are stored."""
    _, encode, decode = _FORMATS[kind]
    try:
        back = decode(encode(value))
    except (TypeError, ValueError):
        return False
    return back == value and repr(back) == repr(value)


# kind -> (file suffix, encode, decode). Other kinds (load figures) stay in memory.
_FORMATS = {
    "plan": (".json", _plan_bytes, _plan_from),
    "tables": (".json", _tables_bytes, _tables_from),
    "scenario": (".json", _scenario_bytes, _scenario_from),
    "platform": (".json", _platform_bytes, _platform_from),
}


class DiskCache:
    """A :class:`~terastal.experiment.CaseCache` of files under ``root`` (plans and tables).

    Parameters
    ----------
    root : path
        The cache directory (created on the first write).
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path | None:
        """The file of ``key``, or ``None`` for a kind that is not kept on disk."""
        kind, _, digest = key.partition(":")
        fmt = _FORMATS.get(kind)
        if fmt is None or not digest.isalnum():
            return None
        return self.root / kind / f"{digest}{fmt[0]}"

    def get(self, key: str) -> Any | None:
        """The entry of ``key``; ``None`` when absent or unreadable (it is then rebuilt)."""
        p = self.path(key)
        if p is None:
            return None
        try:
            data = p.read_bytes()
        except OSError:
            return None
        try:
            return _FORMATS[key.partition(":")[0]][2](data)
        except Exception:  # a damaged entry is a miss, never an error
            return None

    def put(self, key: str, value: Any) -> None:
        """Write the entry of ``key`` atomically (temporary file, then a rename)."""
        p = self.path(key)
        if p is None:
            return
        data = _FORMATS[key.partition(":")[0]][1](value)
        tmp = None
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, p)
        except OSError:  # read-only or full disk: the run goes on uncached
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)

    def entries(self) -> list[Path]:
        """Every entry file (temporary files of writers in progress excluded)."""
        out: list[Path] = []
        for kind, (suffix, _, _) in sorted(_FORMATS.items()):
            d = self.root / kind
            if d.is_dir():
                out.extend(sorted(p for p in d.glob(f"*{suffix}") if not p.name.startswith(".")))
        return out

    def info(self) -> dict[str, Any]:
        """The directory, and entries and bytes per kind."""
        kinds: dict[str, dict[str, int]] = {k: {"entries": 0, "bytes": 0} for k in _FORMATS}
        for p in self.entries():
            agg = kinds[p.parent.name]
            agg["entries"] += 1
            with contextlib.suppress(OSError):  # removed meanwhile by a clear
                agg["bytes"] += p.stat().st_size
        return {"dir": str(self.root), "kinds": kinds}

    def clear(self) -> int:
        """Remove every entry and left-over temporary file; the number of entries removed."""
        removed = 0
        for kind in _FORMATS:
            d = self.root / kind
            if not d.is_dir():
                continue
            for p in d.iterdir():
                if p.is_file():
                    p.unlink(missing_ok=True)
                    removed += not p.name.startswith(".")
        return removed


class TieredCache:
    """The process's memory cache in front of a :class:`DiskCache`.

    A disk hit is kept in memory too, so the runs of a process share one object.
    """

    def __init__(self, memory: MemoryCache, disk: DiskCache) -> None:
        self.memory = memory
        self.disk = disk

    def get(self, key: str) -> Any | None:
        """From memory, else from disk."""
        value = self.memory.get(key)
        if value is None:
            value = self.disk.get(key)
            if value is not None:
                self.memory.put(key, value)
        return value

    def put(self, key: str, value: Any) -> None:
        """Into memory and onto disk."""
        self.memory.put(key, value)
        self.disk.put(key, value)


def default_cache() -> CaseCache:
    """The cache a run uses when given none: memory, plus the disk unless it is turned off.

    Read from the environment on every call, so ``--no-cache`` (which sets
    ``TERASTAL_NO_CACHE``) and ``TERASTAL_CACHE_DIR`` also reach worker processes.
    """
    if disabled():
        return MEMORY
    return TieredCache(MEMORY, DiskCache(cache_dir()))
