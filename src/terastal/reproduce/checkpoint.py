"""Finished suite points kept on disk, so that an interrupted ``reproduce`` resumes.

Each point's rows go to ``<out>/points/<key>.json`` as soon as the point finishes, written
to a temporary name and renamed (a reader never sees half a file). The key hashes the
point's full configuration (mix, platform, utilization, seeds, horizon, schedulers, late
policy, cost model) and the package version, so a changed suite or release never reuses a
stale point; the file also stores the configuration it was made from, checked on load.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

POINTS_DIR = "points"


def _version() -> str:
    try:
        from terastal import __version__
    except ImportError:  # pragma: no cover - a source tree without version metadata
        return "unknown"
    return str(__version__)


class Checkpoint:
    """The finished points of one output directory.

    Parameters
    ----------
    out : str or path
        The ``reproduce --out`` directory; points live in its ``points/``.
    """

    def __init__(self, out: str | os.PathLike[str]) -> None:
        self.dir = Path(out) / POINTS_DIR
        self.used: set[str] = set()  # files loaded or saved by this run

    @staticmethod
    def describe(args: Sequence) -> str:
        """A point's configuration as stable text (what its key hashes)."""
        return f"{_version()}|{args!r}"

    def path(self, args: Sequence) -> Path:
        """Where the rows of the point with arguments ``args`` are kept."""
        digest = hashlib.sha256(self.describe(args).encode()).hexdigest()[:20]
        return self.dir / f"{digest}.json"

    def load(self, args: Sequence) -> list[dict] | None:
        """The stored rows of this point, or None (never run, damaged, or another config)."""
        try:
            data = json.loads(self.path(args).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("config") != self.describe(args):
            return None
        rows = data.get("rows")
        if not isinstance(rows, list):
            return None
        self.used.add(self.path(args).name)
        return rows

    def save(self, args: Sequence, rows: list[dict]) -> Path:
        """Keep the rows of a finished point (atomically); a directory that cannot be
        written is an :class:`~terastal.errors.InputError` naming it."""
        from terastal.errors import InputError

        target = self.path(args)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self.dir)
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror or exc}", file=str(self.dir)) from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"config": self.describe(args), "rows": rows}, fh)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 is for secrets, not results
            os.replace(tmp, target)
            self.used.add(target.name)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return target

    def prune(self) -> int:
        """Remove stored points this run neither loaded nor saved (an earlier run's)."""
        removed = 0
        if self.dir.is_dir():
            for f in self.dir.iterdir():
                if f.name not in self.used:
                    f.unlink()
                    removed += 1
        return removed
