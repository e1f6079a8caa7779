"""Plain regression tests for bugs found by the property tests of this directory."""
import numpy as np

from pyml.metrics import log_loss
from pyml.tree import DecisionTreeClassifier


def test_weighted_tree_probabilities_are_never_negative():
    """A child's class weights are parent - sibling; with sample weights a class absent from a leaf kept a
    rounding residue of -1.3e-16 as its probability, so predict_proba had negative entries (and
    pyml.metrics.log_loss rejected the output). Found by test_tree_properties.py."""
    X = np.array([[0.00345584, 0.00821618, 0.00330437],
                  [-0.01303157, 0.00905356, 0.00446375],
                  [-0.00536953, 0.00581118, 0.00364572],
                  [0.00294132, 0.00028422, 0.00546713],
                  [-0.00736454, -0.0016291, -0.00482119]])
    y = np.array([0, 1, 2, 0, 0])
    w = np.array([0.54131909, 2.5331756, 2.78188894, 2.01658944, 2.3237414])
    clf = DecisionTreeClassifier(max_depth=3).fit(X, y, sample_weight=w)
    P = clf.predict_proba(X)
    assert np.all(clf.tree_.value >= 0)
    assert np.all(P >= 0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(clf.predict(X), y)
    assert log_loss(y, P) < 1e-10


def test_wide_pca_undefined_axis_is_zero_not_a_rounding_residue():
    """Wide data (n < d) with n_components = n: centred X has rank n - 1, so the last axis is undefined
    and documented to be left at zero. The zero test compared the singular value with eps·S_max, but the
    Gram eigenvalues' rounding (eps·λ_max) makes that singular value ~sqrt(eps)·S_max: in ~40% of random
    fits the axis came out as Xc^T u / s, a vector of norm ~1e-8 (neither unit nor zero).
    Found by test_decomposition_properties.py."""
    from pyml.decomposition import PCA

    rng = np.random.default_rng(1)
    for _ in range(50):
        n = int(rng.integers(2, 6))
        X = rng.normal(size=(n, int(rng.integers(n + 1, 9)))) * 10 ** rng.uniform(-3, 2)
        for dtype in (np.float64, np.float32):
            C = PCA(n, svd_solver="full").fit(X.astype(dtype)).components_.astype(np.float64)
            norms = np.linalg.norm(C, axis=1)
            assert norms[-1] == 0.0
            np.testing.assert_allclose(norms[:-1], 1.0, atol=1e-5)
            np.testing.assert_allclose(C @ C.T, np.diag(norms > 0).astype(float), atol=1e-5)


def _f1(pred, y):
    tp = np.sum((pred == 1) & (y == 1))
    fp = np.sum((pred == 1) & (y == 0))
    fn = np.sum((pred == 0) & (y == 1))
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


# (X, X_val, y_val, dtype, method): fit_threshold reported an F1 that predict(X_val) did not reach.
_THRESHOLD_CASES = [
    # float32 scores: predict compared them with log_epsilon_ rounded to float32 (NumPy's weak Python
    # float), and a threshold just past the largest flagged score landed on it: 0.667 instead of 0.857.
    ([0.5444623827934265, -0.15405705571174622, 1.0805330276489258, -1.4997987747192383],
     [2.167562246322632, -1.773809552192688, -0.39761266112327576, -1.6057573556900024], [1, 1, 1, 0],
     np.float32, "exact"),
    ([0.6390820145606995, 0.9146775603294373, -1.6049323081970215],
     [-0.6254331469535828, 1.056403636932373, -1.6449867486953735], [1, 0, 0], np.float32, "grid"),
    # float64, grid methods: the scan flags p < epsilon but predict flags log p < log(epsilon); exp/log
    # rounding put a validation row on the other side (0.75 instead of 0.889).
    ([-1.316779356153019, -2.2310684595987667, 0.5706358794637202, 1.6532844966974014, -0.5716873321584615],
     [-2.4524668295505014, 1.6931313451090668, 3.8158987742617723, 1.5153456399580545, 1.070222335109948],
     [1, 1, 1, 0, 1], np.float64, "grid"),
    ([0.6259423494338989, 0.5066923499107361, -0.005081260576844215, 1.2537513971328735, -2.555870294570923,
      0.4954528510570526, 0.18857717514038086],
     [0.6397745013237, 0.577721893787384, 0.3170194923877716, 1.2991870641708374, 0.8379091024398804,
      0.4141858220100403, 0.643282413482666], [0, 0, 0, 0, 1, 0, 0], np.float32, "log-grid"),
]


def test_anomaly_predict_reaches_the_f1_fit_threshold_reports():
    """Found by test_anomaly_properties.py::test_fit_threshold_predictions_reach_the_reported_f1."""
    from pyml.anomaly import GaussianAnomalyDetector

    for X, Xv, y, dtype, method in _THRESHOLD_CASES:
        X, Xv, y = np.asarray(X, dtype)[:, None], np.asarray(Xv, dtype)[:, None], np.asarray(y)
        det = GaussianAnomalyDetector().fit(X).fit_threshold(Xv, y, method=method)
        assert abs(_f1(det.predict(Xv), y) - det.f1_) <= 1e-12, (dtype, method)
        # decision_function's sign agrees with predict
        np.testing.assert_array_equal(det.decision_function(Xv) < 0, det.predict(Xv) == 1)


def test_minmax_scaler_subnormal_and_overflowing_ranges():
    """A subnormal range (2e-311) made scale_ = 1/range = inf and transform returned NaN; a range that
    overflows (max - min > float max) made scale_ = 0 and every row mapped to feature_range[0].
    Found by test_preprocessing_metrics_properties.py::test_minmax_scaler_matches_numpy."""
    from pyml.preprocessing import MinMaxScaler

    X = np.array([[2.22507386e-311], [0.0]])
    Z = MinMaxScaler().fit(X).transform(X)
    assert np.all(np.isfinite(Z))
    np.testing.assert_array_equal(Z, X)   # a constant column (range < 10 eps) is only shifted by min
    for dtype, big in ((np.float64, 1e308), (np.float32, 3e38)):
        X = np.array([[-big], [big], [0.0]], dtype=dtype)
        sc = MinMaxScaler().fit(X)
        Z = sc.transform(X)
        np.testing.assert_allclose(Z.ravel(), [0.0, 1.0, 0.5], atol=1e-6)
        np.testing.assert_allclose(sc.inverse_transform(Z).ravel() / big, [-1.0, 1.0, 0.0], atol=1e-6)


def test_standard_scaler_constant_column_away_from_zero_is_not_amplified():
    """The mean of 60 copies of 13.24386586 is off by a few ulps, so the column's std came out as
    ~3.6e-15, above the absolute 10 eps cut: scale_ was 3.6e-15, transform(X) turned the constant column
    into -0.5 noise and a value 2.7e-4 away into 7.7e10. Found by
    test_preprocessing_metrics_properties.py::test_standard_scaler_matches_numpy."""
    from pyml.preprocessing import StandardScaler

    for dtype in (np.float64, np.float32):
        X = np.full((60, 2), 13.24386586, dtype=dtype)
        X[:, 1] = np.arange(60)
        sc = StandardScaler().fit(X)
        assert sc.scale_[0] == 1.0
        assert np.abs(sc.transform(X)[:, 0]).max() < 1e-4   # the float32 mean's rounding, not ~0.5
        assert abs(float(sc.transform(np.array([[13.244141, 0.0]], dtype=dtype))[0, 0]) - 2.75e-4) < 3e-5


def test_linear_regression_float32_coefficients_that_overflow_raise():
    """float32 X with a subnormal feature: the exact coefficient (7e40) does not fit float32; fit stored
    coef_ = inf silently (predict then gave inf/NaN). Found by test_linear_model_properties.py (an
    'overflow encountered in cast' warning)."""
    import pytest

    from pyml.linear_model import LinearRegression

    X = np.array([[6e-39], [0.0]], dtype=np.float32)
    with pytest.raises(ValueError, match="LinearRegression: .*overflow X's dtype float32.*rescale X"):
        LinearRegression().fit(X, [-29.5, 41.5])
    coef = LinearRegression().fit(X.astype(np.float64), [-29.5, 41.5]).coef_   # float64 holds it
    assert np.isfinite(coef).all() and abs(coef[0]) > 1e40


def test_kmeans_predict_on_training_data_equals_labels_with_duplicate_centres():
    """float32 data are centred inside fit; two centres 1 ulp apart there (a seeded row and a mean of 13
    equal rows) became the same point in cluster_centers_. predict re-derived the centred centres from
    cluster_centers_, so fit's label 3 became a tie won by centre 0: predict(X) != labels_ on 13 of 15
    rows, although the docs say they agree bit for bit. Found by
    test_cluster_properties.py::test_kmeans_predict_transform_match_numpy."""
    import pickle
    import warnings

    from pyml.cluster import KMeans

    X = np.full((15, 2), 3.0, dtype=np.float32)
    X[1], X[2] = [0.0, 3.0], [3.0, 15.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # fewer distinct clusters than n_clusters
        km = KMeans(4, n_init=1, random_state=0).fit(X)
    np.testing.assert_array_equal(km.predict(X), km.labels_)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(km)).predict(X), km.labels_)
    assert km.score(X) == -km.inertia_


