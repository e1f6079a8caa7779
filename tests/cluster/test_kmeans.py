"""K-means: course values, NumPy references, scikit-learn agreement, threads, bad input, pickling."""
import os
import pathlib
import pickle
import warnings

import numpy as np
import pytest

from pyml.cluster import (
    KMeans, MiniBatchKMeans, compress_image, compute_centroids, find_closest_centroids, kmeans_init_centroids,
    kmeans_plusplus, run_kmeans,
)
from pyml.cluster import _cluster_kernels as K
from pyml.datasets import make_blobs
from pyml.exceptions import ConvergenceWarning, NotFittedError

# ../shared/course-data beside the checkout (as tests/conftest.py), or $PYML_COURSE_DATA.
_DATA = os.environ.get("PYML_COURSE_DATA") or str(pathlib.Path(__file__).resolve().parents[2].parent / "shared" /
                                                   "course-data")
COURSE = os.path.join(_DATA, "c3w1-kmeans")
needs_course = pytest.mark.skipif(not os.path.isdir(COURSE), reason="course data not available")
DTYPES = [np.float32, np.float64]


def _tol(dtype):
    return dict(rtol=2e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)


def _blobs(n=3000, d=5, k=6, seed=0, dtype=np.float64):
    X, y = make_blobs(n, d, centers=k, random_state=seed)
    return X.astype(dtype), y


def _ref_labels(X, C):
    d2 = ((X[:, None, :].astype(np.float64) - C[None, :, :].astype(np.float64)) ** 2).sum(-1)
    return d2.argmin(1), d2.min(1)


# ---- the course's lab --------------------------------------------------------

@needs_course
def test_course_first_steps():
    X = np.load(f"{COURSE}/ex7_X.npy")
    C0 = np.array([[3, 3], [6, 2], [8, 5]], dtype=float)
    idx = find_closest_centroids(X, C0)
    assert idx[:3].tolist() == [0, 2, 1]
    C1 = compute_centroids(X, idx, 3)
    np.testing.assert_allclose(C1, [[2.42830111, 3.15792418], [5.81350331, 2.63365645], [7.11938687, 3.6166844]],
                               atol=1e-8)


@needs_course
def test_course_run_kmeans_matches_numpy_loop():
    X = np.load(f"{COURSE}/ex7_X.npy")
    C = np.array([[3, 3], [6, 2], [8, 5]], dtype=float)
    cents, idx, hist = run_kmeans(X, C, max_iters=10)
    ref = C.copy()
    for _ in range(10):
        lab, _ = _ref_labels(X, ref)
        ref = np.array([X[lab == j].mean(0) for j in range(3)])
    np.testing.assert_allclose(cents, ref, rtol=1e-12)
    np.testing.assert_array_equal(idx, lab)
    assert hist.shape == (11, 3, 2)
    np.testing.assert_array_equal(hist[0], C)
    np.testing.assert_allclose(hist[-1], cents)


@needs_course
def test_course_bird_compression():
    import matplotlib.pyplot as plt

    img = plt.imread(f"{COURSE}/bird_small.png")
    out, palette = compress_image(img, 16, random_state=0)
    assert out.shape == img.shape and out.dtype == img.dtype
    assert palette.shape == (16, img.shape[2])
    assert len(np.unique(out.reshape(-1, img.shape[2]), axis=0)) <= 16
    assert np.mean((out - img) ** 2) < 0.01


# ---- kernels against NumPy references -----------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("direct", [True, False])
def test_assign_matches_numpy(dtype, direct):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(1001, 7)).astype(dtype)
    C = rng.normal(size=(19, 7)).astype(dtype)
    lab, dist = K.assign(X, C, direct, 2)
    ref_lab, ref_d = _ref_labels(X, C)
    np.testing.assert_array_equal(lab, ref_lab)
    np.testing.assert_allclose(dist, ref_d, **_tol(dtype))


