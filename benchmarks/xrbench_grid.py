"""Cross-check the xrbench profile against the XRBench-MAESTRO binary on a grid of cases.

Runs XRBench's own engine (``$XRBENCH_MAESTRO``, built by ``benchmarks/xrbench_maestro.sh``)
on every bundled usage scenario x hardware file x dataflow file of the same core count (the
38 bundled platforms), stochastic scenarios at pinned seeds (each platform at one of
``--seeds`` in turn, or at all of them with ``--all-seeds``), and compares each output
with :func:`terastal.xrbench.run_xrbench` under the same targets as
``terastal xrbench-check`` (:mod:`terastal.xrbench.check`): per-model RT / energy / UX within
0.01, overall within 0.1, identical (accelerator, model, frame) sequence, times within
1e-3 ms. Each case is compared under every ``--cost-model`` (default: the bundled
XRBench-MAESTRO table and ``analytical:mode=xrbench``, terastal's own cost model).

``--hw FILE`` (repeatable) replaces the bundled hardware files with others, each paired with
the bundled dataflow files of its core count: on accelerator types the bundled table lacks,
only the analytical mode is compared (the table refuses them).

Seeds: the binary seeds ``rand()`` with ``srand(time(nullptr))``. A one-line ``time()``
replacement (compiled here with ``cc`` into a temporary directory and loaded with
``LD_PRELOAD``) makes ``time()`` return N, the same draws as ``run_xrbench(seed=N)``. Every
case runs pinned (deterministic scenarios at seed 1, which they ignore).

    XRBENCH_MAESTRO=/path/to/maestro python benchmarks/xrbench_grid.py \
        [--out DIR] [--keep DIR [--no-run]] [--workers 2] [--seeds 1,42,...] [--only TEXT]
        [--scenarios usage_scenarios,probability_sweep] [--hw FILE ...] [--all-seeds]

Writes ``DIR/xrbench_grid.csv`` (one row per case and cost model) and
``DIR/xrbench_grid.md`` (counts, then the disagreeing cases); ``--keep`` stores the binary's
outputs under XRBench's file names (``schedule__CASE.csv``, ``summary__CASE.csv``), readable
by ``terastal xrbench-check``; a case whose two files are already there is not rerun, so an
interrupted grid resumes, and ``--no-run`` reports on the kept cases alone. Progress goes to
stderr. Exit 2 with one line when the binary or ``cc`` is missing; Ctrl-C stops the running
binaries and writes nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path
from typing import NamedTuple

from xrbench_grid_compare import compare, csv_text, markdown

from terastal.io.resolve import list_platforms, load_scenario
from terastal.xrbench.check import Case
from terastal.xrbench.costs import TABLE_SOURCE

DATA = Path(__file__).resolve().parents[1] / "src" / "terastal" / "data" / "xrbench"
SCENARIO_DIRS = ("usage_scenarios", "probability_sweep")
DEFAULT_SCENARIOS = "usage_scenarios"
DEFAULT_SEEDS = (1, 42, 1796601600)  # 1796601600: a wall-clock second of 2026-12-07
DEFAULT_COST_MODELS = (TABLE_SOURCE, "analytical:mode=xrbench")
SHIM = r"""
#include <stdlib.h>
#include <time.h>
time_t time(time_t *t) {
    const char *s = getenv("XRBENCH_TIME");
    time_t v = s ? (time_t)strtoll(s, 0, 10) : 0;
    if (t) *t = v;
    return v;
}
"""


class SignalStopError(Exception):
    """SIGINT / SIGTERM: stop the binaries, write nothing."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise(signum: int, _frame) -> None:
    raise SignalStopError(signum)


class GridCase(NamedTuple):
    """One binary run: a case and the files that describe it to the binary."""

    case: Case
    scenario_file: Path
    hw_file: Path
    dataflow_file: Path
    platform: str  # for load_platform: a bundled name, or "hw.m:dataflow.m"


def _stochastic(scenario: str) -> bool:
    return any(t.probability < 1.0 for t in load_scenario(scenario).tasks)


def platforms(hw_files: list[Path] | None = None) -> list[tuple[str, Path, Path, str]]:
    """(name, hw file, dataflow file, spec) of the bundled platforms, or of ``hw_files``.

    A given hardware file pairs with every bundled dataflow file of its core count (its
    number of ``Accelerator`` blocks); terastal loads it as ``"hw.m:dataflow.m"``.
    """
    out = []
    if hw_files:
        folders = {1: "single", 2: "dual", 4: "quad"}
        for hw in hw_files:
            n = hw.read_text(encoding="utf-8").count("Accelerator ")
            if n not in folders:
                raise ValueError(f"{hw}: {n} Accelerator blocks; expected 1, 2 or 4")
            for df in sorted((DATA / "dataflows" / folders[n]).glob("*.m")):
                out.append((f"{hw.stem}/{df.stem}", hw, df, f"{hw}:{df}"))
        return out
    for name in list_platforms():
        hw, df = name.split("/")
        cores = hw.split("_")[0].lower()  # Single / Dual / Quad -> the files' folder
        hw_file = DATA / "hw_configs" / cores / f"{hw}.m"
        out.append((name, hw_file, DATA / "dataflows" / cores / f"{df}.m", name))
    return out


