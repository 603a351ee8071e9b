# Lets DREAM's typed locals (cython.locals in dream.py) use the compiled Job's and TaskCosts'
# structs.
from terastal.model.costs cimport TaskCosts
from terastal.model.job cimport Job