def test_assign_ties_go_to_lowest_index():
    X = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 2.0]])
    C = np.array([[1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [5.0, 5.0]])  # x0 equidistant to 0, 1, 2
    for direct in (True, False):
        lab, _ = K.assign(X, C, direct, 1)
        assert lab[0] == 0
    np.testing.assert_array_equal(find_closest_centroids(X, C), [0, 0, 0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_transform_and_score(dtype):
    X, _ = _blobs(500, 4, 3, dtype=dtype)
    km = KMeans(3, random_state=0, n_jobs=1).fit(X)
    D = km.transform(X)
    ref = np.sqrt(((X[:, None, :].astype(np.float64) - km.cluster_centers_[None].astype(np.float64)) ** 2).sum(-1))
    np.testing.assert_allclose(D, ref, **_tol(dtype))
    assert D.dtype == dtype
    np.testing.assert_array_equal(km.predict(X), km.labels_)
    np.testing.assert_allclose(-km.score(X), km.inertia_, rtol=1e-5 if dtype == np.float32 else 1e-10)
    np.testing.assert_allclose(km.inertia_, (D.min(1).astype(np.float64) ** 2).sum(), rtol=1e-4)


@pytest.mark.parametrize("dtype", DTYPES)
def test_compute_centroids_weighted_reference(dtype):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(5000, 3)).astype(dtype)
    idx = rng.integers(0, 5, 5000)
    w = rng.uniform(0, 2, 5000).astype(dtype)
    C = np.zeros((5, 3), dtype=dtype)
    wsum = K.centroids(X, idx.astype(np.int32), w, C, 2)
    ref = np.array([np.average(X[idx == j].astype(np.float64), axis=0, weights=w[idx == j]) for j in range(5)])
    np.testing.assert_allclose(C, ref, **_tol(dtype))
    np.testing.assert_allclose(wsum, [w[idx == j].sum(dtype=np.float64) for j in range(5)], rtol=1e-5)


def test_compute_centroids_empty_cluster_documented():
    X = np.array([[0.0, 0.0], [2.0, 2.0]])
    with pytest.warns(RuntimeWarning, match=r"\[2\]"):
        C = compute_centroids(X, [0, 1], 3)
    np.testing.assert_allclose(C[2], [1.0, 1.0])  # mean of X
    prev = np.array([[9.0, 9.0], [8.0, 8.0], [7.0, 7.0]])
    with pytest.warns(RuntimeWarning):
        C = compute_centroids(X, [0, 1], 3, previous=prev)
    np.testing.assert_allclose(C, [[0, 0], [2, 2], [7, 7]])


def test_kernel_rejects_bad_labels():
    X = np.ones((10, 2))
    C = np.zeros((2, 2))
    with pytest.raises(IndexError):
        K.centroids(X, np.full(10, 5, dtype=np.int32), None, C, 1)
    with pytest.raises(ValueError, match="outside"):
        compute_centroids(X, np.full(10, 5), 2)


# ---- scikit-learn agreement ----------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("algorithm", ["lloyd", "hamerly"])
def test_agrees_with_sklearn_same_init(dtype, algorithm):
    sk = pytest.importorskip("sklearn.cluster")
    X, _ = _blobs(4000, 6, 8, seed=3, dtype=dtype)
    init = X[np.random.default_rng(0).choice(len(X), 8, replace=False)]
    ours = KMeans(8, init=init, n_init=1, max_iter=15, tol=0.0, algorithm=algorithm).fit(X)
    ref = sk.KMeans(8, init=init, n_init=1, max_iter=15, tol=0.0, algorithm="lloyd").fit(X)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-4 if dtype == np.float32 else 1e-9)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, **_tol(dtype))
    assert ours.cluster_centers_.dtype == dtype


