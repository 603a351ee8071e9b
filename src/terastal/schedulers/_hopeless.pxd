# The compiled form of terastal.schedulers._hopeless (docs/design.md, "Compiled accelerator"):
# the drop queue as an extension type, and the Job's struct, so that the typed locals of
# ``DropQueue.due`` read a job's fields as C members. Every field is public (the list
# policies and the tests read ``late`` and ``demoted``).

from terastal.model.job cimport Job

cdef class DropQueue:
    cdef public object rule, keep_parents
    cdef public set late
    cdef public list demoted, _parent, _rem, _chain, _heap
    cdef public dict _entry
