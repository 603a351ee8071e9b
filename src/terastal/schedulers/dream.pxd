# Lets DREAM's typed locals (cython.locals in dream.py) use the compiled Job's struct.
from terastal.model.job cimport Job
