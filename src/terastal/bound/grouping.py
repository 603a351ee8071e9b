"""Layer grouping: consecutive layers merged into blocks to reach bigger instances.

The offline model schedules *blocks*. With ``group_layers = 1`` every block is one layer and
the model is exact (up to rounding durations down, which only relaxes it), so the solver's
proven bound on the number of missed jobs is a valid lower bound for every online scheduler.

With ``group_layers = K > 1`` the layers ``[i, i + K)`` of a job form one block that runs on
one accelerator, without interruption, in layer order; its duration on accelerator ``a`` is
the sum of its layers' true latencies there (original or variant) plus the transfers of the
inputs produced outside the block on another accelerator. Every such schedule is a real
schedule (replayed layer by layer it passes the simulator's checks), so its number of missed
jobs is **achievable** - an upper bound on the optimum. But the block model *restricts* the
schedules: a real schedule may split a block across accelerators or interleave another job's
layer between two layers of a block. Its solver bound is therefore **not** a lower bound, and
no non-preemptive block duration fixes that (shortening a block to the sum of its per-layer
minimum latencies still forbids the interleaving; see ``tests/test_bound_model.py`` for an
instance where the block optimum misses one job more than the layer optimum). The grouped
model is a **heuristic**; with it, the valid lower bound comes from the window relaxation of
:mod:`terastal.bound.relax`, which merges all layers of a job into one preemptible amount of
work and stays valid at any size.
"""

from __future__ import annotations

from dataclasses import dataclass

from terastal.model.costs import TaskCosts


@dataclass(frozen=True)
class Block:
    """Consecutive layers of one model scheduled as one interval.

    Attributes
    ----------
    index : int
        Block index (blocks follow the layer order).
    layers : tuple of int
        The layers, consecutive and ascending.
    preds : tuple of int
        Indices of the blocks holding the layers' predecessors outside this block.
    inputs : tuple of int
        The predecessor layers outside this block, one entry per (layer, predecessor) edge:
        each pays its output transfer when it ran on another accelerator.
    """

    index: int
    layers: tuple[int, ...]
    preds: tuple[int, ...]
    inputs: tuple[int, ...]


def make_blocks(costs: TaskCosts, group_layers: int = 1) -> tuple[Block, ...]:
    """Split a model into blocks of ``group_layers`` consecutive layers.

    Layer indices are a topological order (every edge goes forward), so a block of
    consecutive layers run in index order never waits on a later block, and the block graph
    is acyclic.

    Parameters
    ----------
    costs : TaskCosts
        The task's layers and their dependencies.
    group_layers : int
        Layers per block (the last block may be shorter); 1 keeps single layers.

    Returns
    -------
    tuple of Block
    """
    if group_layers < 1:
        raise ValueError(f"group_layers must be >= 1, got {group_layers}")
    n = costs.num_layers
    block_of = [i // group_layers for i in range(n)]
    out = []
    for b, lo in enumerate(range(0, n, group_layers)):
        layers = tuple(range(lo, min(lo + group_layers, n)))
        preds: set[int] = set()
        inputs: list[int] = []
        for layer in layers:
            for p in costs.preds[layer]:
                if block_of[p] != b:
                    preds.add(block_of[p])
                    inputs.append(p)
        out.append(Block(b, layers, tuple(sorted(preds)), tuple(inputs)))
    return tuple(out)


def block_successors(blocks: tuple[Block, ...]) -> tuple[tuple[int, ...], ...]:
    """Per block, the blocks that depend on it."""
    succ: list[list[int]] = [[] for _ in blocks]
    for b in blocks:
        for p in b.preds:
            succ[p].append(b.index)
    return tuple(tuple(s) for s in succ)
