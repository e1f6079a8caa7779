"""Shared hypothesis strategies and helpers of the property tests.

Every array strategy draws a shape (n in [n_min, n_max], d in [d_min, d_max]),
a float dtype (float32/float64, sometimes big-endian) and a memory layout
(C, Fortran, a strided row/column view, a reversed view). The values come
either from hypothesis' own array strategy (few distinct values: ties,
repeated rows, zeros) or from a seeded NumPy generator at a drawn scale
(distinct values of a realistic spread), so both edge cases and generic
data are covered. The result never owns a C-contiguous native-endian buffer
unless the layout drawn is "C".
"""
import os

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# Repeatable in CI: derandomized, no example database, no deadline (the first call of
# a kernel may be slower than the others); the examples budget is set per test.
SETTINGS = dict(deadline=None, derandomize=True, database=None, print_blob=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])


def prop_settings(max_examples=40):
    """Per-test settings. ``PYML_HYPOTHESIS_SCALE=k`` runs k times more examples and
    ``PYML_HYPOTHESIS_RANDOM=1`` draws new ones every run (for a longer local bug hunt)."""
    kw = dict(SETTINGS)
    if os.environ.get("PYML_HYPOTHESIS_RANDOM") == "1":
        kw["derandomize"] = False
    return settings(max_examples=max_examples * int(os.environ.get("PYML_HYPOTHESIS_SCALE", "1")), **kw)


FLOATS = (np.float64, np.float32)
LAYOUTS = ("C", "F", "rows", "cols", "reversed")


def tol(dtype, scale=1.0, factor=1.0):
    """(rtol, atol) for comparing a pyml result in ``dtype`` with a float64 reference of magnitude ``scale``."""
    eps = float(np.finfo(dtype).eps)
    r = factor * (200 * eps if np.dtype(dtype) == np.float32 else 1e3 * eps)
    return r, r * max(1.0, float(scale))


def assert_close(actual, expected, dtype, scale=None, factor=1.0, err_msg=""):
    expected = np.asarray(expected, dtype=np.float64)
    if scale is None:
        scale = float(np.max(np.abs(expected))) if expected.size else 1.0
    rtol, atol = tol(dtype, scale, factor)
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=rtol, atol=atol,
                               err_msg=err_msg)


@st.composite
def dtypes(draw, choices=FLOATS, big_endian=True):
    """A float dtype; big-endian about one time in five."""
    dt = np.dtype(draw(st.sampled_from(choices)))
    if big_endian and draw(st.integers(0, 4)) == 0:
        dt = dt.newbyteorder(">")
    return dt


def _values(draw, shape, dtype, lo, hi, distinct):
    native = dtype.newbyteorder("=")
    if not distinct and draw(st.booleans()):
        elems = st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=8 * native.itemsize)
        return draw(hnp.arrays(native, shape, elements=elems))
    seed = draw(st.integers(0, 2**32 - 1))
    scale = draw(st.sampled_from([1e-2, 1.0, 1.0, 10.0]))
    A = np.random.default_rng(seed).normal(size=shape) * scale * (hi - lo) / 20.0
    return np.clip(A, lo, hi).astype(native)


def with_layout(A, layout, dtype):
    """A copy of A in the given layout and dtype (byte order included); values unchanged."""
    if A.ndim == 1:
        layout = {"cols": "rows", "F": "C"}.get(layout, layout)
    if layout == "C":
        out = np.array(A, dtype=dtype, order="C")
    elif layout == "F":
        out = np.array(A, dtype=dtype, order="F")
    elif layout == "rows":
        big = np.zeros((2 * A.shape[0],) + A.shape[1:], dtype=dtype)
        big[::2] = A
        out = big[::2]
    elif layout == "cols":
        big = np.zeros((A.shape[0], 2 * A.shape[1]), dtype=dtype)
        big[:, 1::2] = A
        out = big[:, 1::2]
    elif layout == "reversed":
        out = np.array(A[::-1], dtype=dtype)[::-1]
    else:
        raise ValueError(layout)
    assert np.array_equal(out, A)
    return out


