# The compiled form of terastal.schedulers._mapping (docs/design.md, "Compiled accelerator"):
# the preferred-mapping queues as an extension type, and the Job's struct, so that the typed
# locals of the mappings read a job's fields as C members. Every field is public: the list
# policies set ``key``, the queue tests subclass the queues.

from terastal.model.job cimport Job

cdef class PreferredQueues:
    cdef public object key
    cdef public Py_ssize_t small
    cdef public list _eligible, _groups
    cdef public dict _heap_of, _entry, _idle_mask
    cdef public bint _active
