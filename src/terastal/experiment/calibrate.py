"""Terastal's mode chosen offline by calibration runs (option ``calibrate``, default 0: off).

Before a run, each of a few of Terastal's own configurations (:data:`MODES`) is simulated on
``calibrate`` arrival draws that are not the run's, and the run then uses the configuration
with the lowest mean per-model miss rate over those draws (ties: the earlier mode, the
defaults first). The choice reads only the workload description (scenario, platform, cost
model, plan, horizon) and random draws independent of the run's seed: a step a deployed
system could take offline from the same description. Reasons and measurements:
docs/design.md, "Choosing Terastal's mode offline by calibration runs".

The calibration draws of a run with seed ``s`` are ``(k + 1) * 2**64 + s`` for
``k = 0 .. calibrate - 1`` (:func:`calibration_seeds`): every one is above
:data:`~terastal.model.MAX_SEED`, the largest seed a run accepts, so none is ever a run's
seed, and distinct runs' seeds give distinct draws. (Arrivals derived from them are still
the run's own when the workload has no random release jitter and no cascade probability
below 1: then every seed draws the same releases.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from terastal.errors import InputError
from terastal.experiment.cache import fingerprint
from terastal.model.workload import MAX_SEED

if TYPE_CHECKING:
    from terastal.experiment.case import Prepared
    from terastal.experiment.run import RunSpec

__all__ = [
    "MAX_DRAWS", "MODES", "Calibration", "Mode", "calibration_seeds", "choose", "split_option",
]  # fmt: skip


class Mode(NamedTuple):
    """A configuration the calibration may choose: its name and the options it sets over the
    run's own."""

    name: str
    options: Mapping[str, Any]


#: Per registered scheduler, the configurations the calibration chooses among; the first (the
#: options as given) wins ties. Terastal's: the options as given; earliest finish for every
#: job below half its deadline's slack (``tight`` 0.5, "Where `edf-ef-hopeless` beats
#: Terastal"); the tight-jobs rule from the run's start (``tight_always``, "Where Terastal is
#: still more than 5 % behind"). A scheduler without an entry takes no ``calibrate``.
MODES: dict[str, tuple[Mode, ...]] = {
    "terastal": (
        Mode("given", {}),
        Mode("tight", {"tight": 0.5}),
        Mode("tight_always", {"tight_always": True}),
    ),
}

#: The most calibration draws a run may ask for (each costs one run per mode).
MAX_DRAWS = 16

# Calibration seeds are spaced by this stride, larger than any run seed.
_STRIDE = 2**64
assert _STRIDE > MAX_SEED


class Calibration(NamedTuple):
    """The outcome of a run's calibration: what was chosen, from what.

    ``mode`` is the chosen one of the scheduler's :data:`MODES`, ``options`` the run's
    options with it applied, ``seeds`` the calibration draws and ``scores`` each mode's mean
    per-model miss rate over them (in the order of :data:`MODES`).
    """

    mode: Mode
    options: dict[str, Any]
    seeds: tuple[int, ...]
    scores: tuple[tuple[str, float], ...]

    def record(self) -> dict[str, Any]:
        """The choice as the run's metrics show it (``metrics["calibration"]``)."""
        return {
            "mode": self.mode.name,
            "options": dict(self.mode.options),
            "draws": len(self.seeds),
            "seeds": list(self.seeds),
            "scores": {name: score for name, score in self.scores},
        }


def calibration_seeds(seed: int, draws: int) -> tuple[int, ...]:
    """The calibration draws of a run with ``seed``: ``(k + 1) * 2**64 + seed``, k < draws.

    Each is above :data:`~terastal.model.MAX_SEED`, so it is never a run's seed."""
    return tuple((k + 1) * _STRIDE + seed for k in range(draws))


def split_option(scheduler: str, options: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """The scheduler options without ``calibrate``, and its number of draws (0: off).

    Raises
    ------
    InputError
        ``calibrate`` not an integer in ``0 .. MAX_DRAWS``, or given to a scheduler other
        than ``terastal``.
    """
    rest = dict(options)
    draws = rest.pop("calibrate", 0)
    if isinstance(draws, bool) or not isinstance(draws, int) or not 0 <= draws <= MAX_DRAWS:
        raise InputError(
            f"must be an integer from 0 to {MAX_DRAWS} (calibration draws), got {draws!r}",
            field="calibrate",
        )
    if draws and scheduler not in MODES:
        raise InputError(
            f"chooses among a scheduler's modes; scheduler {scheduler!r} has none "
            f"(those with modes: {', '.join(MODES)})",
            field="calibrate",
        )
    return rest, draws


def choose(spec: RunSpec, prepared: Prepared, options: dict[str, Any], draws: int,
           simulate_one) -> Calibration:  # fmt: skip
    """Simulate every mode on the calibration draws of ``spec.seed`` and pick the best.

    Parameters
    ----------
    spec : RunSpec
        The run (its case, horizon, late policy and seed).
    prepared : Prepared
        Its prepared case; the choice is cached with its plans and tables.
    options : dict
        The run's scheduler options without ``calibrate``.
    draws : int
        Calibration draws (> 0).
    simulate_one : callable
        ``simulate_one(spec, seed)`` -> the mean per-model miss rate of ``spec``'s run with
        that seed (the application layer's run, without the seed range check).

    Returns
    -------
    Calibration
    """
    seeds = calibration_seeds(spec.seed, draws)

    modes = MODES[spec.scheduler]

    def build() -> Calibration:
        scores = []
        for mode in modes:
            mode_spec = spec.replace(options={**options, **mode.options}, record=False, label=None)
            rates = [simulate_one(mode_spec, s) for s in seeds]
            scores.append((mode.name, sum(rates) / len(rates)))
        best = min(range(len(scores)), key=lambda i: (scores[i][1], i))  # ties: the earlier
        mode = modes[best]
        return Calibration(mode, {**options, **mode.options}, seeds, tuple(scores))

    return prepared.memo(
        "calibration", build, scheduler=spec.scheduler, options=_key(options),
        seeds=[str(s) for s in seeds], duration_s=spec.duration_s, late=spec.late,
        plan=_key(spec.plan), modes=_key([(m.name, m.options) for m in modes]),
    )  # fmt: skip


def _key(value: Any) -> str:
    """A stable text of options or a plan source for the cache key (objects by content)."""
    if isinstance(value, str | int | float | bool | type(None)):
        return repr(value)
    if isinstance(value, Mapping):
        return repr(sorted((k, _key(v)) for k, v in value.items()))
    if isinstance(value, tuple | list):
        return repr([_key(v) for v in value])
    return fingerprint(value)
