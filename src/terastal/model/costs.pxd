# The compiled form of terastal.model.costs.TaskCosts (docs/design.md, "Compiled
# accelerator"): an extension type with the same slots holding the same Python objects, so
# that the engine and the policies, which reach it through the compiled Job's struct
# (job.pxd), read its tuples as C members instead of by generic attribute lookup. Every field
# is public: schedulers, tests and the bound read them as Python attributes.

cdef class TaskCosts:
    cdef public object task, index, num_layers, preds, succs, has_variants, is_chain
    cdef public tuple latency_s, lat, energy_j, energy, var_latency_s, var_lat
    cdef public tuple var_energy_j, var_energy, out_bytes, preferred
    cdef public tuple min_latency_s, min_lat, min_energy_j, min_energy
    cdef public tuple rem_min_s, rem_min, rem_mean_s, rem_mean, chain_move_s
