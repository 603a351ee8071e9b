# The compiled form of terastal.schedulers.terastal (docs/design.md, "Compiled accelerator",
# typed Terastal): Terastal as an extension type on ReadyOrder's (_terastal_order.pxd), whose
# state and options it reads as C members; decide and its two helpers as cpdef methods with
# C integers for cores, layers and counts and C doubles for times, calling the mapping rules
# and the order's upkeep at C level. The job of an order entry is the compiled Job, whose
# slots decide reads as C members, and the admission test (_terastal_admit.pxd) is called at
# C level. A change of one of these signatures in the .py needs the same change here.
import cython
from terastal.model.job cimport Job
from terastal.schedulers._terastal_admit cimport Admission
from terastal.schedulers._terastal_ahead cimport keep_core, pay_core
from terastal.schedulers._terastal_map cimport map_layer, spare_core, spare_variant
from terastal.schedulers._terastal_order cimport ReadyOrder

cdef class Terastal(ReadyOrder):
    cpdef _dispatched(self, list out, object job, object jid, Py_ssize_t layer, object st,
                      Py_ssize_t a, object use_var, object new, double f, list idle,
                      list free, dict memo)

    @cython.locals(idle=list, left=Py_ssize_t, order=list, waiting=Py_ssize_t, out=list,
                   now=double, free=list, waits=list, memo=dict, low=double, ahead=double,
                   cores=Py_ssize_t, late=list, horizon=double, pos=Py_ssize_t, entry=tuple,
                   layer=Py_ssize_t, drop_rem=double, dl_eps=double, vde=double, rem=double,
                   a=Py_ssize_t, f=double, job=Job, adm=Admission, tight=list)
    cpdef decide(self, view)

    @cython.locals(layer=Py_ssize_t, f_wait=double, a=Py_ssize_t, f=double)
    cpdef _spare(self, list out, object waits, list idle, Py_ssize_t left, list free,
                 object transfer, dict memo)
