"""The labs' own function names, argument orders and return values, one module per lab.

The course's labs do not agree with each other (``compute_gradient`` returns
``(dj_dw, dj_db)`` in C1 W1 and the C1 W2 practice lab, ``(dj_db, dj_dw)`` in
C1 W2 optional labs 2-4 and in C1 W3; ``gradient_descent`` takes its arguments
in three orders and returns three or four values). pyml's main API keeps one
signature (:mod:`pyml.linear_model` and the other families); these thin
modules give each lab its exact signatures on the same C kernels, so a lab's
code runs with only its import lines changed:

=====================  =======================================================
module                 lab
=====================  =======================================================
``pyml.labs.c1_w1``    C1 W1 optional labs (cost function, gradient descent)
``pyml.labs.c1_w2``    C1 W2 practice lab "Linear Regression"
``pyml.labs.c1_w2_multi``  C1 W2 optional labs 2-4 (multiple variables, scaling)
``pyml.labs.c1_w3``    C1 W3 practice lab "Logistic Regression", optional labs 5-9
``pyml.labs.c2_w1``    C2 W1/W2 "from scratch" forward pass (``my_dense``, ...)
``pyml.labs.c2_w4``    C2 W4 practice lab "Decision Trees"
``pyml.labs.c3_w1``    C3 W1 practice labs "K-means", "Anomaly Detection"
``pyml.labs.c3_w2``    C3 W2 practice lab "Collaborative Filtering"
``pyml.labs.c3_w3``    C3 W3 practice lab "Deep Q-Learning" (``utils``)
=====================  =======================================================

A ``gradient_descent`` given the module's own ``compute_cost`` and
``compute_gradient`` runs its iterations in C and prints the lab's lines; given
a learner's own functions it calls them exactly as the lab's loop does.
"""
import importlib

_MODULES = ("c1_w1", "c1_w2", "c1_w2_multi", "c1_w3", "c2_w1", "c2_w4", "c3_w1", "c3_w2", "c3_w3")
__all__ = list(_MODULES)


def __getattr__(name):
    if name in _MODULES:
        return importlib.import_module(f"pyml.labs.{name}")
    raise AttributeError(f"module 'pyml.labs' has no attribute {name!r}")
