"""Property tests of the linear-model kernels (csrc/linear_model*) against NumPy references.

compute_cost / compute_gradient / predict / sigmoid / gradient_descent on random
shapes (n in [1, 60], d in [1, 8]), float32/float64 (big-endian too), C / Fortran /
strided / reversed layouts, with and without L2 regularisation; the estimators'
predict against their own coef_ / intercept_.
"""
import warnings

import numpy as np
import pytest

pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

from _strategies import (  # noqa: E402
    assert_close, matrices, multi_block_matrices, native64, prop_settings, result_dtype, vectors,
)
from pyml.linear_model import (  # noqa: E402
    LinearRegression, LogisticRegression, compute_cost, compute_gradient, gradient_descent, predict, sigmoid,
)
from pyml.linear_model import _linear_model_kernels as _k  # noqa: E402

LAMBDAS = st.sampled_from([0.0, 0.0, 0.5, 3.0])


def ref_sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def ref_cost_grad(X, y, w, b, lam, model):
    """The course's formulas in float64 (logistic cost as softplus(z) - y z, which is the same number)."""
    X, y, w = native64(X), native64(y), native64(w)
    m = X.shape[0]
    z = X @ w + b
    if model == "linear":
        f = z
        J = np.sum((f - y) ** 2) / (2 * m)
    else:
        f = ref_sigmoid(z)
        J = np.mean(np.logaddexp(0.0, z) - y * z)
    J += lam / (2 * m) * np.sum(w ** 2)
    r = f - y
    return J, X.T @ r / m + lam / m * w, np.mean(r)


@st.composite
def problems(draw, model, n_min=1, n_max=60, d_max=8, lo=-3.0, hi=3.0):
    """(X, y, w, b) of a linear or logistic problem (y in [0, 1] for logistic)."""
    X = draw(matrices(n_min=n_min, n_max=n_max, d_max=d_max, lo=lo, hi=hi))
    n, d = X.shape
    if model == "logistic":
        y = draw(vectors(n, lo=0.0, hi=1.0))
        y = np.round(y) if draw(st.booleans()) else np.abs(y)   # hard labels or soft targets in [0, 1]
        y = np.clip(y, 0, 1)
    else:
        y = draw(vectors(n, lo=-10.0, hi=10.0))
    w = draw(vectors(d, lo=-2.0, hi=2.0))
    b = draw(st.floats(-2.0, 2.0))
    return X, y, w, b


def _scale(X, y, w, b):
    """Magnitude of the terms summed (for an absolute tolerance)."""
    Xn = np.abs(native64(X))
    z = Xn @ np.abs(native64(w)) + abs(b) + np.max(np.abs(native64(y)), initial=0)
    return float(max(1.0, np.max(z, initial=0.0) ** 2, np.max(Xn, initial=0) * np.max(z, initial=0)))


@pytest.mark.parametrize("model", ["linear", "logistic"])
@prop_settings(40)
@given(data=st.data(), lam=LAMBDAS)
def test_cost_and_gradient_match_numpy(model, data, lam):
    X, y, w, b = data.draw(problems(model))
    J, gw, gb = ref_cost_grad(X, y, w, b, lam, model)
    dt = result_dtype(X)
    scale = _scale(X, y, w, b)
    cost = compute_cost(X, y, w, b, reg_lambda=lam, model=model)
    assert isinstance(cost, float)
    assert_close(cost, J, dt, scale=scale)
    dj_dw, dj_db = compute_gradient(X, y, w, b, reg_lambda=lam, model=model)
    assert dj_dw.shape == (X.shape[1],)
    assert_close(dj_dw, gw, dt, scale=scale)
    assert_close(dj_db, gb, dt, scale=scale)


