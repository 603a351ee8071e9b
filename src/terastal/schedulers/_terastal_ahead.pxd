# The compiled form of terastal.schedulers._terastal_ahead (docs/design.md, "Compiled
# accelerator", typed Terastal): Releases as an extension type (fields public Python objects,
# the __dict__ for slots added later), and the two rules Terastal.decide calls for every
# layer (pay_core, keep_core) as C functions that read the policy's state as C members of
# ReadyOrder's struct (_terastal_order.pxd), with C integers for cores and layers and C
# doubles for finish times. A change of one of these signatures in the .py needs the same
# change here.
import cython
from terastal.schedulers._terastal_map cimport earliest_free, layer_starts
from terastal.schedulers._terastal_order cimport ReadyOrder

cdef class Releases:
    cdef dict __dict__
    cdef public object close, first, horizon, need0, period, seen, slack0, slow, tasks

    @cython.locals(seen=list, t=Py_ssize_t)
    cpdef saw(self, jobs)

    cpdef double next_release(self, Py_ssize_t t)

@cython.locals(rel=Releases, b=Py_ssize_t, f_b=double)
cpdef tuple pay_core(ReadyOrder pol, object order, Py_ssize_t pos, object job, Py_ssize_t layer,
                     object st, Py_ssize_t a, double f, double vde, object src, object move,
                     object free, object idle)

cpdef bint ahead_wait(Releases rel, object job, Py_ssize_t layer, object st, Py_ssize_t b,
                      double f, double f_wait, object free, double now, object active)

@cython.locals(t=Py_ssize_t, release=double)
cpdef bint _rushed(Releases rel, Py_ssize_t skip, double f, double other, double now)

@cython.locals(rel=Releases, now=double)
cpdef bint keep_core(ReadyOrder pol, object job, Py_ssize_t layer, object st, Py_ssize_t b,
                     double f, double f_wait, object idle, object free)
