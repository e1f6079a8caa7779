"""Course 1 week 2 practice lab "Linear Regression" (restaurant profit vs city population), one feature.

::

    from pyml.labs.c1_w2 import load_data, compute_cost, compute_gradient, gradient_descent
    x_train, y_train = load_data("data/ex1data1.txt")
    w, b, _, _ = gradient_descent(x_train, y_train, 0., 0., compute_cost, compute_gradient, 0.01, 1500)

Formulas as in :mod:`pyml.labs.c1_w1`; the gradient is returned as ``(dj_dw, dj_db)``.
"""
import numpy as np

from pyml.labs._descent import descend, every_tenth
from pyml.labs.c1_w1 import compute_cost, compute_gradient

__all__ = ["load_data", "compute_cost", "compute_gradient", "gradient_descent"]


def load_data(path="data/ex1data1.txt"):
    """The lab's loader: a two-column comma-separated file → ``(x, y)`` (1-D float arrays)."""
    data = np.loadtxt(path, delimiter=",", ndmin=2)
    if data.shape[1] < 2:
        raise ValueError(f"load_data: {path!r} must have two comma-separated columns, got {data.shape[1]}")
    return data[:, 0].copy(), data[:, 1].copy()


def gradient_descent(x, y, w_in, b_in, cost_function, gradient_function, alpha, num_iters):
    """The lab's gradient descent: returns ``w, b, J_history, w_history``.

    Prints ``Iteration i: Cost J`` every ``ceil(num_iters / 10)`` iterations,
    where ``w_history`` records w; runs in C with this module's functions.
    """
    w_history = []

    def report(i, J, w, b, dj_dw, dj_db):
        w_history.append(w)
        print(f"Iteration {i:4}: Cost {float(J):8.2f}   ")

    w, b, J_history, _ = descend(x, y, w_in, b_in, cost_function, gradient_function, alpha, num_iters,
                                 grad_order="wb", report_at=every_tenth, report=report)
    return w, b, J_history, w_history
