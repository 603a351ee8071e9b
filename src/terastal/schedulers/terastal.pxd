# The compiled form of terastal.schedulers.terastal (docs/design.md, "Compiled accelerator",
# typed Terastal): Terastal as an extension type on ReadyOrder's (_terastal_order.pxd), whose
# state and options it reads as C members, calling the mapping rules at C level.
from terastal.schedulers._terastal_map cimport map_layer, spare_core, spare_variant
from terastal.schedulers._terastal_order cimport ReadyOrder

cdef class Terastal(ReadyOrder):
    pass
