# Lets the typed locals of ``DueQueue.due`` (cython.locals in _dream_due.py) read a job's
# fields as C members of the compiled Job's struct. DueQueue itself stays a Python class: a
# test counts its calls by replacing the method, which an extension type does not allow.
from terastal.model.job cimport Job