@pytest.mark.parametrize("model", ["linear", "logistic"])
@prop_settings(25)
@given(data=st.data())
def test_one_feature_1d_input_takes_scalar_w(model, data):
    """X 1-D (the labs' single feature) with a scalar w equals the (m, 1) problem."""
    X, y, w, b = data.draw(problems(model, d_max=1))
    x1 = X[:, 0]
    J, gw, gb = ref_cost_grad(X, y, w, b, 0.0, model)
    dt = result_dtype(X)
    scale = _scale(X, y, w, b)
    assert_close(compute_cost(x1, y, float(w[0]), b, model=model), J, dt, scale=scale)
    dj_dw, dj_db = compute_gradient(x1, y, float(w[0]), b, model=model)
    assert isinstance(dj_dw, float)
    assert_close(dj_dw, gw[0], dt, scale=scale)
    assert_close(dj_db, gb, dt, scale=scale)


@prop_settings(40)
@given(data=st.data())
def test_predict_matches_numpy(data):
    X, _, w, b = data.draw(problems("linear"))
    z = native64(X) @ native64(w) + b
    out = predict(X, w, b, model="linear")
    assert out.shape == (X.shape[0],)
    assert_close(out, z, result_dtype(X), scale=_scale(X, np.zeros(1), w, b))
    cls = predict(X, w, b, model="logistic")
    assert cls.dtype.kind == "i" and set(np.unique(cls)) <= {0, 1}
    # Away from the boundary the class is 1[z >= 0] exactly.
    clear = np.abs(z) > 1e-3 * max(1.0, float(np.max(np.abs(z), initial=0)))
    np.testing.assert_array_equal(cls[clear], (z[clear] >= 0).astype(np.int64))


@prop_settings(40)
@given(z=matrices(n_min=0, d_min=1, lo=-800.0, hi=800.0))
def test_sigmoid_matches_stable_numpy(z):
    g = sigmoid(z)
    assert g.shape == z.shape
    assert g.dtype == result_dtype(z)
    ref = ref_sigmoid(z)
    np.testing.assert_allclose(g, ref, rtol=8 * np.finfo(g.dtype).eps, atol=np.finfo(g.dtype).tiny)
    assert np.all((g >= 0) & (g <= 1))


@pytest.mark.parametrize("model", ["linear", "logistic"])
@prop_settings(30)
@given(data=st.data(), lam=LAMBDAS, iters=st.integers(0, 6))
def test_gradient_descent_matches_numpy_loop(model, data, lam, iters):
    X, y, w, b = data.draw(problems(model, lo=-1.0, hi=1.0))
    alpha = data.draw(st.sampled_from([0.01, 0.1]))
    wr, br, hist = native64(w).copy(), float(b), []
    for _ in range(iters):
        _, gw, gb = ref_cost_grad(X, y, wr, br, lam, model)
        wr, br = wr - alpha * gw, br - alpha * gb
        hist.append(ref_cost_grad(X, y, wr, br, lam, model)[0])
    w_before = w.copy()
    res = gradient_descent(X, y, w, b, alpha, iters, reg_lambda=lam, model=model)
    dt = result_dtype(X)
    scale = _scale(X, y, w, b)
    assert res.J_history.shape == (iters,)
    assert_close(res.w, wr, dt, scale=scale, factor=4)
    assert_close(res.b, br, dt, scale=scale, factor=4)
    assert_close(res.J_history, hist, dt, scale=scale, factor=4)
    np.testing.assert_array_equal(w, w_before)  # the input w is not modified in place
    if iters:  # the first snapshot is the state after update 0
        assert res.p_history.shape[1] == X.shape[1] + 1
        w1 = native64(w) - alpha * ref_cost_grad(X, y, w, b, lam, model)[1]
        assert_close(res.p_history[0, :-1], w1, dt, scale=scale, factor=4)


