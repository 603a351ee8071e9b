# The compiled form of terastal.schedulers._terastal_map (docs/design.md, "Compiled
# accelerator", typed Terastal): the mapping rules as C functions with C integers for cores
# and layers and C doubles for finish times, called at C level from the typed Terastal
# modules that cimport them. The rules the policy alone calls read the task's TaskState as
# C members (_terastal_state.pxd); the spare-core ones, which the tests call with plain
# namespaces, and every sequence stay Python objects. ``fallback`` stays a Python function:
# a test replaces it.
import cython
from terastal.schedulers._terastal_state cimport TaskState

cpdef tuple allowed_variant(object masks, object budget, object job, Py_ssize_t layer,
                            TaskState st)

cpdef object home_of(TaskState st, Py_ssize_t layer, object src)

@cython.locals(a_h=Py_ssize_t, f_h=double, f=double)
cpdef tuple on_demand(object variant, object variant_first, object job, Py_ssize_t layer,
                      TaskState st, object starts, object idle, double vde, object home)

@cython.locals(a_best=Py_ssize_t, f_best=double, a=Py_ssize_t, f=double, f_any=double)
cpdef tuple planned(object variant, object variant_first, object job, Py_ssize_t layer,
                    TaskState st, object starts, object idle, double vde, object home)

@cython.locals(a=Py_ssize_t, f=double, tol=double)
cpdef tuple fitting(object starts, object lat, object idle, double vde, bint var,
                    double f_any, object any_choice)

cpdef layer_starts(object job, Py_ssize_t layer, object src, object move, object free,
                   object transfer)

cpdef tuple spare_core(object job, Py_ssize_t layer, object st, object src, object move,
                       object free, object idle, double f, object transfer)

@cython.locals(best=Py_ssize_t)
cpdef tuple spare_variant(object variant, object job, Py_ssize_t layer, object st, object src,
                          object move, object free, object idle, double f, object transfer)

@cython.locals(best=Py_ssize_t, b=Py_ssize_t)
cpdef tuple _first_idle(object starts, object lat, object idle, double f)

@cython.locals(c=Py_ssize_t)
cpdef double earliest_free(object free, Py_ssize_t skip, double f)

cpdef tuple map_layer(object choose, object variant, object variant_first, object memo,
                      object job, Py_ssize_t layer, TaskState st, double vde, object src,
                      object move, object free, object idle, double low, object transfer)