def grid(
    scenario_dirs: list[str],
    seeds: tuple[int, ...],
    only: str | None,
    all_seeds: bool = False,
    hw_files: list[Path] | None = None,
) -> list[GridCase]:
    """Every scenario of ``scenario_dirs`` x bundled platform, stochastic ones at seeds.

    In run order: platform by platform, the platforms in a fixed shuffled order, so that a
    grid stopped early (and reported with ``--no-run``) covers every scenario on a spread of
    core counts and sizes.
    """
    out = []
    plats = platforms(hw_files)
    for sdir in scenario_dirs:
        for sfile in sorted((DATA / sdir).glob("*.m")):
            scenario = sfile.stem
            stochastic = _stochastic(scenario)
            for i, (name, hw_file, df_file, spec) in enumerate(plats):
                # each platform at one seed, in turn, unless every seed is asked for
                case_seeds = (None,)
                if stochastic:
                    case_seeds = seeds if all_seeds else (seeds[i % len(seeds)],)
                hw, df = name.split("/")
                for seed in case_seeds:
                    case = Case(scenario, hw, df, seed)
                    if only and only not in case.name:
                        continue
                    out.append(GridCase(case, sfile, hw_file, df_file, spec))
    spread = [p[0] for p in plats]
    random.Random(0).shuffle(spread)
    rank = {p: i for i, p in enumerate(spread)}
    return sorted(out, key=lambda gc: rank[gc.case.platform])  # stable: scenarios in turn


class Runner:
    """Runs the binary, at most ``workers`` at a time, and can stop them all."""

    def __init__(self, binary: str, shim: Path, workdir: Path, keep: Path | None = None) -> None:
        self.binary, self.shim, self.workdir, self.keep = binary, shim, workdir, keep
        self._procs: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self.stopping = False

    def run(self, gc: GridCase) -> dict[str, Path]:
        if self.keep is not None:  # outputs of an earlier run are reused (resume)
            kept = {k: self.keep / f"{k}__{gc.case.name}.csv" for k in ("schedule", "summary")}
            if all(f.is_file() for f in kept.values()):
                return kept
        out = self.workdir / gc.case.name
        out.mkdir()
        files = {"schedule": out / "timeline.csv", "summary": out / "summary.csv"}
        env = dict(os.environ, LD_PRELOAD=str(self.shim))
        env["XRBENCH_TIME"] = str(1 if gc.case.seed is None else gc.case.seed)
        cmd = [
            self.binary,
            f"--model_file={gc.scenario_file}",
            f"--dataflow_file={gc.dataflow_file}",
            f"--hw_file={gc.hw_file}",
            f"--XRBench_timeline_output_file_name={files['schedule']}",
            f"--XRBench_summary_output_file_name={files['summary']}",
        ]
        with self._lock:
            if self.stopping:
                raise SignalStopError(signal.SIGINT)
            proc = subprocess.Popen(
                cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
            )
            self._procs.add(proc)
        _, err = proc.communicate()
        with self._lock:
            self._procs.discard(proc)
        if -proc.returncode in (signal.SIGINT, signal.SIGTERM):
            raise SignalStopError(-proc.returncode)  # the terminal's Ctrl-C reached it too
        if proc.returncode != 0 or not all(f.is_file() for f in files.values()):
            tail = (err or "").strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
            raise RuntimeError(f"{gc.case.name}: XRBench-MAESTRO failed: {tail[0]}")
        return files

    def stop(self) -> None:
        with self._lock:
            self.stopping = True
            for proc in self._procs:
                proc.kill()


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _copy(src: Path, dst: Path) -> None:
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.copyfile(src, tmp)
    tmp.replace(dst)


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    p.add_argument(
        "--keep", type=Path, help="store the binary's outputs here; cases found here are reused"
    )
    p.add_argument("--workers", type=int, default=2, choices=(1, 2))
    p.add_argument("--seeds", default=",".join(map(str, DEFAULT_SEEDS)))
    p.add_argument(
        "--scenarios", default=DEFAULT_SCENARIOS, help="comma list of " + "/".join(SCENARIO_DIRS)
    )
    p.add_argument(
        "--all-seeds",
        action="store_true",
        help="run stochastic scenarios at every seed on every platform (default: in turn)",
    )
    p.add_argument(
        "--hw",
        type=Path,
        action="append",
        help="XRBench hardware file(s) to use instead of the bundled ones (repeatable)",
    )
    p.add_argument("--cost-models", default=",".join(DEFAULT_COST_MODELS))
    p.add_argument("--no-run", action="store_true", help="compare only the cases already in --keep")
    p.add_argument("--only", help="run the cases whose name contains this text")
    a = p.parse_args(argv)
    try:
        a.seeds = tuple(int(s) for s in a.seeds.split(",") if s)
    except ValueError:
        p.exit(2, f"error: --seeds: not a comma list of integers: {a.seeds!r}\n")
    a.scenarios = [s for s in a.scenarios.split(",") if s]
    if not a.seeds:
        p.exit(2, "error: --seeds: give at least one seed\n")
    if not a.scenarios or not set(a.scenarios) <= set(SCENARIO_DIRS):
        p.exit(2, f"error: --scenarios: expected a comma list of {'/'.join(SCENARIO_DIRS)}\n")
    a.cost_models = tuple(s for s in a.cost_models.split(",") if s)
    return a


