"""terastal: soft real-time scheduling of multi-DNN workloads on heterogeneous accelerators."""

__version__ = "0.1.0"