def test_select_threshold_grid_on_subnormal_range_raises_value_error():
    """max(p) - min(p) = 1e-321: the lab's step (max - min) / n_steps underflowed to 0 and np.arange raised
    ZeroDivisionError. Found by test_anomaly_properties.py::test_fit_threshold_predictions_reach_the_reported_f1."""
    import pytest

    from pyml.anomaly import select_threshold

    p = np.array([0.0, 1e-321, 5e-322, 0.0])
    with pytest.raises(ValueError, match="select_threshold: p_val spans too small a range.*log-grid"):
        select_threshold([0, 1, 0, 1], p, method="grid")
    eps, f1 = select_threshold([1, 0, 0, 1], p, method="exact")   # the exact scan handles it
    assert f1 == 1.0 and eps > 0


def test_select_threshold_log_grid_first_point_is_the_smallest_positive_density():
    """exp(log(1e-300)) = 1.0000000000000237e-300: the log grid's first point also flagged the smallest
    positive density, so separating the underflowed zeros (F1 = 1) was impossible and 0.8 came back."""
    from pyml.anomaly import select_threshold

    eps, f1 = select_threshold([0, 1, 1, 0], [1e-300, 0.0, 0.0, 2e-300], method="log-grid")
    assert (eps, f1) == (1e-300, 1.0)
