# Lets the engine's typed locals (cython.locals in engine.py) use the compiled Job's struct.
from terastal.model.job cimport Job
