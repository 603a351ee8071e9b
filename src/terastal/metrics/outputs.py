"""Run outputs: ``metrics.json``, ``jobs.csv``, ``trace.json``, written atomically."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from terastal.errors import InputError
from terastal.metrics.trace import trace_events
from terastal.sim.result import SimResult

#: What ``write_run`` writes; a rerun without the trace removes an earlier trace.json.
RUN_FILES = ("metrics.json", "jobs.csv", "trace.json", "schedule.csv", "summary.csv")

JOB_COLUMNS = (
    "job",
    "model",
    "frame",
    "release_ms",
    "deadline_ms",
    "finish_ms",
    "latency_ms",
    "status",
    "accelerators",
    "variants",
    "energy_mj",
)


def _ms(t: float) -> str:
    return f"{t * 1e3:.6f}"


def jobs_csv(result: SimResult) -> str:
    """One row per counted job (``job`` is its id in the dispatch log); accelerators as names
    joined by ``+``, variants as ``;``-joined layers."""
    names = result.accelerator_names
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(JOB_COLUMNS)
    for job in result.counted_jobs:
        accs = "+".join(names[a] for a in sorted(job.accelerators))
        w.writerow(
            (
                job.id,
                job.task.name,
                job.frame,
                _ms(job.release),
                _ms(job.deadline),
                _ms(job.finish),
                _ms(job.finish - job.release),
                job.status,
                accs,
                ";".join(str(v) for v in sorted(job.variants)),
                f"{job.energy_j * 1e3:.9f}",
            )
        )
    return buf.getvalue()


def to_json(obj: object) -> str:
    """Stable JSON text (insertion-ordered keys, no nan, trailing newline)."""
    return json.dumps(obj, indent=2, allow_nan=False) + "\n"


def write_atomic(
    out_dir: str | os.PathLike[str], files: Mapping[str, str], *, owned: Iterable[str] = ()
) -> Path:
    """Write ``{relative_path: text}`` into ``out_dir`` so that no reader sees a partial file.

    A new directory is written in full next to its final place and renamed into it. In an
    existing directory each file is written to a temporary name and renamed over the old
    one; then the files and directories named in ``owned`` (what the writing command
    produces) that are not among ``files`` are removed, so that no output of an earlier run
    is left beside the new one. Other files in the directory are left alone. Paths may
    contain ``/``. A directory that cannot be written is an :class:`InputError` naming it.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"output path {str(out)!r} exists and is not a directory")
    for name in files:
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise ValueError(f"output file name must be relative and inside: {name!r}")
    try:
        return _write_atomic(out, files, owned)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", file=str(out)) from None


def _write_atomic(out: Path, files: Mapping[str, str], owned: Iterable[str]) -> Path:
    parent = out.parent if str(out.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    existed = out.exists()
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out if existed else parent))
    # mkdtemp makes the directory private (0700); the renamed output should get the usual
    # permissions, as if made by mkdir under the current umask.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)
    try:
        for name, text in files.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_text(text, encoding="utf-8")
        if existed:
            for name in files:
                (out / name).parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp / name, out / name)
            _remove_stale(out, owned, set(files))
        else:
            os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def _remove_stale(out: Path, owned: Iterable[str], written: set[str]) -> None:
    """Remove the ``owned`` outputs under ``out`` that this run did not write."""
    for name in owned:
        path = out / name
        if path.is_dir() and not path.is_symlink():
            for f in sorted(path.rglob("*"), reverse=True):
                rel = f.relative_to(out).as_posix()
                if f.is_dir():
                    if not any(f.iterdir()):
                        f.rmdir()
                elif rel not in written:
                    f.unlink()
        elif path.is_file() and name not in written:
            path.unlink()


def write_run(
    out_dir: str | os.PathLike[str],
    result: SimResult | None,
    metrics: dict,
    *,
    trace: bool = True,
    extra_files: Mapping[str, str] | None = None,
) -> Path:
    """Write ``metrics.json``, ``jobs.csv`` and (if ``trace``) ``trace.json`` into ``out_dir``.

    ``result`` ``None`` (a run of another engine, such as a compatibility profile) writes no
    ``jobs.csv`` nor ``trace.json``; ``extra_files`` (``{name: text}``) are written beside.
    Outputs of an earlier run (:data:`RUN_FILES`) not written now are removed.
    """
    files = {"metrics.json": to_json(metrics)}
    if result is not None:
        files["jobs.csv"] = jobs_csv(result)
        if trace:
            files["trace.json"] = json.dumps(trace_events(result), separators=(",", ":")) + "\n"
    files.update(extra_files or {})
    return write_atomic(out_dir, files, owned=RUN_FILES)
