# The compiled form of terastal.schedulers._terastal_state (docs/design.md, "Compiled
# accelerator", typed Terastal): TaskState as an extension type whose fields are read as C
# members where a caller's local is typed, and order_key as a C function for the order's
# upkeep (_terastal_order.pxd, _terastal_claim.pxd). Every field is public and a Python
# object (the same objects as the pure-Python class); the __dict__ takes slots added later.
# order_key's st stays untyped: the tests pass plain namespaces.

cdef class TaskState:
    cdef dict __dict__
    cdef public object admissible, away, bits, chain, dag, home, home_var, lat, loss, min_opt
    cdef public object move_s, offset, prio, prio_over, rem_after, rem_best, var_lat, vd_off

cpdef double order_key(object st, Py_ssize_t layer, double release, double boost, bint over,
                       bint committed)
