# The compiled form of terastal.model.job.Job: an extension type whose counters and flag the
# engine reads and writes as C values (docs/design.md, "Compiled accelerator"). Every field is
# public: other modules (bound/replay.py, tests) read and set them as Python attributes.
# Times, energy, status and ids stay Python objects, so every value seen from Python is the
# same object, of the same type, as in the pure-Python class.

cdef class Job:
    cdef public object _acc_of, _costs, _deadline, _energy, _finish, _frame, _id
    cdef public object _pending, _ready_since, _release, _status, _variants
    cdef public list _ready
    cdef public Py_ssize_t _running, _done
    cdef public bint _doomed
