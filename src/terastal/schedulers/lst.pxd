# Lets the typed locals of lst.py (cython.locals) use the compiled Job's struct.
from terastal.model.job cimport Job
