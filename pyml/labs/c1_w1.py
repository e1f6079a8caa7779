"""Course 1 week 1 optional labs (model representation, cost function, gradient descent), one feature.

The labs' names, argument orders and return values, on pyml's C kernels::

    from pyml.labs.c1_w1 import compute_cost, compute_gradient, gradient_descent
    w, b, J_hist, p_hist = gradient_descent(x_train, y_train, 0, 0, 1.0e-2, 10000,
                                            compute_cost, compute_gradient)

Formulas: f = w·x + b, J = 1/(2m) Σ (f − y)², ∂J/∂w = (1/m) Σ (f − y) x, ∂J/∂b = (1/m) Σ (f − y).
"""
import numpy as np

from pyml.utils.validation import check_array

from pyml.labs._descent import descend, every_tenth, kernel_function
from pyml.linear_model import _functions as _lm

__all__ = ["compute_model_output", "compute_cost", "compute_gradient", "gradient_descent"]


def compute_model_output(x, w, b):
    """f_wb = w·x + b for every example (the lab's model representation)."""
    x = check_array(x, name="x", caller="compute_model_output", ensure_2d=False)
    if x.ndim > 2 or (x.ndim == 2 and x.shape[1] != 1):
        raise ValueError(f"compute_model_output: x must be 1-D (m,), one feature per example, got shape {x.shape}")
    return np.asarray(_lm.predict(x.reshape(-1), w, b))


@kernel_function("linear", regularised=False)
def compute_cost(x, y, w, b):
    """J(w, b) = 1/(2m) Σ (w·x⁽ⁱ⁾ + b − y⁽ⁱ⁾)² (returns ``total_cost``)."""
    return _lm.compute_cost(x, y, w, b, model="linear")


@kernel_function("linear", regularised=False, grad_order="wb")
def compute_gradient(x, y, w, b):
    """(dj_dw, dj_db), in this lab's order."""
    return _lm.compute_gradient(x, y, w, b, model="linear")


def gradient_descent(x, y, w_in, b_in, alpha, num_iters, cost_function, gradient_function):
    """The lab's gradient descent: returns ``w, b, J_history, p_history``.

    Prints the lab's progress line every ``ceil(num_iters / 10)`` iterations.
    ``J_history`` and ``p_history`` (``[w, b]`` after each update) keep the
    first 100000 iterations, as the lab does. With this module's
    ``compute_cost``/``compute_gradient`` the iterations run in C; a learner's
    own functions are called exactly as the lab's loop calls them.
    """
    def report(i, J, w, b, dj_dw, dj_db):
        print(f"Iteration {i:4}: Cost {J:0.2e} ", f"dj_dw: {dj_dw: 0.3e}, dj_db: {dj_db: 0.3e}  ",
              f"w: {w: 0.3e}, b:{b: 0.5e}")

    return descend(x, y, w_in, b_in, cost_function, gradient_function, alpha, num_iters, grad_order="wb",
                   report_at=every_tenth, report=report, record_params=True)
