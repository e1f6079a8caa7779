"""Course 1 week 3: the practice lab "Logistic Regression" and the optional labs 5-9.

::

    from pyml.labs.c1_w3 import (load_data, sigmoid, map_feature, compute_cost, compute_gradient,
                                 gradient_descent, predict, compute_cost_reg, compute_gradient_reg)
    w, b, J_history, _ = gradient_descent(X_train, y_train, initial_w, initial_b,
                                          compute_cost, compute_gradient, alpha, iterations, 0)

Formulas (b is never regularised)::

    f = sigmoid(X·w + b)
    logistic J = (1/m) Σ [−y log f − (1 − y) log(1 − f)]  (+ λ/(2m) Σ w²  for the _reg functions)
    linear   J = 1/(2m) Σ (X·w + b − y)²                   (+ λ/(2m) Σ w²)
    ∂J/∂w = (1/m) Σ (f − y) x (+ (λ/m) w),  ∂J/∂b = (1/m) Σ (f − y)

Every gradient here is returned as ``(dj_db, dj_dw)``, the order of these labs.
``gradient_descent`` takes both forms the labs use: the practice lab's
``(X, y, w_in, b_in, cost_function, gradient_function, alpha, num_iters, lambda_)``
→ ``(w, b, J_history, w_history)``, and optional lab 6's
``(X, y, w_in, b_in, alpha, num_iters)`` → ``(w, b, J_history)``.
"""
import numpy as np

from pyml.labs._descent import check_lambda, descend, every_tenth, every_tenth_and_last, kernel_function
from pyml.linear_model import _functions as _lm
from pyml.preprocessing import map_feature

__all__ = ["load_data", "sigmoid", "map_feature", "compute_cost", "compute_gradient", "gradient_descent",
           "predict", "compute_cost_reg", "compute_gradient_reg", "compute_cost_logistic",
           "compute_gradient_logistic", "compute_cost_logistic_reg", "compute_gradient_logistic_reg",
           "compute_cost_linear_reg", "compute_gradient_linear_reg"]


def load_data(path):
    """The lab's loader: comma-separated rows, the last column the label → ``(X, y)``."""
    data = np.loadtxt(path, delimiter=",", ndmin=2)
    if data.shape[1] < 2:
        raise ValueError(f"load_data: {path!r} needs feature columns and a label column")
    return data[:, :-1].copy(), data[:, -1].copy()


def sigmoid(z):
    """g(z) = 1 / (1 + e^(−z)), elementwise, without overflow."""
    return _lm.sigmoid(z)


def _lambda(caller, lambda_):
    """λ under the lab's name (the library calls it reg_lambda)."""
    return check_lambda(caller, lambda_)


def _bw(grad):
    dj_dw, dj_db = grad
    return dj_db, dj_dw


@kernel_function("logistic", regularised=False, grad_order="bw")
def compute_cost(X, y, w, b, *argv):
    """The practice lab's logistic cost (extra arguments such as λ are ignored, as in the lab)."""
    return _lm.compute_cost(X, y, w, b, model="logistic")


@kernel_function("logistic", regularised=False, grad_order="bw")
def compute_gradient(X, y, w, b, *argv):
    """The practice lab's logistic gradient ``(dj_db, dj_dw)`` (λ ignored)."""
    return _bw(_lm.compute_gradient(X, y, w, b, model="logistic"))


@kernel_function("logistic", regularised=True, default_lambda=1.0, grad_order="bw")
def compute_cost_reg(X, y, w, b, lambda_=1):
    """Regularised logistic cost, + λ/(2m) Σ w²."""
    return _lm.compute_cost(X, y, w, b, model="logistic", reg_lambda=_lambda("compute_cost_reg", lambda_))


@kernel_function("logistic", regularised=True, default_lambda=1.0, grad_order="bw")
def compute_gradient_reg(X, y, w, b, lambda_=1):
    """Regularised logistic gradient ``(dj_db, dj_dw)``, + (λ/m) w."""
    lam = _lambda("compute_gradient_reg", lambda_)
    return _bw(_lm.compute_gradient(X, y, w, b, model="logistic", reg_lambda=lam))


# Optional labs 5, 6 and 9 use these names for the same quantities.
compute_cost_logistic = compute_cost
compute_gradient_logistic = compute_gradient
compute_cost_logistic_reg = compute_cost_reg
compute_gradient_logistic_reg = compute_gradient_reg


@kernel_function("linear", regularised=True, default_lambda=1.0, grad_order="bw")
def compute_cost_linear_reg(X, y, w, b, lambda_=1):
    """Regularised linear cost 1/(2m) Σ (X·w + b − y)² + λ/(2m) Σ w² (optional lab 9)."""
    lam = _lambda("compute_cost_linear_reg", lambda_)
    return _lm.compute_cost(X, y, w, b, model="linear", reg_lambda=lam)


@kernel_function("linear", regularised=True, default_lambda=1.0, grad_order="bw")
def compute_gradient_linear_reg(X, y, w, b, lambda_=1):
    """Regularised linear gradient ``(dj_db, dj_dw)`` (optional lab 9)."""
    lam = _lambda("compute_gradient_linear_reg", lambda_)
    return _bw(_lm.compute_gradient(X, y, w, b, model="linear", reg_lambda=lam))


def predict(X, w, b):
    """The lab's predictions: 1 where sigmoid(X·w + b) ≥ 0.5, else 0 (float array, as the lab returns)."""
    return _lm.predict(X, w, b, model="logistic").astype(np.float64)


def gradient_descent(X, y, w_in, b_in, *args):
    """The labs' logistic gradient descent (both forms; see the module docstring)."""
    if len(args) >= 2 and callable(args[0]):
        return _practice_lab_descent(X, y, w_in, b_in, *args)
    if len(args) == 2:
        return _optional_lab_descent(X, y, w_in, b_in, *args)
    raise TypeError("gradient_descent: call it as gradient_descent(X, y, w_in, b_in, cost_function, "
                    "gradient_function, alpha, num_iters, lambda_) or gradient_descent(X, y, w_in, b_in, "
                    "alpha, num_iters)")


def _practice_lab_descent(X, y, w_in, b_in, cost_function, gradient_function, alpha, num_iters, lambda_=None):
    w_history = []

    def report(i, J, w, b, dj_dw, dj_db):
        w_history.append(w)
        print(f"Iteration {i:4}: Cost {float(J):8.2f}   ")

    args = () if lambda_ is None else (lambda_,)
    w, b, J_history, _ = descend(X, y, w_in, b_in, cost_function, gradient_function, alpha, num_iters,
                                 args=args, grad_order=getattr(gradient_function, "_pyml_grad_order", "bw"),
                                 report_at=every_tenth_and_last, report=report)
    return w, b, J_history, w_history


def _optional_lab_descent(X, y, w_in, b_in, alpha, num_iters):
    def report(i, J, w, b, dj_dw, dj_db):
        print(f"Iteration {i:4d}: Cost {J}   ")

    w, b, J_history, _ = descend(X, y, w_in, b_in, compute_cost, compute_gradient, alpha, num_iters,
                                 grad_order="bw", report_at=every_tenth, report=report)
    return w, b, J_history
