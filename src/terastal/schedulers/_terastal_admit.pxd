# The compiled form of terastal.schedulers._terastal_admit (docs/design.md, "Compiled
# accelerator", typed Terastal): Admission as an extension type whose wait and take are cpdef
# methods reading the compiled Job's struct (model/job.pxd), called at C level by
# Terastal.decide (terastal.pxd), which visits every kept job of an overloaded call. Its
# fields stay public Python objects (the tests read them). A change of one of these
# signatures in the .py needs the same change here.
import cython
from terastal.model.job cimport Job

cdef class Admission:
    cdef dict __dict__  # attributes a later .py adds before this file lists them
    cdef public object exempt, factor, fresh, lanes, need, sched, wait_s, weight

    cpdef _bound(self)

    @cython.locals(wait=double)
    cpdef double wait(self, Job job)

    @cython.locals(lanes=list, i=Py_ssize_t)
    cpdef double take(self, Job job, double rem)

@cython.locals(best=Py_ssize_t, i=Py_ssize_t)
cpdef Py_ssize_t _earliest(list lanes)

@cython.locals(best=Py_ssize_t, i=Py_ssize_t)
cpdef Py_ssize_t _earliest_of(list lanes, tuple cores)

cpdef double _low(list lanes, tuple cores)
