# The compiled form of terastal.schedulers._terastal_groups (docs/design.md, "Compiled
# accelerator", typed Terastal): the fallback groups' scan with C integers for positions,
# cores and layers and C doubles for times, calling the mapping rule at C level
# (_terastal_map.pxd) and reading the policy's state as C members of ReadyOrder's struct
# (_terastal_order.pxd). FallbackGroups stays a Python class: a test wraps its method.
import cython
from terastal.schedulers._terastal_map cimport map_layer
from terastal.schedulers._terastal_order cimport ReadyOrder

@cython.locals(low=double, heads=list, memo=dict, waits=list, i=Py_ssize_t, entry=tuple,
               queued=bint, layer=Py_ssize_t, vde=double, a=Py_ssize_t, f=double)
cpdef list scan_grouped(ReadyOrder sched, list order, list idle, Py_ssize_t left, list free,
                        object transfer, object choose, list out)
