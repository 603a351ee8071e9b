"""The measurement window: which releases are counted, and how long the load behind them runs.

A run of horizon ``H`` counts the frames released before ``H`` (metrics/accounting.py). So
that those frames meet the load a deployment would put on them, periodic releases go on for
a tail after ``H``: releases in ``[H, H + tail)`` are load only (scheduled like any other job,
never counted), and the run stops as soon as no counted work is open (docs/design.md,
"Measurement window"). Without the tail the last counted frames ran on otherwise idle
accelerators (the drain), an end-of-run artifact no deployment has.
"""

from __future__ import annotations

#: The tail as a multiple of the horizon: a load window as long as the measured one, so that
#: a counted job that ends late (kept late parents, their cascaded children, a backlog built
#: up over the whole horizon) still meets the full load for as long as it could have queued.
TAIL_FACTOR = 1.0


def releases_end_s(horizon_s: float) -> float:
    """End of the periodic releases of a run counting the frames released before ``horizon_s``.

    No periodic job is released at or after it; the policies see it as ``view.horizon_s``.
    """
    return horizon_s + TAIL_FACTOR * horizon_s
