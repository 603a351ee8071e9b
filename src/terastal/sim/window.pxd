# The compiled form of terastal.sim.window.CountedWork (docs/design.md, "Compiled
# accelerator"): an extension type whose ``open`` count the engine's loop reads as a C integer
# once per instant (the measurement window's stop rule).

cdef class CountedWork:
    cdef public Py_ssize_t open
    cdef public bytearray flags

    cpdef add(self, bint counted, bint cascaded)
    cpdef bint close(self, Py_ssize_t job_id)
