"""Properties of the WEIGHTED linear-model kernels (csrc/linear_model*, the trailing ``sample_weight`` of
``value_grad`` / ``hessp`` / ``softmax_value_grad`` / ``softmax_hessp`` / ``gradient_descent`` /
``softmax_gradient_descent``) against NumPy weighted references written here.

Weighted semantics (csrc/linear_model.h): every row's loss, residual and Hessian term is multiplied by s_i
and m becomes S = sum_i s_i, the penalty included (lambda / (2 S) ||w||^2). Shapes n in [1, 40] (n = 1
included), d in [1, 6] (d = 1 included), float32 / float64, weights with zeros (at least one positive).
Through the estimators (strided / Fortran / read-only / big-endian inputs): integer weights equal repeated
rows for LinearRegression (normal, gd) and LogisticRegression (newton, gd; binary and multinomial). The
kernels with weights are bitwise identical for 1 and 2 threads on data spanning several row blocks.
"""
import warnings

import numpy as np
import pytest

pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

from _strategies import (  # noqa: E402
    assert_close, matrices, multi_block_matrices, native64, prop_settings, result_dtype, vectors, with_layout,
)
from pyml.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from pyml.linear_model import _linear_model_kernels as _k  # noqa: E402

LAMBDAS = st.sampled_from([0.0, 0.0, 0.5, 3.0])


