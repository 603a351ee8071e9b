# Lets the engine's typed locals (cython.locals in engine.py) use the compiled Job's struct
# and call the compiled Dispatcher's apply as a C method; and read the open counted work as a
# C integer (the measurement window's stop rule).
from terastal.model.job cimport Job
from terastal.sim.dispatch cimport Dispatcher
from terastal.sim.window cimport CountedWork