def test_sklearn_agreement_with_sample_weight_and_tol():
    sk = pytest.importorskip("sklearn.cluster")
    X, _ = _blobs(2000, 3, 5, seed=4)
    w = np.random.default_rng(0).uniform(0.1, 3, len(X))
    init = X[:5].copy()
    ours = KMeans(5, init=init, tol=1e-3).fit(X, sample_weight=w)
    ref = sk.KMeans(5, init=init, n_init=1, tol=1e-3).fit(X, sample_weight=w)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-9)


def test_hamerly_and_lloyd_same_labels():
    X, _ = _blobs(5000, 8, 10, seed=5)
    a = KMeans(10, random_state=1, algorithm="lloyd").fit(X)
    b = KMeans(10, random_state=1, algorithm="hamerly").fit(X)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    np.testing.assert_allclose(a.cluster_centers_, b.cluster_centers_, rtol=1e-10)
    assert a.n_iter_ == b.n_iter_


def test_kmeanspp_quality_vs_sklearn():
    sk = pytest.importorskip("sklearn.cluster")
    X, _ = _blobs(3000, 4, 10, seed=6)
    pots, sk_pots = [], []
    for seed in range(5):
        C, idx = kmeans_plusplus(X, 10, random_state=seed)
        np.testing.assert_array_equal(C, X[idx])
        assert len(set(idx.tolist())) == 10
        pots.append(_ref_labels(X, C)[1].sum())
        Cs, _ = sk.kmeans_plusplus(X, 10, random_state=seed)
        sk_pots.append(_ref_labels(X, Cs)[1].sum())
    assert np.mean(pots) < 1.3 * np.mean(sk_pots)


def test_kmeanspp_weights_zero_rows_never_chosen():
    X, _ = _blobs(500, 2, 4, seed=7)
    w = np.zeros(len(X))
    w[:50] = 1.0
    for seed in range(3):
        _, idx = kmeans_plusplus(X, 4, sample_weight=w, random_state=seed)
        assert np.all(idx < 50)


# ---- determinism across threads ---------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("algorithm", ["lloyd", "hamerly"])
def test_threads_bitwise_identical(dtype, algorithm):
    X, _ = _blobs(20000, 5, 12, seed=8, dtype=dtype)  # several chunks
    w = np.random.default_rng(1).uniform(0.5, 2, len(X)).astype(dtype)
    fits = [KMeans(12, random_state=3, n_init=2, algorithm=algorithm, n_jobs=t).fit(X, sample_weight=w)
            for t in (1, 2)]
    np.testing.assert_array_equal(fits[0].cluster_centers_, fits[1].cluster_centers_)
    np.testing.assert_array_equal(fits[0].labels_, fits[1].labels_)
    assert fits[0].inertia_ == fits[1].inertia_
    a = kmeans_plusplus(X, 12, random_state=0, n_jobs=1)
    b = kmeans_plusplus(X, 12, random_state=0, n_jobs=2)
    np.testing.assert_array_equal(a[1], b[1])
    C = np.zeros((12, 5), dtype=dtype)
    C2 = np.zeros((12, 5), dtype=dtype)
    K.centroids(X, fits[0].labels_.astype(np.int32), w, C, 1)
    K.centroids(X, fits[0].labels_.astype(np.int32), w, C2, 2)
    np.testing.assert_array_equal(C, C2)


# ---- estimator behaviour ----------------------------------------------------------

def test_float32_kept_and_n_init_best():
    X, _ = _blobs(1000, 3, 5, dtype=np.float32)
    km = KMeans(5, init="random", n_init=5, random_state=0).fit(X)
    assert km.cluster_centers_.dtype == np.float32
    assert km.predict(X).shape == (1000,)
    singles = [KMeans(5, init="random", n_init=1, random_state=s).fit(X).inertia_ for s in range(3)]
    assert km.inertia_ <= max(singles) * (1 + 1e-6)


def test_empty_cluster_relocated():
    X = np.vstack([np.zeros((50, 2)), np.ones((50, 2)) * 10, [[5.0, 5.0]]])
    init = np.array([[0.0, 0.0], [10.0, 10.0], [100.0, 100.0]])  # third centre gets nothing
    km = KMeans(3, init=init, max_iter=5).fit(X)
    assert len(np.unique(km.labels_)) == 3
    assert np.all(np.isfinite(km.cluster_centers_))


