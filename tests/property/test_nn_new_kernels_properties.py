"""Properties of the NN kernels added for LeakyReLU and Dropout (csrc/nn*, pyml/neural_network/_nn_kernels.pyx).

LeakyReLU (activation code 5 with a slope alpha in [0, 1)): dense_forward / dense_backward, Dense with a
LeakyReLU activation and the LeakyReLU layer equal NumPy for random shapes that cross the register tiles'
edges (MR = 4 rows, NR = 64 bytes = 8 doubles / 16 floats of outputs), float32 / float64, any layout.

Dropout (pyml_nn_dropout_*, through ``_k.dropout`` and the ``Dropout`` layer): the mask is re-derived here in
NumPy from its documented counter-based construction (csrc/nn_layout.h: splitmix64's finaliser of the key,
the step, the row and the column; keep when the top 53 bits fall under (1 - rate) 2^53), so kept entries are
exactly x * (T)(1/(1-rate)) and dropped ones 0 bitwise; the mask depends only on (seed, step, row, column):
not on X's values, identical for 1 and 2 threads, a row prefix of X gets the same rows; the kept share is
within 5 standard deviations of 1 - rate; rate 0 is the identity.
"""
import numpy as np
import pytest

pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

from _strategies import assert_close, matrices, native64, prop_settings, result_dtype  # noqa: E402
from pyml.neural_network import Dense, Dropout, LeakyReLU, leaky_relu  # noqa: E402
from pyml.neural_network import _nn_kernels as _k  # noqa: E402

LEAKY = _k.ACTIVATIONS["leaky_relu"]
SLOPES = st.one_of(st.sampled_from([0.0, 0.01, 0.2, 0.3]), st.floats(0.0, 0.999))


def np_leaky(z, a):
    return np.where(z > 0, z, a * z)


