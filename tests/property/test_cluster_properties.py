"""Property tests of the k-means kernels (csrc/cluster*) against NumPy references.

Ties: ``find_closest_centroids`` and ``KMeans.predict`` document "ties go to the
lowest index". Exact ties (duplicate centroids) are checked exactly; near ties
(two distances equal within rounding) accept either centroid whose float64
distance is within the rounding tolerance of the minimum.
"""
import warnings

import numpy as np
import pytest

pytest.importorskip("hypothesis")
from hypothesis import event, given, strategies as st  # noqa: E402

from _strategies import (  # noqa: E402
    assert_close, labels, matrices, multi_block_matrices, native64, prop_settings, result_dtype, tol, with_layout,
)
from pyml.cluster import (  # noqa: E402
    KMeans, compute_centroids, find_closest_centroids, kmeans_plusplus, run_kmeans,
)
from pyml.cluster import _cluster_kernels as _k  # noqa: E402


def sq_dists(X, C):
    X, C = native64(X), native64(C)
    return ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)


@st.composite
def data_and_centroids(draw, n_min=1, n_max=60, k_max=6, expand=False):
    X = draw(matrices(n_min=n_min, n_max=n_max, lo=-50, hi=50))
    k = draw(st.integers(1, k_max))
    C = draw(matrices(n=k, d=X.shape[1], lo=-50, hi=50))
    if C.dtype.newbyteorder("=") != X.dtype.newbyteorder("="):
        C = C.astype(X.dtype)
    if draw(st.booleans()) and k > 1:   # an exact duplicate centroid: the tie must go to the lower index
        C = np.array(C)
        C[-1] = C[0]
    return X, C


def check_assignment(X, C, lab, expanded, shift=None):
    """lab[i] attains min_j ||x_i - c_j||^2 up to rounding, and exact ties go to the lowest index.

    Rounding of the direct formula is relative to the distance; of the expanded one (KMeans, which works
    on data centred by ``shift`` and stores centres as centred centre + shift) to
    ||x - shift||^2 + ||c - shift||^2 + ||shift||^2."""
    D = sq_dists(X, C)
    n = X.shape[0]
    dmin = D.min(axis=1)
    rtol, _ = tol(result_dtype(X), factor=10)
    if expanded:
        s = np.zeros(X.shape[1]) if shift is None else native64(shift)
        mag = ((native64(X) - s) ** 2).sum(1)[:, None] + ((native64(C) - s) ** 2).sum(1)[None, :] + (s ** 2).sum()
    else:
        mag = D
    slack = rtol * (mag[np.arange(n), lab] + mag.min(axis=1)) + 10 * float(np.finfo(result_dtype(X)).tiny)
    assert np.all(D[np.arange(n), lab] <= dmin + slack)
    if expanded:
        # KMeans keeps fit's centred centres so that predict reproduces labels_: two centres 1 ulp apart
        # there can round to the same cluster_centers_ row, and either copy is then a correct answer
        return
    Cn = native64(C)
    for j in np.unique(lab):   # never a later copy of an identical centroid
        same = np.flatnonzero(np.all(Cn == Cn[j], axis=1))
        assert same[0] == j


@prop_settings(40)
@given(data_and_centroids())
def test_find_closest_centroids_is_numpy_argmin(xc):
    X, C = xc
    lab = find_closest_centroids(X, C)
    assert lab.shape == (X.shape[0],) and lab.dtype == np.intp
    check_assignment(X, C, lab, expanded=False)


@prop_settings(40)
@given(data=st.data())
def test_compute_centroids_are_label_means(data):
    X = data.draw(matrices(n_min=1))
    K = data.draw(st.integers(1, 6))
    idx = data.draw(labels(X.shape[0], K))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        C = compute_centroids(X, idx, K)
    Xn = native64(X)
    ref = np.tile(Xn.mean(axis=0), (K, 1))
    for k in range(K):
        if np.any(idx == k):
            ref[k] = Xn[idx == k].mean(axis=0)
    empty = [k for k in range(K) if not np.any(idx == k)]
    assert bool(empty) == any(issubclass(w.category, RuntimeWarning) for w in caught)
    assert C.shape == (K, X.shape[1]) and C.dtype == result_dtype(X)
    assert_close(C, ref, C.dtype, scale=max(1.0, float(np.abs(Xn).max())))


