"""Models, tasks and scenarios."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from terastal.model.layer import Layer

T = TypeVar("T")

#: The largest seed of a run. Results stores keep seeds in signed 64-bit columns: a larger
#: seed ran in ``simulate`` but broke a sweep's store with an OverflowError after the run.
MAX_SEED = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Model:
    """A DNN: layers plus dependency edges between layer indices.

    Parameters
    ----------
    name : str
        Model name.
    layers : tuple of Layer
        Layers in a valid topological order.
    edges : tuple of (int, int) or None
        ``(src, dst)`` layer-index edges, ``src < dst``. ``None`` means a chain.
    source : str or None
        File the model was loaded from, for error messages.
    """

    name: str
    layers: tuple[Layer, ...]
    edges: tuple[tuple[int, int], ...] | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        if not self.layers:
            raise ValueError(f"model {self.name!r} has no layers")
        if self.edges is None:
            chain = tuple((i, i + 1) for i in range(len(self.layers) - 1))
            object.__setattr__(self, "edges", chain)
        n = len(self.layers)
        for a, b in self.edges:
            if not (0 <= a < b < n):
                raise ValueError(
                    f"model {self.name!r}: edge ({a}, {b}) is not forward between layer indices"
                )

    def __len__(self) -> int:
        return len(self.layers)

    def predecessors(self) -> tuple[tuple[int, ...], ...]:
        """Per layer, the indices of the layers it depends on."""
        preds: list[list[int]] = [[] for _ in self.layers]
        for a, b in self.edges:
            preds[b].append(a)
        return tuple(tuple(p) for p in preds)

    @property
    def macs(self) -> int:
        """Total multiply-accumulates."""
        return sum(layer.macs for layer in self.layers)


@dataclass(frozen=True, slots=True)
class Task:
    """A periodic (or cascaded) inference task.

    Parameters
    ----------
    name : str
        Unique task name in its scenario (usually the model name).
    model : Model
        The DNN it runs.
    fps : float
        Release rate; period = 1 / fps.
    deadline_s : float or None
        Relative deadline; ``None`` means one period.
    phase_s : float
        Release offset of the first frame.
    jitter_s : float
        Maximum release jitter (uniform in [0, jitter_s], drawn from the run's seed).
    depends_on : str or None
        Upstream task whose completion may trigger this task's job of the same frame.
    probability : float
        Trigger probability for cascaded tasks (1.0 otherwise).
    """

    name: str
    model: Model
    fps: float
    deadline_s: float | None = None
    phase_s: float = 0.0
    jitter_s: float = 0.0
    depends_on: str | None = None
    probability: float = 1.0

    def __post_init__(self) -> None:
        if not self.fps > 0:
            raise ValueError(f"task {self.name!r}: fps must be > 0, got {self.fps}")
        if self.deadline_s is not None and not self.deadline_s > 0:
            raise ValueError(f"task {self.name!r}: deadline must be > 0")
        if self.phase_s < 0 or self.jitter_s < 0:
            raise ValueError(f"task {self.name!r}: phase and jitter must be >= 0")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"task {self.name!r}: probability must be in [0, 1]")

    @property
    def period_s(self) -> float:
        """Release period in seconds."""
        return 1.0 / self.fps

    @property
    def relative_deadline_s(self) -> float:
        """Relative deadline in seconds (defaults to one period)."""
        return self.period_s if self.deadline_s is None else self.deadline_s


@dataclass(frozen=True, slots=True)
class Scenario:
    """A set of tasks that run concurrently.

    Dependencies must name tasks of the scenario and be acyclic.

    Parameters
    ----------
    name : str
        Scenario name.
    tasks : tuple of Task
        Its tasks, names unique.
    source : str or None
        File the scenario was loaded from, for error messages (not compared).
    """

    name: str
    tasks: tuple[Task, ...]
    source: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.tasks:
            raise ValueError(f"scenario {self.name!r} has no tasks")
        names = [t.name for t in self.tasks]
        if len(set(names)) != len(names):
            raise ValueError(f"scenario {self.name!r}: duplicate task names")
        known = set(names)
        for t in self.tasks:
            if t.depends_on is not None and t.depends_on not in known:
                raise ValueError(f"task {t.name!r}: unknown dependency {t.depends_on!r}")
        parent = {t.name: t.depends_on for t in self.tasks}
        for t in self.tasks:
            cycle = dependency_cycle(parent, t.name)
            if cycle is not None:
                raise ValueError(f"task {t.name!r}: cyclic dependency through {cycle[-1]!r}")

    def task(self, name: str) -> Task:
        """Return the task called ``name``."""
        for t in self.tasks:
            if t.name == name:
                return t
        raise KeyError(name)

    def ancestors(self, name: str) -> tuple[Task, ...]:
        """Return the tasks upstream of ``name`` in its cascade, its parent first and the
        root last (empty when it depends on none); see :func:`ancestors`."""
        return ancestors(self.task(name), {t.name: t for t in self.tasks})

    def root(self, name: str) -> Task:
        """Return the task at the root of ``name``'s cascade (the task itself when it
        depends on none): the periodic task whose frames release it."""
        up = self.ancestors(name)
        return up[-1] if up else self.task(name)


def ancestors(task: T, by_name: Mapping[str, T]) -> tuple[T, ...]:
    """The tasks upstream of ``task`` in its cascade: its parent first, the root last.

    The one walk up a cascade: a task's root, its release rate and the deadlines along its
    cascade are all read from it.

    Parameters
    ----------
    task : Task
        Anything with ``name`` and ``depends_on`` (the upstream task's name or None).
    by_name : mapping of str to Task
        The tasks of its scenario by name, their dependencies acyclic (a
        :class:`Scenario` checks that; :func:`dependency_cycle` finds a cycle).

    Returns
    -------
    tuple of Task
        Empty for a task that depends on none.
    """
    out = []
    while task.depends_on is not None:
        task = by_name[task.depends_on]
        out.append(task)
    return tuple(out)


def dependency_cycle(parent: Mapping[str, str | None], name: str) -> tuple[str, ...] | None:
    """The dependency cycle met walking up from ``name``, or None when the walk ends at a root.

    Parameters
    ----------
    parent : mapping of str to str or None
        Each task's upstream task name (None for a root); every name it gives is a key.
    name : str
        Where the walk starts.

    Returns
    -------
    tuple of str or None
        The names around the cycle from the first one met twice back to it (``("a", "b",
        "a")``); None when there is no cycle on the way up.
    """
    chain = [name]
    p = parent[name]
    while p is not None:
        if p in chain:
            return (*chain[chain.index(p) :], p)
        chain.append(p)
        p = parent[p]
    return None


def release_rates(tasks: Iterable[Task], triggered: bool = True) -> dict[str, float]:
    """Expected releases per second of each task, by name.

    A root task is released at its ``fps``. A cascaded task is released once per frame of its
    upstream task's completion, with its trigger probability, so its rate follows its root's
    fps (not its own) times the trigger probabilities along the cascade: a task whose parent
    fires with probability ``p1`` and itself with ``p2`` runs at ``root fps x p2 x p1``.

    Parameters
    ----------
    tasks : iterable of Task
        The tasks of one scenario (their dependencies among them, acyclic): anything with
        ``name``, ``fps``, ``depends_on`` and ``probability``.
    triggered : bool
        False: every trigger fires (probability 1), the most a task can be released (the
        work guard's upper bound, :func:`terastal.model.work.estimate_work`).

    Returns
    -------
    dict of str to float
        Rate in Hz per task name, in the order of ``tasks``.
    """
    tasks = tuple(tasks)
    by_name = {t.name: t for t in tasks}
    out = {}
    for t in tasks:
        chain = (t, *ancestors(t, by_name))
        p = 1.0
        if triggered:
            for cur in chain[:-1]:  # the root is released, not triggered
                p *= cur.probability
        out[t.name] = chain[-1].fps * p
    return out
