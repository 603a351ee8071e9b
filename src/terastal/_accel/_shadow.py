"""The few names of the ``cython`` module the typed sources use, for when Cython is absent.

The typed modules (``sim/engine.py``, ``sim/view.py``, ``sim/kernel.py``, ``model/job.py``)
declare C types in Cython's pure-Python mode and import ``cython`` as::

    try:
        import cython  # the compiler needs this exact import
    except ModuleNotFoundError:
        from terastal._accel import _shadow as cython

so that they import and run unchanged where Cython is not installed (Cython's own ``cython``
module does the same work when it is installed and the module runs as Python). Everything
here is a no-op: decorators return what they decorate, types are Python's own, ``declare``
returns its value. ``tests/test_accel.py`` checks that every ``cython.X`` the typed modules
use is defined here.
"""

from __future__ import annotations

compiled = False

# C types, as the Python types that hold their values.
int = int
bint = bool
Py_ssize_t = int
double = float


def _identity(obj):
    return obj


def _directive(*args, **kwargs):
    """``@cython.locals(x=cython.int)``, ``@cython.boundscheck(False)``: no-ops."""
    return _identity


# Decorators used bare (``@cython.cfunc``).
cclass = final = inline = cfunc = ccall = _identity
# Decorators that take arguments (``@cython.locals(...)``).
locals = exceptval = _directive


def declare(t=None, value=None, **kwargs):
    """``x = cython.declare(cython.int, 0)`` is ``x = 0``; ``cython.declare(x=...)`` nothing."""
    return value


def cast(t, value, typecheck=False):
    """``cython.cast(T, v)`` is ``v``."""
    return value
