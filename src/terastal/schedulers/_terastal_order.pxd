# The compiled form of terastal.schedulers._terastal_order (docs/design.md, "Compiled
# accelerator", typed Terastal): ReadyOrder, Terastal's base, as an extension type that holds
# the policy's state and options as C members, so that every ``self.x`` of Terastal's and
# ReadyOrder's methods is a struct read instead of a lookup in the instance's dict. Every
# field is public and a Python object (set by Scheduler.__init__ and Terastal.reset, read by
# the helpers through the instance); attributes not listed here go to the __dict__, and a
# field listed here that the .py does not set (yet) reads as None.
#
# The order's upkeep is a set of cpdef methods with C integers for layers and tasks and C
# doubles for keys (a Python subclass may still override them: a test does, for _ordered).
# A change of one of these signatures in the .py needs the same change here.
import cython
from terastal.model.job cimport Job
from terastal.schedulers._terastal_claim cimport claimed_wait
from terastal.schedulers._terastal_map cimport earliest_free
from terastal.schedulers._terastal_state cimport TaskState, order_key

cdef class ReadyOrder:
    cdef dict __dict__
    # the run's state (Terastal.reset, Terastal.decide)
    cdef public object _admit_w, _ahead, _budget, _entries, _fair, _fits, _gone, _groups, _late
    cdef public object _light, _mask
    cdef public object _missed, _no_boost, _now, _on, _order, _over, _parent, _pays, _rekey
    cdef public object _rule, _tasks, _tight_s, _variant, _view
    # the options (Terastal.options)
    cdef public object accuracy, accuracy_limit, backlog, budget_window, budgets, check, claim
    cdef public object core_yield, demand, drop_slack, drops, fair_after, fair_boost, fair_min
    cdef public object fair_ratio, home, job_ceiling, laxity_above, lookahead, on_demand
    cdef public object overload_commit, overload_off, overload_on, overload_scale
    cdef public object overload_window, parents, plan, priority, protect, slow_ratio, spare
    cdef public object risk, spare_fit, spare_variant, start_slack, ties, tight, tight_always
    cdef public object variant_first, variants, wait_slack, yield_need

    cpdef double _wait(self, Py_ssize_t a, object job, Py_ssize_t layer, double f)

    @cython.locals(entries=dict, order=list, kept=list, entry=tuple, renewed=Py_ssize_t)
    cpdef _ordered(self, view)

    @cython.locals(entries=dict, tasks=list, fresh=list, old=list, st=TaskState,
                   layer=Py_ssize_t, ti=Py_ssize_t, key=double, rem=double, over=bint,
                   ahead=bint, entry=tuple, job=Job)
    cpdef tuple _renew(self, changes, ready)
