# Lets the engine's typed locals (cython.locals in engine.py) use the compiled Job's struct
# and call the compiled Dispatcher's apply as a C method.
from terastal.model.job cimport Job
from terastal.sim.dispatch cimport Dispatcher
