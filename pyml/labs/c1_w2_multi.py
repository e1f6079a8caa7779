"""Course 1 week 2 optional labs 2-4 (multiple variables, feature scaling, feature engineering).

::

    from pyml.labs.c1_w2_multi import compute_cost, compute_gradient, gradient_descent
    w, b, J_hist = gradient_descent(X_train, y_train, initial_w, initial_b,
                                    compute_cost, compute_gradient, 5.0e-7, 1000)

f = X·w + b, J = 1/(2m) Σ (f − y)²; these labs return the gradient as ``(dj_db, dj_dw)``.
"""
import numpy as np

from pyml.labs._descent import descend, every_tenth, kernel_function
from pyml.linear_model import _functions as _lm
from pyml.preprocessing import zscore_normalize_features
from pyml.utils.validation import check_array

__all__ = ["predict", "compute_cost", "compute_gradient", "gradient_descent", "zscore_normalize_features",
           "load_house_data"]


def predict(x, w, b):
    """f = x·w + b for one example (1-D x) or every row of X."""
    X = check_array(x, name="x", caller="predict", ensure_2d=False, dtype=np.float64)
    if X.ndim > 2:
        raise ValueError(f"predict: x must be one example (n,) or examples (m, n), got shape {X.shape}")
    out = _lm.predict(X.reshape(1, -1) if X.ndim == 1 else X, w, b)
    return float(out[0]) if X.ndim == 1 else out


@kernel_function("linear", regularised=False)
def compute_cost(X, y, w, b):
    """J(w, b) = 1/(2m) Σ (X⁽ⁱ⁾·w + b − y⁽ⁱ⁾)²."""
    return _lm.compute_cost(X, y, w, b, model="linear")


@kernel_function("linear", regularised=False, grad_order="bw")
def compute_gradient(X, y, w, b):
    """(dj_db, dj_dw), in these labs' order."""
    dj_dw, dj_db = _lm.compute_gradient(X, y, w, b, model="linear")
    return dj_db, dj_dw


def gradient_descent(X, y, w_in, b_in, cost_function, gradient_function, alpha, num_iters):
    """The lab's gradient descent: returns ``w, b, J_history``; prints every tenth iteration."""
    def report(i, J, w, b, dj_dw, dj_db):
        print(f"Iteration {i:4d}: Cost {J:8.2f}   ")

    w, b, J_history, _ = descend(X, y, w_in, b_in, cost_function, gradient_function, alpha, num_iters,
                                 grad_order="bw", report_at=every_tenth, report=report)
    return w, b, J_history


def load_house_data(path="data/houses.txt"):
    """The labs' house data: skips the first line, returns ``X`` (m, 4) and ``y`` (m,)."""
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    if data.shape[1] < 2:
        raise ValueError(f"load_house_data: {path!r} needs feature columns and a price column")
    return data[:, :-1].copy(), data[:, -1].copy()