@st.composite
def matrices(draw, n_min=0, n_max=60, d_min=1, d_max=8, lo=-100.0, hi=100.0, choices=FLOATS,
             big_endian=True, distinct=False, n=None, d=None):
    """A 2-D float array of a drawn shape, dtype and layout."""
    n = draw(st.integers(n_min, n_max)) if n is None else n
    d = draw(st.integers(d_min, d_max)) if d is None else d
    dt = draw(dtypes(choices, big_endian))
    A = _values(draw, (n, d), dt, lo, hi, distinct)
    return with_layout(A, draw(st.sampled_from(LAYOUTS)), dt)


@st.composite
def vectors(draw, n, lo=-100.0, hi=100.0, dtype=None, big_endian=True, distinct=False):
    """A 1-D float array of length n (dtype drawn when None), possibly strided or big-endian."""
    dt = draw(dtypes(FLOATS, big_endian)) if dtype is None else np.dtype(dtype)
    v = _values(draw, (n,), dt, lo, hi, distinct)
    return with_layout(v, draw(st.sampled_from(("C", "rows", "reversed"))), dt)


@st.composite
def labels(draw, n, k=2, layout=True):
    """Integer labels in [0, k) of length n (int32/int64, possibly strided)."""
    seed = draw(st.integers(0, 2**32 - 1))
    y = np.random.default_rng(seed).integers(0, k, size=n)
    dt = np.dtype(draw(st.sampled_from([np.int64, np.int32])))
    if not layout:
        return y.astype(dt)
    return with_layout(y, draw(st.sampled_from(("C", "rows", "reversed"))), dt)


def native64(A):
    """The float64 native-endian copy the references compute on."""
    return np.asarray(A, dtype=np.float64)


def result_dtype(A):
    """float32 stays float32 in pyml, everything else is float64."""
    return np.float32 if np.dtype(A.dtype).itemsize == 4 and A.dtype.kind == "f" else np.float64


