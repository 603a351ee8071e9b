"""terastal: soft real-time scheduling of multi-DNN workloads on heterogeneous accelerators."""

from terastal import _accel

__version__ = "0.1.0"

# The compiled hot path, when built and current (python -m terastal._accel build); else Python.
_accel.install()
