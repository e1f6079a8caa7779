"""Property tests of the PCA kernels (csrc/decomposition*) against NumPy's eigh of the covariance.

explained_variance_ equals the top eigenvalues of the (n - 1)-normalised
covariance; components_ are its eigenvectors up to sign where the eigenvalues
are separated (and carry scikit-learn's sign rule); transform is (X - mean) V^T;
with n_components = d, inverse_transform(transform(X)) == X. Wide data
(n < d) goes through the Gram-matrix path and is covered too.
"""
import numpy as np
import pytest

pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

from _strategies import matrices, multi_block_matrices, native64, prop_settings, result_dtype, tol  # noqa: E402,E501
from pyml.decomposition import PCA  # noqa: E402
from pyml.decomposition import _decomposition_kernels as _k  # noqa: E402


def ref_eig(X):
    Xn = native64(X)
    cov = np.atleast_2d(np.cov(Xn.T, ddof=1))
    vals, vecs = np.linalg.eigh(cov)
    order = np.argsort(vals)[::-1]
    return np.maximum(vals[order], 0.0), vecs[:, order].T


@prop_settings(40)
@given(X=matrices(n_min=2, n_max=60, d_max=8, distinct=True), data=st.data())
def test_explained_variance_and_components_match_eigh(X, data):
    n, d = X.shape
    k = data.draw(st.integers(1, min(n, d)))
    pca = PCA(n_components=k, svd_solver="full").fit(X)
    vals, vecs = ref_eig(X)
    dt = result_dtype(X)
    assert pca.components_.shape == (k, d) and pca.components_.dtype == dt
    rtol, _ = tol(dt, factor=100)
    top = vals[0] if vals[0] > 0 else 1.0
    np.testing.assert_allclose(pca.explained_variance_, vals[:k], rtol=0, atol=rtol * top)
    np.testing.assert_allclose(pca.explained_variance_ratio_, vals[:k] / vals.sum() if vals.sum() > 0 else 0,
                               rtol=0, atol=rtol * 10)
    np.testing.assert_allclose(pca.mean_, native64(X).mean(axis=0), rtol=rtol,
                               atol=rtol * max(1.0, float(np.abs(native64(X)).max())))
    # Orthonormal rows, except the axes of a zero singular value (wide data: centred X has rank <= n - 1),
    # which are documented to be left at zero.
    C = native64(pca.components_)
    norms = np.linalg.norm(C, axis=1)
    zero = norms == 0
    assert np.all(zero | (np.abs(norms - 1) <= rtol * 100))
    assert np.all(native64(pca.explained_variance_)[zero] <= np.sqrt(tol(np.float64)[0]) * top)
    if n < d:   # wide data (Gram path): the last axis is always undefined
        assert zero[-1] or k < n
    np.testing.assert_allclose(C @ C.T, np.diag(~zero).astype(float), atol=rtol * 100)
    # Eigenvectors up to sign, where the eigenvalue is separated from its neighbours.
    gaps = np.abs(np.diff(vals))
    for i in range(k):
        gap = min(gaps[i - 1] if i > 0 else np.inf, gaps[i] if i < len(gaps) else np.inf)
        if gap > 1e-3 * top and vals[i] > 1e-6 * top:
            ref = vecs[i] * np.sign(vecs[i][np.argmax(np.abs(vecs[i]))])
            np.testing.assert_allclose(C[i], ref, atol=np.sqrt(rtol) * top / gap)
        # scikit-learn's svd_flip: the largest-magnitude entry of a component is positive
        assert zero[i] or C[i][np.argmax(np.abs(C[i]))] > 0


