"""sample_weight in LinearRegression / LogisticRegression and their C kernels.

Weighted cost (m = Σ s_i): J = (1/m) Σ s_i loss_i + λ/(2m) ‖w‖². Checked against a NumPy reference
written here, against repeated / dropped rows, against scikit-learn where the objectives match, for
float32 and float64 and 1 vs 2 threads. Also the float32 cost-overflow fallback of the cost kernel.
"""
import warnings

import numpy as np
import pytest

from pyml.exceptions import ConvergenceWarning
from pyml.linear_model import LinearRegression, LogisticRegression, compute_cost
from pyml.linear_model import _linear_model_kernels as _k

LIN, LOG = _k.MODEL_LINEAR, _k.MODEL_LOGISTIC


@pytest.fixture
def rng():
    return np.random.default_rng(12)


def ref_value_grad(X, y, w, b, lam, model, s):
    """The weighted course formulas in float64."""
    X, y, w, s = (np.asarray(a, dtype=np.float64) for a in (X, y, w, s))
    m = s.sum()
    z = X @ w + b
    if model == LIN:
        f, loss = z, 0.5 * (z - y) ** 2
    else:
        f, loss = 1.0 / (1.0 + np.exp(-z)), np.logaddexp(0.0, z) - y * z
    r = s * (f - y)
    J = (s @ loss) / m + lam / (2 * m) * (w @ w)
    return J, X.T @ r / m + lam / m * w, r.sum() / m


def ref_softmax_value_grad(X, y, W, b, lam, s):
    X, W, b, s = (np.asarray(a, dtype=np.float64) for a in (X, W, b, s))
    m = s.sum()
    Z = X @ W.T + b
    lse = np.logaddexp.reduce(Z, axis=1)
    P = np.exp(Z - lse[:, None])
    Y = np.eye(W.shape[0])[y]
    J = s @ (lse - Z[np.arange(len(y)), y]) / m + lam / (2 * m) * np.sum(W ** 2)
    R = s[:, None] * (P - Y)
    return J, R.T @ X / m + lam / m * W, R.sum(axis=0) / m


def problem(rng, n, d, model, dtype=np.float64):
    X = rng.normal(size=(n, d)).astype(dtype)
    y = (rng.random(n) < 0.5).astype(dtype) if model == LOG else rng.normal(size=n).astype(dtype)
    w = rng.normal(size=d).astype(dtype)
    s = rng.random(n).astype(dtype) * 3
    return X, y, w, s


TOL = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-11, atol=1e-12)}


