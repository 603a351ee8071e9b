"""Files written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from terastal.errors import InputError


def _read_umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it
    os.umask(mask)
    return mask


#: Read once, at import: set and restored around each write, it could be left at 0 by two
#: threads writing at once (one restoring the 0 the other had set).
_UMASK = _read_umask()


def atomic_write(path: str | Path, text: str | bytes) -> None:
    """Write ``text`` (or bytes) to ``path`` through a temporary file and a rename: a failure
    or an interrupt leaves the old file or none, never a part of the new one (nor the
    temporary file)."""
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", file=str(p)) from None
    binary = isinstance(text, bytes)
    try:
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_UMASK)  # as a plain write would: mkstemp's 0600 is for secrets
        os.replace(tmp, p)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write: {exc.strerror}", file=str(p)) from None
        raise
