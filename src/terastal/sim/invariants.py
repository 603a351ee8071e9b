"""Invariants every simulation run must satisfy, checked after the fact from its result.

The tests run this on every simulation they make, and :func:`check_scheduler` runs it on
every scheduler, so that an engine or scheduler bug shows up as a named violation rather
than as a plausible-looking metric.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

from terastal.model.job import ACTIVE, DROPPED, IN_TIME, LATE
from terastal.model.window import releases_end_s
from terastal.sim.result import DispatchRecord, SimResult


class InvariantError(AssertionError):
    """A run violated a simulator invariant."""


def _fail(msg: str) -> None:
    raise InvariantError(msg)


def check_invariants(result: SimResult) -> None:
    """Check a run; raise :class:`InvariantError` naming the first violation.

    Checked: every counted job ended exactly once with a consistent status (a load-only job
    may still be active at the stop, and then finished nothing); no periodic job was released
    at or after the end of the releases, a periodic job is counted exactly when it was
    released before the horizon, and every cascaded job was released when its upstream job
    of the same frame, released earlier, completed (not dropped; before or after the
    horizon), counted exactly when its upstream is; accounting on the counted jobs (released
    = completed + dropped, completed = in time + late); and, when the dispatch log was
    recorded, that no accelerator ran two things at once, every layer ran at most once and
    only after its predecessors completed, transfer times match the producing layers'
    locations, completed jobs ran every layer, and per-job energy and finish times agree
    with the log.
    """
    jobs = result.jobs
    end = releases_end_s(result.horizon_s)
    counted = result.counted
    if counted is not None and len(counted) != len(jobs):
        _fail(f"{len(counted)} counted flags for {len(jobs)} jobs")
    counts = defaultdict(int)
    for i, job in enumerate(jobs):
        if job.id != i:
            _fail(f"job at position {i} has id {job.id}")
        periodic = job.costs.task.depends_on is None
        if job.release_s >= end and periodic:
            _fail(f"{job!r} released at or after the end of the releases {end}")
        if periodic and result.is_counted(job) != (job.release_s < result.horizon_s):
            _fail(f"{job!r}: counted is {result.is_counted(job)}, horizon {result.horizon_s}")
        if i and job.release_s < jobs[i - 1].release_s:
            _fail(f"{job!r} released before its predecessor {jobs[i - 1]!r}")
        if not result.is_counted(job):
            if job.status == ACTIVE:
                if job.release_s > result.end_s:
                    _fail(f"{job!r} released after the run's end {result.end_s}")
                continue  # load only, left active at the stop
            if job.finish_s > result.end_s:
                _fail(f"{job!r} ended after the run's end {result.end_s}")
        if job.status not in (IN_TIME, LATE, DROPPED):
            _fail(f"{job!r} did not end")
        if result.is_counted(job):
            counts[job.status] += 1
        if not job.finish_s >= job.release_s:
            _fail(f"{job!r} finished at {job.finish_s} before its release")
        if job.status == IN_TIME and not job.finish_s <= job.deadline_s:
            _fail(f"{job!r} is in time but finished after its deadline")
        if job.status == LATE and not job.finish_s > job.deadline_s:
            _fail(f"{job!r} is late but finished by its deadline")
        if job.status != DROPPED and job.done_count != job.num_layers:
            _fail(f"{job!r} completed with {job.done_count}/{job.num_layers} layers")
    _check_cascades(result)
    completed = counts[IN_TIME] + counts[LATE]
    if completed + counts[DROPPED] != len(result.counted_jobs):
        _fail("counted released != completed + dropped")
    if result.late_policy == "keep" and counts[DROPPED]:
        _fail(f"{counts[DROPPED]} job(s) dropped under the 'keep' policy")
    if result.log or result.dispatches == 0:
        _check_log(result)


def _check_cascades(result: SimResult) -> None:
    """Each cascaded job was released by its upstream job of the same frame, released
    earlier, at the moment that job completed (in time or late, before or after the horizon),
    and is counted exactly when that job is; a dropped job released nothing, and no completed
    job released a frame twice."""
    upstream: dict[tuple[str, int], object] = {}
    released: set[tuple[str, int]] = set()
    for job in result.jobs:
        task = job.costs.task
        key = (task.name, job.frame)
        if task.depends_on is not None:
            if key in released:
                _fail(f"{job!r}: frame {job.frame} of {task.name!r} released twice")
            released.add(key)
            up = upstream.get((task.depends_on, job.frame))
            if up is None:
                _fail(f"{job!r} released with no earlier job of its upstream's frame")
            elif up.status == DROPPED:
                _fail(f"{job!r} released by {up!r}, which was dropped")
            elif up.finish_s != job.release_s:
                _fail(
                    f"{job!r} released at {job.release_s}, its upstream completed at {up.finish_s}"
                )
            elif result.is_counted(job) != result.is_counted(up):
                _fail(f"{job!r} counted is {result.is_counted(job)}, its upstream's is not")
        upstream[key] = job


def _check_log(result: SimResult) -> None:
    if len(result.log) != result.dispatches:
        _fail(f"log has {len(result.log)} records for {result.dispatches} dispatches")
    bw = result.platform.transfer_bytes_per_s
    by_acc: dict[int, list[DispatchRecord]] = defaultdict(list)
    by_job: dict[int, dict[int, DispatchRecord]] = defaultdict(dict)
    for rec in result.log:
        jid, layer = rec.job_id, rec.layer
        by_acc[rec.accelerator].append(rec)
        if layer in by_job[jid]:
            _fail(f"layer {layer} of job {jid} dispatched twice")
        by_job[jid][layer] = rec
        if not rec.dispatch_s <= rec.start_s <= rec.end_s:
            _fail(f"record {rec} is not ordered dispatch <= start <= end")
        costs = result.jobs[jid].costs
        if rec.variant and costs.var_latency_s[layer] is None:
            _fail(f"record {rec} runs a variant the layer does not have")
    for acc, recs in by_acc.items():
        recs.sort(key=lambda r: (r.dispatch_s, r.end_s))
        for prev, cur in itertools.pairwise(recs):
            if cur.dispatch_s < prev.end_s:
                _fail(f"accelerator {acc} overlaps: {prev} and {cur}")
    for jid, layers in by_job.items():
        job = result.jobs[jid]
        costs = job.costs
        energy = 0.0
        for layer, rec in layers.items():
            acc, _, _, t_disp, t_start, t_end, variant = rec
            # The transfer is recomputed from the log, independently of the engine's rule
            # (``terastal.model.job.transfer_s``), so that this check can catch a bug there.
            nbytes = 0.0
            for p in costs.preds[layer]:
                prec = layers.get(p)
                if prec is None or prec.end_s > t_disp:
                    _fail(f"layer {layer} of job {jid} dispatched before predecessor {p} ended")
                if prec.accelerator != acc:
                    nbytes += costs.out_bytes[p]
            if not math.isclose(t_start - t_disp, nbytes / bw, rel_tol=1e-9, abs_tol=1e-12):
                _fail(f"layer {layer} of job {jid}: transfer {t_start - t_disp} != {nbytes / bw}")
            lat = (costs.var_latency_s if variant else costs.latency_s)[layer][acc]
            if not math.isclose(t_end - t_start, lat, rel_tol=1e-9, abs_tol=1e-12):
                _fail(f"layer {layer} of job {jid} ran {t_end - t_start}s, costs say {lat}s")
            energy += (costs.var_energy_j if variant else costs.energy_j)[layer][acc]
            if job.layer_accelerator(layer) != acc:
                _fail(f"job {jid} layer {layer}: job says acc {job.layer_accelerator(layer)}")
            if variant != (layer in job.variants):
                _fail(f"job {jid} layer {layer}: variant flag disagrees with job.variants")
        if not math.isclose(energy, job.energy_j, rel_tol=1e-9, abs_tol=1e-15):
            _fail(f"job {jid}: energy {job.energy_j} != sum of its layers {energy}")
        last_end = max(r.end_s for r in layers.values())
        if job.status == ACTIVE:  # load only, left at the stop: nothing dispatched after it
            if max(r.dispatch_s for r in layers.values()) > result.end_s:
                _fail(f"job {jid} was dispatched after the run's end {result.end_s}")
        elif job.status != DROPPED:
            if len(layers) != job.num_layers:
                _fail(f"job {jid} completed but ran {len(layers)}/{job.num_layers} layers")
            if job.finish_s != last_end:
                _fail(f"job {jid} finished at {job.finish_s}, its last layer ended at {last_end}")
        elif job.finish_s < last_end or max(r.dispatch_s for r in layers.values()) > job.finish_s:
            _fail(f"dropped job {jid} ran work after it was dropped")
    for job in result.jobs:
        if job.status not in (DROPPED, ACTIVE) and job.id not in by_job:
            _fail(f"job {job.id} completed without dispatches")
