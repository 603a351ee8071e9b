"""Check our XRBench profile against XRBench's own output files, case by case.

A case is named by its files: ``schedule__<scenario>__<hw>__<dataflow>[__seedN].csv`` and
``summary__...csv`` (the names XRBench's evaluation scripts use, plus the pinned seed).
Targets: per-model RT, energy and UX within 0.01, overall score within 0.1 points; the
schedule's (accelerator, model, frame) sequence identical and its times within 1e-3 ms.
"""

from __future__ import annotations

import csv
import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from terastal.errors import InputError
from terastal.xrbench.costs import TABLE_SOURCE
from terastal.xrbench.run import ScheduleRow, XRBenchRun, run_xrbench

__all__ = [
    "SCHEDULE_HEADER",
    "SUMMARY_HEADER",
    "Case",
    "CaseCheck",
    "check_case",
    "collect_cases",
    "parse_case",
    "read_schedule",
    "read_summary",
]

SCORE_TOL = 0.01
OVERALL_TOL = 0.1
TIME_TOL_MS = 1e-3
SCHEDULE_HEADER = [
    "AcceleratorID",
    "Model Name",
    "Frame ID",
    "Injection Time (ms)",
    "Dispatch Time (ms)",
    "Deadline Time (ms)",
    "Completion Time (ms)",
    "Violated Deadline Amount (ms)",
    "Energy (mJ)",
]
SUMMARY_HEADER = ["Model Name", "Real-time Score", "Energy Score", "User-Experience Score"]
_NAME = re.compile(r"^(?P<kind>schedule|summary)__(?P<case>.+)\.csv$")
_SEED = re.compile(r"^seed(?P<n>\d+)$")


class Case(NamedTuple):
    """One scenario × hardware × dataflow run, with its pinned seed if stochastic."""

    scenario: str
    hw: str
    dataflow: str
    seed: int | None

    @property
    def platform(self) -> str:
        return f"{self.hw}/{self.dataflow}"

    @property
    def name(self) -> str:
        seed = "" if self.seed is None else f"__seed{self.seed}"
        return f"{self.scenario}__{self.hw}__{self.dataflow}{seed}"


def parse_case(filename: str) -> tuple[str, Case]:
    """``("schedule" | "summary", Case)`` from an XRBench output file name."""
    base = os.path.basename(filename)
    m = _NAME.match(base)
    parts = m["case"].split("__") if m else []
    seed = None
    if parts and _SEED.match(parts[-1]):
        seed = int(_SEED.match(parts[-1])["n"])
        parts = parts[:-1]
    if not m or len(parts) != 3 or not all(parts):
        raise InputError(
            "not an XRBench output name; expected schedule__SCENARIO__HW__DATAFLOW[__seedN].csv "
            "or summary__...csv",
            file=filename,
        )
    return m["kind"], Case(parts[0], parts[1], parts[2], seed)


def collect_cases(paths: Iterable[str | os.PathLike[str]]) -> dict[Case, dict[str, Path]]:
    """Group files (and the ``schedule__*`` / ``summary__*`` files of directories) by case."""
    out: dict[Case, dict[str, Path]] = {}
    for spec in paths:
        p = Path(spec)
        if p.is_dir():
            files = sorted(p.glob("schedule__*.csv")) + sorted(p.glob("summary__*.csv"))
            if not files:
                raise InputError("no schedule__*.csv or summary__*.csv files here", file=str(p))
        elif p.is_file():
            files = [p]
        else:
            raise InputError("no such file or directory", file=str(p))
        for f in files:
            kind, case = parse_case(str(f))
            out.setdefault(case, {})[kind] = f
    if not out:
        raise InputError("no XRBench output files given")
    return dict(sorted(out.items(), key=lambda kv: kv[0].name))


def _rows(path: Path, header: list[str]) -> list[tuple[int, list[str]]]:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", file=str(path)) from None
    if not rows or [h.strip() for h in rows[0]] != header:
        raise InputError(f"expected the header {','.join(header)}", file=str(path), line=1)
    return [(i + 2, r) for i, r in enumerate(rows[1:]) if r]


def _num(text: str, path: Path, line: int, field: str, kind=float):
    try:
        v = kind(text)
    except ValueError:
        raise InputError(
            f"not a number: {text!r}", file=str(path), line=line, field=field
        ) from None
    if kind is float and not math.isfinite(v):
        raise InputError(f"not finite: {text!r}", file=str(path), line=line, field=field)
    return v