@prop_settings(40)
@given(X=matrices(n_min=2, n_max=60, d_max=8, distinct=True), data=st.data())
def test_transform_is_centred_projection_and_full_rank_round_trip(X, data):
    n, d = X.shape
    Xn = native64(X)
    k = min(n, d)
    pca = PCA(n_components=k, svd_solver="full").fit(X)
    Z = pca.transform(X)
    dt = result_dtype(X)
    rtol, _ = tol(dt, factor=100)
    scale = max(1.0, float(np.abs(Xn).max()))
    np.testing.assert_allclose(Z, (Xn - native64(pca.mean_)) @ native64(pca.components_).T, rtol=0,
                               atol=rtol * scale * d)
    if k == d:   # n >= d: the components are a basis of R^d and the round trip is exact
        np.testing.assert_allclose(pca.inverse_transform(Z), Xn, rtol=0, atol=rtol * scale * d)
    Y = data.draw(matrices(n_min=1, d=d))
    np.testing.assert_allclose(pca.transform(Y), (native64(Y) - native64(pca.mean_)) @ native64(pca.components_).T,
                               rtol=0, atol=rtol * max(scale, float(np.abs(native64(Y)).max())) * d)


@prop_settings(25)
@given(X=matrices(n_min=2, n_max=60, choices=(np.float64,), distinct=True))
def test_float32_within_float32_tolerance_of_float64(X):
    X32 = np.asarray(X, dtype=np.float32)
    a = PCA(svd_solver="full").fit(X32)
    b = PCA(svd_solver="full").fit(X32.astype(np.float64))
    assert a.explained_variance_.dtype == np.float32
    top = max(float(b.explained_variance_[0]), 1e-30)
    rtol, _ = tol(np.float32, factor=100)
    np.testing.assert_allclose(a.explained_variance_, b.explained_variance_, rtol=0, atol=rtol * top)


@prop_settings(10)
@given(X=multi_block_matrices())
def test_kernels_bitwise_identical_for_1_and_2_threads(X):
    dt = X.dtype
    m1, m2 = _k.moments(X, 1), _k.moments(X, 2)
    for a, b in zip(m1, m2):
        np.testing.assert_array_equal(a, b)
    mean = np.ascontiguousarray(native64(X).mean(axis=0))
    np.testing.assert_array_equal(_k.covariance(X, mean, 1), _k.covariance(X, mean, 2))
    G = np.ascontiguousarray(X[:1500])   # the Gram matrix is n x n: keep it at most 18 MB
    mean_g = np.ascontiguousarray(native64(G).mean(axis=0))
    np.testing.assert_array_equal(_k.gram(G, mean_g, 1), _k.gram(G, mean_g, 2))
    Q = np.ascontiguousarray(np.eye(X.shape[1], 2, dtype=dt))
    np.testing.assert_array_equal(_k.project(X, mean, Q, 1), _k.project(X, mean, Q, 2))


@pytest.mark.parametrize("n", [0, 1])
def test_fewer_than_two_samples_raise_naming_x(n):
    with pytest.raises(ValueError, match=rf"PCA: .*{n} sample.* in X"):
        PCA().fit(np.zeros((n, 3)))


def test_one_feature():
    X = np.array([[1.0], [3.0], [5.0]])
    pca = PCA().fit(X)
    np.testing.assert_allclose(pca.explained_variance_, [4.0])
    np.testing.assert_allclose(pca.components_, [[1.0]])
    np.testing.assert_allclose(pca.transform(X), [[-2.0], [0.0], [2.0]])


@prop_settings(30)
@given(X=matrices(n_min=2, n_max=60, d_max=8, distinct=True), data=st.data())
def test_randomized_solver_is_exact_when_the_sketch_spans_everything(X, data):
    """k + n_oversamples >= min(n, d): the randomized range finder spans the whole row space, so its
    explained variances are the exact ones."""
    n, d = X.shape
    k = data.draw(st.integers(1, min(n, d)))
    full = PCA(n_components=k, svd_solver="full").fit(X)
    rnd = PCA(n_components=k, svd_solver="randomized", random_state=0).fit(X)
    rtol, _ = tol(result_dtype(X), factor=1e3)
    top = max(float(full.explained_variance_[0]), 1e-300)
    np.testing.assert_allclose(rnd.explained_variance_, full.explained_variance_, rtol=0, atol=rtol * top)
