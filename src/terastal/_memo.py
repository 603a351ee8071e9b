"""Values memoized by the identity of the objects they were computed from.

Every scheduler and seed of a suite point runs on the same scenario and cost-table objects,
so work that depends only on them (the arrivals, the counted releases, the cost tuples, a
model object's fingerprint) is done once per point instead of once per run. A key is the
objects' ids plus hashable extras; each entry holds the objects themselves, so that no other
object can take one of their ids while the entry lives. The oldest entries leave first.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any


class IdentityMemo:
    """A bounded memo keyed by object identity.

    Parameters
    ----------
    size : int
        Entries kept; the oldest leave first.
    """

    __slots__ = ("_data", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[tuple, tuple[tuple, Any]] = OrderedDict()

    def get(self, objs: tuple, extra: tuple = ()) -> Any | None:
        """The value stored for ``objs`` (by identity) and ``extra``, or ``None``."""
        hit = self._data.get((*map(id, objs), *extra))
        if hit is not None and all(a is b for a, b in zip(hit[0], objs, strict=True)):
            return hit[1]
        return None

    def put(self, objs: tuple, extra: tuple, value: Any) -> Any:
        """Store ``value`` for ``objs`` and ``extra`` (evicting the oldest entries beyond
        ``size``) and return it."""
        self._data[(*map(id, objs), *extra)] = (objs, value)
        while len(self._data) > self.size:
            self._data.popitem(last=False)
        return value