def test_duplicate_points_warn():
    X = np.zeros((10, 2))
    X[5:] = 1
    with pytest.warns(ConvergenceWarning):
        KMeans(3, random_state=0).fit(X)


def test_callbacks_and_verbose(capsys):
    from pyml.utils.callbacks import History

    X, _ = _blobs(2000, 2, 4, seed=9)
    h = History()
    km = KMeans(4, init="random", n_init=1, random_state=0, verbose=2, tol=0).fit(X, callbacks=[h])
    assert len(h.history["loss"]) == km.n_iter_
    assert np.all(np.diff(h.history["loss"]) <= 1e-9 * h.history["loss"][0])  # inertia never increases
    assert "iteration" in capsys.readouterr().err


def test_minibatch_close_to_full_kmeans():
    X, _ = _blobs(6000, 4, 5, seed=10)
    full = KMeans(5, random_state=0).fit(X)
    mb = MiniBatchKMeans(5, random_state=0, batch_size=256).fit(X)
    assert mb.inertia_ < 1.05 * full.inertia_
    assert mb.cluster_centers_.shape == (5, 4)
    np.testing.assert_array_equal(mb.predict(X), mb.labels_)


def test_minibatch_partial_fit_stream():
    X, _ = _blobs(6000, 3, 4, seed=11)
    mb = MiniBatchKMeans(4, random_state=0)
    for chunk in np.array_split(X, 30):
        mb.partial_fit(chunk)
    assert mb.n_steps_ == 30
    full = KMeans(4, random_state=0).fit(X)
    assert -mb.score(X) < 1.1 * full.inertia_


@pytest.mark.parametrize("Est", [KMeans, MiniBatchKMeans])
def test_pickle_identical_predictions(Est):
    X, _ = _blobs(800, 3, 4)
    est = Est(4, random_state=0).fit(X)
    est2 = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(est.predict(X), est2.predict(X))
    np.testing.assert_array_equal(est.transform(X), est2.transform(X))


def test_kmeans_init_centroids_rows_of_X():
    X, _ = _blobs(100, 2, 3)
    C = kmeans_init_centroids(X, 5, random_state=0)
    assert C.shape == (5, 2)
    assert all(any(np.array_equal(c, x) for x in X) for c in C)
    np.testing.assert_array_equal(C, kmeans_init_centroids(X, 5, random_state=0))


# ---- bad input ----------------------------------------------------------------------

