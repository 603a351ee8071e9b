# The compiled form of terastal.schedulers._dream_due (docs/design.md, "Compiled
# accelerator"): DREAM's due queue as an extension type, and the Job's struct, so that the
# typed locals of ``DueQueue.due`` read a job's fields as C members.

from terastal.model.job cimport Job

cdef class DueQueue:
    cdef public object k
    cdef public list _heap
    cdef public dict _entry
