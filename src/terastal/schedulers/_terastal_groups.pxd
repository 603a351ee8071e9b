# Lets the fallback groups' scan (scan_grouped) call the mapping rule at C level
# (_terastal_map.pxd). FallbackGroups stays a Python class: a test wraps its method.
from terastal.schedulers._terastal_map cimport map_layer