def test_bad_inputs():
    X, _ = _blobs(20, 2, 2)
    with pytest.raises(ValueError, match="n_samples=20 should be >= n_clusters=21"):
        KMeans(21).fit(X)
    with pytest.raises(ValueError, match="must be >= 1"):
        KMeans(0).fit(X)
    with pytest.raises(ValueError, match="must be >= 1"):
        KMeans(-2).fit(X)
    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        KMeans(2).fit(Xn)
    Xi = X.copy()
    Xi[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        KMeans(2).fit(Xi)
    with pytest.raises(ValueError, match="0 sample"):
        KMeans(2).fit(np.empty((0, 2)))
    with pytest.raises(ValueError, match="algorithm"):
        KMeans(2, algorithm="fast").fit(X)
    with pytest.raises(ValueError, match="init"):
        KMeans(2, init="kmeans").fit(X)
    with pytest.raises(ValueError, match="shape"):
        KMeans(2, init=np.zeros((3, 2))).fit(X)
    with pytest.raises(ValueError, match="negative"):
        KMeans(2).fit(X, sample_weight=-np.ones(20))
    with pytest.raises(NotFittedError):
        KMeans(2).predict(X)
    km = KMeans(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="features"):
        km.predict(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="features"):
        find_closest_centroids(X, np.zeros((2, 3)))
    with pytest.raises(ValueError):
        kmeans_plusplus(X, 50)
    with pytest.raises(ValueError, match="larger"):
        kmeans_init_centroids(X, 21)


# ---- scikit-learn's estimator checks ------------------------------------------------

def _sklearn_checks():
    try:
        from sklearn.utils.estimator_checks import parametrize_with_checks
    except ImportError:  # pragma: no cover
        return pytest.mark.skip(reason="scikit-learn not installed")
    return parametrize_with_checks([KMeans(n_clusters=3, random_state=0, n_init=2),
                                    MiniBatchKMeans(n_clusters=3, random_state=0, batch_size=32)],
                                   expected_failed_checks=_expected_failures)


def _expected_failures(estimator):
    return {
        # As scikit-learn's own KMeans (xfail there too): the random seeding
        # draws differently for weighted rows than for repeated rows.
        "check_sample_weight_equivalence_on_dense_data": "random init differs for weighted vs repeated rows",
    }


@_sklearn_checks()
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def test_empty_cluster_relocation_matches_sklearn():
    sk = pytest.importorskip("sklearn.cluster")
    X, _ = _blobs(600, 2, 3, seed=12)
    init = np.vstack([X[:3], [[500.0, 500.0]], [[-500.0, 400.0]]])  # two centres far from every point
    ours = KMeans(5, init=init, max_iter=10, tol=0.0).fit(X)
    ref = sk.KMeans(5, init=init, n_init=1, max_iter=10, tol=0.0).fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-10)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-10)


def test_callback_can_stop_and_errors_propagate():
    from pyml.utils.callbacks import Callback

    X, _ = _blobs(3000, 3, 8, seed=13)

    class StopAt(Callback):
        def on_iteration_end(self, estimator, iteration, logs=None):
            return iteration >= 2

    class Boom(Callback):
        def on_iteration_end(self, estimator, iteration, logs=None):
            raise RuntimeError("boom at %d" % iteration)

    km = KMeans(8, init="random", n_init=1, random_state=0, tol=0).fit(X, callbacks=[StopAt()])
    assert km.n_iter_ == 3
    np.testing.assert_array_equal(km.labels_, km.predict(X))  # final E-step after an early stop
    with pytest.raises(RuntimeError, match="boom at 0"):
        KMeans(8, random_state=0).fit(X, callbacks=[Boom()])


@pytest.mark.parametrize("dtype, offset", [(np.float64, 0.0), (np.float64, 1e6), (np.float32, 0.0),
                                           (np.float32, 1e3)])
def test_far_from_origin_matches_sklearn(dtype, offset):
    """Centring keeps the ||x||^2 - 2x.c + ||c||^2 expansion accurate far from the origin."""
    sk = pytest.importorskip("sklearn.cluster")
    X, _ = _blobs(3000, 4, 5, seed=14)
    X = (X + offset).astype(dtype)
    init = X[:5].copy()
    ours = KMeans(5, init=init, max_iter=20, tol=0.0).fit(X)
    ref = sk.KMeans(5, init=init, n_init=1, max_iter=20, tol=0.0).fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-3 if dtype == np.float32 else 1e-9)
    np.testing.assert_array_equal(ours.predict(X), ours.labels_)


@pytest.mark.parametrize("make", ["KMeans", "MiniBatchKMeans"])
def test_float32_fit_peak_memory_below_twice_X(make):
    """No float64 copy of a float32 X (np.var(..., dtype=float64) used to peak at 4x X)."""
    import tracemalloc

    from pyml.cluster import KMeans, MiniBatchKMeans

    X = np.random.default_rng(0).standard_normal((200_000, 16)).astype(np.float32)
    est = KMeans(8, n_init=1, max_iter=3, random_state=0) if make == "KMeans" else \
        MiniBatchKMeans(8, random_state=0, max_iter=2)
    tracemalloc.start()
    try:
        est.fit(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2.0 * X.nbytes, peak / X.nbytes