@st.composite
def leaky_cases(draw):
    """(X, W, b, slope): n in [0, 21] (a few MR = 4 row tiles and their ragged tail), n_in in [1, 20],
    n_out in [1, 40] (across NR = 8 / 16 wide output tiles)."""
    X = draw(matrices(n_min=0, n_max=21, d_min=1, d_max=20, lo=-3, hi=3))
    dt = result_dtype(X)
    n_out = draw(st.sampled_from([1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 40]) | st.integers(1, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    W = (rng.normal(size=(X.shape[1], n_out)) / np.sqrt(X.shape[1])).astype(dt)
    b = (rng.normal(size=n_out) * 0.3).astype(dt)
    return X, W, b, draw(SLOPES)


@prop_settings(40)
@given(leaky_cases())
def test_leaky_dense_forward_equals_numpy(case):
    X, W, b, a = case
    dt = result_dtype(X)
    Z = native64(X) @ native64(W) + native64(b)
    expected = np_leaky(Z, a)
    Xc = np.ascontiguousarray(X, dtype=dt)
    out = _k.dense_forward(Xc, W, b, LEAKY, 1, a)
    assert out.shape == expected.shape and out.dtype == dt
    scale = float(np.abs(native64(X)).sum(1).max(initial=0) * np.abs(native64(W)).max() + 1.0)
    assert_close(out, expected, dt, scale=scale, factor=10)
    np.testing.assert_array_equal(out, _k.dense_forward(Xc, W, b, LEAKY, 2, a))
    layer = Dense(W.shape[1], activation=LeakyReLU(negative_slope=a))
    layer.set_weights([W, b])
    Zt = (native64(X) @ native64(W)).astype(dt)
    np.testing.assert_array_equal(leaky_relu(Zt, a), np.where(Zt > 0, Zt, Zt * dt(a)))
    if X.shape[0] == 0:   # the layers reject an empty batch with a message (the kernel takes n = 0)
        with pytest.raises(ValueError, match="0 sample"):
            layer(X)
        return
    # the layer API on the original layout (strided / Fortran / big-endian) gives the same numbers
    np.testing.assert_array_equal(layer(X), out)
    # the standalone activation (the LeakyReLU layer on Z) is the exact elementwise formula
    np.testing.assert_array_equal(LeakyReLU(negative_slope=a)(Zt), np.where(Zt > 0, Zt, Zt * dt(a)))


@prop_settings(40)
@given(leaky_cases(), st.sampled_from([0.0, 0.5]))
def test_leaky_dense_backward_equals_numpy(case, l2):
    X, W, b, a = case
    dt = result_dtype(X)
    Xc = np.ascontiguousarray(X, dtype=dt)
    A = _k.dense_forward(Xc, W, b, LEAKY, 1, a)
    dA = np.random.default_rng(A.size).normal(size=A.shape).astype(dt)
    if X.shape[0] == 0:   # the backward kernel rejects an empty batch (n < 1: a size error, not a crash)
        with pytest.raises(ValueError, match="dense backward"):
            _k.dense_backward(Xc, W, A, dA, LEAKY, l2, True, 1, a)
        return
    dW, db, dX = _k.dense_backward(Xc, W, A, dA, LEAKY, l2, True, 1, a)
    A64 = native64(A)
    dZ = native64(dA) * np.where(A64 > 0, 1.0, a)   # g'(z) = 1 for z > 0 (A > 0), else alpha
    Xn, Wn = native64(X), native64(W)
    scale = float(np.abs(dZ).sum(0).max(initial=0) * max(1.0, np.abs(Xn).max(initial=0))) + 1.0
    assert_close(dW, Xn.T @ dZ + 2 * l2 * Wn, dt, scale=scale, factor=20)
    assert_close(db, dZ.sum(0), dt, scale=scale, factor=20)
    assert_close(dX, dZ @ Wn.T, dt, scale=scale, factor=20)
    two = _k.dense_backward(Xc, W, A, dA, LEAKY, l2, True, 2, a)
    for u, v in zip((dW, db, dX), two):
        np.testing.assert_array_equal(u, v)
    layer = Dense(W.shape[1], activation=LeakyReLU(negative_slope=a))
    layer.set_weights([W, b])
    if l2 == 0.0:
        for u, v in zip((dW, db, dX), layer.backward(X, A, dA)):
            np.testing.assert_array_equal(u, v)


# ---- dropout ---------------------------------------------------------------------------------------------

GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(z):
    """splitmix64's finaliser on uint64 arrays (wrapping arithmetic)."""
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def np_keep_mask(seed, t, n, k, rate):
    """Boolean (n, k) keep mask of step t for the key ``seed`` (the construction of csrc/nn_layout.h)."""
    with np.errstate(over="ignore"):
        kt = _mix(np.uint64(t % 2**64) * np.uint64(0xD1B54A32D192ED03) + np.uint64(0x8CB92BA72F3D8DD7))
        key = _mix(np.uint64(seed) ^ kt)
        rows = _mix(key + np.arange(n, dtype=np.uint64) * GOLDEN)
        u = _mix(rows[:, None] + (np.arange(k, dtype=np.uint64) + np.uint64(1))[None, :] * GOLDEN)
    thr = np.uint64(int((1.0 - rate) * 9007199254740992.0))
    return (u >> np.uint64(11)) < thr


RATES = st.one_of(st.sampled_from([0.0, 0.1, 0.5, 0.9]), st.floats(0.0, 0.99))


@st.composite
def dropout_cases(draw):
    X = draw(matrices(n_min=0, n_max=50, d_min=1, d_max=20, lo=-5, hi=5))
    X = np.ascontiguousarray(X, dtype=result_dtype(X))
    return X, draw(RATES), draw(st.integers(0, 2**64 - 1)), draw(st.integers(1, 10**6))


@prop_settings(40)
@given(dropout_cases())
def test_dropout_equals_counter_based_numpy_mask(case):
    X, rate, seed, t = case
    dt = X.dtype.type
    out, M = _k.dropout(X, rate, seed, t, True, 1)
    keep = np_keep_mask(seed, t, *X.shape, rate)
    s = dt(1.0 / (1.0 - rate))
    np.testing.assert_array_equal(M, np.where(keep, s, dt(0)))
    np.testing.assert_array_equal(out, np.where(keep, X * s, dt(0)))
    assert out.dtype == X.dtype
    if rate == 0.0:
        np.testing.assert_array_equal(out, X)


@prop_settings(30)
@given(dropout_cases(), st.data())
def test_dropout_mask_depends_only_on_seed_step_row_column(case, data):
    X, rate, seed, t = case
    n, k = X.shape
    out1, M1 = _k.dropout(X, rate, seed, t, True, 1)
    out2, M2 = _k.dropout(X, rate, seed, t, True, 2)
    np.testing.assert_array_equal(out1, out2)
    np.testing.assert_array_equal(M1, M2)
    # other values, same shape: the same mask
    Y = np.random.default_rng(seed % 2**32).normal(size=X.shape).astype(X.dtype)
    np.testing.assert_array_equal(_k.dropout(Y, rate, seed, t, True, 1)[1], M1)
    # a row prefix of X and a column prefix: the same entries of the mask
    m = data.draw(st.integers(0, n))
    np.testing.assert_array_equal(_k.dropout(np.ascontiguousarray(X[:m]), rate, seed, t, True, 2)[1], M1[:m])
    j = data.draw(st.integers(1, k))
    np.testing.assert_array_equal(_k.dropout(np.ascontiguousarray(X[:, :j]), rate, seed, t, True, 1)[1],
                                  M1[:, :j])
    # another step or key: a different mask (unless it is all kept / too small to tell)
    if 0.2 < rate < 0.8 and n * k >= 64:
        assert not np.array_equal(_k.dropout(X, rate, seed, t + 1, True, 1)[1], M1)
        assert not np.array_equal(_k.dropout(X, rate, (seed + 1) % 2**64, t, True, 1)[1], M1)


@prop_settings(25)
@given(st.integers(1, 300), st.integers(1, 40), RATES, st.integers(0, 2**64 - 1), st.integers(1, 1000),
       st.sampled_from([np.float32, np.float64]))
def test_dropout_kept_share_is_one_minus_rate(n, k, rate, seed, t, dtype):
    X = np.ones((n, k), dtype=dtype)
    out = _k.dropout(X, rate, seed, t, False, 2)
    N = n * k
    kept = int(np.count_nonzero(out))
    assert abs(kept - (1 - rate) * N) <= 5 * np.sqrt(N * rate * (1 - rate)) + 1
    assert set(np.unique(out)) <= {dtype(0), dtype(1.0 / (1.0 - rate))}


@prop_settings(25)
@given(dropout_cases())
def test_dropout_layer_uses_its_seeded_mask_per_call(case):
    X, rate, seed, _ = case
    seed = seed % 2**62
    layer = Dropout(rate, seed=seed)
    if X.shape[0] == 0:
        return
    np.testing.assert_array_equal(layer(X), X)   # not training: identity
    key = (seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % 2**64   # the layer's documented key
    dt = X.dtype.type
    s = dt(1.0 / (1.0 - rate))
    for step in (1, 2):   # the step counter advances with every training call
        out = layer(X, training=True)
        keep = np_keep_mask(key, step, *X.shape, rate)
        np.testing.assert_array_equal(out, X if rate == 0 else np.where(keep, X * s, dt(0)))