@pytest.mark.parametrize("model", ["linear", "logistic"])
@prop_settings(25)
@given(data=st.data(), lam=LAMBDAS)
def test_float32_within_float32_tolerance_of_float64(model, data, lam):
    X, y, w, b = data.draw(problems(model))
    X32, y32, w32 = (np.asarray(a, dtype=np.float32) for a in (X, y, w))
    X64, y64, w64 = (a.astype(np.float64) for a in (X32, y32, w32))
    scale = _scale(X64, y64, w64, b)
    c32 = compute_cost(X32, y32, w32, b, reg_lambda=lam, model=model)
    c64 = compute_cost(X64, y64, w64, b, reg_lambda=lam, model=model)
    assert_close(c32, c64, np.float32, scale=scale)
    g32 = compute_gradient(X32, y32, w32, b, reg_lambda=lam, model=model)[0]
    assert g32.dtype == np.float32
    assert_close(g32, compute_gradient(X64, y64, w64, b, reg_lambda=lam, model=model)[0], np.float32, scale=scale)


@pytest.mark.parametrize("model", ["linear", "logistic"])
@prop_settings(10)
@given(data=st.data(), lam=LAMBDAS)
def test_kernels_bitwise_identical_for_1_and_2_threads(model, data, lam):
    """The kernels themselves with 1 and 2 threads, on X spanning several row blocks (the Python layer
    would keep inputs this small on one thread)."""
    X = data.draw(multi_block_matrices())
    dt = X.dtype
    rng = np.random.default_rng(data.draw(st.integers(0, 2**31)))
    y = rng.random(X.shape[0]).astype(dt) if model == "logistic" else rng.normal(size=X.shape[0]).astype(dt)
    w = rng.normal(size=X.shape[1]).astype(dt)
    b = float(rng.normal())
    code = _k.MODEL_LINEAR if model == "linear" else _k.MODEL_LOGISTIC
    one = _k.value_grad(X, y, w, b, code, lam, 1)
    two = _k.value_grad(X, y, w, b, code, lam, 2)
    assert one[0] == two[0] and one[2] == two[2]
    np.testing.assert_array_equal(one[1], two[1])
    np.testing.assert_array_equal(_k.predict(X, w, b, code, 1), _k.predict(X, w, b, code, 2))
    np.testing.assert_array_equal(*(_k.hessp(X, w, b, w, 0.5, lam, t)[0] for t in (1, 2)))
    runs = []
    for t in (1, 2):
        wt = w.copy()
        runs.append((_k.gradient_descent(X, y, wt, b, code, True, 0.05, lam, 4, 0.0, 1, 10, t, None), wt))
    assert runs[0][0][0] == runs[1][0][0]
    np.testing.assert_array_equal(runs[0][0][1], runs[1][0][1])   # cost history
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


@pytest.mark.parametrize("fn", ["compute_cost", "compute_gradient", "gradient_descent", "predict"])
def test_empty_input_raises_naming_x(fn):
    X, y, w = np.zeros((0, 3)), np.zeros(0), np.zeros(3)
    calls = {"compute_cost": lambda: compute_cost(X, y, w, 0.0, model="linear"),
             "compute_gradient": lambda: compute_gradient(X, y, w, 0.0, model="linear"),
             "gradient_descent": lambda: gradient_descent(X, y, w, 0.0, 0.1, 3, model="linear"),
             "predict": lambda: predict(X, w, 0.0)}
    with pytest.raises(ValueError, match=rf"{fn}: .*0 sample.* in X"):
        calls[fn]()


def test_sigmoid_of_empty_is_empty():
    assert sigmoid(np.zeros((0, 2))).shape == (0, 2)


@prop_settings(20)
@given(data=st.data())
def test_linear_regression_predict_is_x_coef_plus_intercept(data):
    X, y, _, _ = data.draw(problems("linear", n_min=1))
    try:
        est = LinearRegression().fit(X, y)
    except ValueError as exc:   # documented: coefficients beyond X's dtype (float32, subnormal features)
        assert "overflow" in str(exc) and result_dtype(X) == np.float32
        big = LinearRegression().fit(native64(X), native64(y)).coef_
        assert np.abs(big).max() > np.finfo(np.float32).max
        return
    ref = native64(X) @ native64(est.coef_) + float(est.intercept_)
    scale = float(np.max(np.abs(native64(X)), initial=1)) * float(np.sum(np.abs(est.coef_))) + abs(est.intercept_)
    assert_close(est.predict(X), ref, result_dtype(X), scale=max(1.0, scale))


