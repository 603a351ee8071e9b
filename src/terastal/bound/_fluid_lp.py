"""The fluid bound's linear program, built row by row (:mod:`terastal.bound.fluid` states it).

Kept apart from the bound's model so that each file reads as one thing: what the program
means there, how its sparse rows are assembled and solved here.
"""

from __future__ import annotations

import math

import numpy as np


class LPBuilder:
    """Sparse rows of the LP: capacity rows first (one per accelerator), then the rest.

    Columns per task: ``z``, ``x``, then per layer one column per accelerator for the
    original and, for a variant layer, one per accelerator for the variant.
    """

    def __init__(self, n_acc: int, capacity: float) -> None:
        self.n_acc, self.n, self.n_eq = n_acc, 0, 0
        self.ub: list[tuple[int, int, float]] = []
        self.eq: list[tuple[int, int, float]] = []
        self.b_ub: list[float] = [capacity] * n_acc
        self.bounds: list[tuple[float, float]] = []
        self.cost: list[float] = []
        self.z: dict[str, int] = {}
        self.l: dict[str, int] = {}  # after-the-edge columns (horizon form, cascaded tasks)
        self.cols: dict[str, list[int]] = {}
        self.vcols: dict[str, list[int]] = {}

    def column(self, hi: float = 1.0, cost: float = 0.0) -> int:
        self.bounds.append((0.0, hi))
        self.cost.append(cost)
        self.n += 1
        return self.n - 1

    def row(self, entries: list[tuple[int, float]], rhs: float) -> int:
        r = len(self.b_ub)
        self.ub += [(r, c, v) for c, v in entries]
        self.b_ub.append(rhs)
        return r

    def add_task(self, name, tab, weight, variants, feasible, cost, coef, limit) -> None:
        """Columns and rows of one task (see the module docstring)."""
        z = self.z[name] = self.column()
        x = self.column(1.0 if feasible else 0.0, cost)
        self.row([(x, 1.0), (z, -1.0)], 0.0)
        budget = coef is not None and math.isfinite(limit)
        acc_row = self.row([], limit) if budget else None
        self.cols[name], self.vcols[name] = [], []
        for li in range(tab.num_layers):
            options = [(tab.latency_s[li], False)]
            if li in variants:
                options.append((tab.var_latency_s[li], True))
            self.eq.append((self.n_eq, z, -1.0))
            for lat, is_var in options:
                for a in range(self.n_acc):
                    c = self.column()
                    self.eq.append((self.n_eq, c, 1.0))
                    self.ub.append((a, c, weight * float(lat[a])))
                    self.cols[name].append(c)
                    if is_var:
                        self.vcols[name].append(c)
                        if acc_row is not None:
                            self.ub.append((acc_row, c, coef[li]))
            self.n_eq += 1

    def capacity_entries(self) -> list[tuple[int, int, float]]:
        return [e for e in self.ub if e[0] < self.n_acc]

    def matrix(self, entries, m: int):
        from scipy.sparse import coo_matrix

        r, c, v = zip(*entries, strict=True) if entries else ((), (), ())
        return coo_matrix((v, (r, c)), shape=(m, self.n)).tocsr()

    def solve(self):
        from scipy.optimize import linprog  # lazy: SciPy is heavy and needed only here

        return linprog(
            np.asarray(self.cost),
            A_ub=self.matrix(self.ub, len(self.b_ub)),
            b_ub=np.asarray(self.b_ub),
            A_eq=self.matrix(self.eq, self.n_eq),
            b_eq=np.zeros(self.n_eq),
            bounds=self.bounds,
            method="highs",
        )
