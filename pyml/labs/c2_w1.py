"""Course 2 weeks 1-2: the labs' forward pass written "from scratch" in NumPy, on pyml's dense kernel.

::

    from pyml.labs.c2_w1 import my_dense, my_dense_v, my_sequential, my_predict, my_softmax

a_out = g(a_in·W + b) per layer; W has shape (n_in, units) as in the labs.
"""
import numpy as np

from pyml.neural_network import _functions as _nnf
from pyml.utils.validation import check_array


def _arr(value, name, caller, max_ndim):
    """An input of the labs' functions, validated under the lab's own name for it."""
    a = check_array(value, name=name, caller=caller, ensure_2d=False)  # float32 stays float32
    if a.ndim > max_ndim:
        raise ValueError(f"{caller}: {name} must have at most {max_ndim} dimension(s), got shape {a.shape}")
    return a


def _bias(b, caller, name="b"):
    b = _arr(b, name, caller, 2)
    if b.ndim == 2 and b.shape[0] != 1:
        raise ValueError(f"{caller}: {name} must have shape (units,) or (1, units), got {b.shape}")
    return b


def _layers(caller, params):
    names = [f"{'W' if k % 2 == 0 else 'b'}{k // 2 + 1}" for k in range(len(params))]
    return [_arr(p, n, caller, 2) if n[0] == "W" else _bias(p, caller, n) for p, n in zip(params, names)]

__all__ = ["sigmoid", "my_dense", "my_dense_v", "my_sequential", "my_predict", "my_softmax"]

sigmoid = _nnf.sigmoid


def my_dense(a_in, W, b, g=sigmoid):
    """One layer for one example: ``a_out[j] = g(a_in · W[:, j] + b[j])`` (shape (units,))."""
    a_in = _arr(a_in, "a_in", "my_dense", 2)
    if a_in.ndim == 2 and a_in.shape[0] != 1:
        raise ValueError(f"my_dense: a_in is one example (n,), got shape {a_in.shape}; use my_dense_v for many")
    return _nnf.dense(a_in.reshape(-1), _arr(W, "W", "my_dense", 2), _bias(b, "my_dense"), g)


def my_dense_v(A_in, W, b, g=sigmoid):
    """Vectorised layer for every example: ``A_out = g(A_in @ W + b)`` (shape (m, units))."""
    A = _arr(A_in, "A_in", "my_dense_v", 2)
    return _nnf.dense(A.reshape(1, -1) if A.ndim == 1 else A, _arr(W, "W", "my_dense_v", 2),
                      _bias(b, "my_dense_v"), g)


def my_sequential(x, W1, b1, W2, b2, *more):
    """Sigmoid layers in sequence: ``my_sequential(x, W1, b1, W2, b2[, W3, b3])`` (the coffee and
    digits labs)."""
    x = _arr(x, "x", "my_sequential", 2)
    return _nnf.sequential(x, *_layers("my_sequential", (W1, b1, W2, b2) + more), activation=sigmoid)


def my_predict(X, W1, b1, W2, b2):
    """The coffee lab's prediction: ``my_sequential`` on each row → probabilities of shape (m, 1)."""
    X = _arr(X, "X", "my_predict", 2)
    layers = _layers("my_predict", (W1, b1, W2, b2))
    out = _nnf.sequential(X.reshape(1, -1) if X.ndim == 1 else X, *layers, activation=sigmoid)
    return np.asarray(out).reshape(X.shape[0] if X.ndim > 1 else 1, -1)


def my_softmax(z):
    """softmax(z)_j = e^(z_j) / Σ_k e^(z_k) of a 1-D vector (the C2 W2 lab's helper)."""
    return _nnf.softmax(np.asarray(z, dtype=np.float64))