@prop_settings(40)
@given(data=st.data())
def test_kmeans_plusplus_returns_rows_of_x(data):
    X = data.draw(matrices(n_min=1))
    k = data.draw(st.integers(1, min(6, X.shape[0])))
    seed = data.draw(st.integers(0, 1000))
    centers, idx = kmeans_plusplus(X, k, random_state=seed)
    assert centers.shape == (k, X.shape[1]) and idx.shape == (k,)
    assert np.all((idx >= 0) & (idx < X.shape[0]))
    np.testing.assert_array_equal(centers, native64(X)[idx].astype(centers.dtype))
    # Every next centre is drawn with probability ~ D(x)^2: a row at distance 0 (a centre already chosen, or a
    # copy of one) has probability 0 while any other row remains, so the centres are distinct rows while
    # X has enough of them. (Only checked where distinct rows have squared distances that float32/64 resolve:
    # not for rows 1e-215 apart, nor for rows closer than the rounding of ||x||^2 - 2 x.c + ||c||^2.)
    U = np.unique(native64(X), axis=0)
    D = sq_dists(U, U)[np.triu_indices(U.shape[0], 1)]
    norms = (U ** 2).sum(1)
    mag = (norms[:, None] + norms[None, :])[np.triu_indices(U.shape[0], 1)]
    dt = result_dtype(X)
    if np.all(D > tol(dt, factor=100)[0] * mag + 1e6 * float(np.finfo(dt).tiny)):
        assert np.unique(native64(centers), axis=0).shape[0] == min(k, U.shape[0])


