"""PCA: scikit-learn agreement (signs included), a NumPy SVD reference, C kernels, threads, bad input, pickling."""
import pickle

import numpy as np
import pytest

from pyml.decomposition import PCA
from pyml.decomposition import _decomposition_kernels as K

DTYPES = [np.float32, np.float64]


@pytest.fixture(autouse=True)
def _single_threaded_blas():
    """The NumPy/scikit-learn references run on one BLAS thread: OpenBLAS's
    threads fighting the OpenMP pool on a small shared machine make a 10 ms
    SVD take a second (the kernels under test keep their own thread count)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
SHAPES = [(200, 10), (30, 80), (600, 100), (100, 600), (2000, 30)]


def _data(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    n, d = shape
    # decaying spectrum + an offset: the centring matters and the axes are well separated
    return (rng.normal(size=(n, d)) * np.linspace(3.0, 0.1, d) + 5.0).astype(dtype)


def _tol(dtype):
    return dict(rtol=2e-4, atol=2e-4) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-9)


def _numpy_pca(X, k):
    """Reference: SVD of the centred data with the largest |entry| of every axis positive."""
    X = X.astype(np.float64)
    Xc = X - X.mean(0)
    _, S, Vt = np.linalg.svd(Xc, full_matrices=False)
    idx = np.abs(Vt).argmax(1)
    Vt = Vt * np.sign(Vt[np.arange(len(Vt)), idx])[:, None]
    ev = S ** 2 / (len(X) - 1)
    return Vt[:k], S[:k], ev[:k], ev[:k] / ev.sum(), (ev[k:].mean() if k < len(ev) else 0.0)


# ---- the C kernels against NumPy ---------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 3), (7, 5), (1300, 37), (40, 300)])
def test_kernels_match_numpy(dtype, shape):
    X = _data(shape, dtype)
    X64 = X.astype(np.float64)
    mean, sq = K.moments(X, 2)
    np.testing.assert_allclose(mean, X64.mean(0), rtol=1e-12, atol=1e-12)
    Xc = X64 - mean
    np.testing.assert_allclose(sq, (Xc ** 2).sum(0), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(K.covariance(X, mean, 2), Xc.T @ Xc, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(K.gram(X, mean, 2), Xc @ Xc.T, rtol=1e-10, atol=1e-9)
    rng = np.random.default_rng(1)
    Q = rng.normal(size=(shape[1], 6)).astype(dtype)
    P = rng.normal(size=(shape[0], 6)).astype(dtype)
    tol = _tol(dtype)
    np.testing.assert_allclose(K.project(X, mean, Q, 2), Xc @ Q.astype(np.float64), **tol)
    np.testing.assert_allclose(K.project_t(X, mean, P, 2), Xc.T @ P.astype(np.float64), **tol)
    np.testing.assert_allclose(K.project(X, None, Q, 2), X64 @ Q.astype(np.float64), rtol=1e-4 if dtype ==
                               np.float32 else 1e-10)
    assert K.covariance(X, mean, 1).dtype == np.float64 and K.project(X, mean, Q, 1).dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_kernels_one_vs_two_threads_bitwise(dtype):
    X = _data((5000, 45), dtype)
    P = np.random.default_rng(2).normal(size=(5000, 7)).astype(dtype)
    Q = np.random.default_rng(3).normal(size=(45, 7)).astype(dtype)
    m1, s1 = K.moments(X, 1)
    m2, s2 = K.moments(X, 2)
    assert np.array_equal(m1, m2) and np.array_equal(s1, s2)
    assert np.array_equal(K.covariance(X, m1, 1), K.covariance(X, m1, 2))
    assert np.array_equal(K.project_t(X, m1, P, 1), K.project_t(X, m1, P, 2))
    assert np.array_equal(K.project(X, m1, Q, 1), K.project(X, m1, Q, 2))
    W = _data((60, 500), dtype)
    mw, _ = K.moments(W, 1)
    assert np.array_equal(K.gram(W, mw, 1), K.gram(W, mw, 2))


@pytest.mark.parametrize("solver", ["full", "randomized"])
def test_pca_one_vs_two_threads_bitwise(solver):
    X = _data((3000, 60), np.float64)
    a = PCA(5, svd_solver=solver, random_state=0, n_jobs=1).fit(X)
    b = PCA(5, svd_solver=solver, random_state=0, n_jobs=2).fit(X)
    assert np.array_equal(a.components_, b.components_)
    assert np.array_equal(a.explained_variance_, b.explained_variance_)
    assert np.array_equal(a.transform(X), b.transform(X))


# ---- against the NumPy SVD reference and scikit-learn -------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_full_matches_numpy_svd(dtype, shape):
    X = _data(shape, dtype)
    k = 6
    pca = PCA(k, svd_solver="full").fit(X)
    Vt, S, ev, ratio, noise = _numpy_pca(X, k)
    tol = _tol(dtype)
    np.testing.assert_allclose(pca.components_, Vt, **tol)
    np.testing.assert_allclose(pca.singular_values_, S, **tol)
    np.testing.assert_allclose(pca.explained_variance_, ev, **tol)
    np.testing.assert_allclose(pca.explained_variance_ratio_, ratio, **tol)
    np.testing.assert_allclose(pca.noise_variance_, noise, **tol)
    np.testing.assert_allclose(pca.mean_, X.astype(np.float64).mean(0), **tol)
    np.testing.assert_allclose(pca.transform(X), (X - X.astype(np.float64).mean(0)) @ Vt.T,
                               rtol=1e-3 if dtype == np.float32 else 1e-9, atol=1e-3 if dtype == np.float32 else 1e-9)
    assert pca.components_.dtype == dtype and pca.transform(X).dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("solver", ["full", "randomized", "auto"])
def test_matches_sklearn(dtype, shape, solver):
    sk = pytest.importorskip("sklearn.decomposition")
    X = _data(shape, dtype)
    for k in ((1, 5) if solver == "full" else (4,)):
        a = PCA(k, svd_solver=solver, random_state=0).fit(X)
        b = sk.PCA(k, svd_solver=solver, random_state=0).fit(X)
        # scikit-learn's float32 SVD carries float32 rounding; pyml accumulates in float64
        tol = dict(rtol=2e-3, atol=2e-3) if dtype == np.float32 else _tol(dtype)
        np.testing.assert_allclose(a.components_, b.components_, **tol)  # signs included
        np.testing.assert_allclose(a.explained_variance_, b.explained_variance_, **tol)
        np.testing.assert_allclose(a.explained_variance_ratio_, b.explained_variance_ratio_, **tol)
        np.testing.assert_allclose(a.singular_values_, b.singular_values_, **tol)
        np.testing.assert_allclose(a.noise_variance_, b.noise_variance_, **tol)
        np.testing.assert_allclose(a.mean_, b.mean_, **tol)
        scale = np.abs(b.transform(X)).max()
        np.testing.assert_allclose(a.transform(X), b.transform(X), rtol=0, atol=(3e-3 if dtype == np.float32 else
                                                                                  1e-10) * scale)
        assert a.n_components_ == b.n_components_ and a.n_features_in_ == b.n_features_in_


@pytest.mark.parametrize("frac", [0.5, 0.9, 0.99])
@pytest.mark.parametrize("shape", [(300, 20), (40, 90)])
def test_fractional_n_components_and_whiten_match_sklearn(frac, shape):
    sk = pytest.importorskip("sklearn.decomposition")
    X = _data(shape, np.float64)
    a = PCA(frac, whiten=True).fit(X)
    b = sk.PCA(frac, whiten=True).fit(X)
    assert a.n_components_ == b.n_components_
    np.testing.assert_allclose(a.transform(X), b.transform(X), atol=1e-9)
    np.testing.assert_allclose(a.fit_transform(X), b.fit_transform(X), atol=1e-9)
    Z = a.transform(X)
    np.testing.assert_allclose(a.inverse_transform(Z), b.inverse_transform(Z), atol=1e-9)
    np.testing.assert_allclose(Z.std(0, ddof=1), 1.0, atol=1e-9)  # whitened: unit variance


def test_none_keeps_all_and_inverse_is_exact():
    X = _data((50, 8), np.float64)
    X0 = X.copy()
    pca = PCA(copy=False).fit(X)
    assert np.array_equal(X, X0)  # never modified, whatever copy says
    assert pca.n_components_ == 8 and pca.noise_variance_ == 0.0
    np.testing.assert_allclose(pca.inverse_transform(pca.transform(X)), X, atol=1e-10)
    np.testing.assert_allclose(pca.explained_variance_ratio_.sum(), 1.0, atol=1e-12)
    np.testing.assert_allclose(pca.components_ @ pca.components_.T, np.eye(8), atol=1e-12)
    np.testing.assert_allclose(pca.explained_variance_.sum(), X.var(0, ddof=1).sum(), rtol=1e-12)


def test_closed_form_two_dimensions():
    # points on the line y = x (plus a tiny orthogonal wiggle): the first axis is (1, 1)/sqrt(2)
    t = np.linspace(-1, 1, 11)
    X = np.c_[t + 1e-3 * t ** 2, t - 1e-3 * t ** 2]
    pca = PCA(2).fit(X)
    np.testing.assert_allclose(pca.components_[0], [2 ** -0.5, 2 ** -0.5], atol=1e-6)
    np.testing.assert_allclose(pca.explained_variance_[0], 2 * t.var(ddof=1), rtol=1e-5)


def test_layouts_and_lists_just_work():
    X = _data((80, 6), np.float64)
    ref = PCA(3).fit(X).components_
    for variant in (np.asfortranarray(X), X.astype(">f8"), X.tolist(), np.repeat(X, 2, axis=1)[:, ::2]):
        np.testing.assert_allclose(PCA(3).fit(variant).components_, ref, atol=1e-12)
    ro = X.copy()
    ro.flags.writeable = False
    np.testing.assert_allclose(PCA(3).fit(ro).components_, ref, atol=1e-12)


def test_randomized_seed_is_reproducible_and_params_roundtrip():
    X = _data((700, 120), np.float64)
    a = PCA(4, svd_solver="randomized", random_state=3).fit(X)
    b = PCA(4, svd_solver="randomized", random_state=3).fit(X)
    assert np.array_equal(a.components_, b.components_)
    p = PCA(3, whiten=True, n_jobs=2)
    assert p.get_params()["n_components"] == 3 and p.get_params()["whiten"] is True
    p.set_params(n_components=2)
    assert p.n_components == 2


def test_pickle_roundtrip():
    X = _data((100, 7), np.float32)
    pca = PCA(3, whiten=True).fit(X)
    back = pickle.loads(pickle.dumps(pca))
    assert np.array_equal(back.transform(X), pca.transform(X))
    assert np.array_equal(back.components_, pca.components_)


# ---- bad input -----------------------------------------------------------------

@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(n_components=0), ValueError, "between 1 and"),
    (dict(n_components=11), ValueError, "between 1 and"),
    (dict(n_components=1.5), ValueError, r"in \(0, 1\)"),
    (dict(n_components="mle"), ValueError, "not supported"),
    (dict(n_components=True), TypeError, "n_components"),
    (dict(n_components=0.5, svd_solver="randomized"), ValueError, "fractional"),
    (dict(svd_solver="arpack"), ValueError, "svd_solver"),
    (dict(whiten="yes"), TypeError, "whiten"),
    (dict(iterated_power=-1), ValueError, "iterated_power"),
    (dict(n_oversamples=0), ValueError, "n_oversamples"),
    (dict(power_iteration_normalizer="svd"), ValueError, "power_iteration_normalizer"),
    (dict(random_state=-3, svd_solver="randomized", n_components=2), ValueError, "random_state"),
    (dict(n_jobs=0), ValueError, "n_jobs"),
])
def test_bad_params(kwargs, exc, match):
    X = _data((30, 10), np.float64)
    with pytest.raises(exc, match=match):
        PCA(**kwargs).fit(X)


def test_bad_data():
    X = _data((30, 4), np.float64)
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        PCA(2).fit(bad)
    bad[3, 2] = np.inf
    with pytest.raises(ValueError, match="(?i)inf"):
        PCA(2).fit(bad)
    with pytest.raises(ValueError, match="2D"):
        PCA(1).fit(X[0])
    with pytest.raises(ValueError, match="minimum of 2"):
        PCA(1).fit(X[:1])
    with pytest.raises(ValueError):
        PCA(1).fit(np.empty((0, 3)))
    with pytest.raises(ValueError, match="non-numeric"):
        PCA(1).fit(np.array([["a", "b"], ["c", "d"]], dtype=object))
    pca = PCA(2).fit(X)
    with pytest.raises(ValueError, match="features"):
        pca.transform(X[:, :3])
    with pytest.raises(ValueError, match="columns"):
        pca.inverse_transform(np.zeros((2, 3)))
    from pyml.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        PCA(2).transform(X)


@pytest.mark.parametrize("kwargs", [dict(n_components=3, iterated_power=1), dict(n_components=3, iterated_power=0),
                                    dict(n_components=3, power_iteration_normalizer="LU"),
                                    dict(n_components=3, power_iteration_normalizer="none", iterated_power=3),
                                    dict(n_components=None), dict(n_components=4, n_oversamples=3)])
@pytest.mark.parametrize("shape", [(300, 40), (40, 300)])
def test_randomized_options_match_sklearn(kwargs, shape):
    sk = pytest.importorskip("sklearn.decomposition")
    X = _data(shape, np.float64)
    a = PCA(svd_solver="randomized", random_state=0, **kwargs).fit(X)
    b = sk.PCA(svd_solver="randomized", random_state=0, **kwargs).fit(X)
    k = b.n_components_ - (1 if kwargs.get("n_components") is None else 0)  # the last axis of a rank-deficient X
    np.testing.assert_allclose(a.components_[:k], b.components_[:k], atol=1e-8)
    np.testing.assert_allclose(a.explained_variance_, b.explained_variance_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(a.noise_variance_, b.noise_variance_, rtol=1e-8, atol=1e-10)