def _sig(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


@st.composite
def weights(draw, n, integer=False, hi=4):
    """n non-negative weights, some zero, at least one positive (float or integer-valued)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if integer:
        s = rng.integers(0, hi + 1, size=n).astype(np.float64)
    else:
        s = rng.uniform(0, hi, size=n) * (rng.random(n) < 0.8)
    if not np.any(s > 0):
        s[rng.integers(0, n)] = 1.0 if integer else 0.5
    return s


@st.composite
def weighted_problems(draw, model, n_max=40, d_max=6):
    """(X, y, w, b, s) C-contiguous in one native dtype (the kernels' calling convention)."""
    X = draw(matrices(n_min=1, n_max=n_max, d_max=d_max, lo=-3.0, hi=3.0))
    dt = result_dtype(X)
    n, d = X.shape
    if model == "logistic":
        y = np.clip(np.abs(draw(vectors(n, lo=0.0, hi=1.0))), 0, 1)
    else:
        y = draw(vectors(n, lo=-10.0, hi=10.0))
    w = draw(vectors(d, lo=-2.0, hi=2.0))
    b = draw(st.floats(-2.0, 2.0))
    s = draw(weights(n))
    c = lambda a: np.ascontiguousarray(a, dtype=dt)  # noqa: E731
    return c(X), c(y), c(w), b, c(s)


def ref_value_grad(X, y, w, b, lam, model, s):
    """(J, dJ/dw, dJ/db) of the weighted cost in float64."""
    X, y, w, s = native64(X), native64(y), native64(w), native64(s)
    S = s.sum()
    z = X @ w + b
    if model == "linear":
        f, loss = z, 0.5 * (z - y) ** 2
    else:
        f, loss = _sig(z), np.logaddexp(0.0, z) - y * z
    r = s * (f - y)
    J = (s @ loss) / S + lam / (2 * S) * (w @ w)
    return J, X.T @ r / S + lam / S * w, r.sum() / S


def _scale(X, y, w, b):
    Xn = np.abs(native64(X))
    z = Xn @ np.abs(native64(w)) + abs(b) + np.max(np.abs(native64(y)), initial=0)
    return float(max(1.0, np.max(z) ** 2, np.max(Xn) * np.max(z)))


def _code(model):
    return _k.MODEL_LINEAR if model == "linear" else _k.MODEL_LOGISTIC


@pytest.mark.parametrize("model", ["linear", "logistic"])
@prop_settings(30)
@given(data=st.data(), lam=LAMBDAS)
def test_weighted_value_grad_matches_numpy(model, data, lam):
    X, y, w, b, s = data.draw(weighted_problems(model))
    dt = X.dtype
    J, gw, gb = _k.value_grad(X, y, w, b, _code(model), lam, 1, s)
    rJ, rgw, rgb = ref_value_grad(X, y, w, b, lam, model, s)
    sc = _scale(X, y, w, b)
    assert_close(J, rJ, dt, scale=sc)
    assert_close(gw, rgw, dt, scale=sc)
    assert_close(gb, rgb, dt, scale=sc)
    # unit weights are the unweighted kernel (same value up to rounding)
    one = np.ones_like(s)
    assert_close(_k.value_grad(X, y, w, b, _code(model), lam, 1, one)[1],
                 _k.value_grad(X, y, w, b, _code(model), lam, 1)[1], dt, scale=sc)


@prop_settings(30)
@given(data=st.data(), lam=LAMBDAS)
def test_weighted_logistic_hessp_matches_numpy(data, lam):
    X, _, w, b, s = data.draw(weighted_problems("logistic"))
    dt = X.dtype
    v = np.ascontiguousarray(data.draw(vectors(X.shape[1], lo=-1, hi=1)), dtype=dt)
    vb = data.draw(st.floats(-1, 1))
    hw, hb = _k.hessp(X, w, b, v, vb, lam, 1, s)
    Xn, sn = native64(X), native64(s)
    S = sn.sum()
    f = _sig(Xn @ native64(w) + b)
    q = sn * f * (1 - f) * (Xn @ native64(v) + vb)
    sc = _scale(X, np.zeros(1), w, b)
    assert_close(hw, Xn.T @ q / S + lam / S * native64(v), dt, scale=sc)
    assert_close(hb, q.sum() / S, dt, scale=sc)


@st.composite
def weighted_softmax_problems(draw):
    X = draw(matrices(n_min=1, n_max=40, d_max=6, lo=-3, hi=3))
    dt = result_dtype(X)
    k = draw(st.integers(2, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    y = rng.integers(0, k, size=X.shape[0]).astype(np.int32)
    W = rng.normal(size=(k, X.shape[1])).astype(dt)
    b = rng.normal(size=k).astype(dt)
    V = rng.normal(size=(k, X.shape[1])).astype(dt)
    vb = rng.normal(size=k).astype(dt)
    s = np.ascontiguousarray(draw(weights(X.shape[0])), dtype=dt)
    return np.ascontiguousarray(X, dtype=dt), y, W, b, V, vb, s


@prop_settings(30)
@given(weighted_softmax_problems(), LAMBDAS)
def test_weighted_softmax_kernels_match_numpy(problem, lam):
    X, y, W, b, V, vb, s = problem
    dt = X.dtype
    Xn, Wn, bn, sn = native64(X), native64(W), native64(b), native64(s)
    S, k, n = sn.sum(), W.shape[0], X.shape[0]
    Z = Xn @ Wn.T + bn
    P = _softmax(Z)
    Y = np.eye(k)[y]
    lse = np.log(np.exp(Z - Z.max(1, keepdims=True)).sum(1)) + Z.max(1)
    J = sn @ (lse - Z[np.arange(n), y]) / S + lam / (2 * S) * np.sum(Wn ** 2)
    sc = float(max(1.0, (np.abs(Xn).max() * np.abs(Wn).sum(1).max() + np.abs(bn).max()) ** 2))
    cost, gW, gb = _k.softmax_value_grad(X, y, W, b, lam, 1, s)
    R = sn[:, None] * (P - Y)
    assert_close(cost, J, dt, scale=sc)
    assert_close(gW, R.T @ Xn / S + lam / S * Wn, dt, scale=sc)
    assert_close(gb, R.sum(0) / S, dt, scale=sc)
    U = Xn @ native64(V).T + native64(vb)
    G = sn[:, None] * (P * U - P * (P * U).sum(1, keepdims=True))
    hW, hb = _k.softmax_hessp(X, W, b, V, vb, lam, 1, s)
    assert_close(hW, G.T @ Xn / S + lam / S * native64(V), dt, scale=sc)
    assert_close(hb, G.sum(0) / S, dt, scale=sc)


@prop_settings(25)
@given(weighted_softmax_problems(), LAMBDAS)
def test_zero_weight_rows_are_dropped_and_weights_scale_free(problem, lam):
    """A zero weight drops the row (the kernels on the positive rows only give the same numbers) and,
    without the penalty, multiplying every weight by 2 changes nothing but rounding."""
    X, yi, W, b, V, vb, s = problem
    dt = X.dtype
    pos = s > 0
    Xp, sp = np.ascontiguousarray(X[pos]), np.ascontiguousarray(s[pos])
    y = np.ascontiguousarray((yi % 2).astype(dt))
    w, v = np.ascontiguousarray(W[0]), np.ascontiguousarray(V[0])
    sc = float(max(1.0, (np.abs(native64(X)).max() * np.abs(native64(W)).sum(1).max() + 3) ** 2))
    for code in (_k.MODEL_LINEAR, _k.MODEL_LOGISTIC):
        full = _k.value_grad(X, y, w, 0.25, code, lam, 1, s)
        for u, r in zip(full, _k.value_grad(Xp, np.ascontiguousarray(y[pos]), w, 0.25, code, lam, 1, sp)):
            assert_close(u, r, dt, scale=sc)
        if lam == 0.0:   # the penalty is lambda / (2 S): scale-free only without it
            for u, r in zip(full, _k.value_grad(X, y, w, 0.25, code, lam, 1, 2 * s)):
                assert_close(u, r, dt, scale=sc)
    for u, r in zip(_k.hessp(X, w, 0.25, v, 0.5, lam, 1, s), _k.hessp(Xp, w, 0.25, v, 0.5, lam, 1, sp)):
        assert_close(u, r, dt, scale=sc)
    yp = np.ascontiguousarray(yi[pos])
    for u, r in zip(_k.softmax_value_grad(X, yi, W, b, lam, 1, s), _k.softmax_value_grad(Xp, yp, W, b, lam, 1, sp)):
        assert_close(u, r, dt, scale=sc)
    for u, r in zip(_k.softmax_hessp(X, W, b, V, vb, lam, 1, s), _k.softmax_hessp(Xp, W, b, V, vb, lam, 1, sp)):
        assert_close(u, r, dt, scale=sc)


@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_weighted_kernels_reject_empty_and_all_zero_weights(dt):
    """n = 0 and sum s = 0 have no mean: a ValueError from the kernel, not a NaN."""
    w = np.ones(2, dtype=dt)
    with pytest.raises(ValueError, match="value_grad"):
        _k.value_grad(np.zeros((0, 2), dtype=dt), np.zeros(0, dtype=dt), w, 0.0, 0, 0.0, 1, np.zeros(0, dtype=dt))
    X, y = np.ones((3, 2), dtype=dt), np.zeros(3, dtype=dt)
    with pytest.raises(ValueError, match="value_grad"):
        _k.value_grad(X, y, w, 0.0, 0, 0.0, 1, np.zeros(3, dtype=dt))
    with pytest.raises(ValueError, match="sample_weight has 2 entries"):
        _k.value_grad(X, y, w, 0.0, 0, 0.0, 1, np.ones(2, dtype=dt))
    for bad, msg in ((np.zeros(3), "all zero"), (np.array([1.0, -1.0, 1.0]), "non-negative"),
                     (np.array([1.0, np.nan, 1.0]), "NaN"), (np.ones(2), "2 entries")):
        with pytest.raises(ValueError, match=msg):
            LinearRegression().fit(X, y, sample_weight=bad)
        with pytest.raises(ValueError, match=msg):
            LogisticRegression().fit(X, np.array([0, 1, 0]), sample_weight=bad)


@pytest.mark.parametrize("model", ["linear", "logistic"])
@prop_settings(20)
@given(data=st.data(), lam=LAMBDAS, iters=st.integers(0, 5))
def test_weighted_gradient_descent_matches_numpy_loop(model, data, lam, iters):
    X, y, w, b, s = data.draw(weighted_problems(model))
    alpha = data.draw(st.sampled_from([0.01, 0.05]))
    wr, br, hist = native64(w).copy(), float(b), []
    for _ in range(iters):
        _, gw, gb = ref_value_grad(X, y, wr, br, lam, model, s)
        wr, br = wr - alpha * gw, br - alpha * gb
        hist.append(ref_value_grad(X, y, wr, br, lam, model, s)[0])
    wt = w.copy()
    b_out, history, _, n_iter, diverged = _k.gradient_descent(X, y, wt, b, _code(model), True, alpha, lam, iters,
                                                              0.0, 1, 1, 1, None, s)
    sc = _scale(X, y, w, b)
    assert n_iter == iters and not diverged
    assert_close(wt, wr, X.dtype, scale=sc, factor=4)
    assert_close(b_out, br, X.dtype, scale=sc, factor=4)
    assert_close(history, hist, X.dtype, scale=sc, factor=4)


@prop_settings(20)
@given(weighted_softmax_problems(), LAMBDAS, st.integers(1, 4))
def test_weighted_softmax_gradient_descent_matches_numpy_loop(problem, lam, iters):
    X, y, W, b, _, _, s = problem
    alpha = 0.05
    Wr, br = native64(W).copy(), native64(b).copy()
    Xn, sn = native64(X), native64(s)
    S, k = sn.sum(), W.shape[0]
    Y = np.eye(k)[y]
    for _ in range(iters):
        R = sn[:, None] * (_softmax(Xn @ Wr.T + br) - Y)
        Wr, br = Wr - alpha * (R.T @ Xn / S + lam / S * Wr), br - alpha * R.sum(0) / S
    Wt, bt = W.copy(), b.copy()
    history, n_iter, diverged = _k.softmax_gradient_descent(X, y, Wt, bt, True, alpha, lam, iters, 0.0, 1, None, s)
    assert n_iter == iters and not diverged
    sc = float(max(1.0, (np.abs(Xn).max() * np.abs(native64(W)).sum(1).max() + np.abs(native64(b)).max()) ** 2))
    assert_close(Wt, Wr, X.dtype, scale=sc, factor=4)
    assert_close(bt, br, X.dtype, scale=sc, factor=4)


@prop_settings(8)
@given(X=multi_block_matrices(d_max=6), seed=st.integers(0, 2**31), lam=LAMBDAS)
def test_weighted_kernels_bitwise_identical_for_1_and_2_threads(X, seed, lam):
    dt = X.dtype
    n, d = X.shape
    rng = np.random.default_rng(seed)
    s = (rng.integers(0, 4, size=n) * rng.random(n)).astype(dt)
    s[0] = 1
    y = rng.random(n).astype(dt)
    w = rng.normal(size=d).astype(dt)
    for code in (_k.MODEL_LINEAR, _k.MODEL_LOGISTIC):
        one, two = (_k.value_grad(X, y, w, 0.3, code, lam, t, s) for t in (1, 2))
        assert one[0] == two[0] and one[2] == two[2]
        np.testing.assert_array_equal(one[1], two[1])
        runs = []
        for t in (1, 2):
            wt = w.copy()
            runs.append((_k.gradient_descent(X, y, wt, 0.3, code, True, 0.05, lam, 3, 0.0, 1, 3, t, None, s), wt))
        assert runs[0][0][0] == runs[1][0][0]
        np.testing.assert_array_equal(runs[0][0][1], runs[1][0][1])
        np.testing.assert_array_equal(runs[0][1], runs[1][1])
    h1, h2 = (_k.hessp(X, w, 0.3, w, 0.5, lam, t, s) for t in (1, 2))
    np.testing.assert_array_equal(h1[0], h2[0])
    assert h1[1] == h2[1]
    k = 3
    yi = rng.integers(0, k, size=n).astype(np.int32)
    W = rng.normal(size=(k, d)).astype(dt)
    b = rng.normal(size=k).astype(dt)
    a, c = (_k.softmax_value_grad(X, yi, W, b, lam, t, s) for t in (1, 2))
    assert a[0] == c[0]
    np.testing.assert_array_equal(a[1], c[1])
    np.testing.assert_array_equal(a[2], c[2])
    np.testing.assert_array_equal(*(_k.softmax_hessp(X, W, b, W, b, lam, t, s)[0] for t in (1, 2)))
    runs = []
    for t in (1, 2):
        Wt, bt = W.copy(), b.copy()
        hist = _k.softmax_gradient_descent(X, yi, Wt, bt, True, 0.05, lam, 3, 0.0, t, None, s)[0]
        runs.append((hist, Wt, bt))
    for u, v in zip(*runs):
        np.testing.assert_array_equal(u, v)


# ---- estimators: integer weights == repeated rows, any input layout -------------------------------------

def _layout_variants(data, A):
    """A in a drawn layout (C / F / strided / reversed, maybe big-endian), maybe read-only."""
    dt = np.dtype(data.draw(st.sampled_from([np.float64, np.float32])))
    if data.draw(st.integers(0, 4)) == 0:
        dt = dt.newbyteorder(">")
    out = with_layout(np.asarray(A, dtype=dt), data.draw(st.sampled_from(("C", "F", "rows", "cols", "reversed"))),
                      dt)
    if data.draw(st.booleans()):
        out.setflags(write=False)
    return out


@st.composite
def repeat_problems(draw, n_min=2, n_max=25, d_max=4):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(n_min, n_max))
    d = draw(st.integers(1, d_max))
    X = np.round(rng.normal(size=(n, d)), 3)
    cnt = rng.integers(0, 4, size=n)
    cnt[:2] = np.maximum(cnt[:2], 1)
    return X, cnt


def _fit_both(est, X, y, cnt, data, dtype_tol):
    """Fit with integer weights (X in a drawn layout) and on the repeated rows; compare the parameters.
    Returns the two models' outputs on the rows of positive weight."""
    Xw = _layout_variants(data, X)
    dt = result_dtype(Xw)
    X = X.astype(dt)  # the values the weighted fit sees
    keep = np.repeat(np.arange(X.shape[0]), cnt)
    Xp = X[cnt > 0]
    out = "predict_proba" if hasattr(est, "predict_proba") else "predict"
    # the weights too in any form: strided / reversed / big-endian / read-only / integer / a list
    form = data.draw(st.sampled_from(["C", "rows", "reversed", ">f8", "int", "list"]))
    if form == "list":
        sw = cnt.tolist()
    elif form == "int":
        sw = cnt.astype(np.int32)
    elif form == ">f8":
        sw = cnt.astype(">f8")
    else:
        sw = with_layout(cnt.astype(np.float64), form, np.float64)
    if isinstance(sw, np.ndarray) and data.draw(st.booleans()):
        sw.setflags(write=False)
    a = est.fit(Xw, y, sample_weight=sw)
    coef_w, b_w = np.array(a.coef_, dtype=np.float64), np.array(a.intercept_, dtype=np.float64)
    p_w = np.asarray(getattr(a, out)(Xp), dtype=np.float64)
    r = est.fit(X[keep], y[keep])
    coef_r, b_r = np.array(r.coef_, dtype=np.float64), np.array(r.intercept_, dtype=np.float64)
    if b_r.size > 1:  # softmax: b is defined up to a common shift (not penalised); compare it centred
        b_w, b_r = b_w - b_w.mean(), b_r - b_r.mean()
    rtol = dtype_tol[dt]
    scale = max(1.0, float(np.max(np.abs(coef_r))))
    np.testing.assert_allclose(coef_w, coef_r, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(b_w, b_r, rtol=rtol, atol=rtol * scale)
    return p_w, np.asarray(getattr(r, out)(Xp), dtype=np.float64)


@pytest.mark.parametrize("solver", ["normal", "gd"])
@prop_settings(15)
@given(prob=repeat_problems(), data=st.data(), lam=st.sampled_from([0.0, 1.0]))
def test_linear_regression_integer_weights_equal_repeated_rows(solver, prob, data, lam):
    X, cnt = prob
    rng = np.random.default_rng(int(cnt.sum()))
    y = X @ rng.normal(size=X.shape[1]) + rng.normal(size=X.shape[0])
    if solver == "normal" and lam == 0.0 and np.linalg.matrix_rank(X[cnt > 0] - X[cnt > 0].mean(0)) < X.shape[1]:
        lam = 1.0  # lstsq of a rank-deficient system: minimum-norm solutions, both fine but not comparable
    kw = dict(max_iter=300, tol=0.0, learning_rate=0.1) if solver == "gd" else {}
    est = LinearRegression(solver=solver, reg_lambda=lam, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p_w, p_r = _fit_both(est, X, y, cnt, data, {np.float64: 1e-8, np.float32: 2e-3})
    np.testing.assert_allclose(p_w, p_r, rtol=2e-3, atol=2e-3 * max(1.0, np.abs(p_r).max()))


@pytest.mark.parametrize("solver", ["newton", "gd"])
@prop_settings(12)
@given(prob=repeat_problems(), data=st.data(), k=st.sampled_from([2, 3]))
def test_logistic_regression_integer_weights_equal_repeated_rows(solver, prob, data, k):
    X, cnt = prob
    n = X.shape[0]
    y = np.random.default_rng(n * 7 + int(cnt.sum())).integers(0, k, size=n)
    pos = np.flatnonzero(cnt > 0)
    if len(pos) < k:
        return
    y[pos[:k]] = np.arange(k)  # every class has a row of positive weight
    kw = dict(max_iter=200, tol=0.0, learning_rate=0.2) if solver == "gd" else dict(tol=1e-10, max_iter=200)
    est = LogisticRegression(solver=solver, reg_lambda=1.0, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p_w, p_r = _fit_both(est, X, y, cnt, data, {np.float64: 1e-5, np.float32: 2e-3})
    np.testing.assert_allclose(p_w, p_r, rtol=0, atol=2e-3)


# found by test_logistic_regression_integer_weights_equal_repeated_rows: without centring, multinomial Newton
# (tight tol) drifted the intercepts along the cost's flat direction b + c 1 (here by +43)
def test_multinomial_newton_keeps_intercepts_centred():
    """Every gradient of the softmax cost has sum_k dJ/db_k = 0, so a solver started at b = 0 that moves
    along gradients only keeps sum_k b_k = 0 (as the default tol does)."""
    X = np.array([[0.126], [-0.132], [0.64], [0.105]])
    est = LogisticRegression(solver="newton", reg_lambda=1.0, tol=1e-10, max_iter=200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, np.array([0, 1, 2, 1]), sample_weight=np.array([1.0, 3.0, 2.0, 3.0]))
    assert abs(float(np.sum(est.intercept_))) < 1e-6