@st.composite
def fitted(draw, n_min=2):
    X = draw(matrices(n_min=n_min, n_max=60, lo=-20, hi=20))
    k = draw(st.integers(1, min(5, X.shape[0])))
    algorithm = draw(st.sampled_from(["lloyd", "hamerly"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        km = KMeans(k, n_init=1, random_state=draw(st.integers(0, 100)), algorithm=algorithm).fit(X)
    return X, km


@prop_settings(30)
@given(fitted(), st.data())
def test_kmeans_predict_transform_match_numpy(xkm, data):
    X, km = xkm
    C = km.cluster_centers_
    assert C.dtype == result_dtype(X)
    Y = data.draw(matrices(n_min=1, d=X.shape[1], lo=-20, hi=20))
    for Z in (X, Y):
        lab = km.predict(Z)
        check_assignment(Z.astype(C.dtype), C, lab, expanded=True, shift=native64(X).mean(axis=0))
        T = km.transform(Z)
        assert T.shape == (Z.shape[0], C.shape[0]) and T.dtype == C.dtype
        D = sq_dists(Z.astype(C.dtype), C)
        mag = (native64(Z) ** 2).sum(1)[:, None] + (native64(C) ** 2).sum(1)[None, :]
        rtol, _ = tol(C.dtype, factor=10)
        # (+ a few smallest normals: a squared distance below them underflows to 0 in float32)
        assert np.all(np.abs(native64(T) ** 2 - D) <= rtol * (mag + D) + 10 * float(np.finfo(C.dtype).tiny))
    np.testing.assert_array_equal(km.predict(X), km.labels_)  # documented: bit for bit
    D = sq_dists(X.astype(C.dtype), C)
    ref_inertia = float(D[np.arange(X.shape[0]), km.labels_].sum())
    mag = float((native64(X) ** 2).sum() + X.shape[0] * (native64(C) ** 2).sum(1).max())
    slack = tol(C.dtype, factor=10)[0] * (mag + ref_inertia) + 10 * X.shape[0] * float(np.finfo(C.dtype).tiny)
    assert abs(km.inertia_ - ref_inertia) <= slack


@prop_settings(10)
@given(multi_block_matrices(), st.integers(1, 6), st.booleans())
def test_assign_transform_kernels_bitwise_identical_for_1_and_2_threads(X, k, direct):
    C = np.ascontiguousarray(X[:: max(1, X.shape[0] // k)][:k])
    l1, d1 = _k.assign(X, C, direct, 1)
    l2, d2 = _k.assign(X, C, direct, 2)
    np.testing.assert_array_equal(l1, l2)
    np.testing.assert_array_equal(d1, d2)
    np.testing.assert_array_equal(_k.transform(X, C, 1), _k.transform(X, C, 2))
    cen = [C.copy(), C.copy()]
    w = [_k.centroids(X, l1, None, cen[t], t + 1) for t in range(2)]
    np.testing.assert_array_equal(w[0], w[1])
    np.testing.assert_array_equal(cen[0], cen[1])


@prop_settings(10)
@given(data=st.data())
def test_kmeanspp_and_fit_identical_for_1_and_2_threads(data):
    X = data.draw(multi_block_matrices())
    k = data.draw(st.integers(1, min(5, X.shape[0])))
    a = kmeans_plusplus(X, k, random_state=3, n_jobs=1)
    b = kmeans_plusplus(X, k, random_state=3, n_jobs=2)
    np.testing.assert_array_equal(a[1], b[1])
    dt = result_dtype(X)
    Xc = np.ascontiguousarray(X, dtype=dt)
    centers, _ = _k.kmeanspp(Xc, None, k, 0, np.random.default_rng(0).random((k - 1, 3)), 1)
    outs = []
    for t in (1, 2):
        c = centers.copy()
        outs.append((_k.fit(Xc, None, c, _k.ALGORITHM_LLOYD, 20, 0.0, False, t, None), c))
    np.testing.assert_array_equal(outs[0][0][0], outs[1][0][0])
    assert outs[0][0][1] == outs[1][0][1]
    np.testing.assert_array_equal(outs[0][1], outs[1][1])


@prop_settings(25)
@given(data=st.data())
def test_float32_centroids_within_float32_tolerance(data):
    X = data.draw(matrices(n_min=1, choices=(np.float64,)))
    K = data.draw(st.integers(1, 5))
    idx = data.draw(labels(X.shape[0], K))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c32 = compute_centroids(X.astype(np.float32), idx, K)
        c64 = compute_centroids(X.astype(np.float32).astype(np.float64), idx, K)
    assert c32.dtype == np.float32
    assert_close(c32, c64, np.float32, scale=max(1.0, float(np.abs(native64(X)).max())))


@pytest.mark.parametrize("call", ["find_closest_centroids", "compute_centroids", "kmeans_plusplus", "KMeans.fit"])
def test_empty_input_raises_naming_x(call):
    X = np.zeros((0, 2))
    fns = {"find_closest_centroids": lambda: find_closest_centroids(X, np.zeros((2, 2))),
           "compute_centroids": lambda: compute_centroids(X, np.zeros(0, dtype=int), 2),
           "kmeans_plusplus": lambda: kmeans_plusplus(X, 1),
           "KMeans.fit": lambda: KMeans(1).fit(X)}
    with pytest.raises(ValueError, match=r"0 sample.* in X"):
        fns[call]()


def test_one_row_one_feature():
    X = with_layout(np.array([[2.5]]), "F", np.dtype(">f8"))
    km = KMeans(1, n_init=1).fit(X)
    np.testing.assert_array_equal(km.cluster_centers_, [[2.5]])
    assert km.inertia_ == 0.0
    np.testing.assert_array_equal(find_closest_centroids(X, [[0.0], [2.0], [3.0]]), [1])


@prop_settings(30)
@given(data=st.data())
def test_run_kmeans_is_the_lab_loop(data):
    """The lab's loop in NumPy: assign (direct distances, lowest index on ties), then mean per cluster,
    an empty cluster keeping its position. Compared where no assignment is a near tie."""
    X = data.draw(matrices(n_min=1, lo=-20, hi=20, distinct=True))
    K = data.draw(st.integers(1, min(4, X.shape[0])))
    iters = data.draw(st.integers(0, 4))
    init = native64(X)[np.random.default_rng(data.draw(st.integers(0, 99))).permutation(X.shape[0])[:K]]
    C, Xn = init.copy(), native64(X)
    hist = [C.copy()]
    idx = np.zeros(X.shape[0], dtype=np.intp)
    for _ in range(iters):
        D = sq_dists(Xn, C)
        srt = np.sort(D, axis=1)
        if K > 1 and np.any(srt[:, 1] - srt[:, 0] <= tol(result_dtype(X), factor=1e3)[0] * (srt[:, 1] + 1)):
            event("near tie: not compared")
            return   # a near tie: rounding may legitimately pick either centroid
        idx = D.argmin(axis=1)
        for k in range(K):
            if np.any(idx == k):
                C[k] = Xn[idx == k].mean(axis=0)
        hist.append(C.copy())
    cen, lab, history = run_kmeans(X, init, iters)
    np.testing.assert_array_equal(lab, idx)
    assert history.shape == (iters + 1, K, X.shape[1])
    assert_close(cen, C, result_dtype(X), scale=max(1.0, float(np.abs(Xn).max())), factor=10)
    assert_close(history, np.stack(hist), result_dtype(X), scale=max(1.0, float(np.abs(Xn).max())), factor=10)


@prop_settings(20)
@given(data=st.data())
def test_integer_sample_weights_equal_repeated_rows(data):
    X = data.draw(matrices(n_min=1, n_max=30, lo=-20, hi=20, distinct=True))
    reps = np.random.default_rng(data.draw(st.integers(0, 99))).integers(1, 4, size=X.shape[0])
    k = data.draw(st.integers(1, min(3, X.shape[0])))
    init = native64(X)[:k]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = KMeans(k, init=init, n_init=1, max_iter=5, tol=0).fit(X, sample_weight=reps.astype(float))
        b = KMeans(k, init=init, n_init=1, max_iter=5, tol=0).fit(np.repeat(native64(X), reps, axis=0).astype(X.dtype))
    scale = max(1.0, float(np.abs(native64(X)).max()))
    rtol, _ = tol(result_dtype(X), factor=1e3)
    # Near ties can move a row either way; compare where both runs agree on the labels.
    agree = np.array_equal(np.repeat(a.labels_, reps), b.labels_)
    event(f"labels agree: {agree}")
    if agree:
        np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, rtol=0, atol=rtol * scale)
        assert abs(a.inertia_ - b.inertia_) <= rtol * (scale ** 2) * reps.sum()


@prop_settings(25)
@given(data=st.data())
def test_hamerly_is_an_exact_acceleration_of_lloyd(data):
    """Same initial centres: Hamerly's bounds only skip distance computations, so labels and inertia are
    Lloyd's (compared where Lloyd's final assignment has no near tie)."""
    X = data.draw(matrices(n_min=2, lo=-20, hi=20, distinct=True))
    k = data.draw(st.integers(1, min(5, X.shape[0])))
    init = native64(X)[np.random.default_rng(data.draw(st.integers(0, 99))).permutation(X.shape[0])[:k]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = (KMeans(k, init=init, n_init=1, tol=0, max_iter=50, algorithm=alg).fit(X)
                for alg in ("lloyd", "hamerly"))
    D = np.sort(sq_dists(X, a.cluster_centers_), axis=1)
    if k > 1 and np.any(D[:, 1] - D[:, 0] <= tol(result_dtype(X), factor=1e3)[0] * (D[:, 1] + 1)):
        event("near tie: not compared")
        return
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert abs(a.inertia_ - b.inertia_) <= tol(result_dtype(X), factor=100)[0] * max(1.0, a.inertia_)


@prop_settings(30)
@given(data=st.data())
def test_weighted_centroid_kernel_is_weighted_mean(data):
    X = data.draw(matrices(n_min=1))
    dt = result_dtype(X)
    K = data.draw(st.integers(1, 5))
    lab = np.ascontiguousarray(data.draw(labels(X.shape[0], K, layout=False)), dtype=np.int32)
    w = np.random.default_rng(data.draw(st.integers(0, 99))).uniform(0.1, 3.0, size=X.shape[0]).astype(dt)
    Xc = np.ascontiguousarray(X, dtype=dt)
    centers = np.full((K, X.shape[1]), 7.0, dtype=dt)   # empty clusters keep this
    wsum = _k.centroids(Xc, lab, w, centers, 1)
    Xn, wn = native64(Xc), native64(w)
    for k in range(K):
        rows = lab == k
        assert wsum[k] == pytest.approx(wn[rows].sum(), rel=1e-6 if dt == np.float32 else 1e-12)
        ref = np.average(Xn[rows], weights=wn[rows], axis=0) if rows.any() else np.full(X.shape[1], 7.0)
        assert_close(centers[k], ref, dt, scale=max(1.0, float(np.abs(Xn).max())), factor=4)
