"""The CP-SAT model of the offline problem: minimum number of missed jobs on a fixed trace.

Variables, per job ``j`` of the trace (:mod:`terastal.bound.trace`):

* ``run[j]``: the job runs all its layers and meets its deadline. A missed job is modelled as
  dropped at release - none of its work runs. This only relaxes the problem: a real schedule
  may spend time on a job it then drops or finishes late, and dropping an upstream job rather
  than finishing it late never adds a miss (its cascaded job then never exists and counts 0).
* ``exists[j]`` for a cascaded job: it is released. ``exists ⇔ run[upstream]``: the engine
  releases a completed job's triggered children whenever it completes, after the horizon
  too (the run stops only once counted work is closed), so an upstream that runs always
  releases the job.
* per block ``b`` (:mod:`terastal.bound.grouping`): start ``S``, end ``E``, one optional
  interval per accelerator with presence ``y[b][a]`` (``Σ_a y = run``), and for every layer
  whose variant the plan allows, ``w[l][a]`` (variant on ``a``, ``w ≤ y``). The interval
  length is the block's latency on ``a`` (variant deltas included) plus the transfers of
  inputs made on another accelerator (``Σ_p T_p (1 - y[block(p)][a])``): as in the
  simulator, the accelerator is reserved from dispatch, the transfer first.
* per job with variant layers: a one-hot choice ``c[s]`` over the plan's admissible
  combinations, linked by ``Σ_a w[l][a] = Σ_{s ∋ l} c[s]`` (a table constraint).

Constraints: ``NoOverlap`` per accelerator over the present intervals; precedence
``S_b ≥ E_p`` along the model's edges; periodic jobs inside ``[release, deadline]``
(variable domains); a cascaded job starts after its upstream's completion ``e_u`` and ends
by ``e_u + D``. The objective counts missed jobs: ``1 - run`` for periodic jobs and
``exists - run`` for cascaded ones (a job that is never released is not a miss).

Integer time: every duration, transfer, release and absolute deadline is converted to
``unit_s`` units (default 1 ns) **rounded down**. Mapping a real schedule to the integer one
with ``start' = floor(start / unit)`` keeps it feasible: ``floor(a) + floor(b) <= floor(a +
b)`` preserves non-overlap, precedence, releases and deadlines. Completion times shift by at
most ``σ = 2 + max in-degree`` units, which the cascade deadline absorbs.
So the optimum of the integer model is never above the real optimum.

The trace has the counted jobs only: a simulation also releases load-only jobs after the
horizon (docs/design.md, "Measurement window"), which the model leaves out. That keeps it a
lower bound on the counted misses: any online schedule, restricted to its counted jobs, is a
schedule of this trace (the load-only jobs only took accelerator time), so an optimum that
ignores the load is never worse than the schedule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from terastal.bound.grouping import Block, block_successors, make_blocks
from terastal.bound.trace import Trace
from terastal.model import Platform
from terastal.model.costs import TaskCosts

LOSS_SCALE = 1_000_000  # accuracy loss (fraction) -> integer objective units


@dataclass(frozen=True)
class VariantSpec:
    """Variants a task may use: layers, admissible combinations and their accuracy loss.

    Attributes
    ----------
    layers : tuple of int
        Layers whose variant may run (and that have variant costs).
    combos : tuple of frozenset of int
        Admissible combinations, the empty one included.
    loss : tuple of float
        Normalized accuracy loss of each combination (0 when unknown or empty).
    """

    layers: tuple[int, ...]
    combos: tuple[frozenset[int], ...]
    loss: tuple[float, ...]


@dataclass
class TaskData:
    """Integer costs of one task's blocks (units of the model's time step)."""

    blocks: tuple[Block, ...]
    base: list[list[int]]  # [block][acc] sum of original latencies
    delta: dict[int, list[int]]  # layer -> per acc, variant minus original latency
    trans: list[int]  # per layer, transfer time of its output
    mind: list[int]  # per block, minimum duration without transfers
    head: list[int]  # per block, longest minimum path before it
    tail: list[int]  # per block, longest minimum path after it
    span: int  # longest minimum path through the model
    sinks: tuple[int, ...]
    sources: tuple[int, ...]
    variants: VariantSpec | None


@dataclass
class JobVars:
    """CP-SAT variables of one job (``run`` is None for a job that can never be in time)."""

    r: int
    d: int
    run: object | None = None
    exists: object | int = 1
    start: list = field(default_factory=list)
    end: list = field(default_factory=list)
    y: list = field(default_factory=list)  # [block][acc]
    size: list = field(default_factory=list)  # [block][acc] (int or var)
    w: dict = field(default_factory=dict)  # layer -> [acc]
    combo: list = field(default_factory=list)
    done: object | None = None  # completion time


def task_data(
    costs: TaskCosts, platform: Platform, blocks: tuple[Block, ...], unit_s: float,
    variants: VariantSpec | None, rnd=math.floor,
) -> TaskData:  # fmt: skip
    """Integer block costs, rounded with ``rnd`` (down for the bound; see the module doc)."""
    m = len(platform.accelerators)
    bw = platform.transfer_bytes_per_s
    lat = [[rnd(x / unit_s) for x in row] for row in costs.lat]
    trans = [rnd(b / bw / unit_s) for b in costs.out_bytes]
    delta: dict[int, list[int]] = {}
    if variants is not None:
        for layer in variants.layers:
            v = costs.var_lat[layer]
            delta[layer] = [rnd(v[a] / unit_s) - lat[layer][a] for a in range(m)]
    base = [[sum(lat[x][a] for x in b.layers) for a in range(m)] for b in blocks]
    mind = [
        min(base[b.index][a] + sum(min(0, delta.get(x, [0] * m)[a]) for x in b.layers)
            for a in range(m))
        for b in blocks
    ]  # fmt: skip
    head = [0] * len(blocks)
    for b in blocks:
        head[b.index] = max((head[p] + mind[p] for p in b.preds), default=0)
    succ = block_successors(blocks)
    tail = [0] * len(blocks)
    for b in reversed(blocks):
        tail[b.index] = max((tail[s] + mind[s] for s in succ[b.index]), default=0)
    sinks = tuple(i for i in range(len(blocks)) if not succ[i])
    sources = tuple(b.index for b in blocks if not b.preds)
    span = max(head[i] + mind[i] for i in sinks)
    return TaskData(blocks, base, delta, trans, mind, head, tail, span, sinks, sources, variants)


class BoundModel:
    """Builds the CP-SAT model of a trace (see the module docstring).

    Parameters
    ----------
    trace : Trace
        The jobs.
    costs : sequence of TaskCosts
        Per task (scenario order), the simulator's cost tuples.
    platform : Platform
        Accelerators and transfer bandwidth.
    variants : mapping of int to VariantSpec, optional
        Per task index, the variants it may use; no variants without it.
    group_layers : int
        Layers per block (1: exact model).
    unit_s : float
        Seconds per integer time unit.
    cuts : bool or sequence
        Window constraints of :mod:`terastal.bound.relax` to add on ``run`` as redundant
        linear constraints (they strengthen the LP bound; any solution satisfies them):
        ``True`` for the most overloaded ones, or ``(cap, [(job, coef), ...])`` pairs, e.g.
        those the relaxation found binding.
    safe : bool
        Round the other way (durations, transfers and releases up; cascade deadlines with a
        margin of ``1 + max in-degree`` units against the model): then
        every solution replays in real time with the same outcome, but the model is no
        longer a relaxation and its bound is not a lower bound. Used to repair a schedule
        whose replay lost a job to rounding.
    """

    def __init__(
        self, trace: Trace, costs: Sequence[TaskCosts], platform: Platform, *,
        variants: Mapping[int, VariantSpec] | None = None, group_layers: int = 1,
        unit_s: float = 1e-9, safe: bool = False, cuts: bool | Sequence = True,
    ) -> None:  # fmt: skip
        from ortools.sat.python import cp_model

        self.cp = cp_model.CpModel()
        self.trace = trace
        self.costs = tuple(costs)
        self.platform = platform
        self.unit_s = unit_s
        self.group_layers = group_layers
        self.num_acc = len(platform.accelerators)
        variants = variants or {}
        rnd = math.ceil if safe else math.floor
        self.tasks = [
            task_data(c, platform, make_blocks(c, group_layers), unit_s, variants.get(i), rnd)
            for i, c in enumerate(self.costs)
        ]
        max_in = max((len(p) for c in self.costs for p in c.preds), default=0)
        self.safe = safe
        if safe:  # real completions may come up to 1 + max_in units before the model's
            self.sigma = -(1 + max_in)
        else:  # model completions may come up to 1 + max_in units before the real ones
            self.sigma = 2 + max_in
        self.intervals: list[list] = [[] for _ in range(self.num_acc)]
        self.jobs: list[JobVars] = []
        for j in trace.jobs:
            self.jobs.append(self._job(j))
        for ivs in self.intervals:
            self.cp.add_no_overlap(ivs)
        self.num_cuts = self._window_cuts(cuts) if cuts else 0
        missed, loss = [], []
        for j, jv in zip(trace.jobs, self.jobs, strict=True):
            run = 0 if jv.run is None else jv.run
            missed.append((1 if not j.cascaded else jv.exists) - run)
            if jv.combo:
                spec = self.tasks[j.task].variants
                loss += [
                    round(x * LOSS_SCALE) * c for x, c in zip(spec.loss, jv.combo, strict=True)
                ]
        self.missed = sum(missed)
        self.loss = sum(loss)
        self.has_variants = bool(loss)
        self.cp.minimize(self.missed)

    # ------------------------------------------------------------------------------------------
    def _job(self, job) -> JobVars:
        td = self.tasks[job.task]
        unit = self.unit_s
        if job.cascaded:
            up = self.jobs[job.upstream]
            if up.run is None:
                return JobVars(0, 0, None, 0)  # never released: the upstream never completes
            r = up.r + self.tasks[self.trace.jobs[job.upstream].task].span
            d = up.d + self._cascade_window(job.deadline_rel_s)
        else:
            r = (math.ceil if self.safe else math.floor)(job.release_s / unit)
            d = math.floor((job.release_s + job.deadline_rel_s) / unit)
        jv = JobVars(r, d)
        cp = self.cp
        if job.cascaded:
            jv.exists = cp.new_bool_var(f"x{job.id}")
            # Released exactly when the upstream completes, before or after the horizon.
            cp.add_implication(jv.exists, up.run)
            cp.add_implication(up.run, jv.exists)
        if td.span > d - r:
            return jv  # can never meet its deadline: missed whenever it exists
        jv.run = run = cp.new_bool_var(f"r{job.id}")
        if job.cascaded:
            cp.add_implication(run, jv.exists)
        m = self.num_acc
        for b in td.blocks:
            i = b.index
            lo, hi = r + td.head[i], d - td.tail[i]
            s = cp.new_int_var(lo, hi - td.mind[i], f"s{job.id}_{i}")
            e = cp.new_int_var(lo + td.mind[i], hi, f"e{job.id}_{i}")
            ys = [cp.new_bool_var(f"y{job.id}_{i}_{a}") for a in range(m)]
            cp.add(sum(ys) == run)
            for layer in b.layers:
                if layer in td.delta:
                    ws = [cp.new_bool_var(f"w{job.id}_{layer}_{a}") for a in range(m)]
                    for w, y in zip(ws, ys, strict=True):
                        cp.add_implication(w, y)
                    jv.w[layer] = ws
            sizes = []
            for a in range(m):
                size = self._size(td, b, a, jv, f"{job.id}_{i}_{a}")
                sizes.append(size)
                self.intervals[a].append(
                    cp.new_optional_interval_var(s, size, e, ys[a], f"i{job.id}_{i}_{a}")
                )
            for p in b.preds:
                cp.add(s >= jv.end[p])
            jv.start.append(s)
            jv.end.append(e)
            jv.y.append(ys)
            jv.size.append(sizes)
        if job.cascaded:
            for i in td.sources:
                cp.add(jv.start[i] >= up.done).only_enforce_if(run)
            slack = self._cascade_window(job.deadline_rel_s)
            for i in td.sinks:
                cp.add(jv.end[i] <= up.done + slack).only_enforce_if(run)
        if td.variants is not None and len(td.variants.combos) > 1:
            jv.combo = [cp.new_bool_var(f"c{job.id}_{k}") for k in range(len(td.variants.combos))]
            cp.add_exactly_one(jv.combo)
            for layer, ws in jv.w.items():
                have = [c for c, s in zip(jv.combo, td.variants.combos, strict=True) if layer in s]
                cp.add(sum(ws) == sum(have))
        elif jv.w:
            for ws in jv.w.values():
                for w in ws:
                    cp.add(w == 0)
        if self.trace.dependents[job.id]:
            if len(td.sinks) == 1:
                jv.done = jv.end[td.sinks[0]]
            else:
                jv.done = cp.new_int_var(r + td.span, d, f"done{job.id}")
                cp.add_max_equality(jv.done, [jv.end[i] for i in td.sinks])
        return jv

    def _window_cuts(self, cuts) -> int:
        from terastal.bound.relax import is_chain, window_cuts

        if cuts is True:
            m = self.num_acc
            live = [i for i, jv in enumerate(self.jobs) if jv.run is not None]
            tasks = [j.task for j in self.trace.jobs]
            work = [sum(self.tasks[t].mind) for t in tasks]
            rho = [1 if is_chain(self.costs[t]) else m for t in tasks]
            r = [jv.r for jv in self.jobs]
            d = [jv.d for jv in self.jobs]
            cuts = [c[:2] for c in window_cuts(live, r, d, work, rho, m)]
        for cap, terms in cuts:
            runs = [(self.jobs[j].run, coef) for j, coef in terms if self.jobs[j].run is not None]
            if sum(coef for _, coef in runs) > cap:
                self.cp.add(sum(coef * run for run, coef in runs) <= cap)
        return len(cuts)

    def _cascade_window(self, deadline_rel_s: float) -> int:
        """Units a cascaded job may end after its upstream's completion variable."""
        rnd = math.floor if self.safe else math.ceil
        return rnd(deadline_rel_s / self.unit_s) + self.sigma

    def _size(self, td: TaskData, b: Block, a: int, jv: JobVars, name: str):
        """Interval length of block ``b`` on accelerator ``a``: a constant or a new variable."""
        const = td.base[b.index][a]
        terms, lo, hi = [], const, const
        for layer in b.layers:
            if layer in jv.w:
                dl = td.delta[layer][a]
                terms.append(dl * jv.w[layer][a])
                lo, hi = lo + min(0, dl), hi + max(0, dl)
        for p in b.inputs:
            t = td.trans[p]
            if t:
                bp = p // self.group_layers
                const += t
                hi += t
                terms.append(-t * jv.y[bp][a])
        if not terms:
            return const
        size = self.cp.new_int_var(lo, hi, f"d{name}")
        self.cp.add(size == const + sum(terms))
        return size

    # ------------------------------------------------------------------------------------------
    def stats(self) -> dict:
        """Instance size: jobs, blocks, intervals, variables and constraints."""
        proto = self.cp.proto
        return {
            "jobs": len(self.trace.jobs),
            "periodic_jobs": self.trace.num_periodic,
            "cascaded_jobs": self.trace.num_cascaded,
            "jobs_modelled": sum(1 for jv in self.jobs if jv.run is not None),
            "blocks": sum(len(jv.start) for jv in self.jobs),
            "layers": sum(
                self.costs[j.task].num_layers
                for j, jv in zip(self.trace.jobs, self.jobs, strict=True)
                if jv.run is not None
            ),
            "intervals": sum(len(x) for x in self.intervals),
            "variables": len(proto.variables),
            "constraints": len(proto.constraints),
            "window_cuts": self.num_cuts,
        }
