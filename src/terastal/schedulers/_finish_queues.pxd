# The compiled form of terastal.schedulers._finish_queues (docs/design.md, "Compiled
# accelerator"): the queues and their placement classes as extension types, and the Job's
# struct, so that the typed locals of _push and decide read fields as C members. Every field
# is public: the list policies set ``key``, the queue tests subclass the queues. Priorities,
# times and entries stay Python objects.

from terastal.model.job cimport Job

cdef class FinishQueues:
    cdef public object key
    cdef public Py_ssize_t small
    cdef public list _preds, _last
    cdef public dict _classes, _entry
    cdef public bint _active

cdef class _Class:
    cdef public list heap
    cdef public tuple xs, lat
    cdef public Py_ssize_t wait_core
    cdef public object wait_free
