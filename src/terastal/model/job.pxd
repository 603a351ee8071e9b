# The compiled form of terastal.model.job.Job: an extension type whose counters and flag the
# engine reads and writes as C values (docs/design.md, "Compiled accelerator"). Every field is
# public: other modules (bound/replay.py, tests) read and set them as Python attributes.
# Times, energy, status and ids stay Python objects, so every value seen from Python is the
# same object, of the same type, as in the pure-Python class. The costs are the compiled
# TaskCosts (costs.pxd), whose fields the engine and the policies read as C members.

from terastal.model.costs cimport TaskCosts

cdef class Job:
    cdef public TaskCosts _costs
    cdef public object _deadline, _energy, _finish, _frame, _id
    cdef public object _pending, _ready_since, _release, _status, _variants
    cdef public list _ready, _acc_of
    cdef public Py_ssize_t _running, _done
    cdef public bint _doomed
