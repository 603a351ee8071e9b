# The compiled form of terastal.schedulers._terastal_claim (docs/design.md, "Compiled
# accelerator", typed Terastal): the claim rule as C functions (C integers for cores and
# layers, C doubles for keys and finish times), called at C level by the order's upkeep.
import cython
from terastal.schedulers._terastal_state cimport order_key

cpdef double _key(object opts, object job, Py_ssize_t layer)

@cython.locals(nxt=Py_ssize_t, more=double)
cpdef double claimed_wait(object opts, Py_ssize_t a, object job, Py_ssize_t layer,
                          double f_wait)
