# The compiled form of terastal.sim.dispatch.Dispatcher (docs/design.md, "Compiled
# accelerator"): an extension type whose lists the engine's loop shares, and whose ``apply``
# the loop calls as a C method. Times stay Python floats (the same operations as the
# interpreter's); the layer and the accelerator are C integers, the variant flag a C boolean.

from terastal.model.costs cimport TaskCosts
from terastal.model.job cimport Job

cdef class Dispatcher:
    cdef public list idle, free_at, busy_s, reserved_s, running_job, running_layer, changes
    cdef public list started
    cdef public dict ready
    cdef public object bw, log
    cdef public Py_ssize_t count

    cpdef apply(self, Job job, Py_ssize_t layer, Py_ssize_t acc, bint variant, object now)