@prop_settings(15)
@given(data=st.data())
def test_logistic_regression_predict_consistent_with_proba(data):
    X, y, _, _ = data.draw(problems("logistic", n_min=2))
    yb = (native64(y) > 0.5).astype(int)
    if np.unique(yb).size < 2:
        yb[0] = 1 - yb[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = LogisticRegression().fit(X, yb)
    proba = est.predict_proba(X)
    assert proba.shape == (X.shape[0], 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=10 * np.finfo(proba.dtype).eps)
    z = native64(X) @ native64(est.coef_).reshape(-1) + float(np.ravel(est.intercept_)[0])
    assert_close(proba[:, 1], ref_sigmoid(z), result_dtype(X), scale=1.0, factor=10)
    pred = est.predict(X)
    clear = np.abs(proba[:, 1] - 0.5) > 1e-4
    np.testing.assert_array_equal(pred[clear], est.classes_[(proba[clear, 1] > 0.5).astype(int)])


# ----------------------------------------------------------------------------- Newton / softmax kernels
# (LogisticRegression's solvers: the Hessian-vector product of the logistic cost and the multinomial
# cost, gradient, Hessian-vector product and scores, called directly.)

def _softmax(Z):
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


@prop_settings(30)
@given(data=st.data(), lam=LAMBDAS)
def test_logistic_hessp_kernel_matches_numpy(data, lam):
    X, _, w, b = data.draw(problems("logistic"))
    dt = result_dtype(X)
    X, w = np.ascontiguousarray(X, dtype=dt), np.ascontiguousarray(w, dtype=dt)
    v = np.ascontiguousarray(data.draw(vectors(X.shape[1], lo=-1, hi=1)), dtype=dt)
    vb = data.draw(st.floats(-1, 1))
    hw, hb = _k.hessp(X, w, b, v, vb, lam, 1)
    Xn = native64(X)
    m = X.shape[0]
    f = ref_sigmoid(Xn @ native64(w) + b)
    s = f * (1 - f) * (Xn @ native64(v) + vb)
    scale = _scale(X, np.zeros(1), w, b)
    assert_close(hw, Xn.T @ s / m + lam / m * native64(v), dt, scale=scale)
    assert_close(hb, np.mean(s), dt, scale=scale)
    two = _k.hessp(X, w, b, v, vb, lam, 2)
    np.testing.assert_array_equal(hw, two[0])
    assert hb == two[1]


@st.composite
def softmax_problems(draw):
    X = draw(matrices(n_min=1, n_max=60, lo=-3, hi=3))
    dt = result_dtype(X)
    k = draw(st.integers(2, 5))
    y = np.random.default_rng(draw(st.integers(0, 2**31))).integers(0, k, size=X.shape[0]).astype(np.int32)
    W = draw(matrices(n=k, d=X.shape[1], lo=-2, hi=2))
    b = draw(vectors(k, lo=-2, hi=2))
    return (np.ascontiguousarray(X, dtype=dt), y, np.ascontiguousarray(W, dtype=dt),
            np.ascontiguousarray(b, dtype=dt))


@prop_settings(30)
@given(softmax_problems(), LAMBDAS, st.data())
def test_softmax_kernels_match_numpy(problem, lam, data):
    X, y, W, b = problem
    dt = X.dtype
    Xn, Wn, bn = native64(X), native64(W), native64(b)
    m, k = X.shape[0], W.shape[0]
    Z = Xn @ Wn.T + bn
    P = _softmax(Z)
    Y = np.eye(k)[y]
    J = np.mean(np.log(np.exp(Z - Z.max(1, keepdims=True)).sum(1)) + Z.max(1) - Z[np.arange(m), y])
    J += lam / (2 * m) * np.sum(Wn ** 2)
    scale = float(max(1.0, (np.abs(Xn).max() * (np.abs(Wn).sum(1).max()) + np.abs(bn).max()) ** 2))
    cost, gW, gb = _k.softmax_value_grad(X, y, W, b, lam, 1)
    assert_close(cost, J, dt, scale=scale)
    assert_close(gW, (P - Y).T @ Xn / m + lam / m * Wn, dt, scale=scale)
    assert_close(gb, (P - Y).mean(0), dt, scale=scale)
    assert_close(_k.softmax_predict(X, W, b, False, 1), Z, dt, scale=scale)
    assert_close(_k.softmax_predict(X, W, b, True, 1), P, dt, scale=1.0, factor=10)
    V = np.ascontiguousarray(data.draw(matrices(n=k, d=X.shape[1], lo=-1, hi=1)), dtype=dt)
    vb = np.ascontiguousarray(data.draw(vectors(k, lo=-1, hi=1)), dtype=dt)
    U = Xn @ native64(V).T + native64(vb)
    G = P * U - P * (P * U).sum(1, keepdims=True)      # the softmax Jacobian applied to U, row by row
    hW, hb = _k.softmax_hessp(X, W, b, V, vb, lam, 1)
    assert_close(hW, G.T @ Xn / m + lam / m * native64(V), dt, scale=scale)
    assert_close(hb, G.mean(0), dt, scale=scale)
    # 1 vs 2 threads: bitwise identical
    c2, gW2, gb2 = _k.softmax_value_grad(X, y, W, b, lam, 2)
    assert cost == c2
    np.testing.assert_array_equal(gW, gW2)
    np.testing.assert_array_equal(gb, gb2)
    np.testing.assert_array_equal(hW, _k.softmax_hessp(X, W, b, V, vb, lam, 2)[0])
    np.testing.assert_array_equal(_k.softmax_predict(X, W, b, True, 1), _k.softmax_predict(X, W, b, True, 2))


@prop_settings(10)
@given(X=multi_block_matrices(), k=st.integers(2, 4), seed=st.integers(0, 2**31), lam=LAMBDAS)
def test_softmax_kernels_bitwise_identical_for_1_and_2_threads_on_several_blocks(X, k, seed, lam):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, size=X.shape[0]).astype(np.int32)
    W = rng.normal(size=(k, X.shape[1])).astype(X.dtype)
    b = rng.normal(size=k).astype(X.dtype)
    a, c = _k.softmax_value_grad(X, y, W, b, lam, 1), _k.softmax_value_grad(X, y, W, b, lam, 2)
    assert a[0] == c[0]
    np.testing.assert_array_equal(a[1], c[1])
    np.testing.assert_array_equal(a[2], c[2])
    np.testing.assert_array_equal(*(_k.softmax_hessp(X, W, b, W, b, lam, t)[0] for t in (1, 2)))
    np.testing.assert_array_equal(*(_k.softmax_predict(X, W, b, True, t) for t in (1, 2)))


@prop_settings(15)
@given(data=st.data(), k=st.integers(3, 4))
def test_multinomial_logistic_regression_proba_is_softmax_of_scores(data, k):
    X = data.draw(matrices(n_min=k, n_max=60, lo=-3, hi=3))
    y = np.random.default_rng(data.draw(st.integers(0, 2**31))).integers(0, k, size=X.shape[0])
    y[:k] = np.arange(k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = LogisticRegression().fit(X, y)
    P = est.predict_proba(X)
    assert P.shape == (X.shape[0], k)
    Z = native64(X) @ native64(est.coef_).T + native64(est.intercept_)
    assert_close(P, _softmax(Z), result_dtype(X), scale=1.0, factor=10)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=10 * np.finfo(P.dtype).eps)
    top2 = np.sort(native64(P), axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 1e-4
    np.testing.assert_array_equal(est.predict(X)[clear], est.classes_[np.argmax(P, axis=1)][clear])