# ---- kernels --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("model", [LIN, LOG])
@pytest.mark.parametrize("n", [7, 5000])   # one row block / several blocks
def test_value_grad_matches_numpy(rng, dtype, model, n):
    X, y, w, s = problem(rng, n, 6, model, dtype)
    s[::5] = 0.0
    cost, gw, gb = _k.value_grad(X, y, w, 0.3, model, 2.5, 2, s)
    J, rgw, rgb = ref_value_grad(X, y, w, 0.3, 2.5, model, s)
    assert gw.dtype == dtype
    assert cost == pytest.approx(J, rel=TOL[dtype]["rtol"])
    np.testing.assert_allclose(gw, rgw, **TOL[dtype])
    assert gb == pytest.approx(rgb, rel=TOL[dtype]["rtol"], abs=TOL[dtype]["atol"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_hessp_matches_numpy(rng, dtype):
    X, _, w, s = problem(rng, 3000, 5, LOG, dtype)
    v = rng.normal(size=5).astype(dtype)
    hw, hb = _k.hessp(X, w, 0.2, v, -0.4, 1.5, 2, s)
    X64, s64 = X.astype(np.float64), s.astype(np.float64)
    p = 1.0 / (1.0 + np.exp(-(X64 @ w + 0.2)))
    r = s64 * p * (1 - p) * (X64 @ v - 0.4)
    m = s64.sum()
    np.testing.assert_allclose(hw, X64.T @ r / m + 1.5 / m * v, **TOL[dtype])
    assert hb == pytest.approx(r.sum() / m, rel=TOL[dtype]["rtol"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_value_grad_and_hessp_match_numpy(rng, dtype):
    n, d, k = 2500, 4, 3
    X = rng.normal(size=(n, d)).astype(dtype)
    y = rng.integers(0, k, n).astype(np.int32)
    W, b = rng.normal(size=(k, d)).astype(dtype), rng.normal(size=k).astype(dtype)
    s = (rng.random(n) * 2).astype(dtype)
    cost, gW, gb = _k.softmax_value_grad(X, y, W, b, 0.7, 2, s)
    J, rgW, rgb = ref_softmax_value_grad(X, y, W, b, 0.7, s)
    assert cost == pytest.approx(J, rel=TOL[dtype]["rtol"])
    np.testing.assert_allclose(gW, rgW, **TOL[dtype])
    np.testing.assert_allclose(gb, rgb, **TOL[dtype])
    # H v by central differences of the (exact NumPy) gradient
    V, vb = rng.normal(size=(k, d)), rng.normal(size=k)
    hW, hb = _k.softmax_hessp(X, W, b, V.astype(dtype), vb.astype(dtype), 0.7, 2, s)
    eps = 1e-5
    Wd, bd = W.astype(np.float64), b.astype(np.float64)
    gp = ref_softmax_value_grad(X, y, Wd + eps * V, bd + eps * vb, 0.7, s)
    gm = ref_softmax_value_grad(X, y, Wd - eps * V, bd - eps * vb, 0.7, s)
    tol = dict(rtol=1e-3, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(hW, (gp[1] - gm[1]) / (2 * eps), **tol)
    np.testing.assert_allclose(hb, (gp[2] - gm[2]) / (2 * eps), **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_weighted_kernels_bitwise_identical_for_1_and_2_threads(rng, dtype):
    X, y, w, s = problem(rng, 9000, 7, LOG, dtype)   # several row blocks
    for model in (LIN, LOG):
        one, two = (_k.value_grad(X, y, w, 0.1, model, 1.0, t, s) for t in (1, 2))
        assert one[0] == two[0] and one[2] == two[2]
        np.testing.assert_array_equal(one[1], two[1])
        runs = []
        for t in (1, 2):
            wt = w.copy()
            runs.append((_k.gradient_descent(X, y, wt, 0.0, model, True, 0.05, 1.0, 5, 0.0, 1, 10, t, None, s), wt))
        assert runs[0][0][0] == runs[1][0][0]
        np.testing.assert_array_equal(runs[0][0][1], runs[1][0][1])
        np.testing.assert_array_equal(runs[0][1], runs[1][1])
    np.testing.assert_array_equal(*(_k.hessp(X, w, 0.1, w, 0.5, 1.0, t, s)[0] for t in (1, 2)))
    yk = rng.integers(0, 3, X.shape[0]).astype(np.int32)
    W, b = rng.normal(size=(3, 7)).astype(dtype), np.zeros(3, dtype=dtype)
    sm = [_k.softmax_value_grad(X, yk, W, b, 1.0, t, s) for t in (1, 2)]
    assert sm[0][0] == sm[1][0]
    np.testing.assert_array_equal(sm[0][1], sm[1][1])
    np.testing.assert_array_equal(*(_k.softmax_hessp(X, W, b, W, b + 1, 1.0, t, s)[0] for t in (1, 2)))


@pytest.mark.parametrize("model", [LIN, LOG])
def test_kernel_integer_weights_equal_repeated_rows_and_zero_drops(rng, model):
    X, y, w, _ = problem(rng, 300, 4, model)
    s = rng.integers(0, 4, 300).astype(np.float64)
    rep = s.astype(int)
    weighted = _k.value_grad(X, y, w, 0.5, model, 2.0, 1, s)
    repeated = _k.value_grad(np.repeat(X, rep, axis=0), np.repeat(y, rep), w, 0.5, model, 2.0, 1)
    assert weighted[0] == pytest.approx(repeated[0], rel=1e-13)
    np.testing.assert_allclose(weighted[1], repeated[1], rtol=1e-12, atol=1e-14)
    assert weighted[2] == pytest.approx(repeated[2], rel=1e-12, abs=1e-14)


def test_unit_weights_equal_the_unweighted_kernel(rng):
    X, y, w, _ = problem(rng, 5000, 6, LOG)
    for model in (LIN, LOG):
        a = _k.value_grad(X, y, w, 0.2, model, 1.0, 2)
        b = _k.value_grad(X, y, w, 0.2, model, 1.0, 2, np.ones(5000))
        assert a[0] == pytest.approx(b[0], rel=1e-14)
        np.testing.assert_allclose(a[1], b[1], rtol=1e-13, atol=1e-15)


def test_kernel_rejects_bad_weight_length_and_all_zero(rng):
    X, y, w, _ = problem(rng, 10, 3, LIN)
    with pytest.raises(ValueError, match="sample_weight has 9 entries"):
        _k.value_grad(X, y, w, 0.0, LIN, 0.0, 1, np.ones(9))
    with pytest.raises(Exception):   # the C kernel refuses m = Σ s = 0 (status PYML_ERR_VALUE)
        _k.value_grad(X, y, w, 0.0, LIN, 0.0, 1, np.zeros(10))


# ---- estimators: repeated rows, NumPy references, scikit-learn -------------------------------------------
ESTIMATORS = [
    lambda: LinearRegression(),
    lambda: LinearRegression(reg_lambda=3.0),
    lambda: LinearRegression(solver="gd", max_iter=3000, tol=1e-12),
    lambda: LogisticRegression(),
    lambda: LogisticRegression(solver="gd", learning_rate=0.5, max_iter=3000, tol=1e-12),
]


def _outputs(est, X):
    return est.predict_proba(X) if hasattr(est, "predict_proba") else est.predict(X)


@pytest.mark.parametrize("make, n_classes", [(m, 0) for m in ESTIMATORS[:3]] +
                         [(m, k) for m in ESTIMATORS[3:] for k in (2, 3)])
def test_integer_weights_equal_repeated_rows(rng, make, n_classes):
    n = 40
    X = rng.normal(size=(n, 5))
    if n_classes:
        y = rng.integers(0, n_classes, n)
    else:
        y = X @ rng.normal(size=5) + rng.normal(size=n)
    s = rng.integers(0, 4, n)
    s[:max(n_classes, 1)] = 1   # every class keeps a row
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = make().fit(X, y, sample_weight=s)
        repeated = make().fit(np.repeat(X, s, axis=0), np.repeat(y, s))
        dropped = make().fit(X[s > 0], y[s > 0], sample_weight=s[s > 0])
    np.testing.assert_allclose(_outputs(weighted, X), _outputs(repeated, X), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(_outputs(weighted, X), _outputs(dropped, X), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("seed", [17, 42])
def test_newton_on_a_flat_cost_does_not_depend_on_rounding(seed):
    """scikit-learn's equivalence data (15 x 30, three classes): more features than samples make the cost
    flat, and Newton-CG amplified rounding to 5e-5 in predict_proba before its final accurate step."""
    shuffle = pytest.importorskip("sklearn.utils").shuffle   # the check's own shuffling

    rng = np.random.RandomState(seed)
    X = rng.rand(15, 30)
    s = rng.randint(0, 5, size=15)
    _ = rng.randint(0, 2, size=15)
    y = rng.randint(0, 3, size=15)
    assert len(np.unique(np.repeat(y, s))) == 3
    Xw, yw, sw = shuffle(X, y, s, random_state=0)
    repeated = LogisticRegression().fit(np.repeat(X, s, axis=0), np.repeat(y, s)).predict_proba(X)
    weighted = LogisticRegression().fit(Xw, yw, sample_weight=sw).predict_proba(X)
    np.testing.assert_allclose(weighted, repeated, rtol=1e-7)


@pytest.mark.parametrize("lam", [0.0, 2.0])
def test_normal_equations_match_weighted_numpy_solution(rng, lam):
    X, y = rng.normal(size=(60, 4)), rng.normal(size=60)
    s = rng.random(60) * 2
    est = LinearRegression(reg_lambda=lam).fit(X, y, sample_weight=s)
    # min (1/2m) Σ s (x·w + b - y)² + λ/(2m)‖w‖²: [A1]ᵀ S [A1] θ + λ diag(1..1, 0) θ = [A1]ᵀ S y
    A = np.column_stack([X, np.ones(60)])
    P = np.diag([lam] * 4 + [0.0])
    theta = np.linalg.solve(A.T @ (s[:, None] * A) + P, A.T @ (s * y))
    np.testing.assert_allclose(est.coef_, theta[:4], rtol=1e-10)
    assert est.intercept_ == pytest.approx(theta[4], rel=1e-10, abs=1e-12)
    J = ref_value_grad(X, y, theta[:4], theta[4], lam, LIN, s)[0]
    assert est.cost_history_[-1] == pytest.approx(J, rel=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("model", [LIN, LOG])
def test_gradient_descent_matches_weighted_numpy_loop(rng, dtype, model):
    X, y, _, s = problem(rng, 200, 3, model, dtype)
    alpha, lam, iters = 0.1, 0.5, 40
    w, b = np.zeros(3), 0.0
    for _ in range(iters):   # the course's simultaneous update on the weighted cost
        _, gw, gb = ref_value_grad(X, y, w, b, lam, model, s)
        w, b = w - alpha * gw, b - alpha * gb
    kw = dict(learning_rate=alpha, max_iter=iters, tol=0.0, reg_lambda=lam)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = (LinearRegression(solver="gd", **kw) if model == LIN else LogisticRegression(solver="gd", **kw))
        est.fit(X, y, sample_weight=s)
    coef = est.coef_.ravel()
    assert coef.dtype == dtype
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(coef, w, **tol)
    assert float(np.ravel(est.intercept_)[0]) == pytest.approx(b, rel=tol["rtol"], abs=tol["atol"])


def test_auto_learning_rate_uses_the_weighted_lipschitz_constant(rng):
    from pyml.linear_model._linear import lipschitz_constant

    X, s = rng.normal(size=(300, 4)), rng.random(300) * 3
    A = np.column_stack([X, np.ones(300)])
    L = np.linalg.eigvalsh(A.T @ (s[:, None] * A) / s.sum()).max()
    # power iteration stops at a 1e-6 relative change; the unweighted L (or 1/n for λ) is off by percents
    assert lipschitz_constant(X, sample_weight=s, reg_lambda=2.0) == pytest.approx(L + 2.0 / s.sum(), rel=1e-4)


def test_linear_regression_matches_sklearn_with_sample_weight(rng):
    sk = pytest.importorskip("sklearn.linear_model")
    X, y = rng.normal(size=(80, 5)), rng.normal(size=80)
    s = rng.random(80) * 4
    ref = sk.LinearRegression().fit(X, y, sample_weight=s)
    for est in (LinearRegression(), LinearRegression(solver="gd", max_iter=3000, tol=0.0)):
        est.fit(X, y, sample_weight=s)
        np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
        assert est.intercept_ == pytest.approx(ref.intercept_, rel=1e-8, abs=1e-10)
        assert est.score(X, y, sample_weight=s) == pytest.approx(ref.score(X, y, sample_weight=s), rel=1e-10)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_logistic_regression_matches_sklearn_with_sample_weight(rng, n_classes):
    sk = pytest.importorskip("sklearn.linear_model")
    X = rng.normal(size=(150, 4))
    y = rng.integers(0, n_classes, 150)
    s = rng.random(150) * 3
    C = 0.7
    ref = sk.LogisticRegression(C=C, tol=1e-12, max_iter=10000).fit(X, y, sample_weight=s)
    est = LogisticRegression(reg_lambda=1.0 / C, tol=1e-10).fit(X, y, sample_weight=s)
    np.testing.assert_allclose(est.predict_proba(X), ref.predict_proba(X), rtol=1e-6, atol=1e-8)
    assert est.score(X, y, sample_weight=s) == pytest.approx(ref.score(X, y, sample_weight=s))


@pytest.mark.parametrize("make", [lambda n: LinearRegression(solver="gd", max_iter=30, tol=0.0, n_jobs=n),
                                  lambda n: LogisticRegression(n_jobs=n),
                                  lambda n: LogisticRegression(solver="gd", max_iter=30, tol=0.0, n_jobs=n)])
def test_weighted_fit_bitwise_identical_for_1_and_2_threads(rng, make):
    X = rng.normal(size=(8000, 12))   # 96 000 values: the estimators use 2 threads
    y = rng.integers(0, 3, 8000) if hasattr(make(1), "predict_proba") else X @ rng.normal(size=12)
    s = rng.random(8000) * 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        one, two = (make(n).fit(X, y, sample_weight=s) for n in (1, 2))
    assert two._n_threads(X) == 2
    np.testing.assert_array_equal(one.coef_, two.coef_)
    np.testing.assert_array_equal(one.intercept_, two.intercept_)


@pytest.mark.parametrize("make", ESTIMATORS)
def test_float32_weighted_fit_keeps_float32_and_matches_float64(rng, make):
    X = rng.normal(size=(120, 3))
    classifier = hasattr(make(), "predict_proba")
    y = rng.integers(0, 2, 120) if classifier else X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=120)
    s = rng.random(120) * 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        e32 = make().fit(X.astype(np.float32), y, sample_weight=s)
        e64 = make().fit(X, y, sample_weight=s)
    assert e32.coef_.dtype == np.float32
    np.testing.assert_allclose(e32.coef_, e64.coef_, rtol=2e-3, atol=2e-4)


def test_partial_fit_takes_one_weighted_gradient_step(rng):
    X, y, _, s = problem(rng, 50, 3, LIN)
    est = LinearRegression(solver="gd", learning_rate=0.2).partial_fit(X, y, sample_weight=s)
    _, gw, gb = ref_value_grad(X, y, np.zeros(3), 0.0, 0.0, LIN, s)
    np.testing.assert_allclose(est.coef_, -0.2 * gw, rtol=1e-12)
    assert est.intercept_ == pytest.approx(-0.2 * gb, rel=1e-12)
    Xl, yl, _, sl = problem(rng, 50, 3, LOG)
    clf = LogisticRegression(solver="gd", learning_rate=0.3, reg_lambda=1.0)
    clf.partial_fit(Xl, yl, classes=[0.0, 1.0], sample_weight=sl)
    _, gw, gb = ref_value_grad(Xl, yl, np.zeros(3), 0.0, 1.0, LOG, sl)
    np.testing.assert_allclose(clf.coef_[0], -0.3 * gw, rtol=1e-12)
    assert clf.intercept_[0] == pytest.approx(-0.3 * gb, rel=1e-12)


# ---- validation -------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [LinearRegression, lambda: LinearRegression(solver="gd"), LogisticRegression,
                                  lambda: LogisticRegression(solver="gd")])
@pytest.mark.parametrize("bad, match", [
    (np.ones(9), "sample_weight has 9 entries"),
    (np.r_[np.ones(9), np.nan], "sample_weight.*NaN"),
    (np.r_[np.ones(9), np.inf], "sample_weight.*inf"),
    (np.r_[np.ones(9), -1.0], "sample_weight must be non-negative"),
    (np.zeros(10), "sample_weight are all zero"),
    (np.ones((10, 2)), "sample_weight should be a 1d array"),
])
def test_bad_sample_weight_raises_before_fitting(rng, make, bad, match):
    X, y = rng.normal(size=(10, 2)), np.arange(10) % 2
    est = make()
    with pytest.raises(ValueError, match=match):
        est.fit(X, y, sample_weight=bad)
    assert not hasattr(est, "coef_")


def test_sample_weight_sum_beyond_float32_raises(rng):
    X, y = rng.normal(size=(10, 2)).astype(np.float32), np.arange(10.0)
    with pytest.raises(ValueError, match="sample_weight sums to .* beyond X's dtype float32"):
        LinearRegression(solver="gd").fit(X, y, sample_weight=np.full(10, 1e38))


@pytest.mark.parametrize("make", [LinearRegression, lambda: LinearRegression(solver="gd"), LogisticRegression])
def test_sample_weight_as_list_strided_read_only_big_endian(rng, make):
    X, y = rng.normal(size=(30, 3)), np.arange(30) % 2
    base = rng.random(60) * 2
    s = np.ascontiguousarray(base[::2])
    ro = s.copy()
    ro.flags.writeable = False
    ref = _outputs(make().fit(X, y, sample_weight=s), X)
    for variant in (list(s), base[::2], ro, s.astype(">f8"), s.astype(np.float32)):
        np.testing.assert_allclose(_outputs(make().fit(X, y, sample_weight=variant), X), ref, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(ro, s)   # weights are never modified


def test_scalar_sample_weight_is_broadcast(rng):
    X, y = rng.normal(size=(30, 3)), rng.normal(size=30)
    a = LinearRegression(reg_lambda=1.0).fit(X, y, sample_weight=2.0)
    # a constant weight c multiplies m, so the penalty acts as λ/c
    b = LinearRegression(reg_lambda=0.5).fit(X, y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-10)


# ---- float32 cost overflow --------------------------------------------------------------------------------
@pytest.mark.parametrize("weighted", [False, True])
def test_float32_cost_does_not_overflow_for_huge_x(rng, weighted):
    """(x·w - y)² ≈ 1e39 overflows float32 block sums; the cost (a double) is recomputed in double."""
    X = (rng.random((50, 2)) + 1.0) * 3e19
    y, w = np.zeros(50), np.array([1.0, -0.5])
    s = rng.random(50) + 0.5 if weighted else np.ones(50)
    ref = ref_value_grad(X, y, w, 0.0, 0.0, LIN, s)[0]
    X32, y32, w32 = (a.astype(np.float32) for a in (X, y, w))
    if weighted:
        cost = _k.value_grad(X32, y32, w32, 0.0, LIN, 0.0, 1, s.astype(np.float32))[0]
    else:
        cost = compute_cost(X32, y32, w32, 0.0, model="linear")
    assert np.isfinite(cost)
    ref32 = ref_value_grad(X32, y32, w32, 0.0, 0.0, LIN, s.astype(np.float32))[0]
    assert cost == pytest.approx(ref32, rel=1e-6)
    assert cost == pytest.approx(ref, rel=1e-5)
    if not weighted:   # float64 never needed the fallback
        assert compute_cost(X, y, w, 0.0, model="linear") == pytest.approx(ref, rel=1e-12)