def block_rows(d, itemsize):
    """Rows per block of the kernels' deterministic partition (csrc/common.h pyml_block_rows)."""
    return int(min(4096, max(64, 32768 // (max(d, 1) * itemsize))))


@st.composite
def multi_block_matrices(draw, d_max=8, lo=-3.0, hi=3.0, max_blocks=3):
    """A C-contiguous native float matrix spanning 2..max_blocks row blocks (plus a ragged tail), so a
    kernel given 2 threads really splits the rows between them."""
    d = draw(st.integers(1, d_max))
    dt = np.dtype(draw(st.sampled_from(FLOATS)))
    b = block_rows(d, dt.itemsize)
    n = draw(st.integers(b + 1, max_blocks * b))
    A = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).uniform(lo, hi, size=(n, d))
    return np.ascontiguousarray(A, dtype=dt)


# ---- NumPy references of the training loops (tests/property/test_*_loops*.py) --------------------------
# Everything below computes in float64 on the values pyml holds (float32 inputs cast up exactly).

def _np_sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + exp(-z)) without overflow warnings


def np_softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# activation g and its derivative written in terms of the output a = g(z), as the kernels take it
NP_ACTS = {
    "linear": (lambda z: z, np.ones_like),
    "relu": (lambda z: np.maximum(z, 0.0), lambda a: (a > 0).astype(np.float64)),
    "sigmoid": (_np_sigmoid, lambda a: a * (1.0 - a)),
    "tanh": (np.tanh, lambda a: 1.0 - a * a),
}


def np_mlp_forward(params, acts, X):
    """Inputs of every layer ([X, A_1, ..., A_{L-1}]) and the output layer's pre-activation Z.
    params: [(W, b), ...] float64; acts: activation names of the hidden layers (the output's is the loss's)."""
    inputs = [X]
    Z = None
    for l, (W, b) in enumerate(params):
        Z = inputs[-1] @ W + b
        if l < len(params) - 1:
            inputs.append(NP_ACTS[acts[l]][0](Z))
    return inputs, Z


def np_mlp_backward(params, acts, inputs, dZ, l2s):
    """[(dW, db), ...] of a dense stack from dL/dZ of its output layer (L2 term 2 l2 W included) and dL/dX."""
    grads = [None] * len(params)
    for l in range(len(params) - 1, -1, -1):
        W, _ = params[l]
        grads[l] = (inputs[l].T @ dZ + 2.0 * l2s[l] * W, dZ.sum(axis=0))
        dA = dZ @ W.T
        if l == 0:
            return grads, dA
        dZ = dA * NP_ACTS[acts[l - 1]][1](inputs[l])
    return grads, None


def np_loss_rows(kind, out_act, Z, Y):
    """(row losses, dL/dZ) of the mean loss over the B rows of Z (Keras semantics, as pyml's losses).

    kind: "mse" (mean over outputs, after the output activation ``out_act``), "bce" (sigmoid output
    or logits; mean over outputs) or "cce" (softmax output or logits; Y one-hot / soft rows, the sparse
    loss is its one-hot case)."""
    B, k = Z.shape
    if kind == "mse":
        A = np_softmax(Z) if out_act == "softmax" else NP_ACTS[out_act][0](Z)
        g = 2.0 * (A - Y) / (B * k)
        if out_act == "softmax":
            dZ = A * (g - (g * A).sum(axis=1, keepdims=True))
        else:
            dZ = g * NP_ACTS[out_act][1](A)
        return ((A - Y) ** 2).mean(axis=1), dZ
    if kind == "bce":
        rows = (np.maximum(Z, 0.0) + np.log1p(np.exp(-np.abs(Z))) - Y * Z).mean(axis=1)
        return rows, (_np_sigmoid(Z) - Y) / (B * k)
    if kind == "cce":
        zmax = Z.max(axis=1, keepdims=True)
        lse = zmax + np.log(np.exp(Z - zmax).sum(axis=1, keepdims=True))
        sy = Y.sum(axis=1, keepdims=True)
        rows = (sy * lse - (Y * Z).sum(axis=1, keepdims=True))[:, 0]
        return rows, (np_softmax(Z) * sy - Y) / B
    raise ValueError(kind)


class NpAdam:
    """Keras Adam: m, v moments; w -= lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps)."""

    def __init__(self, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.lr, self.b1, self.b2, self.eps, self.t, self.state = lr, beta_1, beta_2, epsilon, 0, None

    def step(self, params, grads):
        if self.state is None:
            self.state = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
        self.t += 1
        alpha = self.lr * np.sqrt(1.0 - self.b2 ** self.t) / (1.0 - self.b1 ** self.t)
        for p, g, (m, v) in zip(params, grads, self.state):
            m += (1.0 - self.b1) * (g - m)
            v += (1.0 - self.b2) * (g * g - v)
            p -= alpha * m / (np.sqrt(v) + self.eps)


class NpSGD:
    """Keras SGD: v = mu v - lr g; w += v (nesterov: w += mu v - lr g); mu = 0: w -= lr g."""

    def __init__(self, lr, momentum=0.0, nesterov=False):
        self.lr, self.mu, self.nesterov, self.vel, self.t = lr, momentum, nesterov, None, 0

    def step(self, params, grads):
        self.t += 1
        if self.mu == 0:
            for p, g in zip(params, grads):
                p -= self.lr * g
            return
        if self.vel is None:
            self.vel = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.vel):
            v *= self.mu
            v -= self.lr * g
            p += self.mu * v - self.lr * g if self.nesterov else v


def flat_params(params):
    """[W1, b1, W2, b2, ...] views of [(W, b), ...] (the optimisers step them in place)."""
    return [a for pair in params for a in pair]