def _shim(workdir: Path) -> Path:
    src, lib = workdir / "time_shim.c", workdir / "time_shim.so"
    src.write_text(SHIM, encoding="utf-8")
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", str(lib), str(src)], check=True)
    return lib


def main(argv: list[str] | None = None) -> int:
    a = _args(argv)
    binary = os.environ.get("XRBENCH_MAESTRO", "")
    if a.no_run:
        binary = "/bin/false"  # never run: every case comes from --keep
    if not binary or not os.access(binary, os.X_OK):
        print(
            "error: XRBENCH_MAESTRO must name the built XRBench-MAESTRO binary "
            "(benchmarks/xrbench_maestro.sh build)",
            file=sys.stderr,
        )
        return 2
    if shutil.which("cc") is None:
        print("error: cc not found (needed to pin the binary's time() seed)", file=sys.stderr)
        return 2
    try:
        cases = grid(a.scenarios, a.seeds, a.only, a.all_seeds, a.hw)
    except (OSError, ValueError) as exc:
        print(f"error: --hw: {exc}", file=sys.stderr)
        return 2
    if a.no_run:  # only the cases kept by an earlier (partial) run
        keep = a.keep or Path("-")
        cases = [gc for gc in cases if (keep / f"summary__{gc.case.name}.csv").is_file()]
    if not cases:
        print("error: no case to run (--only / --no-run select none)", file=sys.stderr)
        return 2
    rows: list[dict] = []
    t0 = time.monotonic()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _raise)
    with tempfile.TemporaryDirectory(prefix="xrbench_grid_") as tmp:
        runner = Runner(binary, _shim(Path(tmp)), Path(tmp), a.keep)
        pool = ThreadPoolExecutor(max_workers=a.workers)
        try:
            pending = {pool.submit(runner.run, gc): gc for gc in cases}
            done_n = 0
            while pending:
                done, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for fut in done:
                    gc = pending.pop(fut)
                    files = fut.result()
                    mine = [compare(gc.case, files, cm, gc.platform) for cm in a.cost_models]
                    mine = [r for r in mine if r is not None]
                    rows += mine
                    if a.keep and files["summary"].parent != a.keep:
                        a.keep.mkdir(parents=True, exist_ok=True)
                        for kind, f in files.items():  # the summary last: it marks a case done
                            _copy(f, a.keep / f"{kind}__{gc.case.name}.csv")
                    done_n += 1
                    verdict = " ".join(f"{r['cost_model']}={r['agree']}" for r in mine)
                    print(
                        f"[{done_n}/{len(cases)} {time.monotonic() - t0:.0f}s] "
                        f"{gc.case.name}: {verdict}",
                        file=sys.stderr,
                        flush=True,
                    )
        except SignalStopError as exc:
            runner.stop()
            pool.shutdown(wait=True, cancel_futures=True)
            print(f"interrupted ({exc}): nothing written", file=sys.stderr)
            return 128 + exc.signum
        except RuntimeError as exc:
            runner.stop()
            pool.shutdown(wait=True, cancel_futures=True)
            print(f"error: {exc}", file=sys.stderr)
            return 1
        pool.shutdown(wait=True)
    order = {cm: i for i, cm in enumerate(a.cost_models)}
    rows.sort(key=lambda r: (r["case"], order[r["cost_model"]]))
    a.out.mkdir(parents=True, exist_ok=True)
    _write(a.out / "xrbench_grid.csv", csv_text(rows))
    _write(a.out / "xrbench_grid.md", markdown(rows, a.cost_models, len(cases)))
    print(markdown(rows, a.cost_models, len(cases)), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