def read_schedule(path: str | os.PathLike[str]) -> list[ScheduleRow]:
    """XRBench's schedule CSV as :class:`ScheduleRow` records."""
    p = Path(path)
    out = []
    for line, r in _rows(p, SCHEDULE_HEADER):
        if len(r) != len(SCHEDULE_HEADER):
            raise InputError(f"expected {len(SCHEDULE_HEADER)} fields", file=str(p), line=line)
        vals = [_num(r[i], p, line, SCHEDULE_HEADER[i]) for i in range(3, 9)]
        out.append(
            ScheduleRow(
                _num(r[0], p, line, SCHEDULE_HEADER[0], int),
                r[1],
                _num(r[2], p, line, SCHEDULE_HEADER[2], int),
                *vals,
            )
        )
    return out


def read_summary(path: str | os.PathLike[str]) -> tuple[dict[str, tuple[float, ...]], float]:
    """XRBench's summary CSV: model -> (rt, energy, ux), and the overall score."""
    p = Path(path)
    models: dict[str, tuple[float, ...]] = {}
    overall = None
    for line, r in _rows(p, SUMMARY_HEADER):
        if r[0] == "Overall Score" and len(r) >= 2:
            overall = _num(r[1], p, line, "Overall Score")
            continue
        if len(r) != 4:
            raise InputError("expected 4 fields", file=str(p), line=line)
        models[r[0]] = tuple(_num(r[i], p, line, SUMMARY_HEADER[i]) for i in (1, 2, 3))
    if overall is None:
        raise InputError("no 'Overall Score' row", file=str(p))
    return models, overall


class ScoreDiff(NamedTuple):
    """One summary value: ours, XRBench's, and whether it is within the target."""

    model: str
    field: str
    ours: float | None
    ref: float | None
    ok: bool


class RowDiff(NamedTuple):
    """A schedule row that differs (``ours`` or ``ref`` is None when one side is shorter)."""

    index: int
    ours: ScheduleRow | None
    ref: ScheduleRow | None
    reason: str


@dataclass(frozen=True)
class CaseCheck:
    """Comparison of one case."""

    case: Case
    run: XRBenchRun
    scores: tuple[ScoreDiff, ...]
    rows_compared: int
    row_diffs: tuple[RowDiff, ...]
    has_summary: bool
    has_schedule: bool

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.scores) and not self.row_diffs


def _close(a: float | None, b: float | None, tol: float) -> bool:
    return a is not None and b is not None and abs(a - b) <= tol


def _score_diffs(run: XRBenchRun, path: Path) -> list[ScoreDiff]:
    ref, overall = read_summary(path)
    ours = {m.model: (m.rt, m.energy, m.ux) for m in run.models}
    out = []
    for model in sorted(set(ref) | set(ours), key=lambda s: s.encode()):
        a, b = ours.get(model), ref.get(model)
        for i, field in enumerate(("rt", "energy", "ux")):
            x = a[i] if a else None
            y = b[i] if b else None
            out.append(ScoreDiff(model, field, x, y, _close(x, y, SCORE_TOL)))
    out.append(
        ScoreDiff("overall", "score", run.score, overall, _close(run.score, overall, OVERALL_TOL))
    )
    return out


def _row_diffs(run: XRBenchRun, path: Path) -> tuple[int, list[RowDiff]]:
    ref = read_schedule(path)
    out = []
    for i in range(max(len(ref), len(run.schedule))):
        a = run.schedule[i] if i < len(run.schedule) else None
        b = ref[i] if i < len(ref) else None
        if a is None or b is None:
            out.append(RowDiff(i, a, b, "missing row" if a is None else "extra row"))
        elif (a.accelerator, a.model, a.frame) != (b.accelerator, b.model, b.frame):
            out.append(RowDiff(i, a, b, "different (accelerator, model, frame)"))
        else:
            bad = [
                f
                for f in ScheduleRow._fields[3:]
                if abs(getattr(a, f) - getattr(b, f)) > TIME_TOL_MS
            ]
            if bad:
                out.append(RowDiff(i, a, b, "differs in " + ", ".join(bad)))
    return len(ref), out


def check_case(
    case: Case, files: dict[str, Path], cost_model: str = TABLE_SOURCE, platform: str | None = None
) -> CaseCheck:
    """Run ``case`` with our profile and compare it with XRBench's ``files``.

    Parameters
    ----------
    case : Case
        From :func:`parse_case`.
    files : dict
        ``{"schedule": path, "summary": path}`` (either may be missing).
    cost_model : str
        Cost source of :func:`terastal.xrbench.run_xrbench`.
    platform : str, optional
        Platform spec when ``case.platform`` is not a bundled name (``"hw.m:dataflow.m"``).
    """
    pf = case.platform if platform is None else platform
    run = run_xrbench(case.scenario, pf, seed=case.seed, cost_model=cost_model)
    scores = _score_diffs(run, files["summary"]) if "summary" in files else []
    n, rows = _row_diffs(run, files["schedule"]) if "schedule" in files else (0, [])
    return CaseCheck(
        case, run, tuple(scores), n, tuple(rows), "summary" in files, "schedule" in files
    )
