"""``terastal reproduce``: the headline experiment of the paper, on the bundled suite."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

from terastal._cores import worker_count
from terastal.commands._args import at_least, output_dir, seed_value
from terastal.commands._vocab import (
    COST_MODEL_HELP,
    LateOpt,
    MaxJobsOpt,
    NoCacheOpt,
    ProgressOpt,
    WorkersOpt,
    apply_no_cache,
    parse_names,
)
from terastal.commands._vocab import console as make_console
from terastal.errors import InputError, Interrupted
from terastal.model.work import MAX_JOBS

#: Random mixes one command may draw (each is a point per platform and utilization).
MAX_RANDOM_MIXES = 1000


def register(app: typer.Typer) -> None:
    """Add the command to ``app``."""

    @app.command("reproduce")
    def reproduce(
        out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
            "reproduce-out"
        ),
        quick: Annotated[bool, typer.Option("--quick", help="The suite's 'quick' subset.")] = False,
        suite: Annotated[
            Path | None, typer.Option("--suite", help="Suite YAML (default: bundled).")
        ] = None,
        schedulers: Annotated[
            str | None,
            typer.Option(
                "--schedulers",
                help="Comma-separated labels, e.g. edf,edf-ef-hopeless,dream,terastal "
                "(default: the suite's own list, as --quick's, else the default baseline "
                "family, dream, terastal and its ablations).",
            ),
        ] = None,
        full_family: Annotated[
            bool,
            typer.Option(
                "--full-family",
                help="Run all 30 baselines (fcfs, edf, rm, lst, heft x 2 mappings x 3 drop "
                "rules) instead of the default 15.",
            ),
        ] = False,
        random: Annotated[
            int,
            typer.Option(
                "--random",
                help="Replace the suite's mixes with N random mixes of the bundled models.",
            ),
        ] = 0,
        seed: Annotated[int, typer.Option("--seed", help="Seed of the --random mixes.")] = 0,
        workers: WorkersOpt = 0,
        cost_model: Annotated[
            str | None,
            typer.Option(
                "--cost-model",
                help=f"{COST_MODEL_HELP} Default: the suite's cost_model, else analytical.",
            ),
        ] = None,
        late: LateOpt = "scheduler",
        max_jobs: MaxJobsOpt = MAX_JOBS,
        no_cache: NoCacheOpt = False,
        progress: ProgressOpt = True,
    ) -> None:
        """Run the suite x schedulers x seeds; write summary.json, runs.csv, plots, report.md."""
        apply_no_cache(no_cache)
        from rich.progress import Progress
        from rich.table import Table

        from terastal.experiment import check_max_jobs
        from terastal.interrupts import interrupting, stage
        from terastal.reproduce import DEFAULT_SCHEDULERS, family, load_suite, run_suite
        from terastal.reproduce.checkpoint import Checkpoint
        from terastal.reproduce.random_mixes import random_suite
        from terastal.reproduce.report import load_plotting
        from terastal.reproduce.summary import summarize
        from terastal.sim import LATE_POLICIES

        at_least(workers, 0, "--workers")
        at_least(random, 0, "--random")
        if random > MAX_RANDOM_MIXES:  # drawn before any check: 10^8 held the command
            raise InputError(f"--random must be <= {MAX_RANDOM_MIXES}, got {random}")
        seed_value(seed)
        check_max_jobs(max_jobs)
        output_dir(out)  # before any point runs, not after the whole suite
        _only_ours(out)
        if late not in LATE_POLICIES:
            raise InputError(
                f"must be one of {', '.join(LATE_POLICIES)}, got {late!r}", field="--late"
            )
        st = load_suite(suite, quick=quick)
        if random:
            st = random_suite(st, random, seed)
        # the suite's own set (the quick section's: docs/design.md), else the default family
        default = family.labels(full=True) if full_family else st.schedulers or DEFAULT_SCHEDULERS
        named = parse_names(schedulers or "", "label")
        if schedulers is not None and not named:  # '--schedulers $UNSET' ran the whole family
            raise InputError(f"lists no scheduler label: {schedulers!r}", field="--schedulers")
        labels = named or list(default)
        t0 = time.perf_counter()
        spec = cost_model if cost_model is not None else st.cost_model
        checkpoint = Checkpoint(out)  # finished points survive an interrupt
        try:
            with Progress(transient=True, disable=not progress) as bar:
                task = bar.add_task(f"suite {st.name}{' (quick)' if quick else ''}", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                rows = run_suite(
                    st, labels, workers=workers or None, late=late, progress=progress,
                    cost_model=spec, checkpoint=checkpoint, max_jobs=max_jobs,
                    on_tail=load_plotting,
                )  # fmt: skip
            stage("reproduce:report")
            summary = summarize(rows)
            summary["cost_model"] = spec or "analytical"
            summary["suite"] = st.name
            summary["quick"] = quick
            summary["late_policy"] = late
            if random:
                summary["random"] = {"mixes": random, "seed": seed}
            summary["wall_s"] = time.perf_counter() - t0
            title = f"terastal reproduce: suite {st.name}{' (quick)' if quick else ''}"
            if spec:
                title += f", cost model {spec}"
            _write_outputs(Path(out), rows, summary, title, checkpoint, workers)
        except BaseException as exc:
            signum = interrupting(exc)  # also a signal while a failed point's pool stopped
            if signum is None:
                raise
            note = (
                f"{len(checkpoint.used)} point(s) stored in {out}; run the same command to resume"
            )
            raise Interrupted(signum, note) from None
        table = Table(title=f"miss rates ({summary['runs']} runs, late={late})")
        table.add_column("scheduler")
        table.add_column("mean per model", justify="right")
        table.add_column("pooled", justify="right")
        table.add_column("worst model", justify="right")
        for s in summary["schedulers"]:
            table.add_row(
                s,
                f"{100 * summary['mean_miss_rate'][s]:.2f} %",
                f"{100 * summary['pooled_miss_rate'][s]:.2f} %",
                f"{100 * summary['worst_model_miss_rate'][s]:.2f} %",
            )
        console = make_console()
        console.print(table)
        best = summary.get("best_baseline_mean_miss_rate")
        if best is not None:
            console.print(
                f"best baseline per point ({len(summary['baselines'])} configurations): "
                f"{100 * best:.2f} % mean miss rate, "
                f"{100 * summary['best_baseline_pooled_miss_rate']:.2f} % pooled"
            )
        if "points_lost" in summary:
            console.print(
                f"terastal loses to the best baseline at {summary['points_lost']} of "
                f"{len(summary['best_baseline_by_point'])} points"
            )
        for b, v in summary.get("reduction_vs", {}).items():
            console.print(
                f"terastal vs {b}: {'n/a' if v is None else f'{100 * v:+.2f} %'} reduction"
            )
        loss = summary.get("accuracy_loss_mean")
        if loss is not None:
            console.print(f"terastal accuracy loss: {100 * loss:.2f} %")
        console.print(
            f"wrote {out}/ (summary.json, runs.csv, report.md, plots) in {summary['wall_s']:.0f} s"
        )


def _only_ours(out: Path) -> None:
    """Refuse an existing ``out`` that holds anything this command does not write.

    The outputs replace ``out`` as a whole (:func:`_write_outputs`): a file of the user's in
    it (``--out ~/results`` by mistake) would be deleted with it.
    """
    from terastal.reproduce.checkpoint import POINTS_DIR
    from terastal.reproduce.report import FIGURES

    if not out.is_dir():
        return
    ours = {"runs.csv", "summary.json", "report.md", POINTS_DIR, *(name for name, _ in FIGURES)}
    foreign = sorted(p.name for p in out.iterdir() if p.name not in ours)
    if foreign:
        more = f" and {len(foreign) - 1} more" if foreign[1:] else ""
        raise InputError(
            f"{str(out)!r} holds {foreign[0]!r}{more}, which reproduce does not write; its "
            "outputs replace the directory as a whole: give a new or empty directory",
            field="--out",
        )


def _write_outputs(out: Path, rows, summary: dict, title: str, checkpoint, workers: int) -> None:
    """Write runs.csv, summary.json, the plots and report.md to ``out`` as a whole.

    Everything is written to a temporary directory beside ``out``, which then replaces
    ``out`` (the points of this run move along). An interrupt does not cut the replacement
    short (:func:`terastal.interrupts.deferred`): in its middle it would leave neither the
    old outputs nor the new, and lose the finished points. Should the replacement fail, the
    points go back where they were.
    """
    from terastal.interrupts import deferred, stage
    from terastal.reproduce.checkpoint import POINTS_DIR
    from terastal.reproduce.report import report_md, write_plots
    from terastal.reproduce.summary import rows_csv

    try:
        tmp = Path(
            tempfile.mkdtemp(prefix=".reproduce-", dir=out.parent if out.parent.exists() else None)
        )
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", file=str(out)) from None
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # like mkdir, not mkdtemp's private 0700
    points = tmp / POINTS_DIR
    try:
        (tmp / "runs.csv").write_text(rows_csv(rows))
        (tmp / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True))
        plots = write_plots(rows, summary, tmp, processes=worker_count(workers))
        (tmp / "report.md").write_text(report_md(rows, summary, plots, title))
        stage("reproduce:outputs")  # an interrupt lost while drawing: not passed off as done
        with deferred():
            checkpoint.prune()
            if checkpoint.dir.is_dir():
                checkpoint.dir.rename(points)
            stage("reproduce:replace")
            if out.exists():
                shutil.rmtree(out)
            tmp.rename(out)
    except BaseException as exc:
        if points.is_dir() and not checkpoint.dir.exists():
            checkpoint.dir.parent.mkdir(parents=True, exist_ok=True)
            points.rename(checkpoint.dir)
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write: {exc.strerror or exc}", file=str(out)) from None
        raise
