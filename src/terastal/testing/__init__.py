"""Test harnesses: the scheduler conformance suite (:func:`check_scheduler`).

It runs schedulers on the engine, so it lives here, above both, rather than among the
schedulers (which never import the engine).
"""

from terastal.testing.conformance import ConformanceError, check_scheduler, iter_checks

__all__ = ["ConformanceError", "check_scheduler", "iter_checks"]
