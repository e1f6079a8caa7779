"""Course 2 weeks 1-2: the labs' forward pass written "from scratch" in NumPy, on pyml's dense kernel.

::

    from pyml.labs.c2_w1 import my_dense, my_dense_v, my_sequential, my_predict, my_softmax

a_out = g(a_in·W + b) per layer; W has shape (n_in, units) as in the labs.
"""
import numpy as np

from pyml.neural_network import _functions as _nnf

__all__ = ["sigmoid", "my_dense", "my_dense_v", "my_sequential", "my_predict", "my_softmax"]

sigmoid = _nnf.sigmoid


def my_dense(a_in, W, b, g=sigmoid):
    """One layer for one example: ``a_out[j] = g(a_in · W[:, j] + b[j])`` (shape (units,))."""
    return _nnf.dense(np.asarray(a_in).reshape(-1), W, b, g)


def my_dense_v(A_in, W, b, g=sigmoid):
    """Vectorised layer for every example: ``A_out = g(A_in @ W + b)`` (shape (m, units))."""
    A = np.asarray(A_in)
    return _nnf.dense(A.reshape(1, -1) if A.ndim == 1 else A, W, b, g)


def my_sequential(x, W1, b1, W2, b2, *more):
    """Sigmoid layers in sequence: ``my_sequential(x, W1, b1, W2, b2[, W3, b3])`` (the coffee and
    digits labs)."""
    return _nnf.sequential(x, W1, b1, W2, b2, *more, activation=sigmoid)


def my_predict(X, W1, b1, W2, b2):
    """The coffee lab's prediction: ``my_sequential`` on each row → probabilities of shape (m, 1)."""
    X = np.asarray(X)
    return np.asarray(_nnf.sequential(X.reshape(1, -1) if X.ndim == 1 else X, W1, b1, W2, b2,
                                      activation=sigmoid)).reshape(X.shape[0] if X.ndim > 1 else 1, -1)


def my_softmax(z):
    """softmax(z)_j = e^(z_j) / Σ_k e^(z_k) of a 1-D vector (the C2 W2 lab's helper)."""
    return _nnf.softmax(np.asarray(z, dtype=np.float64))
